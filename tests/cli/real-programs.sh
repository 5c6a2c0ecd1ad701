#!/bin/sh
# Real programs run under memtrace exactly as without it, and their memory
# calls show up as expected: a shell that forks, python3 mapping memory and
# starting a thread, gcc compiling a file. All run with --verify: memtrace's
# model must match /proc/PID/maps after every call.
. "$(dirname "$0")/lib.sh"

# no_complaints WHAT STDERR-FILE: memtrace found no difference with the kernel.
no_complaints() {
	checks=$((checks + 1))
	if grep -E '^memtrace: (internal error|--verify)' "$2" >"$tmp/complaints"; then
		echo "FAIL: $1: memtrace reported:"
		head -n 20 "$2" | sed 's/^/    /'
		failures=$((failures + 1))
	else
		echo "ok: $1: model and kernel agree"
	fi
}

script='for i in 1 2 3; do echo "line $i"; done | sort -r; ls / >/dev/null; echo done'
sh -c "$script" >"$tmp/native.out" 2>&1
"$MEMTRACE" --verify -o "$tmp/sh.trace" -- sh -c "$script" >"$tmp/traced.out" 2>"$tmp/sh.err"
check_eq "sh -c: exit status" 0 $?
check_eq "sh -c: same output as natively" "$(cat "$tmp/native.out")" "$(cat "$tmp/traced.out")"
no_complaints "sh -c" "$tmp/sh.err"
check_grep "sh -c: children's calls carry [pid N]" '^\[pid [0-9]+\] (brk|mmap)\(' "$tmp/sh.trace"
check_grep "sh -c: the shell's own brk" '^(\[pid [0-9]+\] )?brk\(NULL\) = 0x[0-9a-f]+$' "$tmp/sh.trace"

if command -v python3 >/dev/null 2>&1; then
	prog='import mmap, threading
m = mmap.mmap(-1, 1 << 20)
m[0:5] = b"hello"
print(bytes(m[0:5]).decode())
m.close()
t = threading.Thread(target=lambda: print("thread"))
t.start(); t.join()'
	python3 -c "$prog" >"$tmp/native.out" 2>&1
	"$MEMTRACE" --verify -o "$tmp/py.trace" -- python3 -c "$prog" >"$tmp/traced.out" 2>"$tmp/py.err"
	check_eq "python3: exit status" 0 $?
	check_eq "python3: same output as natively" "$(cat "$tmp/native.out")" "$(cat "$tmp/traced.out")"
	no_complaints "python3" "$tmp/py.err"
	check_grep "python3: mmap.mmap(-1, 1 MiB) is traced" \
		'mmap\(NULL, 1048576, PROT_READ\|PROT_WRITE, MAP_SHARED\|MAP_ANONYMOUS, -1, 0\) = 0x[0-9a-f]+$' \
		"$tmp/py.trace"
	check_grep "python3: m.close() unmaps it" 'munmap\(0x[0-9a-f]+, 1048576\) = 0$' "$tmp/py.trace"
	check_grep "python3: the thread's stack is mapped" \
		'mmap\(NULL, [0-9]+, PROT_NONE, MAP_PRIVATE\|MAP_ANONYMOUS\|MAP_STACK, -1, 0\)' \
		"$tmp/py.trace"
else
	echo "note: python3 not installed; its checks are left out"
fi

if command -v gcc >/dev/null 2>&1; then
	printf '#include <stdio.h>\nint main(void) { puts("built"); return 0; }\n' >"$tmp/hello.c"
	"$MEMTRACE" --verify -o "$tmp/gcc.trace" -- gcc -O2 -o "$tmp/hello" "$tmp/hello.c" 2>"$tmp/gcc.err"
	check_eq "gcc: exit status" 0 $?
	check_eq "gcc: the program it built runs" built "$("$tmp/hello")"
	check_grep "gcc: cc1's calls carry [pid N]" '^\[pid [0-9]+\] mmap\(' "$tmp/gcc.trace"
	no_complaints "gcc" "$tmp/gcc.err"
else
	echo "note: gcc not installed; its checks are left out"
fi

# Two runs of one program map the same addresses (randomization is off).
"$MEMTRACE" -o "$tmp/a.trace" -- sh -c 'echo x >/dev/null'
"$MEMTRACE" -o "$tmp/b.trace" -- sh -c 'echo x >/dev/null'
check_eq "two runs give the same trace" "$(cat "$tmp/a.trace")" "$(cat "$tmp/b.trace")"
finish
