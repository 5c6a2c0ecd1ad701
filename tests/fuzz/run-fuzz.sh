#!/bin/sh
# Differential fuzzing: runs mmfuzz natively and under memtrace for each
# seed and reports every divergence: a difference in stdout or exit status,
# or a complaint of memtrace's own (internal error, --verify).
#
# Usage: run-fuzz.sh [-s FIRST] [-n SEEDS] [-l "SEED..."] [-c COUNT] PROGRAM...
#   PROGRAM    mmfuzz.m64 or mmfuzz.m32 (the name says the arch)
#   -s, -n     seeds FIRST .. FIRST+SEEDS-1 (default 1, 10); -l: these seeds
#   -c         calls per run (default 300)
# Environment: MEMTRACE (the memtrace binary), MEMTRACE_FLAGS (default
# --verify), FUZZ_TIMEOUT (seconds per run, default 300).
# For each divergence: the seed, the first differing line and the trace
# lines of that call (mmfuzz marks call N with munmap(0xfa22001, N)).
# memtrace writes its trace to stderr here, beside its complaints, so that
# the call each complaint is about can be found.
# Prints "ARCH: calls tried: N, divergences: M" per program.
# MMFUZZ_AVOID (names from KNOWN-DIVERGENCES) passes through to mmfuzz.
# Exit: 0 none, 1 divergences, 99 harness error (mmfuzz itself failed).
# Runs under busybox sh.

: "${MEMTRACE:?MEMTRACE must name the memtrace binary}"
first=1 nseeds=10 seeds= count=300
while getopts s:n:l:c: opt; do
	case $opt in
		s) first=$OPTARG ;;
		n) nseeds=$OPTARG ;;
		l) seeds=$OPTARG ;;
		c) count=$OPTARG ;;
		*) echo "usage: run-fuzz.sh [-s FIRST] [-n SEEDS] [-l SEEDS] [-c COUNT] PROGRAM..."; exit 99 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { echo "run-fuzz: no program given"; exit 99; }
[ -n "$seeds" ] || seeds=$(awk -v a="$first" -v n="$nseeds" 'BEGIN { for (i = a; i < a + n; i++) print i }')

# Natively, the layout must not be randomized either: setarch -R where there
# is one (busybox has none; then mmfuzz re-runs itself without it).
norandom=
setarch -R true 2>/dev/null && norandom="setarch -R"
limit=
timeout 1 true 2>/dev/null && limit="timeout ${FUZZ_TIMEOUT:-300}"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/memtrace-fuzz.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT

# first_difference A B: the number of the first line where A and B differ.
first_difference() {
	awk 'FILENAME == ARGV[1] { a[FNR] = $0; na = FNR; next }
	     { b[FNR] = $0; nb = FNR }
	     END { n = na > nb ? na : nb
		   for (i = 1; i <= n; i++)
			   if (!(i in a) || !(i in b) || a[i] != b[i]) { print i; exit } }' "$1" "$2"
}

# call_at FILE LINE: the number of the call whose output holds LINE.
call_at() {
	awk -v at="$2" 'FNR > at { exit } /^[0-9]+ / { call = $1 } END { print call + 0 }' "$1"
}

# first_complaint STDERR: the call during which memtrace first complained,
# with the complaint.
first_complaint() {
	awk '/^(\[pid [0-9]+\] )?munmap\(0xfa22001, [0-9]+\)/ {
			call = $0; sub(/.*munmap\(0xfa22001, /, "", call); sub(/\).*/, "", call) }
		/^memtrace: (internal error|--verify)/ { print call + 0, $0; exit }' "$1"
}

# show_call STDERR N: memtrace's trace lines and complaints for call N,
# without the maps it prints after a --verify complaint.
show_call() {
	awk -v n="$2" '/^(\[pid [0-9]+\] )?munmap\(0xfa22001, [0-9]+\)/ {
			m = $0; sub(/.*munmap\(0xfa22001, /, "", m); sub(/\).*/, "", m)
			if (inside) exit
			inside = (m == n); next }
		inside && !/^    / && shown++ < 30 { print "    " $0 }' "$1"
}

# report ARCH SEED DIR REASON: prints one divergence.
report() {
	arch=$1 seed=$2 dir=$3
	echo "DIVERGENCE: $arch seed $seed: $4"
	line=$(first_difference "$dir/native.out" "$dir/traced.out")
	if [ -n "$line" ]; then
		call=$(call_at "$dir/native.out" "$line")
		echo "  first difference, output line $line (call $call):"
		echo "    native: $(sed -n "${line}p" "$dir/native.out")"
		echo "    traced: $(sed -n "${line}p" "$dir/traced.out")"
		echo "  call $call: $(grep "^$call " "$dir/native.out" | head -n 1)"
		echo "  memtrace's trace of call $call:"
		show_call "$dir/traced.err" "$call"
	fi
	complaint=$(first_complaint "$dir/traced.err")
	if [ -n "$complaint" ]; then
		call=${complaint%% *}
		echo "  memtrace complained during call $call: $(grep "^$call " "$dir/native.out" | head -n 1)"
		echo "  memtrace's trace of call $call:"
		show_call "$dir/traced.err" "$call"
	fi
	grep -v '^memtrace: ' "$dir/native.err" | head -n 5 | sed 's/^/  native stderr: /'
}

status=0 harness=0
for prog in "$@"; do
	case $prog in
		*.m64) arch=x86_64 ;;
		*.m32) arch=i386 ;;
		*) echo "run-fuzz: $prog is neither .m64 nor .m32"; exit 99 ;;
	esac
	[ -x "$prog" ] || { echo "run-fuzz: no such program: $prog"; exit 99; }
	case $prog in /*) ;; *) prog=$(pwd)/$prog ;; esac
	calls=0 divergences=0 bad=
	for seed in $seeds; do
		dir=$tmp/$arch-$seed
		mkdir -p "$dir/native" "$dir/traced"
		# shellcheck disable=SC2086
		(cd "$dir/native" && exec $limit $norandom "$prog" "$seed" "$count") \
			>"$dir/native.out" 2>"$dir/native.err"
		native_rc=$?
		# shellcheck disable=SC2086
		(cd "$dir/traced" && exec $limit "$MEMTRACE" ${MEMTRACE_FLAGS---verify} -- \
			"$prog" "$seed" "$count") >"$dir/traced.out" 2>"$dir/traced.err"
		traced_rc=$?
		calls=$((calls + $(grep -c '^[0-9][0-9]* ' "$dir/native.out")))
		# Natively mmfuzz must finish: anything else is the fuzzer's bug.
		if [ "$native_rc" != 0 ]; then
			echo "run-fuzz: $arch seed $seed: mmfuzz failed natively (exit status $native_rc):"
			head -n 5 "$dir/native.err"
			harness=1
		fi
		reason=
		if [ "$native_rc" != "$traced_rc" ]; then
			reason="exit status $traced_rc under memtrace, $native_rc natively"
		elif ! cmp -s "$dir/native.out" "$dir/traced.out"; then
			reason="output differs"
		elif grep -qE '^memtrace: (internal error|--verify)' "$dir/traced.err"; then
			reason="memtrace reported problems"
		fi
		if [ -n "$reason" ]; then
			report "$arch" "$seed" "$dir" "$reason"
			divergences=$((divergences + 1))
			bad="$bad $seed"
		fi
		rm -rf "$dir"
	done
	echo "$arch: calls tried: $calls, divergences: $divergences${bad:+ (seeds:$bad)}"
	[ "$divergences" = 0 ] || status=1
done
[ "$harness" = 0 ] || exit 99
exit $status
