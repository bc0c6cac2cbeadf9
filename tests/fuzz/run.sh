#!/bin/sh
# run.sh - run the libFuzzer targets (./configure --enable-fuzzing; make fuzz)
# for a while each, from the build directory.
#
#   tests/fuzz/run.sh [-t SECONDS] [-p PARALLEL] [TARGET...]
#
# -t  seconds per target (default 600); -p  targets run at once (default 2).
# Each target starts from its seeds (testdata/fuzz/<target>/), the inputs
# of testdata/corrupt/ and, when present, the shared corpus
# (ETLKIT_CORPUS, default ../shared/corpus beside the source tree): the real
# traces for the reader, the manifests and kernel.mof for the schema
# parsers, and the blobs tests/fuzz/mkseeds extracts from the real traces for
# the others.  Nothing from the shared corpus is copied into the source tree:
# new inputs go to fuzz-work/<target>/corpus and crashes to
# fuzz-work/<target>/ (crash-*, timeout-*, oom-*), with the log beside them.
set -eu
top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
secs=600
par=2
while getopts t:p: o; do
	case $o in
	t) secs=$OPTARG ;;
	p) par=$OPTARG ;;
	*) echo "usage: $0 [-t SECONDS] [-p PARALLEL] [TARGET...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
targets=${*:-reader xpress lznt1 tracelogging manifest mof eventsource tei}
corpus=${ETLKIT_CORPUS:-$top_srcdir/../shared/corpus}
work=${FUZZ_WORK:-fuzz-work}
mkdir -p "$work"

# blobs of the real traces, for the targets that take parts of a trace
if [ -d "$corpus" ] && [ ! -d "$work/extracted" ]; then
	make -s tests/fuzz/mkseeds >/dev/null
	mkdir -p "$work/extracted"
	tests/fuzz/mkseeds extract "$work/extracted" "$corpus"/*.etl || true
	mkdir -p "$work/extracted/mof"
	for f in "$corpus"/manifests/*.mof; do
		[ -f "$f" ] && ln -sf "$f" "$work/extracted/mof/"
	done
	mkdir -p "$work/extracted/manifest"
	for f in "$corpus"/manifests/*.man; do
		[ -f "$f" ] && ln -sf "$f" "$work/extracted/manifest/"
	done
fi

maxlen() {
	case $1 in
	reader) echo 1048576 ;;
	xpress|lznt1) echo 131072 ;;
	manifest|mof) echo 262144 ;;
	eventsource|tei) echo 65536 ;;
	*) echo 16384 ;;
	esac
}

extra_dirs() {
	[ -d "$corpus" ] || return 0
	case $1 in
	reader) echo "$corpus" ;;
	manifest) echo "$work/extracted/manifest $corpus/manifests/windows" ;;
	*) [ -d "$work/extracted/$1" ] && echo "$work/extracted/$1" ;;
	esac
	return 0
}

run_one() {
	t=$1
	bin=tests/fuzz/fuzz_$t
	[ -x "$bin" ] || { echo "$bin missing: configure --enable-fuzzing and make fuzz" >&2; return 1; }
	mkdir -p "$work/$t/corpus"
	corrupt=
	[ -d "$top_srcdir/testdata/corrupt" ] && corrupt=$top_srcdir/testdata/corrupt
	rc=0
	# shellcheck disable=SC2046
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
	"$bin" -max_total_time="$secs" -max_len="$(maxlen "$t")" -timeout=20 \
		-rss_limit_mb=4096 -print_final_stats=1 \
		-dict="$top_srcdir/tests/fuzz/$t.dict" \
		-artifact_prefix="$work/$t/" \
		"$work/$t/corpus" "$top_srcdir/testdata/fuzz/$t" $corrupt $(extra_dirs "$t") \
		> "$work/$t/log" 2>&1 || rc=$?
	echo "$t: exit $rc; $(grep -E '^(#[0-9]+.*DONE|stat::)' "$work/$t/log" | tr '\n' ' ')"
	return $rc
}

status=0
set -- $targets
while [ $# -gt 0 ]; do
	pids=
	i=0
	while [ $# -gt 0 ] && [ $i -lt "$par" ]; do
		run_one "$1" &
		pids="$pids $!"
		shift
		i=$((i + 1))
	done
	for p in $pids; do
		wait "$p" || status=1
	done
done
exit $status
