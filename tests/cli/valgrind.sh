#!/bin/sh
# memtrace itself under valgrind, supervising real programs (a shell, python3,
# sixteen threads): no invalid access, no use of uninitialised memory, no leak.
# SKIPs without valgrind, or when memtrace was built with sanitizers.
. "$(dirname "$0")/lib.sh"

if ! command -v valgrind >/dev/null 2>&1; then
	echo "SKIP: valgrind is not installed"
	exit 77
fi
if nm "$MEMTRACE" 2>/dev/null | grep -q __asan_init; then
	echo "SKIP: memtrace is built with AddressSanitizer"
	exit 77
fi

# under_valgrind WHAT COMMAND...: memtrace under valgrind runs COMMAND.
under_valgrind() {
	what=$1
	shift
	valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
		"$MEMTRACE" -o /dev/null --verify -- "$@" >"$tmp/out" 2>"$tmp/err"
	status=$?
	# The child runs under valgrind until its exec: valgrind warns that it
	# does not know seccomp(2), and memtrace falls back to prctl.
	grep -v -e '^--[0-9]*-- ' "$tmp/err" >"$tmp/errors"
	check_eq "$what: exit status" 0 "$status"
	check_eq "$what: nothing on stderr" "" "$(cat "$tmp/errors")"
}

under_valgrind "sh -c" sh -c 'ls / >/dev/null; echo ok'
if command -v python3 >/dev/null 2>&1; then
	under_valgrind "python3" python3 -c 'import json, threading; print(json.dumps([1]))'
fi
if [ -n "${CASES_BUILDDIR:-}" ] && [ -x "$CASES_BUILDDIR/thread-storm.m64" ]; then
	under_valgrind "sixteen threads" "$CASES_BUILDDIR/thread-storm.m64"
fi
finish
