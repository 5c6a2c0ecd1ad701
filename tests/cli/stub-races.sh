#!/bin/sh
# What happens to a program while memtrace makes its stub page (memtrace(1),
# THE STUB PAGE): another thread's execve, signals arriving, a first call
# made with the stack pointer where nothing is mapped below it; and a file
# mapped again through its hard link. Each fails on 87e7a74.
. "$(dirname "$0")/lib.sh"
dir=$(dirname "$CASES_BUILDDIR")/cli
races=$dir/stub-races
lowsp=$dir/low-sp

if [ ! -x "$races" ] || [ ! -x "$lowsp" ]; then
	echo "SKIP: no static builds here (libc.a missing)"
	exit 77
fi

# A thread execs while main makes its eighth call, which makes the stub:
# the exec is followed, the old image's registers never reach the new one.
spin=0
while [ $spin -le 110000 ]; do
	"$MEMTRACE" -o /dev/null -- "$races" exec $spin >"$tmp/out" 2>"$tmp/err"
	check_eq "exec while the stub is made (spin $spin): exit status" 0 $?
	check_eq "exec while the stub is made (spin $spin): the new program ran" "exec ok" \
		"$(cat "$tmp/out")"
	spin=$((spin + 10000))
done

# Signals that arrive while the stub is made stay pending, every one.
for run in 1 2 3; do
	"$MEMTRACE" -o /dev/null -- "$races" signals >"$tmp/out" 2>"$tmp/err"
	check_eq "signals while the stub is made (run $run)" "sent 3000, received 3000" \
		"$(cat "$tmp/out")"
done

# The memfd's name cannot go below this stack pointer: memtrace does
# without the stub, and the call runs once, as it would.
"$lowsp" >"$tmp/native"
"$MEMTRACE" --stops=1 --verify -o "$tmp/trace" -- "$lowsp" >"$tmp/out" 2>"$tmp/err"
check_eq "low stack pointer: exit status" 0 $?
check_eq "low stack pointer: output as natively" "$(cat "$tmp/native")" "$(cat "$tmp/out")"
check_eq "low stack pointer: no complaint" 0 \
	"$(grep -c -E '^memtrace: (internal error|--verify|.*refused)' "$tmp/err")"
check_grep "low stack pointer: the call is traced" '^mmap\(NULL, 4096, ' "$tmp/trace"

# A hard link's name, mapped through the descriptor number the first name
# had: the model names each mapping as the kernel does.
(cd "$tmp" && "$races" hardlink) >"$tmp/native"
(cd "$tmp" && "$MEMTRACE" --verify -o /dev/null -- "$races" hardlink) >"$tmp/out" 2>"$tmp/err"
check_eq "hard link: output as natively" "$(cat "$tmp/native")" "$(cat "$tmp/out")"
check_eq "hard link: --verify quiet" 0 "$(grep -c -E '^memtrace: (internal error|--verify)' "$tmp/err")"

finish
