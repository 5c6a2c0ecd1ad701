#!/bin/sh
# make check: every saved input (the seed corpus, the reproducers of bugs
# the fuzzer found) once through the readers' harness; no crash, no hang,
# no sanitizer report (where configure found the sanitizers).
dir=${FUZZ_READERS_DIR:-$(dirname "$0")}
replay=${REPLAY_CORPUS:-./tests/fuzz-readers/replay-corpus}
[ -x "$replay" ] || { echo "ERROR: $replay is not built"; exit 99; }
err=$(mktemp "${TMPDIR:-/tmp}/memtrace-corpus.XXXXXX") || exit 99
trap 'rm -f "$err"' EXIT
set -- "$dir/corpus"
[ -d "$dir/regress" ] && set -- "$@" "$dir/regress"
# The readers' messages about damaged inputs are expected: kept aside.
"$replay" -t 20 "$@" 2>"$err"
status=$?
# replay-corpus: 0 fine, 1 a hang, 99 cannot read; a crash is a signal.
case $status in
0) exit 0 ;;
99) cat "$err"; exit 99 ;;
*)
	echo "FAIL: replay-corpus ended with status $status on the last input named above:"
	tail -n 40 "$err"
	exit 1 ;;
esac
