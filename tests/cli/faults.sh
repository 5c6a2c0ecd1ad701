#!/bin/sh
# Faults around memtrace: the trace cannot be written (full disk, closed
# stderr), the program is killed in the middle of its calls, memtrace is
# killed while sixteen threads are in theirs. The program's run is never
# harmed, nothing is left stopped or orphaned.
. "$(dirname "$0")/lib.sh"

storm=${CASES_BUILDDIR:?}/thread-storm.m64
fuzz=${FUZZ_PROGRAM:-$(dirname "$CASES_BUILDDIR")/fuzz/mmfuzz.m64}

# wait_for FILE: up to ~10 s for FILE to be written.
wait_for() {
	n=0
	while [ ! -s "$1" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
}

# tasks_of PID: how many tasks (threads) the process still has; 0 once gone.
tasks_of() {
	ls "/proc/$1/task" 2>/dev/null | wc -l
}

# A full disk: memtrace says so once, the program runs on to its own end.
"$MEMTRACE" -o /dev/full -- "$storm" 20 >"$tmp/out" 2>"$tmp/err"
check_eq "full disk: the program's exit status" 0 $?
check_grep "full disk: the program's own output is whole" 'the shared mapping is whole: ok' "$tmp/out"
check_eq "full disk: said once" 1 "$(grep -c 'cannot write the trace' "$tmp/err")"
check_grep "full disk: says why" 'No space left on device' "$tmp/err"

# A recording that fills its disk: said once, the program runs on, the file
# reads up to its last complete event. A 64 KiB tmpfs where we may mount
# one (root), else /dev/full (nothing written at all).
disk=$tmp/small
mkdir "$disk"
if mount -t tmpfs -o size=64k memtrace-test "$disk" 2>/dev/null; then
	"$MEMTRACE" --record "$disk/r.mtr" -o /dev/null -- "$storm" 20 >"$tmp/out" 2>"$tmp/err"
	check_eq "recording on a full disk: the program's exit status" 0 $?
	check_grep "... the program's output is whole" 'the shared mapping is whole: ok' "$tmp/out"
	check_eq "... said once" 1 "$(grep -c 'No space left on device' "$tmp/err")"
	"$MEMTRACE" report "$disk/r.mtr" >"$tmp/report" 2>"$tmp/report.err"
	check_eq "... the cut recording reads" 0 $?
	check_grep "... up to its last complete record" '^events: [1-9][0-9]* ' "$tmp/report"
	# mid-record, or (when the disk filled at a record's end) before the end record
	check_grep "... and says where it was cut" 'cut short|ends without its end record' \
		"$tmp/report.err"
	umount "$disk"
else
	"$MEMTRACE" --record /dev/full -o /dev/null -- "$storm" 5 >"$tmp/out" 2>"$tmp/err"
	check_eq "recording to /dev/full: the program's exit status" 0 $?
	check_eq "... said once" 1 "$(grep -c 'No space left on device' "$tmp/err")"
fi

# stderr closed: nowhere to print, the program still runs.
"$MEMTRACE" -- "$storm" 5 >"$tmp/out" 2>&-
check_eq "closed stderr: the program's exit status" 0 $?
check_grep "closed stderr: the program's output is whole" 'the shared mapping is whole: ok' "$tmp/out"

# The program killed while its threads are in, or waiting for, memory calls.
rm -f "$tmp/ready"
"$MEMTRACE" -o /dev/null -- "$storm" 0 "$tmp/ready" >/dev/null 2>"$tmp/err" &
mt=$!
wait_for "$tmp/ready"
prog=$(cat "$tmp/ready")
kill -KILL "$prog"
wait $mt
check_eq "program killed: memtrace exits 128+9" 137 $?
check_grep "program killed: memtrace says so" 'killed by SIGKILL' "$tmp/err"
check_eq "program killed: no task left" 0 "$(tasks_of "$prog")"

# The program killed in the middle of the remote calls that make memtrace's
# stub page (MEMTRACE_FAULT kills it between two of them). They take the
# place of the program's first call, which never ran: it is not traced.
MEMTRACE_FAULT=kill-while-making-stub "$MEMTRACE" --stops=1 -o "$tmp/trace" -- /bin/sh -c 'echo hi' \
	>"$tmp/out" 2>"$tmp/err"
check_eq "killed while the stub is made: memtrace exits 128+9" 137 $?
check_grep "killed while the stub is made: memtrace says so" 'killed by SIGKILL' "$tmp/err"
check_eq "killed while the stub is made: no complaint" 0 "$(grep -c 'internal error' "$tmp/err")"
check_eq "killed while the stub is made: the call it held is not traced" 0 "$(grep -c . "$tmp/trace")"

# A signal (SIGUSR1, which kills sh) arrives between two of those remote
# calls: memtrace holds it and raises it again once the program runs.
MEMTRACE_FAULT=signal-while-making-stub "$MEMTRACE" --stops=1 -o "$tmp/trace" -- /bin/sh -c 'exit 3' \
	>"$tmp/out" 2>"$tmp/err"
check_eq "signal while the stub is made: it reaches the program" 138 $?
check_grep "signal while the stub is made: memtrace says so" 'killed by SIGUSR1' "$tmp/err"
check_eq "signal while the stub is made: no complaint" 0 "$(grep -c 'internal error' "$tmp/err")"

# Another file put on the memfd's descriptor before the task maps it (the
# program's stdin, as another thread's dup2 could): memtrace finds the
# page it mapped is not its own, unmaps it, leaves the descriptor alone and
# does without the stub; --verify finds the model whole.
head -c 20000 /dev/urandom >"$tmp/stdin"
MEMTRACE_FAULT=foreign-file-while-making-stub "$MEMTRACE" -d --stops=1 --verify -o "$tmp/trace" \
	-- /bin/sh -c 'echo hi' <"$tmp/stdin" >"$tmp/out" 2>"$tmp/err"
check_eq "foreign file on the memfd's descriptor: the program's exit status" 0 $?
check_eq "foreign file on the memfd's descriptor: the program's output" hi "$(cat "$tmp/out")"
check_grep "foreign file on the memfd's descriptor: no stub" 'no stub page \(Bad file descriptor\)' "$tmp/err"
check_eq "foreign file on the memfd's descriptor: no complaint" 0 \
	"$(grep -c -E '^memtrace: (internal error|--verify)' "$tmp/err")"
check_grep "foreign file on the memfd's descriptor: the call it held runs and is traced" '^brk\(NULL\) = ' "$tmp/trace"

# A program with seccomp filters of its own gets no stub: a filter may
# answer memtrace's remote calls with an error, SIGSYS, or death.
deny=$(dirname "$CASES_BUILDDIR")/cli/deny-call
"$MEMTRACE" -d --stops=1 --verify -o "$tmp/trace" -- "$deny" madvise /bin/sh -c 'echo hi' \
	>"$tmp/out" 2>"$tmp/err"
check_eq "a program's own filter: its output" hi "$(cat "$tmp/out")"
if grep -q '^Seccomp_filters:' /proc/self/status; then
	check_grep "a program's own filter: no stub" 'no stub page \(the program has seccomp filters' \
		"$tmp/err"
fi

# Filters memtrace runs under itself (a container's) are not the program's:
# the stub is made; this one refuses madvise, so the making fails cleanly.
"$deny" madvise "$MEMTRACE" -d --stops=1 --verify -o "$tmp/trace" -- /bin/sh -c 'echo hi' \
	>"$tmp/out" 2>"$tmp/err"
check_eq "memtrace's own filter: the program's output" hi "$(cat "$tmp/out")"
check_grep "memtrace's own filter: the stub is tried" 'no stub page \(Operation not permitted\)' \
	"$tmp/err"
check_eq "memtrace's own filter: no complaint" 0 \
	"$(grep -c -E '^memtrace: (internal error|--verify)' "$tmp/err")"

# Made there all the same (MEMTRACE_FAULT), with a filter that answers one
# of the calls that make the stub with EPERM: memtrace does without the
# stub, leaves nothing of it behind (--verify), and the program runs as it
# would. madvise is the bootstrap's last call: refused, it does not stop
# the task, which runs on into the undefined instruction after it.
# With -t the filter raises SIGSYS instead (SECCOMP_RET_TRAP): the signal
# is memtrace's doing, not the program's, and the program must not get it.
for how in "" -t; do
	for call in memfd_create madvise; do
		what="$call refused${how:+ with SIGSYS}"
		# shellcheck disable=SC2086
		MEMTRACE_FAULT=stub-beside-filters "$MEMTRACE" -d --stops=1 --verify -o "$tmp/trace" \
			-- "$deny" $how "$call" /bin/sh -c 'echo hi' >"$tmp/out" 2>"$tmp/err"
		check_eq "$what: the program's exit status" 0 $?
		check_eq "$what: the program's output" hi "$(cat "$tmp/out")"
		check_grep "$what: no stub" 'no stub page \(' "$tmp/err"
		check_eq "$what: no complaint" 0 \
			"$(grep -c -E '^memtrace: (internal error|--verify)' "$tmp/err")"
	done
done

# The program killed while calls go through the stub (one stop each).
# (mmfuzz writes its data file in the working directory)
(cd "$tmp" && exec "$MEMTRACE" --stops=1 -o "$tmp/trace" -- "$fuzz" 7 100000000) >/dev/null 2>"$tmp/err" &
mt=$!
n=0
while [ "$(grep -c . "$tmp/trace" 2>/dev/null)" -lt 2000 ] && [ $n -lt 100 ]; do
	sleep 0.1; n=$((n + 1))
done
prog=$(pgrep -P $mt | head -n 1)
kill -KILL "$prog"
wait $mt
check_eq "killed between stub calls: memtrace exits 128+9" 137 $?
check_eq "killed between stub calls: no complaint" 0 "$(grep -c 'internal error' "$tmp/err")"
check_eq "killed between stub calls: no task left" 0 "$(tasks_of "$prog")"

# memtrace killed while sixteen threads are in their calls: they all die.
rm -f "$tmp/ready"
"$MEMTRACE" -o /dev/null -- "$storm" 0 "$tmp/ready" >/dev/null 2>&1 &
mt=$!
wait_for "$tmp/ready"
prog=$(cat "$tmp/ready")
kill -KILL $mt
wait $mt 2>/dev/null
n=0
while [ "$(tasks_of "$prog")" != 0 ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
left=$(tasks_of "$prog")
[ "$left" = 0 ] || kill -KILL "$prog" 2>/dev/null
check_eq "memtrace killed: none of the program's tasks is left" 0 "$left"
finish
