#!/bin/sh
# memtrace dump | report | maps | diff on recordings written by record-test,
# and the errors for files that are missing, foreign, newer, cut or random.
. "$(dirname "$0")/../cli/lib.sh"
record_test=${RECORD_TEST:-./tests/record/record-test}
[ -x "$record_test" ] || { echo "ERROR: $record_test is not built"; exit 99; }
"$record_test" --samples "$tmp/s" || { echo "ERROR: cannot write the samples"; exit 99; }
s=$tmp/s

# check_status WHAT WANT COMMAND...: the command's exit status is WANT.
check_status() {
	what=$1 want=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	check_eq "$what" "$want" $?
}

# Every line of FILE is one JSON value (with python3; else looks like one).
check_json_lines() {
	if command -v python3 >/dev/null 2>&1; then
		python3 -c 'import json, sys
for n, line in enumerate(open(sys.argv[1]), 1):
    json.loads(line)' "$2" 2>"$tmp/json-err"
		check_eq "$1" 0 $?
	else
		check_eq "$1" "" "$(grep -v '^{.*}$' "$2")"
	fi
}

maps_line='^[0-9a-f]{8,}-[0-9a-f]{8,} [r-][w-][x-][ps] [0-9a-f]{8} [0-9a-f]{2}:[0-9a-f]{2} [0-9]+'

check_status "dump exits 0" 0 "$MEMTRACE" dump "$s/x86_64.mtr"
check_grep "dump prints calls as the trace does" \
	'^mmap\(NULL, 8192, PROT_READ\|PROT_WRITE, MAP_PRIVATE\|MAP_ANONYMOUS, -1, 0\) = 0x7ffff7ffd000$' "$tmp/out"
check_grep "dump prints stacks" '^    #1 level_three\+0x12 \(/usr/bin/prog\+0x1139\)$' "$tmp/out"
check_grep "dump prints forks" '^\[pid 100\] --- fork: child 101 ' "$tmp/out"
check_grep "dump prints exits" '^\[pid 100\] \+\+\+ exited with 3 \+\+\+$' "$tmp/out"
check_status "dump of an i386 recording exits 0" 0 "$MEMTRACE" dump "$s/i386.mtr"
check_grep "dump prints old_mmap's arguments" \
	'^mmap\(NULL, 4096, PROT_READ\|PROT_WRITE, MAP_PRIVATE\|MAP_ANONYMOUS, -1, 0\) = 0x' "$tmp/out"
check_status "dump --json exits 0" 0 "$MEMTRACE" dump "$s/x86_64.mtr" --json
check_json_lines "dump --json writes JSON Lines" "$tmp/out"
check_status "dump reads standard input" 0 sh -c '"$0" dump - <"$1"' "$MEMTRACE" "$s/i386.mtr"

check_status "report exits 0" 0 "$MEMTRACE" report "$s/x86_64.mtr"
check_grep "report counts calls and errors" '^ +6 +1  mmap: ENOMEM 1$' "$tmp/out"
check_grep "report names call sites" 'level_three\+0x12 \(/usr/bin/prog\+0x1139\)$' "$tmp/out"
check_grep "report gives peaks" '^peak mapped +[0-9]+ ' "$tmp/out"
check_status "report --json exits 0" 0 "$MEMTRACE" report --json "$s/x86_64.mtr"
check_json_lines "report --json writes JSON" "$tmp/out"

check_status "maps --at exits 0" 0 "$MEMTRACE" maps "$s/x86_64.mtr" --at 5
check_eq "maps prints only maps lines" "" "$(grep -Ev "$maps_line" "$tmp/out")"
check_grep "maps shows the heap" '\[heap\]$' "$tmp/out"
check_status "maps --at end --pid exits 0" 0 "$MEMTRACE" maps "$s/x86_64.mtr" --at end --pid 101
check_eq "... and shows what the task ended with" "" "$(grep 7ffff7ff8000 "$tmp/out")"
check_status "maps of an event that is not there exits 1" 1 "$MEMTRACE" maps "$s/x86_64.mtr" --at 99
check_grep "... and says so" 'no event 99 \(its events run from 1 to 19\)' "$tmp/err"
check_status "maps without --at is a usage error" 2 "$MEMTRACE" maps "$s/x86_64.mtr"

check_status "diff of a recording with itself exits 0" 0 "$MEMTRACE" diff "$s/x86_64.mtr" "$s/x86_64.mtr"
check_status "diff of different runs exits 1" 1 "$MEMTRACE" diff "$s/x86_64.mtr" "$s/len.mtr"
check_grep "diff shows the first difference" '^first difference, at event 3 of the streams: argument 2 differs' "$tmp/out"
check_status "diff --check=exact sees moved addresses" 1 "$MEMTRACE" diff --check=exact "$s/x86_64.mtr" "$s/moved.mtr"
check_status "diff --check=shape does not" 0 "$MEMTRACE" diff --check=shape "$s/x86_64.mtr" "$s/moved.mtr"
check_status "diff --check=summary sees other totals" 1 "$MEMTRACE" diff --check=summary "$s/x86_64.mtr" "$s/len.mtr"
check_status "... unless within --tolerance" 0 "$MEMTRACE" diff --check=summary --tolerance=50 "$s/x86_64.mtr" "$s/len.mtr"
check_status "diff --check=bogus is a usage error" 2 "$MEMTRACE" diff --check=bogus "$s/x86_64.mtr" "$s/len.mtr"

# Files that are not good recordings.
check_status "a missing file exits 2" 2 "$MEMTRACE" dump "$tmp/none.mtr"
check_grep "... naming it" "cannot open the recording $tmp/none.mtr" "$tmp/err"
echo "just text" >"$tmp/text"
check_status "a text file exits 2" 2 "$MEMTRACE" report "$tmp/text"
check_grep "... with the offset" "$tmp/text: byte 0: not a memtrace recording" "$tmp/err"
printf '\211MEMTRC\n\003\000\000\000' >"$tmp/newer.mtr"
check_status "a newer major version exits 2" 2 "$MEMTRACE" dump "$tmp/newer.mtr"
check_grep "... saying which" 'byte 8: format version 3.0, but this memtrace reads versions 1.x to 2.x only' "$tmp/err"
head -c 4096 /dev/urandom >"$tmp/random"
check_status "random bytes exit 2" 2 "$MEMTRACE" maps "$tmp/random" --at 1
size=$(wc -c <"$s/x86_64.mtr")
head -c $((size - 80)) "$s/x86_64.mtr" >"$tmp/cut.mtr"
check_status "a cut recording is read up to its last record" 0 "$MEMTRACE" dump "$tmp/cut.mtr"
check_grep "... saying where it is cut" \
	"cut.mtr: byte [0-9]+: the recording (is cut short|ends without its end record)" "$tmp/err"
check_grep "... after printing what came before" '^\[pid 101\] munmap' "$tmp/out"
check_status "... and --strict makes that an error" 2 "$MEMTRACE" dump --strict "$tmp/cut.mtr"
check_status "report --strict too" 2 "$MEMTRACE" report --strict "$tmp/cut.mtr"

check_status "dump without a file is a usage error" 2 "$MEMTRACE" dump
check_status "an option a subcommand does not take" 2 "$MEMTRACE" report "$s/x86_64.mtr" --at 3
check_status "dump --help exits 0" 0 "$MEMTRACE" dump --help
check_grep "... and shows the usage" '^Usage: memtrace dump FILE' "$tmp/out"
"$MEMTRACE" --help >"$tmp/help"
check_grep "memtrace --help names the subcommands" 'dump\|report\|maps\|diff' "$tmp/help"
finish
