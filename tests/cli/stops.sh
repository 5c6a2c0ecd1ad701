#!/bin/sh
# How many times memtrace stops a program per call (memtrace -d counts):
# once where the program has one task; where threads share its address
# space, once for a call apart from the others in flight, and again for
# one another call waits on (memtrace interrupts its task to read it). A
# change that loses the stub page or the entry commits shows here as twice
# the stops, not as a wrong trace.
. "$(dirname "$0")/lib.sh"
prog=${STOPS_PROGRAM:-$(dirname "$CASES_BUILDDIR")/cli/stops}

# counts MEMTRACE-ARGS...: "CALLS STOPS AT_ENTRY" from memtrace -d's closing line.
counts() {
	"$MEMTRACE" -d -o /dev/null "$@" >/dev/null 2>"$tmp/err"
	sed -n 's/^memtrace: \([0-9]*\) calls trapped, \([0-9]*\) stops, \([0-9]*\) finished at entry$/\1 \2 \3/p' "$tmp/err"
}

set -- $(counts -- "$prog")
calls=${1:-0} stops=${2:-0}
check_eq "one task: 4,000 calls or more trapped" yes "$([ "$calls" -ge 4000 ] && echo yes)"
# the mprotect (PROT_READ: a drop), the madvise (DONTNEED) and the munmap of
# each round are the model's alone: finished at their seccomp stop, with no
# stub slot; the mmap, which memtrace places, goes through the stub
check_eq "one task: 3 calls of 4 finished at entry ($calls calls, ${3:-0} at entry)" yes \
	"$([ "${3:-0}" -ge 3000 ] && [ "${3:-0}" -le $((calls - 1000)) ] && echo yes)"
# a dynamic program: the stub is made at its first call, which runs again
# (one stop more); exec and exit add a few
check_eq "one task: one stop per call from the first ($calls calls, $stops stops)" yes \
	"$([ "$stops" -le $((calls + 5)) ] && echo yes)"

# the stub page takes three stops to make (the code page's mmap returns
# into it), and the call it was made in runs again; under a filter of
# memtrace's own environment (a container's, here one that answers
# nothing) the mmap might be answered without its stop: five
made_in() {
	"$@" "$MEMTRACE" -d -o /dev/null -- "$prog" >/dev/null 2>"$tmp/err"
	sed -n 's/^memtrace: \[pid [0-9]*\] stub page at 0x100000, made in \([0-9]*\) stops.*/\1/p' \
		"$tmp/err"
}
check_eq "one task: the stub page made in three stops" 3 "$(made_in)"
deny=$(dirname "$CASES_BUILDDIR")/cli/deny-call
if grep -q '^Seccomp_filters:' /proc/self/status; then
	check_eq "under a filter of memtrace's own: in five" 5 "$(made_in "$deny" none)"
fi

# a static one: of its first seven calls, those the kernel runs take two
# stops (glibc's start: brk growing the heap, the first mmaps; its brk
# queries and its RELRO mprotect are finished at entry), then the stub is
# made (its call runs again); exec and exit add two
if [ -x "$prog-static" ]; then
	set -- $(counts -- "$prog-static")
	check_eq "static: one stop per call from the eighth (${1:-0} calls, ${2:-0} stops)" yes \
		"$([ "${2:-0}" -ge $(( ${1:-0} + 5 )) ] && [ "${2:-0}" -le $(( ${1:-0} + 12 )) ] &&
			echo yes)"
else
	echo "note: no static build of $prog (libc.a missing): not checked"
fi

# where the stub page pays: a run of few calls (about 17 here; under 32)
# teaches memtrace to make none in the next runs of that program file. The
# parent and its first child, the first runs of the file, make one each;
# the next two children, after a short run, make none. Runs of many calls
# get it in each.
stubs() {
	"$MEMTRACE" -d -o /dev/null "$@" >/dev/null 2>"$tmp/err"
	grep -c '^memtrace: \[pid [0-9]*\] stub page at ' "$tmp/err"
}
check_eq "short runs: the stub page only in the first runs of the program" 2 \
	"$(stubs -- "$prog" -s 3 1)"
check_eq "long runs: the stub page in each" 4 "$(stubs -- "$prog" -s 3 100)"
# the children run one after another: the second and third get the memfd
# the one before them left (a spare, stub.h), and --verify finds it right
check_eq "long runs: children after the first use a spare" 2 \
	"$(grep -c 'stub page at .*, from a spare$' "$tmp/err")"
"$MEMTRACE" -d --verify --stops=1 -o /dev/null -- "$prog" -s 3 100 >/dev/null 2>"$tmp/err"
check_eq "spares, --verify: no difference" 0 "$(grep -c -E '^memtrace: (internal error|--verify)' "$tmp/err")"
check_eq "spares, --verify: used" 2 "$(grep -c 'stub page at .*, from a spare$' "$tmp/err")"
set -- $(counts -- "$prog" -s 3 100)
check_eq "long runs: one stop per call from the first, or the 32nd (${1:-0} calls, ${2:-0} stops)" \
	yes "$([ "${1:-0}" -ge 1200 ] && [ "${2:-0}" -le $(( ${1:-0} + 60 )) ] && echo yes)"

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
