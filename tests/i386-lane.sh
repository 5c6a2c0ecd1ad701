#!/bin/sh
# The i386 lane: every scenario built -m32 (tests/cases/*.m32) runs through
# run-case.sh, natively where this kernel runs i386 programs, and otherwise
# inside a VM booting Debian's own kernel (tests/vm/run-in-vm.sh).
#
# The scenarios the kernel skips for a feature it lacks (Debian's 6.1 has
# no mseal, MAP_DROPPABLE, PR_SET_MDWE) then run again under a newer
# kernel, bookworm-backports' (run-in-vm.sh's MEMTRACE_VM_SUITE; set
# MEMTRACE_I386_NEWER_SUITE to another suite, or to "" for none); where it
# cannot be fetched they stay skipped.
#
# Environment: MEMTRACE, CASES_BUILDDIR (the .m32 programs), CASES_SRCDIR
# (the .expect files), I386_PROBE (a trivial i386 program),
# MEMTRACE_REQUIRE_I386_LANE=1 to fail instead of skipping (CI sets it).
# Exit: 0 pass, 1 fail, 77 skip, 99 harness error.
here=$(cd "$(dirname "$0")" && pwd)
: "${MEMTRACE:?}" "${CASES_BUILDDIR:?}" "${CASES_SRCDIR:?}" "${I386_PROBE:?}"

skip() {
	echo "SKIP: i386 lane: $*"
	if [ "${MEMTRACE_REQUIRE_I386_LANE:-0}" = 1 ]; then
		echo "FAIL: the i386 lane is required here (MEMTRACE_REQUIRE_I386_LANE=1)"
		exit 1
	fi
	exit 77
}

set -- "$CASES_BUILDDIR"/*.m32
[ -x "$1" ] && [ -x "$I386_PROBE" ] ||
	skip "no i386 test programs were built (install gcc-multilib, then re-run configure)"

if "$I386_PROBE" >/dev/null 2>&1; then
	echo "i386 lane: this kernel runs i386 programs: running natively"
	CASES_SRCDIR=$CASES_SRCDIR MEMTRACE=$MEMTRACE sh "$here/run-cases.sh" "$@"
	exit $?
fi

echo "i386 lane: this kernel cannot run i386 programs: running inside a VM"
stage=$(mktemp -d "${TMPDIR:-/tmp}/memtrace-i386-lane.XXXXXX") || exit 99
trap 'rm -rf "$stage"' EXIT
cp "$MEMTRACE" "$stage/memtrace"
cp "$here/run-case.sh" "$here/run-cases.sh" "$stage/"
mkdir "$stage/cases"
for prog in "$@"; do
	name=$(basename "$prog" .m32)
	cp "$prog" "$stage/cases/"
	# exec-other-arch scenarios need their x86_64 twin beside them.
	[ -x "$CASES_BUILDDIR/$name.m64" ] && cp "$CASES_BUILDDIR/$name.m64" "$stage/cases/"
	cp "$CASES_SRCDIR/$name.expect" "$stage/cases/"
	[ -f "$CASES_SRCDIR/$name.sh" ] && cp "$CASES_SRCDIR/$name.sh" "$stage/cases/"
done
cp "$CASES_SRCDIR/script-lib.sh" "$stage/cases/"

# run_in_vm CASES...: runs the staged scenarios given (paths under /t/cases) in the VM.
run_in_vm() {
	"$here/vm/run-in-vm.sh" "$stage" -- sh -c \
		"cd /t && MEMTRACE=/t/memtrace MEMTRACE_FLAGS='${MEMTRACE_FLAGS:-}' CASES_SRCDIR=/t/cases sh /t/run-cases.sh $*"
}

{ run_in_vm "/t/cases/*.m32"; echo $? >"$stage/first.rc"; } | tee "$stage/first.log"
rc=$(cat "$stage/first.rc")
case $rc in
	0|1) ;;
	77) skip "the VM could not be set up (see above)" ;;
	*) echo "FAIL: i386 lane: the VM did not finish (status $rc)"; exit 1 ;;
esac

# The scenarios skipped for want of a kernel feature, under a newer kernel.
suite=${MEMTRACE_I386_NEWER_SUITE-bookworm-backports}
newer=$(sed -n 's|^SKIP: \([^ :]*\.m32\): .*|/t/cases/\1|p' "$stage/first.log" | tr '\n' ' ')
[ -n "$suite" ] && [ -n "$newer" ] || exit $rc
echo "i386 lane: again under $suite's kernel: $newer"
(MEMTRACE_VM_SUITE=$suite && export MEMTRACE_VM_SUITE && run_in_vm "$newer")
case $? in
	0) exit $rc ;;
	1) exit 1 ;;
	*) echo "i386 lane: (no $suite kernel: those stay skipped)"; exit $rc ;;
esac
