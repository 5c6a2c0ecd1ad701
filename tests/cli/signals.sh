#!/bin/sh
# Signals sent to memtrace reach the program; memtrace's death kills it.
. "$(dirname "$0")/lib.sh"

# wait_for FILE: up to ~10 s for FILE to appear.
wait_for() {
	n=0
	while [ ! -e "$1" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
}

for sig in TERM INT HUP; do
	rm -f "$tmp/ready" "$tmp/got"
	# Background jobs of a script start with SIGINT ignored; undo that.
	env --default-signal=$sig "$MEMTRACE" -o /dev/null -- sh -c "trap 'echo $sig >\"$tmp/got\"; exit 0' $sig; \
		touch \"$tmp/ready\"; while :; do sleep 0.05; done" &
	mt=$!
	wait_for "$tmp/ready"
	kill -$sig $mt
	wait $mt
	rc=$?
	check_eq "SIG$sig to memtrace reaches the program" "$sig" "$(cat "$tmp/got" 2>/dev/null)"
	check_eq "SIG$sig: memtrace exits with the program's status" 0 $rc
done

# memtrace killed outright: PTRACE_O_EXITKILL must take the program with it.
rm -f "$tmp/ready"
"$MEMTRACE" -o /dev/null -- sh -c "echo \$\$ >\"$tmp/pid\"; touch \"$tmp/ready\"; exec sleep 60" &
mt=$!
wait_for "$tmp/ready"
child=$(cat "$tmp/pid")
kill -KILL $mt
wait $mt 2>/dev/null
n=0
while kill -0 "$child" 2>/dev/null && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
if kill -0 "$child" 2>/dev/null; then alive=yes; kill -KILL "$child"; else alive=no; fi
check_eq "the program dies with memtrace" no $alive

# A stopped-and-continued program is neither lost nor left stopped.
rm -f "$tmp/ready"
"$MEMTRACE" -o /dev/null -- sh -c "echo \$\$ >\"$tmp/pid\"; touch \"$tmp/ready\"; sleep 1; exit 4" &
mt=$!
wait_for "$tmp/ready"
child=$(cat "$tmp/pid")
kill -STOP "$child"
sleep 0.3
state=$(awk '{print $3}' "/proc/$child/stat" 2>/dev/null)
kill -CONT "$child"
wait $mt
rc=$?
# A traced task in group-stop shows as 't' (tracing stop) rather than 'T'.
case "$state" in T|t) state=stopped ;; esac
check_eq "SIGSTOP leaves the program in a group-stop" stopped "$state"
check_eq "after SIGCONT it runs to its end" 4 $rc
finish
