#!/bin/sh
# Recording, call stacks, dump, report, maps, replay and diff, on
# alloc-sites (either arch; POSIX sh, runs under busybox in the i386 VM).
# Usage: alloc-sites.sh BINARY   (MEMTRACE: the memtrace binary)
# Prints "ok: ..." / "FAIL: ..." lines; exit 0 when all pass.
. "$(dirname "$0")/script-lib.sh" "$1"

"$mt" --record "$tmp/a.mtr" -o "$tmp/live" -- "$prog" >"$tmp/out"
expect_rc "record: the program's exit status" 0 $?

# dump: the calls exactly as the live trace printed them, then the stacks
"$mt" dump "$tmp/a.mtr" >"$tmp/dump"
expect_rc "dump" 0 $?
grep -v -e '^#' -e '^    #' -e '^\[pid [0-9]*\] ---' -e '^\[pid [0-9]*\] +++' "$tmp/dump" |
	sed 's/^\[pid [0-9]*\] //' >"$tmp/dump.calls"
sed 's/^\[pid [0-9]*\] //' "$tmp/live" >"$tmp/live.calls"
if cmp -s "$tmp/dump.calls" "$tmp/live.calls"; then
	ok "dump shows each call as the live trace did"
else
	fail "dump differs from the live trace"
	diff "$tmp/live.calls" "$tmp/dump.calls" | head -n 20
fi
# (i386 calls go through the vDSO and libc's syscall stub: more frames first)
awk '/^mmap2?\(NULL, 16384,/ { on = 1; next } on && !/^    #/ { exit } on { print }' \
	"$tmp/dump" >"$tmp/table.stack"
expect_grep "the table's stack names table_site" '^    #[1-3] table_site\+0x[0-9a-f]+ \(.*alloc-sites' \
	"$tmp/table.stack"
expect_grep "... and main after it" '^    #[2-4] main\+0x[0-9a-f]+ \(.*alloc-sites' "$tmp/table.stack"
if [ "$(grep -n ' table_site+' "$tmp/table.stack" | cut -d: -f1)" = \
     "$(($(grep -n ' main+' "$tmp/table.stack" | cut -d: -f1) - 1))" ]; then
	ok "... in that order"
else
	fail "table_site is not just inside main"
	cat "$tmp/table.stack"
fi

# report: counts, bytes, call sites
"$mt" report "$tmp/a.mtr" >"$tmp/report"
expect_rc "report" 0 $?
expect_grep "report: munmap calls" '^ +[0-9]+ +0 +munmap$' "$tmp/report"
expect_grep "report: the buffer's call site" 'buffer_site\+0x' "$tmp/report"

# maps --at: the address space right after the table's mmap
table_line=$(grep -n 'mmap2\{0,1\}(NULL, 16384,' "$tmp/live" | cut -d: -f1)
table_addr=$(grep 'mmap2\{0,1\}(NULL, 16384,' "$tmp/live" | sed 's/.* = 0x//')
"$mt" maps "$tmp/a.mtr" --at "$table_line" >"$tmp/maps"
expect_rc "maps --at $table_line" 0 $?
expect_grep "maps --at shows the table" "^0*$table_addr-[0-9a-f]+ rw-p " "$tmp/maps"

# replay: the same program agrees; a changed one is caught at the table
"$mt" replay "$tmp/a.mtr" >"$tmp/replay" 2>&1
expect_rc "replay of the same program" 0 $?
expect_grep "replay says they agree" 'agree \(exact check' "$tmp/replay"
"$mt" replay "$tmp/a.mtr" -- "$prog" changed >"$tmp/replay2" 2>&1
expect_rc "replay of the changed program" 1 $?
expect_grep "replay names the event" "^first difference, at event $table_line of the streams" "$tmp/replay2"
expect_grep "replay shows the recorded stack" '#[1-3] table_site\+0x' "$tmp/replay2"
"$mt" replay --check=shape "$tmp/a.mtr" -- "$prog" changed >"$tmp/replay3" 2>&1
expect_rc "replay --check=shape sees the size change" 1 $?

# two recordings of one program: diff calls them equal
"$mt" --record "$tmp/b.mtr" -o /dev/null -- "$prog" >/dev/null
"$mt" diff "$tmp/a.mtr" "$tmp/b.mtr" >"$tmp/diff"
expect_rc "diff of two recordings of one program" 0 $?

# bad files: a clear error or notice, never a crash
size=$(wc -c <"$tmp/a.mtr")
head -c $((size / 2)) "$tmp/a.mtr" >"$tmp/cut.mtr"
"$mt" dump "$tmp/cut.mtr" >/dev/null 2>"$tmp/cut.err"
expect_rc "a recording cut in half is read to its last record" 0 $?
expect_grep "... with a notice" 'cut.mtr' "$tmp/cut.err"
"$mt" dump --strict "$tmp/cut.mtr" >/dev/null 2>&1
expect_rc "... which --strict makes an error" 2 $?
dd if=/dev/urandom of="$tmp/random.mtr" bs=1024 count=8 2>/dev/null
"$mt" report "$tmp/random.mtr" >/dev/null 2>"$tmp/random.err"
expect_rc "random bytes: an error" 2 $?
expect_grep "... naming the file" 'random.mtr' "$tmp/random.err"

echo "$fails failed"
[ "$fails" = 0 ]
