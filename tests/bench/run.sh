#!/bin/sh
# run.sh - `make bench`: measures etlkit on large generated traces and writes
# the table to doc/benchmarks.md.  Not part of `make check`.
#
# Environment: BENCH_EVENTS (default 5000000) events per trace,
# BENCH_DIR (default ./bench-out) where traces are written.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(pwd)
etlkit="$build/src/etlkit"
etlgen="$build/tests/etlgen"
events=${BENCH_EVENTS:-5000000}
dir=${BENCH_DIR:-$build/bench-out}
mkdir -p "$dir"
out="$top/doc/benchmarks.md"

trace="$dir/bench-$events.etl"
if [ ! -f "$trace" ]; then
	echo "generating $trace ($events events)..." >&2
	"$etlgen" -o "$trace" --events "$events" --cpus 8 --seed 42 \
		--manifest-out "$dir/bench.man" >/dev/null
fi
size=$(stat -c %s "$trace")
n=$("$etlkit" info --json "$trace" | python3 -c 'import json,sys; print(json.load(sys.stdin)["events"])')

# measure NAME COMMAND...: wall seconds and peak RSS (KiB) of one run
measure() {
	name=$1
	shift
	/usr/bin/time -f "%e %M" -o "$dir/time.txt" "$@" >/dev/null
	read -r secs rss <"$dir/time.txt"
	python3 - "$name" "$secs" "$rss" "$n" "$size" <<'PY' >>"$dir/rows.md"
import sys
name, secs, rss, n, size = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
secs = max(secs, 0.01)
print(f"| {name} | {secs:.2f} | {n / secs / 1e6:.2f} | {size / secs / 1e6:.0f} | {rss / 1024:.0f} |")
PY
	tail -n 1 "$dir/rows.md" >&2
}

: >"$dir/rows.md"
measure "cat (raw read)" cat "$trace"
measure "etlkit info" "$etlkit" info "$trace"
measure "etlkit dump -f jsonl --no-decode" "$etlkit" dump --no-decode "$trace"
measure "etlkit dump -f jsonl (decoded)" "$etlkit" dump -m "$dir/bench.man" "$trace"
measure "etlkit dump -f text (decoded)" "$etlkit" dump -f text -m "$dir/bench.man" "$trace"
for j in 1 2; do
	rm -f "$dir/out.db"
	measure "etlkit convert (SQLite, -j $j)" "$etlkit" convert -q -j $j -m "$dir/bench.man" -o "$dir/out.db" "$trace"
	rm -rf "$dir/out-csv"
	measure "etlkit convert -f csv.gz (-j $j)" "$etlkit" convert -q -f csv.gz -j $j -m "$dir/bench.man" -o "$dir/out-csv" "$trace"
done
# references: what the libraries and the machine do on the same data
gzip -dc "$dir/out-csv/events.csv.gz" >"$dir/events.csv"
measure "reference: gzip -6 of events.csv" gzip -6 -c "$dir/events.csv"
rm -f "$dir/ref.db"
measure "reference: sqlite3 .import of events.csv" sqlite3 "$dir/ref.db" ".import --csv $dir/events.csv events"
rm -rf "$dir/out.db" "$dir/out-csv" "$dir/events.csv" "$dir/ref.db"

{
	echo "# Benchmarks"
	echo
	echo "Made by \`make bench\` ($(date -u +%Y-%m-%d)) on: $(nproc) cores,"
	echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'),"
	echo "$(free -g | awk '/Mem:/{print $2}') GiB of memory."
	echo
	echo "Trace: tests/etlgen, $n events, 8 CPUs, $((size / 1048576)) MiB (the default mix of kernel,"
	echo "manifest, TraceLogging and classic events). Output to /dev/null."
	echo
	echo "| command | seconds | million events/s | MB/s of input | peak RSS (MiB) |"
	echo "|---|---|---|---|---|"
	cat "$dir/rows.md"
} >"$out"
cat "$out"
