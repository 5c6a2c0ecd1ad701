#!/bin/sh
# Where the time of one trapped call goes, for docs/PERFORMANCE.md: per
# trapped call of WORKLOAD, the stops, context switches and system calls
# of each interposer (strace -c, perf stat), then memtrace's own CPU
# samples by the system call they fall in (perf record). Needs strace and
# perf; run from the build directory after make bench.
# Usage: profile.sh [WORKLOAD [COUNT]]   (default: mmap-pairs 2000)
set -eu
srcdir=${BENCH_SRCDIR:-$(dirname "$0")}
bin=${BENCH_BIN:-bench}
memtrace=${MEMTRACE:-./memtrace}
workload=$bin/${1:-mmap-pairs}
count=${2:-2000}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/memtrace-profile.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
for tool in strace perf; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "profile.sh: needs $tool (apt-get install strace linux-perf)" >&2
		exit 1
	}
done

"$memtrace" -o "$tmp/trace" -- "$workload" "$count" >/dev/null
calls=$(wc -l <"$tmp/trace")
echo "$workload $count: $calls trapped calls; per trapped call:"
for tracer in null null-x memtrace strace; do
	case $tracer in
	null) set -- "$bin/null-interposer" ;;
	null-x) set -- "$bin/null-interposer" -x ;;
	memtrace) set -- "$memtrace" -o /dev/null -- ;;
	strace) set -- strace -f --seccomp-bpf -e trace=%memory -o /dev/null ;;
	esac
	strace -c -o "$tmp/counts" "$@" "$workload" "$count" >/dev/null 2>&1
	perf stat -x , -e context-switches -o "$tmp/stat" "$@" "$workload" "$count" >/dev/null 2>&1
	awk -F , -v calls="$calls" '$3 == "context-switches" { printf "%.2f", $1 / calls }' \
		"$tmp/stat" >"$tmp/switches"
	# strace -c: "% time seconds usecs/call calls errors syscall"
	awk -v calls="$calls" -v t="$tracer" -v sw="$(cat "$tmp/switches")" '
		$NF != "total" && $4 + 0 >= calls / 10 { s = s sprintf(" %s %.2f", $NF, $4 / calls) }
		$NF == "total" { total = $4 / calls }
		END { printf("  %-9s context switches %s; tracer syscalls %.2f:%s\n", t, sw, total, s) }
	' "$tmp/counts"
done

echo "memtrace's CPU samples by the system call they fall in (perf record):"
# -N: no build-id cache, whose hard links under ~/.debug give libc.so.6 and
# the others a second name, which turns memtrace's path cache off for them
perf record -N -q -g -o "$tmp/perf.data" -- "$memtrace" -o /dev/null -- "$workload" "$count" \
	>/dev/null 2>&1
perf script -i "$tmp/perf.data" -F comm,tid,ip,sym 2>/dev/null |
	awk -v comm=memtrace -f "$srcdir/perf-by-syscall.awk" | sort -rn
