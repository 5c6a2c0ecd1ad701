# Shared by the CLI tests: a temp dir, and check helpers that count failures.
: "${MEMTRACE:?MEMTRACE must name the memtrace binary}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/memtrace-cli.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
failures=0
checks=0

# check_eq WHAT EXPECTED ACTUAL
check_eq() {
	checks=$((checks + 1))
	if [ "$2" = "$3" ]; then
		echo "ok: $1"
	else
		echo "FAIL: $1: expected '$2', got '$3'"
		failures=$((failures + 1))
	fi
}

# check_grep WHAT PATTERN FILE
check_grep() {
	checks=$((checks + 1))
	if grep -Eq -- "$2" "$3"; then
		echo "ok: $1"
	else
		echo "FAIL: $1: no line matches '$2' in:"
		tail -n 20 "$3" | sed 's/^/    /'
		failures=$((failures + 1))
	fi
}

finish() {
	echo "$((checks - failures)) passed, $failures failed"
	[ "$failures" = 0 ]
	exit $?
}
