#!/bin/sh
# Threads' memory calls in flight together (memtrace(1), THE MODEL): a
# random mix on adjacent and overlapping ranges, with brk, mlockall, forks,
# the stub page's addresses, mremap and signals caught all along (mode 47),
# must leave the model equal to the kernel's maps, with one stop or two.
# (mremap's moved, never written mappings join fresh neighbours the model
# keeps apart: tests/cases/mremap-merge.c.)
. "$(dirname "$0")/lib.sh"
prog=${THREAD_MIX_PROGRAM:-$(dirname "$CASES_BUILDDIR")/cli/thread-mix}

for flags in --verify "--verify --stops=1"; do
	for run in 1 2 3; do
		"$MEMTRACE" $flags -o /dev/null -- "$prog" 300 47 >/dev/null 2>"$tmp/err"
		rc=$?
		check_eq "thread-mix ($flags, run $run): exit status" 0 $rc
		check_eq "thread-mix ($flags, run $run): no difference, no internal error" 0 \
			"$(grep -c 'verify:\|internal error' "$tmp/err")"
	done
done
grep -m3 'verify:\|internal error' "$tmp/err" || true

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
