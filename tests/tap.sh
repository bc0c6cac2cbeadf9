# tap.sh - TAP helpers for the shell tests: `check NAME COMMAND...` runs a
# command and prints one ok / not ok line; `done_testing` prints the plan.
tap_n=0
tap_failed=0

check() {
	name=$1
	shift
	tap_n=$((tap_n + 1))
	if "$@" >/dev/null 2>&1; then
		echo "ok $tap_n - $name"
	else
		echo "not ok $tap_n - $name"
		tap_failed=$((tap_failed + 1))
	fi
}

ok() {
	tap_n=$((tap_n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" = 0 ]
}

: "${ETLKIT:?ETLKIT must point at the etlkit binary}"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/etlkit-sh-XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# find_corpus: sets $dir to the shared corpus directory, or to nothing when it
# is absent outside CI; in CI a missing corpus is fatal.  (Not meant for $(...):
# the bail-out has to end this shell.)
find_corpus() {
	dir=
	if [ -f "$ETLKIT_CORPUS/README.md" ]; then
		dir=$ETLKIT_CORPUS
	elif [ "${CI:-}" = true ]; then
		echo "Bail out! the shared corpus is missing at $ETLKIT_CORPUS (required in CI)"
		exit 1
	fi
}
