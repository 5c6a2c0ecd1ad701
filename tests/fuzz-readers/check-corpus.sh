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
0) ;;
99) cat "$err"; exit 99 ;;
*)
	echo "FAIL: replay-corpus ended with status $status on the last input named above:"
	tail -n 40 "$err"
	exit 1 ;;
esac

# Reproducers whose bug was accepting them, not crashing on them: the
# reader must stop there with this reason.
refused() {
	[ -n "${MEMTRACE:-}" ] || return 0
	"$MEMTRACE" dump --strict "$dir/regress/$1" >/dev/null 2>"$err"
	if [ $? -eq 2 ] && grep -q "$2" "$err"; then
		echo "ok: $1 is refused: $2"
	else
		echo "FAIL: $1 is not refused with \"$2\":"
		cat "$err"
		fail=1
	fi
}
fail=0
refused stack-257-frames.mtr "a stack has a bad id or frame count"
exit $fail
