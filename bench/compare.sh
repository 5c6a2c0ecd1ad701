#!/bin/sh
# Times each workload natively, under memtrace and under strace's seccomp
# mode, and prints one table of ratios from this one run (absolute times on
# virtual machines are noisy; ratios within one run are not).
# Usage: compare.sh [REPEATS]   (run from the build directory: make bench)
set -eu
repeats=${1:-5}
memtrace=${MEMTRACE:-./memtrace}
loop=${LOOP:-./bench/loop}
mmap_pairs=${MMAP_PAIRS:-20000}
getppid_calls=${GETPPID_CALLS:-2000000}

now_ns() { date +%s%N; }

# time_ns CMD...: the wall time of one run, in ns.
time_ns() {
	t0=$(now_ns)
	"$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
	t1=$(now_ns)
	echo $((t1 - t0))
}

median() { sort -n "$1" | awk '{ t[NR] = $1 } END { print t[int((NR + 1) / 2)] }'; }
spread() { sort -n "$1" | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.0f%%", lo ? (hi - lo) * 100 / lo : 0 }'; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
have_strace=no
command -v strace >/dev/null 2>&1 && strace -f --seccomp-bpf -e trace=%memory -o /dev/null true 2>/dev/null &&
	have_strace=yes

printf '%-24s %10s %10s %10s %9s %9s\n' workload native_ms memtrace_ms strace_ms mt/native mt/strace
run_workload() {
	label=$1
	calls=$2
	shift 2
	: >"$tmp/native"; : >"$tmp/memtrace"; : >"$tmp/strace"
	# Interleave the variants so that drift on the machine hits all alike.
	i=0
	while [ $i -lt "$repeats" ]; do
		time_ns "$loop" "$@" >>"$tmp/native"
		time_ns "$memtrace" -o /dev/null -- "$loop" "$@" >>"$tmp/memtrace"
		[ $have_strace = no ] ||
			time_ns strace -f --seccomp-bpf -e trace=%memory -o /dev/null "$loop" "$@" >>"$tmp/strace"
		i=$((i + 1))
	done
	native=$(median "$tmp/native")
	traced=$(median "$tmp/memtrace")
	st=0
	[ $have_strace = no ] || st=$(median "$tmp/strace")
	awk -v l="$label" -v n="$native" -v m="$traced" -v s="$st" -v c="$calls" \
	    -v sn="$(spread "$tmp/native")" -v sm="$(spread "$tmp/memtrace")" 'BEGIN {
		n += 0; m += 0; s += 0; c += 0
		ratio_s = s > n ? sprintf("%.2f", (m - n) / (s - n)) : "n/a"
		printf "%-24s %10.1f %10.1f %10.1f %9.3f %9s   spread native %s, memtrace %s\n", \
			l, n / 1e6, m / 1e6, s / 1e6, m / n, ratio_s, sn, sm
		if (c > 0)
			printf "%-24s per trapped call over native: memtrace %.1f us, strace %.1f us\n", "", \
				(m - n) / c / 1e3, (s > 0 ? (s - n) / c / 1e3 : 0)
	}'
}
run_workload "mmap+munmap x$mmap_pairs" $((mmap_pairs * 2)) mmap "$mmap_pairs"
run_workload "getppid x$getppid_calls" 0 getppid "$getppid_calls"
echo "(mt/strace: memtrace's overhead over native divided by strace's; median of $repeats runs)"
