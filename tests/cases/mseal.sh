#!/bin/sh
# A recording of mseal: sealed mappings, which a reader cannot clear as
# munmap would (EPERM), are replaced window by window all the same.
# Usage: mseal.sh BINARY   (MEMTRACE: the memtrace binary)
# Prints "ok: ..." / "FAIL: ..." lines; exit 0 when all pass.
. "$(dirname "$0")/script-lib.sh" "$1"

"$mt" --record "$tmp/a.mtr" -o /dev/null -- "$prog" >/dev/null
expect_rc "record: the program's exit status" 0 $?
"$mt" report "$tmp/a.mtr" >"$tmp/report" 2>&1
expect_rc "report" 0 $?
# (i386: a length past 4 GiB is ENOMEM, not EINVAL; lengths there cannot wrap)
expect_grep "report: mseal's errors" \
	'^ +[0-9]+ +(6 +mseal: EINVAL 4, ENOMEM 2|5 +mseal: EINVAL 2, ENOMEM 3)$' "$tmp/report"
expect_grep "report: munmap refused" '^ +[0-9]+ +3 +munmap: EPERM 3$' "$tmp/report"
"$mt" maps "$tmp/a.mtr" --at end >"$tmp/maps" 2>&1
expect_rc "maps at the end" 0 $?
expect_grep "maps: the stack" '\[stack\]$' "$tmp/maps"
# (shmat's segment id differs from run to run: compared by order of first sight)
"$mt" replay "$tmp/a.mtr" >"$tmp/replay" 2>&1
expect_rc "replay" 0 $?
expect_grep "replay says they agree" 'agree \(exact check' "$tmp/replay"
[ "$fails" = 0 ]
