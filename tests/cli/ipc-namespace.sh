#!/bin/sh
# A program in an IPC namespace of its own: its segment 0 is not memtrace's
# segment 0 (one page here, in memtrace's namespace, against five in the
# program's). memtrace must not place or model the attach by the size of
# its own (--verify differed, or the kernel refused the place it chose).
. "$(dirname "$0")/lib.sh"
prog=${IPC_NAMESPACE_PROGRAM:-$(dirname "$CASES_BUILDDIR")/cli/ipc-namespace}

if ! unshare -i true 2>/dev/null; then
	echo "SKIP: no new IPC namespace here (unshare -i needs CAP_SYS_ADMIN)"
	exit 77
fi
"$prog" attach 20480 >"$tmp/native" 2>&1
check_eq "natively: the attach" 0 $?
for stops in 1 2; do
	unshare -i sh -c '"$1" hold 4096 && exec "$2" --verify --stops="$3" -o "$4" -- "$1" attach 20480' \
		sh "$prog" "$MEMTRACE" "$stops" "$tmp/trace" >"$tmp/out" 2>"$tmp/err"
	check_eq "--stops=$stops: exit status" 0 $?
	check_eq "--stops=$stops: output as natively" "$(cat "$tmp/native")" "$(cat "$tmp/out")"
	check_eq "--stops=$stops: no complaint" 0 \
		"$(grep -c -E '^memtrace: (internal error|--verify)' "$tmp/err")"
	check_grep "--stops=$stops: the attach is traced" '^shmat\(0, NULL, 0\) = 0x' "$tmp/trace"
done
finish
