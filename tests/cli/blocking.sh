#!/bin/sh
# Blocking calls of a thread whose stub call another thread waits on
# (memtrace(1), THE STUB PAGE): memtrace's interrupts must not end them
# with EINTR where no signal came. Fails on 2c31eef (hundreds a run).
. "$(dirname "$0")/lib.sh"
prog=${BLOCKING_PROGRAM:-$(dirname "$CASES_BUILDDIR")/cli/blocking}

for run in 1 2 3; do
	"$MEMTRACE" -o /dev/null -- "$prog" >"$tmp/out" 2>"$tmp/err"
	check_eq "blocking (run $run): exit status" 0 $?
	check_eq "blocking (run $run): no EINTR" "EINTR: epoll_wait 0, sigtimedwait 0" "$(cat "$tmp/out")"
	check_eq "blocking (run $run): no internal error" 0 "$(grep -c 'internal error' "$tmp/err")"
done

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
