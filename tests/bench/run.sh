#!/bin/sh
# run.sh - `make bench` (POSIX sh): measures etlkit on generated traces of
# growing size, next to the tools that bound what it can do (cat, gzip -6,
# sqlite3 .import) on the same bytes, and writes doc/benchmarks.md in the
# source tree.  Not part of `make check`.
#
# The claim it checks: the cost per event does not grow with the trace and
# peak memory does not follow the file size.  So every command runs on each
# size and the tables put ns/event and peak RSS side by side.
#
# Environment:
#   BENCH_SIZES         trace sizes in GB (1e9 bytes) of .etl file
#                       (default "0.1 1 4")
#   BENCH_REF_SIZES     sizes that also get the gzip and sqlite3 references
#                       (default: the middle one of BENCH_SIZES)
#   BENCH_BATCH_FILES   traces in the batch conversion (default 16)
#   BENCH_BATCH_EVENTS  events per batch trace (default 60000)
#   BENCH_RUNS          runs of each command, the fastest is kept (default 1)
#   BENCH_DIR           where traces are kept and reused (default ./bench-out)
#   BENCH_CC, BENCH_CFLAGS  the compiler and flags etlkit was built with
#                       (set by `make bench`; only reported)
#
# Run from the top of a build tree: it uses ./src/etlkit and ./tests/etlgen.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(pwd)
etlkit="$build/src/etlkit"
etlgen="$build/tests/etlgen"
sizes=${BENCH_SIZES:-0.1 1 4}
batch_files=${BENCH_BATCH_FILES:-16}
batch_events=${BENCH_BATCH_EVENTS:-60000}
runs=${BENCH_RUNS:-1}
dir=${BENCH_DIR:-$build/bench-out}
out="$top/doc/benchmarks.md"
tables="$top/tests/bench/tables.py"
# every trace comes from these generator options; only --events and --seed vary
genopts="--cpus 8"
# events in the calibration trace that gives the file bytes per event
cal_events=100000

die() {
	echo "bench: $*" >&2
	exit 1
}

for tool in python3 gzip sqlite3 /usr/bin/time; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool is needed"
done
[ -x "$etlkit" ] && [ -x "$etlgen" ] ||
	die "run from the top of a build tree after make (no $etlkit or $etlgen)"

[ -n "$sizes" ] || die "BENCH_SIZES is empty"
for s in $sizes; do
	python3 -c 'import sys; assert 0 < float(sys.argv[1]) < 1000' "$s" 2>/dev/null ||
		die "BENCH_SIZES: '$s' is not a size in GB"
done
case $batch_files$batch_events$runs in
*[!0-9]*) die "BENCH_BATCH_FILES, BENCH_BATCH_EVENTS and BENCH_RUNS must be numbers" ;;
esac
[ "$runs" -ge 1 ] || die "BENCH_RUNS must be at least 1"
# BENCH_REF_SIZES defaults to the middle of BENCH_SIZES: the references cost
# more than etlkit itself (they read the uncompressed CSV, about twice the
# trace), so once is enough
ref_sizes=${BENCH_REF_SIZES:-$(echo $sizes | awk '{ print $(int(NF / 2) + 1) }')}

mkdir -p "$dir" "$dir/batch"
dir=$(cd "$dir" && pwd)
man="$dir/bench.man"
results="$dir/results.tsv"
: >"$results"

fsize() { stat -c %s "$1"; }

# gen FILE EVENTS SEED: write a trace unless it is there from an earlier run
gen() {
	if [ ! -s "$1" ]; then
		echo "bench: generating $1 ($2 events)" >&2
		"$etlgen" -o "$1.tmp" --events "$2" $genopts --seed "$3" \
			--manifest-out "$man" >/dev/null
		mv "$1.tmp" "$1"
	fi
}

# the .etl bytes per event of this generator, measured once on a small trace
# (which also writes the manifest the other traces share)
[ -s "$man" ] || rm -f "$dir/calibrate.etl"
gen "$dir/calibrate.etl" "$cal_events" 42
bpe=$(python3 -c 'import sys; print(int(sys.argv[1]) / int(sys.argv[2]))' \
	"$(fsize "$dir/calibrate.etl")" "$cal_events")

# events of each size, so the file comes out within a buffer of the target
events_of() {
	python3 -c 'import sys; print(max(1000, round(float(sys.argv[1]) * 1e9 / float(sys.argv[2]))))' "$1" "$bpe"
}

