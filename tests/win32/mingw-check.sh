#!/bin/sh
# mingw-check.sh - etlkit on Windows: cross-build the library, the
# tool and the unit tests with MinGW-w64 and run them under Wine.
#
#   sh tests/win32/mingw-check.sh [BUILD-DIR]
#
# Needs (Debian): gcc-mingw-w64-x86-64 libz-mingw-w64-dev wine64, plus the
# usual autotools.  The sources (git ls-files) are copied to BUILD-DIR (a
# temporary directory by default) and configured there with
#   PKG_CONFIG_LIBDIR=/usr/x86_64-w64-mingw32/lib/pkgconfig \
#   ./configure --host=x86_64-w64-mingw32
# Then, under Wine (TAP, one line per check, and a closing
# "N passed, N failed" line):
#   - tests/win32/test_layout built against MinGW-w64's own SDK headers: the
#     expected x64 layouts of the facade test hold for the SDK structures too;
#   - the unit tests that run under Wine (listed below; the others are
#     explained there);
#   - `etlkit.exe dump` of every corpus trace (ETLKIT_CORPUS, default
#     ../shared/corpus; skipped when absent unless CI=true) with the corpus
#     manifests, byte for byte equal to the Linux build's `etlkit dump`
#     (given as $ETLKIT, default src/etlkit of the source tree).
set -u
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$(mktemp -d "${TMPDIR:-/tmp}/etlkit-mingw-XXXXXX")}
HOST=x86_64-w64-mingw32
ETLKIT=${ETLKIT:-$SRC/src/etlkit}
CORPUS=${ETLKIT_CORPUS:-$SRC/../shared/corpus}
WINE=${WINE:-}
[ -n "$WINE" ] || for w in wine64 /usr/lib/wine/wine64 wine; do
	if command -v "$w" >/dev/null 2>&1; then WINE=$w; break; fi
done

n=0
failed=0
ok() { # ok STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi
}
finish() {
	echo "1..$n"
	echo "$((n - failed)) passed, $failed failed"
	[ "$failed" = 0 ]
	exit $?
}

if ! command -v $HOST-gcc >/dev/null 2>&1 || [ -z "$WINE" ]; then
	echo "# MinGW-w64 ($HOST-gcc) or Wine not installed"
	ok 1 "toolchain present"
	finish
fi

# ---- the cross build ---------------------------------------------------------------
mkdir -p "$BUILD"
(cd "$SRC" && git ls-files --cached --others --exclude-standard) | grep -v '^build-' |
	(cd "$SRC" && while read -r f; do [ -f "$f" ] && printf '%s\n' "$f"; done) |
	(cd "$SRC" && tar -cf - -T -) | (cd "$BUILD" && tar -xf -)
cd "$BUILD"
t0=$(date +%s)
(autoreconf -fi && PKG_CONFIG_LIBDIR=/usr/$HOST/lib/pkgconfig ./configure --host=$HOST) \
	>"$BUILD/configure.out" 2>&1
ok $? "configure --host=$HOST ($(grep 'Windows host' "$BUILD/configure.out" | sed 's/^configure: //'))"
make -j2 >"$BUILD/make.out" 2>&1
ok $? "make: the library and etlkit.exe ($(($(date +%s) - t0)) s)"
# test programs: those that build for Windows (tests/test_layout.c, of
# `etlkit convert`, includes sqlite3.h without the SQLite flags)
make -k -j2 check TESTS= >"$BUILD/make-check.out" 2>&1 || true

export WINEDEBUG=-all
export WINEPREFIX="${WINEPREFIX:-$BUILD/wineprefix}"
WINEPATH="Z:$(echo "$BUILD/lib/.libs" | tr / '\\');Z:\\usr\\$HOST\\lib"
for d in /usr/lib/gcc/$HOST/*-win32 /usr/lib/gcc/$HOST/*-posix; do
	[ -d "$d" ] && WINEPATH="$WINEPATH;Z:$(echo "$d" | tr / '\\')" && break
done
export WINEPATH
run() { timeout 600 "$WINE" "$@"; }
run "$BUILD/src/.libs/etlkit.exe" --help >/dev/null 2>&1 || true # creates the prefix

# ---- the layout test against the SDK's own headers ------------------------------------
$HOST-gcc -Wall -Wextra -o "$BUILD/test_layout_sdk.exe" "$SRC/tests/win32/test_layout.c"
run "$BUILD/test_layout_sdk.exe" >"$BUILD/layout.out" 2>&1
ok $? "facade layout numbers hold for MinGW-w64's SDK headers: $(grep -c '^ok' "$BUILD/layout.out") checks"
grep '^not ok' "$BUILD/layout.out" | sed 's/^/# /' || true

# ---- unit tests under Wine -------------------------------------------------------------
# Not run: test_damage and test_roundtrip start tests/etlgen with system() on
# a Unix path, which cmd.exe cannot run; test_manifest feeds thousands of
# truncated and corrupted documents to the XML parser, and Wine's XmlLite
# (not Windows') loops forever on some of them.
export ETLKIT_CORPUS="$CORPUS"
for t in test_cursor test_xpress test_reader test_corpus_reader test_kernel_schema test_mof \
	test_tracelogging test_tei test_eventsource test_lznt1 test_corpus_decode test_sha256 \
	test_corrupt fuzz/replay_reader fuzz/replay_xpress fuzz/replay_lznt1 \
	fuzz/replay_tracelogging fuzz/replay_manifest fuzz/replay_mof fuzz/replay_eventsource \
	fuzz/replay_tei; do
	exe="$BUILD/tests/$t.exe"
	if [ ! -f "$exe" ]; then
		ok 1 "$t: built"
		continue
	fi
	run "$exe" >"$BUILD/$(basename "$t").out" 2>&1
	rc=$?
	out="$BUILD/$(basename "$t").out"
	if [ $rc != 0 ] && ! grep -q '^not ok' "$out"; then
		# Wine (not the test) now and then ends a program early with no
		# output while its prefix settles; a second failure is real
		echo "# $t: no result from Wine (status $rc), running it once more"
		run "$exe" >"$out" 2>&1
		rc=$?
	fi
	ok $rc "$t under Wine: $(grep -c '^ok' "$out") ok, $(grep -c '^not ok' "$out") not ok"
	grep '^not ok' "$out" | sed 's/^/# /' || true
done

# ---- etlkit.exe dump = etlkit dump on the corpus ---------------------------------------------
if [ ! -f "$CORPUS/README.md" ]; then
	if [ "${CI:-}" = true ]; then
		ok 1 "the corpus is at $CORPUS (required in CI)"
	else
		echo "# corpus not found at $CORPUS: dump comparison skipped"
	fi
	finish
fi
m="$CORPUS/manifests"
set -- -m "$m/clr-etw-all-runtime.man" -m "$m/http-server.man" -m "$m/SystemEvents.man" \
	-m "$m/windows"
for f in "$CORPUS"/*.etl; do
	name=$(basename "$f" .etl)
	"$ETLKIT" dump -q "$@" "$f" >"$BUILD/$name.linux.jsonl" 2>/dev/null || true
	run "$BUILD/src/.libs/etlkit.exe" dump -q "$@" "$f" 2>/dev/null | tr -d '\r' \
		>"$BUILD/$name.windows.jsonl" || true
	cmp -s "$BUILD/$name.linux.jsonl" "$BUILD/$name.windows.jsonl"
	ok $? "$name: etlkit.exe dump equals etlkit dump ($(wc -l <"$BUILD/$name.linux.jsonl") events)"
done
finish
