#!/bin/bash
# selftest.sh - check that run-in-vm.sh works on this machine: i386 (dynamic
# and static) and x86_64 programs run in the VM, output (merged or --split)
# and exit status come back intact, bulk output is fast, the serial fallback
# works, ptrace of an i386 tracee works, and timeouts are reported.
# Prints the facts memtrace cares about (kernel, ptrace_scope, ...) and the
# wall time of each VM run.  Exit 0 = all passed, 1 = failure, 77 = skipped.
#
# Usage: tests/vm/selftest.sh          (honours MEMTRACE_VM_* like run-in-vm.sh)
set -eu
set -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
runvm=$here/run-in-vm.sh
CC=${CC:-gcc}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/memtrace-vm-selftest.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
stage=$tmp/stage
mkdir -p "$stage"

# ---------------------------------------------------------------- programs
cat >"$tmp/hello.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv)
{
    int i;
    printf("hello %d-bit", (int)sizeof(void *) * 8);
    for (i = 1; i < argc; i++)
        printf(" [%s]", argv[i]);
    printf("\n");
    return argc > 1 ? atoi(argv[1]) : 0;
}
EOF
cat >"$tmp/nonl.c" <<'EOF'
#include <stdio.h>
int main(void) { fputs("no newline", stdout); return 0; }
EOF
cat >"$tmp/segv.c" <<'EOF'
int main(void) { *(volatile int *)0 = 1; return 0; }
EOF
# x86_64 tracer of an (i386) child: what memtrace itself will do.
cat >"$tmp/ptr.c" <<'EOF'
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
int main(int argc, char **argv)
{
    int old = personality(0xffffffff), st, n = 0;
    struct user_regs_struct r;
    pid_t pid;

    (void)argc;
    if (personality(old | ADDR_NO_RANDOMIZE) == -1)
        perror("personality");
    printf("personality(ADDR_NO_RANDOMIZE): %s\n",
           (personality(0xffffffff) & ADDR_NO_RANDOMIZE) ? "ok" : "FAILED");
    personality(old);
    fflush(stdout);

    pid = fork();
    if (pid == 0) {
        ptrace(PTRACE_TRACEME, 0, 0, 0);
        execv(argv[1], argv + 1);
        _exit(127);
    }
    waitpid(pid, &st, 0);                       /* SIGTRAP after execve */
    ptrace(PTRACE_GETREGS, pid, 0, &r);
    ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACESYSGOOD);
    for (;;) {
        ptrace(PTRACE_SYSCALL, pid, 0, 0);
        if (waitpid(pid, &st, 0) < 0 || WIFEXITED(st) || WIFSIGNALED(st))
            break;
        if (WSTOPSIG(st) == (SIGTRAP | 0x80))
            n++;
    }
    printf("ptrace: tracee cs=%#llx (%s), %s syscall stops, exit %d\n",
           (unsigned long long)r.cs,
           r.cs == 0x23 ? "i386" : r.cs == 0x33 ? "x86_64" : "?",
           n > 10 ? "many" : "few", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return 0;
}
EOF

if ! "$CC" -m32 -o "$stage/h32" "$tmp/hello.c" 2>"$tmp/cc.err"; then
    cat "$tmp/cc.err" >&2
    echo "selftest: SKIP: $CC -m32 does not work (apt-get install gcc-multilib)" >&2
    exit 77
fi
"$CC" -m32 -static -o "$stage/h32s" "$tmp/hello.c"
"$CC" -o "$stage/h64" "$tmp/hello.c"
"$CC" -m32 -o "$stage/nonl" "$tmp/nonl.c"
"$CC" -m32 -o "$stage/segv" "$tmp/segv.c"
"$CC" -o "$stage/ptr" "$tmp/ptr.c"

