#!/bin/sh
# A program that cannot start gets a clear message and the shell's exit codes.
. "$(dirname "$0")/lib.sh"

"$MEMTRACE" -- memtrace-no-such-program-xyz 2>"$tmp/err"
check_eq "command not found exits 127" 127 $?
check_grep "command not found says so" "memtrace-no-such-program-xyz: command not found" "$tmp/err"

"$MEMTRACE" -- ./no/such/path 2>"$tmp/err"
check_eq "missing path exits 127" 127 $?
check_grep "missing path says why" "No such file or directory" "$tmp/err"

printf 'not a program\n' >"$tmp/plain"
chmod 644 "$tmp/plain"
"$MEMTRACE" -- "$tmp/plain" 2>"$tmp/err"
check_eq "non-executable file exits 126" 126 $?
check_grep "non-executable file says why" "Permission denied" "$tmp/err"

"$MEMTRACE" -- "$tmp" 2>"$tmp/err"
check_eq "directory exits 126" 126 $?
check_grep "directory says why" "Is a directory" "$tmp/err"

printf '\177ELF garbage' >"$tmp/badelf"
chmod 755 "$tmp/badelf"
"$MEMTRACE" -- "$tmp/badelf" 2>"$tmp/err"
check_eq "corrupt executable exits 126" 126 $?
check_grep "corrupt executable says why" "Exec format error" "$tmp/err"

"$MEMTRACE" 2>"$tmp/err"
check_eq "no program exits 2" 2 $?
check_grep "no program says so" "no program given" "$tmp/err"

"$MEMTRACE" -o /nonexistent-dir/trace -- true 2>"$tmp/err"
check_eq "unwritable output exits 1" 1 $?
check_grep "unwritable output says so" "cannot open the output file /nonexistent-dir/trace" "$tmp/err"

# An i386 program on a kernel without IA-32 emulation (like the build
# machines of sessions 1-12): a clear message, never a crash. Where i386
# runs, a malformed i386 file (e_phentsize 0: ENOEXEC) must not be blamed
# on the kernel.
i386_prog=${I386_PROGRAM:-}
if [ -n "$i386_prog" ] && [ -x "$i386_prog" ]; then
	cp "$i386_prog" "$tmp/bad32"
	printf '\000\000' | dd of="$tmp/bad32" bs=1 seek=42 conv=notrunc 2>/dev/null
	"$MEMTRACE" -- "$tmp/bad32" 2>"$tmp/err"
	check_eq "malformed i386 program exits 126" 126 $?
	if "$i386_prog" >/dev/null 2>&1; then
		echo "note: this kernel runs i386 programs; the no-IA-32 message is not reachable here"
		check_grep "malformed i386 program, i386 kernel: Exec format error" \
			"cannot run .*bad32: Exec format error \(an i386 program this kernel, which runs i386" \
			"$tmp/err"
		check_eq "malformed i386 program, i386 kernel: the kernel not blamed" 0 \
			"$(grep -c 'cannot run 32-bit programs' "$tmp/err")"
	else
		check_grep "malformed i386 program, 64-bit-only kernel: the kernel named" \
			"this kernel cannot run 32-bit programs" "$tmp/err"
		"$MEMTRACE" -- "$i386_prog" 2>"$tmp/err"
		check_eq "i386 program on a 64-bit-only kernel exits 126" 126 $?
		check_grep "i386 program on a 64-bit-only kernel says why" \
			"is an i386 \(32-bit\) program, but this kernel cannot run 32-bit programs" "$tmp/err"
	fi
fi

# libunwind is loaded at the first x86_64 stack. Where it cannot be, a
# recording keeps each stack's first frame, and memtrace says so once.
mkdir "$tmp/nolib" && : >"$tmp/nolib/libunwind-x86_64.so.8"
LD_LIBRARY_PATH=$tmp/nolib "$MEMTRACE" --record "$tmp/r.mtr" -o /dev/null -- sh -c 'exit 3' \
	2>"$tmp/err"
check_eq "without libunwind the program runs to its end" 3 $?
check_eq "without libunwind memtrace says so once" 1 \
	"$(grep -c 'cannot load libunwind-x86_64.so.8 (.*): x86_64 call stacks hold their first frame only' "$tmp/err")"
"$MEMTRACE" dump "$tmp/r.mtr" >"$tmp/dump" 2>&1
check_grep "without libunwind stacks keep their first frame" '^    #0 ' "$tmp/dump"
check_eq "without libunwind stacks have no second frame" 0 "$(grep -c '^    #1 ' "$tmp/dump")"
finish