# Disk: ask for three times the traces.  Outputs are deleted after each
# measurement, so the peak is the traces plus the largest output: the SQLite
# database (about 1.6 times its trace), or at a reference size the CSV (about
# twice the trace) and sqlite3's database, which the default run's middle
# size leaves within the bound.  Traces already generated count as free.
need=0
have=0
for s in $sizes; do
	e=$(events_of "$s")
	need=$(python3 -c 'import sys; print(int(sys.argv[1]) + round(int(sys.argv[2]) * float(sys.argv[3])))' "$need" "$e" "$bpe")
	[ ! -f "$dir/bench-$e.etl" ] || have=$((have + $(fsize "$dir/bench-$e.etl")))
done
need=$(python3 -c 'import sys; print(3 * (int(sys.argv[1]) + round(int(sys.argv[2]) * int(sys.argv[3]) * float(sys.argv[4]))))' \
	"$need" "$batch_files" "$batch_events" "$bpe")
free=$(df -Pk "$dir" | awk 'NR == 2 { printf "%.0f\n", $4 * 1024 }')
if [ $((free + have)) -lt "$need" ]; then
	die "$(python3 -c 'import sys; print("need %.1f GB free in %s (3 x the traces), have %.1f GB" % (int(sys.argv[1]) / 1e9, sys.argv[3], int(sys.argv[2]) / 1e9))' \
		"$need" "$((free + have))" "$dir")"
fi

# events_in CACHE TRACE...: events in the traces (info reads them whole, so
# the count is kept in CACHE)
events_in() {
	cache=$1
	shift
	if [ ! -s "$cache" ]; then
		"$etlkit" info --json -q "$@" | python3 -c '
import json, sys
print(sum(f["events"] for f in json.load(sys.stdin)["files"]))' >"$cache.tmp"
		mv "$cache.tmp" "$cache"
	fi
	cat "$cache"
}

# measure SECTION SIZE NAME EVENTS BYTES COMMAND...: run COMMAND BENCH_RUNS
# times with stdout to /dev/null, each time after deleting $output (the file
# or directory it writes), and append the wall, user, sys seconds and peak RSS
# of the fastest run to results.tsv, with the command as run (paths relative
# to BENCH_DIR and the build tree)
output=
measure() {
	section=$1 label=$2 name=$3 n=$4 bytes=$5
	shift 5
	wall=
	r=0
	while [ "$r" -lt "$runs" ]; do
		[ -z "$output" ] || rm -rf "$output"
		/usr/bin/time -f "%e %U %S %M" -o "$dir/time.txt" "$@" >/dev/null ||
			die "failed: $*"
		read -r w u y m <"$dir/time.txt"
		if [ -z "$wall" ] || python3 -c 'import sys; sys.exit(float(sys.argv[1]) >= float(sys.argv[2]))' "$w" "$wall"; then
			wall=$w user=$u sys=$y rss=$m
		fi
		r=$((r + 1))
	done
	cmd=
	for a in "$@"; do
		case $a in *" "*) a="\"$a\"" ;; esac
		cmd="$cmd${cmd:+ }$a"
	done
	cmd=$(printf '%s\n' "$cmd" | sed "s|$dir/||g; s|$build/||g")
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$section" "$label" \
		"$name" "$wall" "$user" "$sys" "$rss" "$n" "$bytes" "$cmd" >>"$results"
	printf 'bench: %-8s %-38s %8ss %8s MiB\n' "$label" "$name" "$wall" \
		"$((rss / 1024))" >&2
}

