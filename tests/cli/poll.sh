#!/bin/sh
# --poll=USEC: memtrace polls for a program's next stop before it sleeps
# (src/stop_wait.c), where a second CPU can run the program meanwhile; by
# default, and with --poll=0, it never does. memtrace -d counts the waits by
# how they ended. The trace is the same either way.
. "$(dirname "$0")/lib.sh"
prog=${STOPS_PROGRAM:-$(dirname "$CASES_BUILDDIR")/cli/stops}

# waits MEMTRACE-ARGS...: "POLLED_UNTIL_IT_CAME POLLED_THEN_SLEPT SLEPT BUSY_LOOKS LOOKS"
waits() {
	"$MEMTRACE" -d -o "$tmp/trace" "$@" -- "$prog" -r 300 >/dev/null 2>"$tmp/err"
	sed -n 's/^memtrace: waits for a stop: \([0-9]*\) polled until it came, \([0-9]*\) polled then slept, \([0-9]*\) slept; every CPU wanted at \([0-9]*\) of \([0-9]*\) looks$/\1 \2 \3 \4 \5/p' \
		"$tmp/err"
}

set -- $(waits)
check_eq "by default: no wait polls" "0 0" "${1:-x} ${2:-x}"
check_eq "by default: every wait sleeps (${3:-0} waits)" yes "$([ "${3:-0}" -ge 600 ] && echo yes)"
sed 's/0x[0-9a-f]*/ADDR/g' "$tmp/trace" >"$tmp/trace.slept"
set -- $(waits --poll=0)
check_eq "--poll=0: no wait polls" "0 0" "${1:-x} ${2:-x}"

cpus=$(nproc 2>/dev/null || echo 1)
if [ "$cpus" -ge 2 ]; then
	# memtrace looks at the first wait, then every 16th: where no look
	# found every CPU wanted, the first wait at least polled (its history
	# is empty); where one did (make -j check runs tests side by side),
	# nothing is certain
	set -- $(waits --poll=50)
	if [ "${4:-1}" = 0 ]; then
		check_eq "--poll=50, two CPUs: waits poll (${1:-0} came, ${2:-0} did not)" yes \
			"$([ $(( ${1:-0} + ${2:-0} )) -gt 0 ] && echo yes)"
	else
		echo "note: every CPU was wanted at ${4:-?} of ${5:-?} looks; polling not checked"
	fi
	sed 's/0x[0-9a-f]*/ADDR/g' "$tmp/trace" >"$tmp/trace.polled"
	check_eq "polling: the same trace" "" "$(cmp "$tmp/trace.slept" "$tmp/trace.polled" 2>&1)"
	# as many busy tasks as CPUs: every 16 waits memtrace counts the tasks
	# that want a CPU (/proc/loadavg), and then stops polling
	if [ "$cpus" -le 4 ]; then
		hogs=
		i=0
		# killed on the way out however this ends, and in a minute at most
		trap 'kill $hogs 2>/dev/null; rm -rf "$tmp"' EXIT
		while [ "$i" -lt "$cpus" ]; do
			timeout 60 sh -c 'while :; do :; done' &
			hogs="$hogs $!"
			i=$((i + 1))
		done
		set -- $(waits --poll=50)
		kill $hogs 2>/dev/null
		check_eq "--poll=50, every CPU busy: polls only until it looks (${1:-0} came, ${2:-0} did not)" \
			yes "$([ $(( ${1:-99} + ${2:-99} )) -le 16 ] && echo yes)"
	fi
else
	echo "note: one CPU here: polling is off, not checked"
fi
if command -v taskset >/dev/null 2>&1; then
	cpu=$(taskset -c -p $$ | sed 's/.*: *//; s/[,-].*//')
	set -- $(taskset -c "$cpu" sh -c '
		"$1" -d --poll=50 -o /dev/null -- "$2" -r 300 >/dev/null 2>"$3"
		sed -n "s/^memtrace: waits for a stop: \([0-9]*\) polled until it came, \([0-9]*\) polled then slept, .*/\1 \2/p" "$3"' \
		sh "$MEMTRACE" "$prog" "$tmp/err")
	check_eq "--poll=50, one allowed CPU: no wait polls" "0 0" "${1:-x} ${2:-x}"
fi

for bad in x -1 1000001 ''; do
	"$MEMTRACE" --poll="$bad" -- true >/dev/null 2>"$tmp/err"
	check_eq "--poll='$bad': exit status 2" 2 "$?"
	check_grep "--poll='$bad': says what it takes" '^memtrace: --poll takes microseconds' "$tmp/err"
done
"$MEMTRACE" --poll=1000000 -o /dev/null -- true
check_eq "--poll=1000000 is taken" 0 "$?"
finish
