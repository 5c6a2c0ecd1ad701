#!/bin/sh
# Call stacks (src/stack) on both arches: stack-test traces each build of
# stacks.c (-O2, frame pointers kept and omitted) to its magic mmap and
# names the frames. They must read, one after the other,
#
#   plain:   level_three level_two level_one main
#   thread:  level_three level_two level_one thread_main
#   signal:  level_three level_two level_one on_signal, and later main
#            (through the signal frame and raise)
#
# The i386 builds run natively where this kernel runs i386 programs, else
# inside a VM (tests/vm/run-in-vm.sh), traced by the x86_64 stack-test as
# memtrace itself traces them.
#
# Run from the build directory (make check); srcdir as automake sets it.
# MEMTRACE_REQUIRE_I386_LANE=1 fails instead of skipping the i386 part.
# Exit: 0 pass, 1 fail, 77 skip (x86_64 passed, i386 could not run), 99 error.
: "${srcdir:=.}"
bin=tests/stack
driver=$bin/stack-test
runvm=$srcdir/tests/vm/run-in-vm.sh
modes="plain thread signal"

[ -x "$driver" ] && [ -x "$bin/stacks-fp.m64" ] && [ -x "$bin/stacks-nofp.m64" ] || {
	echo "ERROR: build $driver and $bin/stacks-*.m64 first (make check does)"
	exit 99
}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/memtrace-stack.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
failed=0

expected() {
	case $1 in
	plain) echo "level_three level_two level_one main" ;;
	thread) echo "level_three level_two level_one thread_main" ;;
	signal) echo "level_three level_two level_one on_signal .. main" ;;
	esac
}

# check_frames NAME MODE FILE: FILE holds stack-test's output for build NAME
# run in MODE; its frames must show expected MODE ("..": any frames between).
check_frames() {
	want=$(expected "$2")
	echo "--- $1 $2"
	cat "$3"
	if awk -v want="$want" '
		/^#[0-9]+ / { sym = $2; sub(/\+0x[0-9a-f]+$/, "", sym); names[n++] = sym }
		/^(MISMATCH|ERROR)/ { bad = 1 }
		END {
			if (bad) exit 1
			k = split(want, w, " ")
			for (i = 0; i < n; i++) {
				if (names[i] != w[1])
					continue
				j = i; gap = 0
				for (t = 2; t <= k; t++) {
					if (w[t] == "..") { gap = 1; continue }
					j++
					if (gap)
						while (j < n && names[j] != w[t]) j++
					if (j >= n || names[j] != w[t])
						break
					gap = 0
				}
				if (t > k)
					exit 0
			}
			exit 1
		}' "$3"; then
		echo "PASS: $1 $2"
	else
		echo "FAIL: $1 $2: the frames do not read: $want"
		failed=1
	fi
}

arg() { [ "$1" = plain ] || echo "$1"; }

for prog in stacks-fp.m64 stacks-nofp.m64; do
	for mode in $modes; do
		out=$tmp/$prog.$mode.out
		# shellcheck disable=SC2046 # no argument for the plain mode
		"$driver" "$bin/$prog" $(arg $mode) >"$out" 2>&1
		rc=$?
		[ $rc -eq 0 ] || echo "ERROR: stack-test exited with $rc" >>"$out"
		check_frames "$prog" "$mode" "$out"
	done
done

skip_i386() {
	echo "SKIP: i386 stacks: $*"
	if [ "${MEMTRACE_REQUIRE_I386_LANE:-0}" = 1 ]; then
		echo "FAIL: the i386 lane is required here (MEMTRACE_REQUIRE_I386_LANE=1)"
		exit 1
	fi
	[ $failed -eq 0 ] && exit 77
	exit 1
}

[ -x "$bin/stacks-fp.m32" ] && [ -x "$bin/stacks-nofp.m32" ] ||
	skip_i386 "no i386 builds of stacks.c (install gcc-multilib, then re-run configure)"

# The i386 half prints sections: "== PROG MODE", its output, "== status N".
i386_script='
for prog in stacks-fp.m32 stacks-nofp.m32; do
	for mode in plain thread signal; do
		echo "== $prog $mode"
		if [ $mode = plain ]; then "$0" "$1/$prog"; else "$0" "$1/$prog" $mode; fi 2>&1
		echo "== status $?"
	done
done'
if "$bin/stacks-fp.m32" >/dev/null 2>&1; then
	echo "i386: this kernel runs i386 programs: tracing them natively"
	sh -c "$i386_script" "$driver" "$bin" >"$tmp/i386.out"
else
	echo "i386: this kernel cannot run i386 programs: tracing them inside a VM"
	stage=$tmp/stage
	mkdir "$stage" && cp "$driver" "$bin/stacks-fp.m32" "$bin/stacks-nofp.m32" "$stage/" || exit 99
	"$runvm" "$stage" -- sh -c "$i386_script" /t/stack-test /t >"$tmp/i386.out" 2>"$tmp/vm.err"
	rc=$?
	case $rc in
	0) ;;
	77) cat "$tmp/vm.err"; skip_i386 "the VM could not be set up (see above)" ;;
	*) cat "$tmp/i386.out" "$tmp/vm.err"; echo "FAIL: i386 stacks: the VM run ended with status $rc"; exit 1 ;;
	esac
fi
for prog in stacks-fp.m32 stacks-nofp.m32; do
	for mode in $modes; do
		out=$tmp/$prog.$mode.out
		sed -n "/^== $prog $mode\$/,/^== status/p" "$tmp/i386.out" | sed '1d' >"$out"
		grep -qx '== status 0' "$out" || echo "ERROR: stack-test did not exit with 0" >>"$out"
		check_frames "$prog" "$mode" "$out"
	done
done
exit $failed
