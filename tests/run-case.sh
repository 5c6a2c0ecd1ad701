#!/bin/sh
# Runs one scenario program natively and under memtrace, and checks that
#  - its stdout and exit status are identical both ways, and
#  - memtrace's trace and messages match the scenario's .expect file.
#
# Usage: run-case.sh BINARY     (BINARY is tests/cases/NAME.m64 or NAME.m32)
# Environment: MEMTRACE (the memtrace binary), CASES_SRCDIR (where NAME.expect
# lives; default: beside BINARY), MEMTRACE_FLAGS (extra options; the lanes
# pass --verify).
#
# The traced run is made twice: with MEMTRACE_FLAGS as given (with --verify:
# two stops per call) and with --stops=1 added (each call's exit read back
# from memtrace's stub page), and each run must pass every check.
#
# .expect lines, checked in order against the trace (a subsequence):
#   PATTERN            an extended regex a trace line must match
#   i386: PATTERN      only for the i386 build; x86_64: likewise
#   !PATTERN           no trace line may match (checked over the whole trace)
#   err: PATTERN       a line of memtrace's stderr must match (in order)
#   # comment
# Patterns are what every awk takes: no {m,n} intervals (mawk has none).
# A scenario may also have NAME.sh: run as `sh NAME.sh BINARY` (with
# MEMTRACE), for checks beyond one traced run (alloc-sites.sh: recordings).
# Exit: 0 pass, 1 fail, 77 skip, 99 harness error. Runs under busybox sh.

bin=$1
[ -n "$bin" ] && [ -x "$bin" ] || { echo "run-case: no such program: $bin"; exit 99; }
: "${MEMTRACE:?MEMTRACE must name the memtrace binary}"
name=$(basename "$bin")
case "$name" in
	*.m64) arch=x86_64 ;;
	*.m32) arch=i386 ;;
	*) echo "run-case: $name is neither .m64 nor .m32"; exit 99 ;;
esac
base=${name%.*}
expect=${CASES_SRCDIR:-$(dirname "$bin")}/$base.expect
[ -f "$expect" ] || { echo "run-case: missing $expect"; exit 99; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/memtrace-case.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
# Scenarios work in their own directory (files they create go there).
mkdir "$tmp/native" "$tmp/traced"

(cd "$tmp/native" && exec "$bin") >"$tmp/native.out" 2>"$tmp/native.err"
native_rc=$?
if [ "$native_rc" = 77 ]; then
	echo "SKIP: $name: $(cat "$tmp/native.out")"
	exit 77
fi

# One traced run with the options in $1, checked; says which run failed.
check_run() {
	rm -rf "$tmp/traced" && mkdir "$tmp/traced"
	# shellcheck disable=SC2086
	(cd "$tmp/traced" && exec "$MEMTRACE" $1 -o "$tmp/trace" -- "$bin") \
		>"$tmp/traced.out" 2>"$tmp/traced.err"
	traced_rc=$?

	fail=0
	if [ "$native_rc" != "$traced_rc" ]; then
		echo "FAIL: $name ($arch, $1): exit status $traced_rc under memtrace, $native_rc natively"
		fail=1
	fi
	if ! cmp -s "$tmp/native.out" "$tmp/traced.out"; then
		echo "FAIL: $name ($arch, $1): output differs under memtrace (- native, + traced):"
		diff "$tmp/native.out" "$tmp/traced.out" | head -40
		fail=1
	fi

	# memtrace's own complaints (a model that disagrees with the kernel) fail
	# the scenario even when the program itself noticed nothing.
	if grep -E '^memtrace: (internal error|--verify)' "$tmp/traced.err" >"$tmp/complaints"; then
		echo "FAIL: $name ($arch, $1): memtrace reported problems:"
		head -n 20 "$tmp/complaints"
		fail=1
	fi

	# The expectations, in order. awk reads: the expect file, the trace, stderr.
	awk -v arch="$arch" -v name="$name" '
		FNR == 1 { file++ }
		file == 1 {
			line = $0
			if (line ~ /^[ \t]*(#|$)/) next
			# mawk (Debian 12) has no {m,n}: the pattern would match
			# literal braces there, and fail only on such machines.
			if (line ~ /[^\\][{][0-9]/) {
				printf "FAIL: %s: %s: interval expression (not in mawk): %s\n", name, FILENAME, line
				bad = 1
			}
			if (line ~ /^i386: /) { if (arch != "i386") next; sub(/^i386: /, "", line) }
			else if (line ~ /^x86_64: /) { if (arch != "x86_64") next; sub(/^x86_64: /, "", line) }
			if (line ~ /^!/) { neg[++nneg] = substr(line, 2); next }
			if (line ~ /^err: /) { sub(/^err: /, "", line); errpat[++nerr] = line; next }
			pat[++npat] = line
			next
		}
		file == 2 {
			trace[++ntrace] = $0
			if (next_pat <= npat && next_pat == 0) next_pat = 1
			if (next_pat <= npat && $0 ~ pat[next_pat]) next_pat++
			for (i = 1; i <= nneg; i++)
				if ($0 ~ neg[i]) { printf "FAIL: %s (%s): forbidden line: %s\n", name, arch, $0; bad = 1 }
			next
		}
		file == 3 {
			if (next_err == 0) next_err = 1
			if (next_err <= nerr && $0 ~ errpat[next_err]) next_err++
		}
		END {
			if (next_pat == 0) next_pat = 1
			if (next_err == 0) next_err = 1
			if (next_pat <= npat) {
				printf "FAIL: %s (%s): no trace line matches: %s\n", name, arch, pat[next_pat]
				bad = 1
			}
			if (next_err <= nerr) {
				printf "FAIL: %s (%s): no memtrace message matches: %s\n", name, arch, errpat[next_err]
				bad = 1
			}
			exit bad
		}
	' "$expect" "$tmp/trace" "$tmp/traced.err" || fail=1

	script=${expect%.expect}.sh
	if [ -f "$script" ] && ! (cd "$tmp/traced" && sh "$script" "$bin") >"$tmp/script.out" 2>&1; then
		echo "FAIL: $name ($arch, $1): $base.sh:"
		grep -v '^ok: ' "$tmp/script.out" | head -n 40
		fail=1
	fi

	if [ "$fail" != 0 ]; then
		echo "--- trace (last 30 lines):"; tail -n 30 "$tmp/trace"
		echo "--- memtrace stderr:"; tail -n 10 "$tmp/traced.err"
		return 1
	fi
	return 0
}

check_run "$MEMTRACE_FLAGS" || exit 1
check_run "$MEMTRACE_FLAGS --stops=1" || exit 1
echo "PASS: $name ($arch)"
exit 0
