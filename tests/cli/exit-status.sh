#!/bin/sh
# memtrace exits with the program's status, or 128+N for death by signal N.
. "$(dirname "$0")/lib.sh"

"$MEMTRACE" -o /dev/null -- sh -c 'exit 42'
check_eq "exit status passes through" 42 $?

"$MEMTRACE" -o /dev/null -- sh -c 'kill -SEGV $$' 2>"$tmp/err"
check_eq "death by SIGSEGV exits 139" 139 $?
check_grep "death by signal is reported" "killed by SIGSEGV" "$tmp/err"

"$MEMTRACE" -q -o /dev/null -- sh -c 'kill -TERM $$' 2>"$tmp/err"
check_eq "death by SIGTERM exits 143" 143 $?
check_eq "-q silences the death notice" "" "$(cat "$tmp/err")"

# The status is the started program's, not that of its last descendant.
"$MEMTRACE" -o /dev/null -- sh -c '(sleep 0.2; exit 5) & exit 3'
check_eq "the started program's status wins" 3 $?
finish