# ---------------------------------------------------------------- helpers
fails=0
ok() { echo "PASS: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# vm NAME ARGS...: run run-in-vm.sh, leaving stdout in $tmp/NAME.out and the
# exit status in $rc; prints the wall time.
vm() {
    local name=$1 t0 t1
    shift
    t0=$(date +%s.%N)
    rc=0
    "$runvm" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" || rc=$?
    t1=$(date +%s.%N)
    printf 'vm run %-8s %6.2f s  (exit %d)\n' "$name" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" "$rc"
    if [ "$rc" -eq 77 ]; then
        cat "$tmp/$name.err" >&2
        echo "selftest: SKIP: the VM cannot be set up here" >&2
        exit 77
    fi
}
expect_line() {  # FILE LINE DESC
    if grep -qxF -e "$2" "$1"; then ok "$3"; else bad "$3 (no line '$2')"; fi
}

# ---------------------------------------------------------------- 1: facts
vm info "$stage" -- sh -c '
    echo "uname -r: $(uname -r)"
    echo "uname -m: $(uname -m)"
    echo "ptrace_scope: $(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null || echo none)"
    echo "mmap_min_addr: $(cat /proc/sys/vm/mmap_min_addr)"
    echo "randomize_va_space: $(cat /proc/sys/kernel/randomize_va_space)"
    echo "cpu: $(grep -m1 vendor_id /proc/cpuinfo | cut -d: -f2) la57=$(grep -c -w la57 /proc/cpuinfo)"
    echo "cwd: $(pwd)"
    ./h32 0 a b
    ./h32s
    ./h64
    ./segv
    echo "segv status $?"
    ./ptr ./h32
    ./ptr ./h32s
'
echo "----- VM output:"
cat "$tmp/info.out"
echo "-----"
[ "$rc" -eq 0 ] || bad "info run exit status $rc (stderr: $(tail -n 3 "$tmp/info.err"))"
expect_line "$tmp/info.out" "hello 32-bit [0] [a] [b]" "i386 dynamic program runs"
expect_line "$tmp/info.out" "hello 32-bit" "i386 static program runs"
expect_line "$tmp/info.out" "hello 64-bit" "x86_64 dynamic program runs"
expect_line "$tmp/info.out" "segv status 139" "SIGSEGV gives 139, no kernel noise"
expect_line "$tmp/info.out" "cwd: /t" "command runs in /t"
expect_line "$tmp/info.out" "personality(ADDR_NO_RANDOMIZE): ok" "personality(ADDR_NO_RANDOMIZE)"
expect_line "$tmp/info.out" "ptrace: tracee cs=0x23 (i386), many syscall stops, exit 0" "ptrace of i386 tracee from x86_64"
if grep -q '^\[ *[0-9]*\.[0-9]*\]' "$tmp/info.out"; then bad "kernel messages in output"; else ok "no kernel messages in output"; fi

# ---------------------------------------------------------------- 2: status
vm status "$stage" -- ./h32 3
[ "$rc" -eq 3 ] && ok "exit status 3 propagated" || bad "exit status: got $rc, want 3"
printf 'hello 32-bit [3]\n' | cmp -s - "$tmp/status.out" && ok "output exact" ||
    bad "output not exact: $(od -c "$tmp/status.out" | head -n 3)"

# ---------------------------------------------------------------- 3: no final newline, quoting
vm nonl "$stage" -- ./nonl
printf 'no newline' | cmp -s - "$tmp/nonl.out" && [ "$rc" -eq 0 ] && ok "output without final newline kept exact" ||
    bad "no-newline output: rc=$rc $(od -c "$tmp/nonl.out" | head -n 3)"

vm quote "$stage" -- ./h64 0 "a b" "it's" '$HOME' '' '"q"'
printf '%s\n' "hello 64-bit [0] [a b] [it's] [\$HOME] [] [\"q\"]" | cmp -s - "$tmp/quote.out" && ok "arguments quoted exactly" ||
    bad "argument quoting: $(cat "$tmp/quote.out")"

# ---------------------------------------------------------------- 4: stderr, signals
vm merged "$stage" -- sh -c 'echo out1; echo err1 >&2; echo err2 >/dev/stderr; echo out2'
printf 'out1\nerr1\nerr2\nout2\n' | cmp -s - "$tmp/merged.out" && ok "stdout+stderr merged in order (incl. /dev/stderr)" ||
    bad "merged output: $(cat "$tmp/merged.out")"
vm split --split "$stage" -- sh -c 'echo out1; echo err1 >&2; echo err2 >/dev/stderr; echo out2'
printf 'out1\nout2\n' | cmp -s - "$tmp/split.out" && printf 'err1\nerr2\n' | cmp -s - "$tmp/split.err" &&
    ok "--split separates stdout and stderr" || bad "--split: out=$(cat "$tmp/split.out") err=$(cat "$tmp/split.err")"
vm signal "$stage" -- ./segv
[ "$rc" -eq 139 ] && ok "death by SIGSEGV gives 139" || bad "SIGSEGV: got $rc, want 139"

# ---------------------------------------------------------------- 5: bulk output
vm bulk "$stage" -- sh -c 'head -c 4000000 /dev/zero | tr "\\0" x'
[ "$rc" -eq 0 ] && [ "$(wc -c <"$tmp/bulk.out")" -eq 4000000 ] && ok "4 MB of output arrive intact" ||
    bad "bulk output: rc=$rc, $(wc -c <"$tmp/bulk.out") bytes"

# ---------------------------------------------------------------- 6: serial fallback
# Without the virtio modules /init falls back to spare UARTs (~0.3 MB/s).
cache=${MEMTRACE_VM_CACHE:-${HOME:-/nonexistent}/.cache/memtrace-vm}
kern=$(ls -1 "$cache"/vmlinux-* "$cache"/vmlinuz-* 2>/dev/null | head -n 1) || kern=
if [ -n "$kern" ] && [ -z "${MEMTRACE_VM_KERNEL:-}" ]; then
    MEMTRACE_VM_KERNEL=$kern vm serial "$stage" -- sh -c './h32 5; printf "x\r\ny"'
    printf 'hello 32-bit [5]\nx\r\ny' | cmp -s - "$tmp/serial.out" && [ "$rc" -eq 0 ] &&
        ok "serial fallback: output exact, status ok" || bad "serial fallback: rc=$rc $(od -c "$tmp/serial.out" | head -n 3)"
else
    echo "(serial fallback not tested: no cached kernel found in $cache)"
fi

# ---------------------------------------------------------------- 7: timeout
vm timeout --timeout 15 "$stage" -- sleep 1000
[ "$rc" -eq 99 ] && ok "timeout gives 99" || bad "timeout: got $rc, want 99"
grep -q 'timed out' "$tmp/timeout.err" && ok "timeout reported on stderr" || bad "timeout not reported: $(cat "$tmp/timeout.err")"

echo
if [ "$fails" -eq 0 ]; then echo "selftest: all passed"; exit 0; fi
echo "selftest: $fails check(s) failed"
exit 1