# ---- scaling: every command on every size ----------------------------------
for s in $sizes; do
	e=$(events_of "$s")
	trace="$dir/bench-$e.etl"
	gen "$trace" "$e" 42
	echo "gen	$s	$etlgen -o bench-$e.etl --events $e $genopts --seed 42 --manifest-out bench.man" |
		sed "s|$build/||" >>"$results"
	n=$(events_in "$trace.events" "$trace")
	b=$(fsize "$trace")
	l="$s GB"
	# all commands see the trace in the page cache (when it fits in memory)
	cat "$trace" >/dev/null
	measure scale "$l" "cat (raw read)" "$n" "$b" cat "$trace"
	measure scale "$l" "etlkit info" "$n" "$b" "$etlkit" info "$trace"
	measure scale "$l" "etlkit dump --no-decode" "$n" "$b" \
		"$etlkit" dump --no-decode "$trace"
	measure scale "$l" "etlkit dump (decoded)" "$n" "$b" \
		"$etlkit" dump -m "$man" "$trace"
	output="$dir/out.db"
	for j in 1 2; do
		measure scale "$l" "etlkit convert SQLite -j $j" "$n" "$b" \
			"$etlkit" convert -q -j "$j" -m "$man" -o "$dir/out.db" "$trace"
	done
	rm -f "$dir/out.db"
	# the last csv.gz output stays for the references
	output="$dir/out-csv"
	for j in 1 2; do
		measure scale "$l" "etlkit convert csv.gz -j $j" "$n" "$b" \
			"$etlkit" convert -q -f csv.gz -j "$j" -m "$man" -o "$dir/out-csv" "$trace"
	done

	# ---- references on the rows the conversion just wrote ------------------
	case " $ref_sizes " in
	*" $s "*)
		# gzip -6 on the same CSV bytes, all tables in one file
		output=
		gzip -dc "$dir"/out-csv/*.csv.gz >"$dir/all.csv"
		csvbytes=$(fsize "$dir/all.csv")
		measure ref "$l" "gzip -6" "$n" "$csvbytes" \
			gzip -6 -c "$dir/all.csv"
		rm -f "$dir/all.csv"
		# sqlite3 importing each table's CSV into a fresh database
		rm -rf "$dir/ref-csv"
		mkdir "$dir/ref-csv"
		: >"$dir/import.sql"
		for f in "$dir"/out-csv/*.csv.gz; do
			t=$(basename "$f" .csv.gz)
			gzip -dc "$f" >"$dir/ref-csv/$t.csv"
			echo ".import --csv \"$dir/ref-csv/$t.csv\" $t" >>"$dir/import.sql"
		done
		output="$dir/ref.db"
		measure ref "$l" "sqlite3 .import" "$n" "$csvbytes" \
			sqlite3 -bail "$dir/ref.db" ".read $dir/import.sql"
		rm -rf "$dir/ref-csv" "$dir/ref.db" "$dir/import.sql"
		;;
	esac
	rm -rf "$dir/out-csv"
	output=
done

# ---- batch: many small traces into one database ---------------------------
set --
i=1
while [ "$i" -le "$batch_files" ]; do
	f="$dir/batch/b$batch_events-$i.etl"
	gen "$f" "$batch_events" "$i"
	set -- "$@" "$f"
	i=$((i + 1))
done
echo "gen	batch	$etlgen -o batch/b$batch_events-SEED.etl --events $batch_events $genopts --seed SEED --manifest-out bench.man  (SEED 1 to $batch_files)" |
	sed "s|$build/||" >>"$results"
n=$(events_in "$dir/batch/b$batch_events-x$batch_files.events" "$@")
b=$(cat "$@" | wc -c)
output="$dir/batch.db"
for j in 1 2; do
	measure batch "$batch_files files" "etlkit convert SQLite -j $j" "$n" "$b" \
		"$etlkit" convert -q -j "$j" -m "$man" -o "$dir/batch.db" "$@"
	rm -f "$dir/batch.db"
done
# the command line lists every file; say so in one line
sed -i "s|batch/b$batch_events-1\.etl .*batch/b$batch_events-$batch_files\.etl|batch/b$batch_events-1.etl ... batch/b$batch_events-$batch_files.etl|" "$results"

# ---- the report ------------------------------------------------------------
ver() { "$@" 2>/dev/null | head -n 1 || true; }
cc=${BENCH_CC:-cc}
{
	echo "date	$(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "cores	$(nproc)"
	echo "cpu	$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
	echo "memory	$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "kernel	$(uname -sr)"
	echo "compiler	$(ver $cc --version) (${BENCH_CFLAGS:-CFLAGS unknown})"
	echo "sqlite	$(ver pkg-config --modversion sqlite3) (library), $(ver sqlite3 --version | cut -d' ' -f1) (sqlite3 shell)"
	echo "zlib	$(ver pkg-config --modversion zlib) (library), $(ver gzip --version)"
	echo "etlkit	$(ver "$etlkit" --version)"
} >"$dir/machine.tsv"
BENCH_RUNS=$runs python3 "$tables" "$dir/machine.tsv" "$results" >"$dir/benchmarks.md"
cp "$dir/benchmarks.md" "$out"
cat "$out"
echo "bench: wrote $out" >&2
