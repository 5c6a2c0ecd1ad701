#!/bin/sh
# The fuzzing lanes: run-fuzz.sh over mmfuzz.m64 here and over mmfuzz.m32,
# natively where this kernel runs i386 programs, else inside the VM of
# tests/vm (which also runs mmfuzz.m64 again: there int $0x80 works, so its
# i386 calls are fuzzed too).
#
# Usage: check-fuzz.sh [RUN-FUZZ OPTIONS]
#   Without options: the make check budget, steering clear of the known
#   divergences (every NAME in KNOWN-DIVERGENCES goes into MMFUZZ_AVOID)
#   and using seeds known to pass; with options (make fuzz), they apply to
#   every lane and MMFUZZ_AVOID is left as the caller set it.
# Environment: MEMTRACE, FUZZ_BUILDDIR (mmfuzz.m64, mmfuzz.m32), I386_PROBE
# (a trivial i386 program), MEMTRACE_REQUIRE_I386_LANE=1 to fail rather than
# skip the i386 lane, FUZZ_VM_TIMEOUT (seconds, default 600).
# Exit: 0 pass, 1 divergences, 99 harness error.
here=$(cd "$(dirname "$0")" && pwd)
: "${MEMTRACE:?}" "${FUZZ_BUILDDIR:?}"

budget=0
if [ $# -eq 0 ]; then
	budget=1
	MMFUZZ_AVOID=$(awk '!/^#/ && NF && $1 != "-" { printf "%s%s", sep, $1; sep = "," }' \
		"$here/KNOWN-DIVERGENCES")
	export MMFUZZ_AVOID
	# A few seconds here; the VM (TCG) gets fewer seeds below.
	set -- -l "1 3 4 5 6 7" -c 300
fi

m64=$FUZZ_BUILDDIR/mmfuzz.m64
m32=$FUZZ_BUILDDIR/mmfuzz.m32
[ -x "$m64" ] || { echo "check-fuzz: $m64 was not built"; exit 99; }

status=0
sh "$here/run-fuzz.sh" "$@" "$m64"
lane=$?
[ "$lane" = 0 ] || status=$lane
# and with one stop per call: each call's exit read back from the stub page
MEMTRACE_FLAGS="--verify --stops=1" sh "$here/run-fuzz.sh" "$@" "$m64"
lane=$?
[ "$lane" = 0 ] || [ "$status" = 99 ] || status=$lane

i386_skip() {
	echo "SKIP: i386 fuzzing: $*"
	[ "${MEMTRACE_REQUIRE_I386_LANE:-0}" != 1 ] || status=1
}

if [ ! -x "$m32" ]; then
	i386_skip "mmfuzz.m32 was not built (install gcc-multilib, then re-run configure)"
elif [ -n "${I386_PROBE:-}" ] && "$I386_PROBE" >/dev/null 2>&1; then
	sh "$here/run-fuzz.sh" "$@" "$m32"
	lane=$?
	[ "$lane" = 0 ] || [ "$status" = 99 ] || status=$lane
else
	echo "check-fuzz: this kernel cannot run i386 programs: fuzzing them inside a VM"
	stage=$(mktemp -d "${TMPDIR:-/tmp}/memtrace-fuzz-vm.XXXXXX") || exit 99
	trap 'rm -rf "$stage"' EXIT
	cp "$MEMTRACE" "$stage/memtrace"
	cp "$m32" "$m64" "$here/run-fuzz.sh" "$stage/"
	# About 25 s under TCG, mmfuzz.m64 included.
	[ "$budget" = 0 ] || set -- -l "1 2" -c 300
	"$here/../vm/run-in-vm.sh" --timeout "${FUZZ_VM_TIMEOUT:-600}" "$stage" -- \
		env MEMTRACE=/t/memtrace MMFUZZ_AVOID="${MMFUZZ_AVOID:-}" \
		sh -c 'sh /t/run-fuzz.sh "$@" /t/mmfuzz.m32 /t/mmfuzz.m64 &&
		       MEMTRACE_FLAGS="--verify --stops=1" sh /t/run-fuzz.sh "$@" /t/mmfuzz.m32' \
		sh "$@"
	lane=$?
	case $lane in
		0) ;;
		1) [ "$status" = 99 ] || status=1 ;;
		77) i386_skip "the VM could not be set up (see above)" ;;
		*) echo "FAIL: check-fuzz: mmfuzz or the VM failed (status $lane)"; status=99 ;;
	esac
fi
exit $status
