#!/bin/sh
# make bench: times each workload natively, under memtrace, memtrace
# --record, strace's seccomp mode and the null interposer, with the runs
# interleaved, and prints one table of medians and ratios from this one
# run, then the scale checks and the targets. Absolute times on a loaded
# VM are noise; ratios within one run much less so. The targets are
# informational: this never fails for a missed one.
# What each column means: docs/PERFORMANCE.md.
#
# Environment (the defaults take about 3 minutes on a loaded 2-core VM):
#   REPEATS         runs of each variant per workload (7); the table shows
#                   medians, its noise column how far the runs spread
#   ONLY            the rows to run, by name (default all): mmap brk
#                   mprotect madvise getppid python gcc threads scale
#   MMAP_PAIRS BRK_PAIRS MPROTECT_FLIPS MADVISE_ROUNDS GETPPID_CALLS
#   THREAD_ROUNDS   workload sizes
#   MANY_MAPS MANY_MAPS_BLOCK  mappings the scale check builds, and calls
#                   per timed block (60000, 5000; vm.max_map_count is
#                   65530 by default)
#   SCALE_RUNS      runs of each scale check (3); medians are shown
#   PYTHON BENCH_CC the interpreter and the compiler of the real-program rows
#   BENCH_ARCH      x86_64, or i386 (make bench-i386): the workloads built
#                   -m32 (NAME.m32), on a kernel that runs i386 programs;
#                   the python and gcc rows run Debian's i386 python3 and
#                   cc1 (on threads.c as gcc -m32 -E preprocessed it),
#                   fetched once by scripts/i386-root.sh (left out where
#                   they cannot be had)
#   I386_ROOT       where those i386 programs live (default: i386-root in
#                   the VM lane's cache; scripts/i386-root.sh)
#   MEMTRACE BENCH_BIN BENCH_SRCDIR MM_SCALE  set by make bench
set -eu
srcdir=${BENCH_SRCDIR:-$(dirname "$0")}
bin=${BENCH_BIN:-bench}
memtrace=${MEMTRACE:-./memtrace}
mm_scale=${MM_SCALE:-tests/unit/mm-scale}
repeats=${REPEATS:-7}
bench_arch=${BENCH_ARCH:-x86_64}
case $bench_arch in
x86_64)
	w=
	only=${ONLY:-mmap brk mprotect madvise getppid python gcc threads scale} ;;
i386)
	w=.m32
	only=${ONLY:-mmap brk mprotect madvise getppid python gcc threads scale} ;;
*)
	echo "bench: BENCH_ARCH is x86_64 or i386, not $bench_arch" >&2
	exit 2 ;;
esac
mmap_pairs=${MMAP_PAIRS:-5000}
brk_pairs=${BRK_PAIRS:-5000}
mprotect_flips=${MPROTECT_FLIPS:-5000}
madvise_rounds=${MADVISE_ROUNDS:-5000}
getppid_calls=${GETPPID_CALLS:-1000000}
thread_rounds=${THREAD_ROUNDS:-500}
many_maps=${MANY_MAPS:-60000}
many_maps_block=${MANY_MAPS_BLOCK:-5000}
scale_runs=${SCALE_RUNS:-3}
# The interpreter itself rather than a version manager's shell-script shim.
python=${PYTHON:-/usr/bin/python3}
[ -x "$python" ] || python=$(command -v python3) || python=python3
cc=${BENCH_CC:-gcc}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/memtrace-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
. "$srcdir/lib.sh"
. "$srcdir/report.sh"
. "$srcdir/scale.sh"

# A kernel without 32-bit emulation refuses them (ENOEXEC): say so once.
if [ "$bench_arch" = i386 ] && ! "$bin/getppid-loop$w" 0 >/dev/null 2>"$tmp/probe"; then
	echo "bench: this kernel ($(uname -r)) does not run i386 programs:" \
		"$bin/getppid-loop$w: $(head -n 1 "$tmp/probe" | sed 's/^.*: //')" >&2
	echo "bench: time the i386 rows on a kernel with 32-bit emulation" \
		"(CONFIG_IA32_EMULATION, not ia32_emulation=0)" >&2
	exit 1
fi

active=
for v in $variants; do
	if have_variant "$v"; then
		active="$active $v"
	fi
done
: >"$tmp/results"
: >"$tmp/results.cpu"
# Other work on the machine shows in the noise column; say how much there was.
load=$(cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null || echo '?')

selected() {
	case " $only " in
	*" $1 "*) true ;;
	*) false ;;
	esac
}

# time_variants PREFIX PROG [ARGS...]: $repeats runs of each variant,
# interleaved, their times in PREFIX.VARIANT. Each repetition starts with
# the next variant, so that none always runs after the same one.
time_variants() {
	prefix=$1
	shift
	for v in $variants allow; do
		: >"$prefix.$v"
		: >"$prefix.$v.cpu"
	done
	order=$active
	r=0
	while [ "$r" -lt "$repeats" ]; do
		for v in $order; do
			run_variant "$v" "$prefix.$v" "$@"
		done
		# shellcheck disable=SC2086
		order=$(rotate $order)
		r=$((r + 1))
	done
}

# stats_over_base VARIANT: its untrapped row's stats, less the median of the
# same runs with a count of 0.
stats_over_base() {
	stats "$tmp/times.$1" "$(stats "$tmp/base.$1" | cut -d ' ' -f 1)"
}

