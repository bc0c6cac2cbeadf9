#!/usr/bin/env python3
"""tables.py MACHINE.tsv RESULTS.tsv: the markdown of doc/benchmarks.md.

Reads what tests/bench/run.sh measured: MACHINE.tsv holds "key<TAB>value"
lines; RESULTS.tsv one line per run, "section label name wall user sys
rss_kib events bytes command", and "gen label command" lines with the
commands that generated the traces.
"""

import os
import sys


def load(path):
    machine = {}
    with open(path[0], encoding="utf-8") as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition("\t")
            machine[key] = value
    runs, gens = [], []
    with open(path[1], encoding="utf-8") as f:
        for line in f:
            field = line.rstrip("\n").split("\t")
            if field[0] == "gen":
                gens.append((field[1], field[2]))
                continue
            section, label, name, wall, user, sys_, rss, n, size, cmd = field
            runs.append({
                "section": section, "label": label, "name": name,
                # /usr/bin/time has 10 ms steps; a 0 would divide by zero
                "wall": max(float(wall), 0.01),
                "cpu": float(user) + float(sys_),
                "rss": int(rss) / 1024, "n": int(n), "bytes": int(size),
                "cmd": cmd,
            })
    return machine, runs, gens


def table(head, rows, left=1):
    """A markdown table, the first LEFT columns left-aligned, numbers right."""
    out = ["| " + " | ".join(head) + " |",
           "|" + "|".join("---" if i < left else "---:"
                          for i in range(len(head))) + "|"]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return out


def rate_row(r, first):
    return [r[first], r["label"], f"{r['n']:,}", f"{r['wall']:.2f}",
            f"{r['cpu']:.2f}", f"{r['n'] / r['wall'] / 1e6:.2f}",
            f"{r['bytes'] / r['wall'] / 1e6:.0f}",
            f"{r['wall'] * 1e9 / r['n']:.0f}", f"{r['rss']:.0f}"]


RATE_HEAD = ["seconds", "CPU seconds", "M events/s", "MB/s of input",
             "ns/event", "peak RSS (MiB)"]


