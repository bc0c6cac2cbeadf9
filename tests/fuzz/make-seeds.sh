#!/bin/sh
# make-seeds.sh - rebuild the generated seed corpora of the fuzz targets in
# testdata/fuzz/<target>/ (files named gen-*; hand-written seeds beside them
# are kept).  Everything comes from the project's own means: tests/etlgen
# traces, tests/fuzz/mkseeds (a trace carrying the in-trace schema sources,
# blobs extracted from those traces, hand-made TEI/EventSource/LZNT1 blobs).
#
#   tests/fuzz/make-seeds.sh            (from a configured build directory)
#
# Seeds are kept small (--events 50 --buffer-size 4096): together they must
# stay well under 2 MB.
set -eu
top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
build=$(pwd)
out=$top_srcdir/testdata/fuzz
make -s tests/etlgen tests/fuzz/mkseeds >/dev/null
etlgen=$build/tests/etlgen
mkseeds=$build/tests/fuzz/mkseeds
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for t in reader xpress lznt1 tracelogging manifest mof eventsource tei; do
	mkdir -p "$out/$t"
	rm -f "$out/$t"/gen-*
done

# reader: small traces of every option that changes the layout
n=0
while read -r opts; do
	n=$((n + 1))
	name=$(printf 'gen-%02d-%s.etl' "$n" "$(echo "$opts" | sed 's/--//g; s/ /-/g; s/-seed-[0-9]*//')")
	# shellcheck disable=SC2086
	"$etlgen" -o "$out/reader/$name" --events 50 --buffer-size 4096 $opts
done <<'OPTS'
--seed 1
--compress --seed 2
--pointer-size 4 --clock cycle --seed 3
--damage 2 --seed 4
--compress --damage 2 --cpus 2 --seed 5
--mix tracelogging --seed 6
--mix classic --pointer-size 4 --seed 7
--mix kernel --clock system --cpus 8 --seed 8
--mix manifest --lost 3 --cpus 1 --seed 9
OPTS
"$mkseeds" trace "$out/reader/gen-in-trace-sources.etl"

# blobs from those traces: TraceLogging items, compressed buffers,
# EventSource chunks and EventMetadata payloads
"$mkseeds" extract "$tmp" "$out"/reader/gen-*.etl
"$mkseeds" synth "$tmp"
for t in xpress lznt1 tracelogging eventsource tei; do
	[ -d "$tmp/$t" ] || continue
	for f in "$tmp/$t"/*; do
		cp "$f" "$out/$t/gen-$(basename "$f")"
	done
done

# manifests: the generator's own provider
"$etlgen" -o "$tmp/m.etl" --events 1 --manifest-out "$out/manifest/gen-etlgen.man"
