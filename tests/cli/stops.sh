#!/bin/sh
# How many times memtrace stops a program per call (memtrace -d counts):
# once where the program has one task; where threads share its address
# space, once for a call apart from the others in flight, and again for
# one another call waits on (memtrace interrupts its task to read it). A
# change that loses the stub page or the entry commits shows here as twice
# the stops, not as a wrong trace.
. "$(dirname "$0")/lib.sh"
prog=${STOPS_PROGRAM:-$(dirname "$CASES_BUILDDIR")/cli/stops}

# counts MEMTRACE-ARGS...: "CALLS STOPS" from memtrace -d's closing line.
counts() {
	"$MEMTRACE" -d -o /dev/null "$@" >/dev/null 2>"$tmp/err"
	sed -n 's/^memtrace: \([0-9]*\) calls trapped, \([0-9]*\) stops$/\1 \2/p' "$tmp/err"
}

set -- $(counts -- "$prog")
calls=${1:-0} stops=${2:-0}
check_eq "one task: 4,000 calls or more trapped" yes "$([ "$calls" -ge 4000 ] && echo yes)"
# a dynamic program: the stub is made at its first call, which runs again
# (one stop more); exec and exit add a few
check_eq "one task: one stop per call from the first ($calls calls, $stops stops)" yes \
	"$([ "$stops" -le $((calls + 5)) ] && echo yes)"

# a static one: its first seven calls take two stops, then the stub is made
if [ -x "$prog-static" ]; then
	set -- $(counts -- "$prog-static")
	check_eq "static: one stop per call from the eighth (${1:-0} calls, ${2:-0} stops)" yes \
		"$([ "${2:-0}" -ge $(( ${1:-0} + 7 )) ] && [ "${2:-0}" -le $(( ${1:-0} + 12 )) ] &&
			echo yes)"
else
	echo "note: no static build of $prog (libc.a missing): not checked"
fi

set -- $(counts --stops=2 -- "$prog")
check_eq "--stops=2: two stops per call ($1 calls, $2 stops)" yes \
	"$([ "${2:-0}" -ge $(( ${1:-1} * 7 / 4 )) ] && echo yes)"

set -- $(counts -- "$prog" 2)
check_eq "two threads: every call traced, none lost (${1:-0} calls)" yes \
	"$([ "${1:-0}" -ge 8000 ] && echo yes)"
check_eq "two threads: fewer than two stops per call (${1:-0} calls, ${2:-0} stops)" yes \
	"$([ "${2:-0}" -le $(( ${1:-1} * 7 / 4 )) ] && echo yes)"

set -- $(counts --stops=2 -- "$prog" 2)
check_eq "two threads, --stops=2: two stops per call (${1:-0} calls, ${2:-0} stops)" yes \
	"$([ "${2:-0}" -ge $(( ${1:-1} * 2 - 100 )) ] && echo yes)"

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