def main():
    machine, runs, gens = load(sys.argv[1:3])
    count = int(os.environ.get("BENCH_RUNS", "1"))
    times = "once" if count == 1 else f"{count} times and the fastest run counts"
    scale = [r for r in runs if r["section"] == "scale"]
    refs = [r for r in runs if r["section"] == "ref"]
    batch = [r for r in runs if r["section"] == "batch"]
    names = list(dict.fromkeys(r["name"] for r in scale))
    labels = list(dict.fromkeys(r["label"] for r in scale))
    out = ["# Benchmarks", "",
           "Made by `make bench` (tests/bench/run.sh), which rewrites this "
           "file.", ""]
    out += table(["machine", ""], [[k, machine[k]] for k in machine], 2)
    out += ["", "## Scaling", "",
            "Traces written by tests/etlgen (the default mix of kernel, "
            "manifest, TraceLogging and classic events, 8 CPUs) to the sizes "
            "in GB (1e9 bytes) of .etl file. Each command runs "
            f"{times}, with the trace in the page cache (it is read once "
            "before), output to "
            "/dev/null or, for convert, to a file in the same directory that "
            "is deleted afterwards. Seconds are wall clock, CPU seconds user "
            "plus system, rates and ns/event are per wall second.", ""]
    by = {(r["name"], r["label"]): r for r in scale}
    rows = [rate_row(by[(name, label)], "name")
            for name in names for label in labels if (name, label) in by]
    out += table(["command", "trace", "events"] + RATE_HEAD, rows)
    if len(labels) > 1:
        small, large = labels[0], labels[-1]
        out += ["", f"Cost per event and peak memory, {large} against "
                f"{small} ({by[(names[0], large)]['n'] / by[(names[0], small)]['n']:.0f} "
                "times the events):", ""]
        for name in names:
            a, b = by[(name, small)], by[(name, large)]
            na, nb = a["wall"] * 1e9 / a["n"], b["wall"] * 1e9 / b["n"]
            out.append(f"- {name}: {nb:.0f} ns/event against {na:.0f} "
                       f"(x{nb / na:.2f}); peak RSS {b['rss']:.0f} MiB "
                       f"against {a['rss']:.0f} MiB")

    if refs:
        out += ["", "## References", "",
                "What the libraries etlkit writes with do on their own with "
                "the same rows: the CSV of every table of the csv.gz "
                "conversion, decompressed, compressed again by `gzip -6` "
                "(all tables in one file) and imported by the sqlite3 shell "
                "(`.import --csv`, one table per file, into a fresh database, "
                "in one process). MB/s is of the uncompressed CSV.", ""]
        rows = []
        for r in refs:
            rows.append([r["name"], r["label"], f"{r['bytes'] / 1e6:.0f}",
                         f"{r['wall']:.2f}", f"{r['cpu']:.2f}",
                         f"{r['bytes'] / r['wall'] / 1e6:.0f}",
                         f"{r['rss']:.0f}"])
        out += table(["reference", "trace", "CSV (MB)", "seconds",
                      "CPU seconds", "MB/s of CSV", "peak RSS (MiB)"], rows)
        out += ["", "etlkit against its reference on the same trace (etlkit "
                "also reads and decodes the trace, the reference does not):",
                ""]
        rows = []
        pairs = [("etlkit convert SQLite -j 1", "sqlite3 .import"),
                 ("etlkit convert SQLite -j 2", "sqlite3 .import"),
                 ("etlkit convert csv.gz -j 1", "gzip -6"),
                 ("etlkit convert csv.gz -j 2", "gzip -6")]
        for stage, ref in pairs:
            for r in refs:
                e = by.get((stage, r["label"]))
                if ref != r["name"] or e is None:
                    continue
                rows.append([stage, ref, r["label"], f"{e['wall']:.2f}",
                             f"{r['wall']:.2f}",
                             f"{e['wall'] / r['wall']:.2f}",
                             f"{e['cpu'] / max(r['cpu'], 0.01):.2f}"])
        out += table(["etlkit", "reference", "trace", "etlkit seconds",
                      "reference seconds", "ratio (wall)", "ratio (CPU)"],
                     rows, 2)

    if batch:
        out += ["", "## Batch", "",
                "Many small traces (different seeds) converted by one "
                "command into one SQLite database.", ""]
        out += table(["command", "traces", "events"] + RATE_HEAD,
                     [rate_row(r, "name") for r in batch])

    out += ["", "## Commands", "",
            "Paths are relative to the build tree (src/, tests/) and to "
            "BENCH_DIR (traces and outputs). The traces:", "", "```"]
    out += [cmd for _, cmd in gens]
    out += ["```", "", f"Measured with `/usr/bin/time -f \"%e %U %S %M\"`, "
            "stdout to /dev/null; on the first trace:", "", "```"]
    first = labels[0] if labels else None
    out += [r["cmd"] for r in scale if r["label"] == first]
    out += ["```"]
    if refs:
        out += ["", f"References (on {refs[0]['label']}), after "
                "`gzip -dc out-csv/*.csv.gz > all.csv` and, for sqlite3, "
                "`gzip -dc` of each out-csv/TABLE.csv.gz to ref-csv/TABLE.csv "
                "and one line `.import --csv \"ref-csv/TABLE.csv\" TABLE` per "
                "table in import.sql:", "", "```"]
        out += [r["cmd"] for r in refs if r["label"] == refs[0]["label"]]
        out += ["```"]
    if batch:
        out += ["", "Batch:", "", "```"]
        out += [r["cmd"] for r in batch]
        out += ["```"]
    print("\n".join(out))


if __name__ == "__main__":
    main()
