#!/bin/sh
# Runs run-case.sh over each program given and prints one summary line.
# Used for the i386 lane, natively or inside the VM (busybox sh).
# Usage: run-cases.sh PROGRAM...   Exit: 0 all passed, 1 otherwise.
here=$(dirname "$0")
passed=0 failed=0 skipped=0
for prog in "$@"; do
	sh "$here/run-case.sh" "$prog"
	case $? in
		0) passed=$((passed + 1)) ;;
		77) skipped=$((skipped + 1)) ;;
		*) failed=$((failed + 1)) ;;
	esac
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