# workload NAME KIND LABEL PROG [ARGS...]: one row of the table. KIND is
# "trapped", or "untrapped" for a workload whose loop makes no trapped
# call and whose last argument is its count. An untrapped row is timed in
# CPU time, less the time of the same run with a count of 0: all the filter
# can add there is CPU work on each call, a few percent that waiting for a
# CPU on a busy machine, or the tracer's start-up, would drown.
workload() {
	name=$1
	kind=$2
	label=$3
	shift 3
	selected "$name" || return 0
	clock=wall
	[ "$kind" != untrapped ] || clock=cpu
	echo "bench: $label" >&2
	# Also the warm-up: caches filled, binaries paged in.
	calls=$(count_trapped "$@")
	rm -f "$tmp/recording"
	# An untrapped row also times a filter that allows everything, untraced:
	# the least any seccomp filter costs such a call on this kernel.
	all_active=$active
	[ "$kind" != untrapped ] || active="$active allow"
	time_variants "$tmp/times" "$@"
	record_bytes=-
	[ ! -f "$tmp/recording" ] || record_bytes=$(wc -c <"$tmp/recording")
	if [ "$kind" = untrapped ]; then
		# The same command with its last argument, the count, made 0.
		last=$#
		i=0
		for arg; do
			i=$((i + 1))
			[ "$i" -lt "$last" ] || arg=0
			set -- "$@" "$arg"
		done
		shift "$last"
		time_variants "$tmp/base" "$@"
		echo "$name $(stats_over_base allow | cut -d ' ' -f 1)" >>"$tmp/filter-floor"
	fi
	active=$all_active
	line="$name	$kind	$label	$calls	$record_bytes"
	cpu_line=$line
	for v in $variants; do
		if [ ! -s "$tmp/times.$v" ]; then
			line="$line	-"
		elif [ "$kind" = untrapped ]; then
			line="$line	$(stats_over_base "$v")"
		else
			line="$line	$(stats "$tmp/times.$v")"
		fi
		if [ -s "$tmp/times.$v.cpu" ]; then
			cpu_line="$cpu_line	$(stats "$tmp/times.$v.cpu")"
		else
			cpu_line="$cpu_line	-"
		fi
	done
	echo "$line" >>"$tmp/results"
	[ "$kind" = untrapped ] || echo "$cpu_line" >>"$tmp/results.cpu"
}

workload mmap trapped "mmap+munmap x$mmap_pairs" "$bin/mmap-pairs$w" "$mmap_pairs"
workload brk trapped "brk grow+shrink x$brk_pairs" "$bin/brk-cycle$w" "$brk_pairs"
workload mprotect trapped "mprotect RX<->RW x$mprotect_flips" "$bin/mprotect-flip$w" "$mprotect_flips"
workload madvise trapped "madvise DONTNEED x$madvise_rounds" "$bin/madvise-hot$w" "$madvise_rounds"
workload getppid untrapped "getppid x$getppid_calls (cpu-base)" "$bin/getppid-loop$w" "$getppid_calls"
root=
if [ "$bench_arch" = i386 ] && { selected python || selected gcc; }; then
	root=$(sh "$srcdir/../scripts/i386-root.sh" ${I386_ROOT:+"$I386_ROOT"}) ||
		echo "bench: no i386 python3 or cc1 here (above): their rows are left out" >&2
fi
libs32=$root/lib/i386-linux-gnu:$root/usr/lib/i386-linux-gnu
if [ "$bench_arch" = x86_64 ]; then
	workload python trapped "python3 -c 'import json,..'" \
		"$python" -c 'import json, re, collections, decimal'
	workload gcc trapped "gcc -O2 -c threads.c" "$cc" -O2 -c "$srcdir/threads.c" -o "$tmp/threads.o"
elif [ -n "$root" ]; then
	workload python trapped "i386 python3 'import json,..'" \
		env PYTHONHOME="$root/usr" "$root/lib/ld-linux.so.2" --library-path "$libs32" \
		"$root/usr/bin/python3" -c 'import json, re, collections, decimal'
	# the compiler proper on threads.c as the host's gcc -m32 preprocessed it
	if selected gcc && "$cc" -m32 -E -P "$srcdir/threads.c" -o "$tmp/threads32.i" 2>"$tmp/stderr"; then
		workload gcc trapped "i386 cc1 -O2 threads.c" \
			"$root/lib/ld-linux.so.2" --library-path "$libs32" "$root/cc1" \
			-quiet -O2 "$tmp/threads32.i" -o "$tmp/threads32.s"
	fi
fi
workload threads trapped "8 threads malloc x$thread_rounds" "$bin/threads$w" "$thread_rounds"
if selected scale; then
	scale_model
	scale_many_maps
fi

echo "memtrace benchmarks ($bench_arch workloads): kernel $(uname -r)," \
	"$(nproc 2>/dev/null || echo '?') CPUs, load $load at start; median of $repeats interleaved runs"
print_table "$tmp/results" wall
if [ -s "$tmp/results.cpu" ]; then
	echo
	echo "The same runs in CPU time (user + system of the process tree: the tracer's"
	echo "work and the program's, without the waits for a CPU that other load adds):"
	print_table "$tmp/results.cpu" cpu
fi
if selected scale; then
	print_scale
fi
print_targets
