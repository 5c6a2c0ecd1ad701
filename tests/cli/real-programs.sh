#!/bin/sh
# Real programs run under memtrace exactly as without it, and their memory
# calls show up as expected: a shell that forks, python3 mapping memory and
# starting a thread, gcc compiling a file, JIT runtimes, and i386 python3 and
# busybox where the kernel runs i386. All run with --verify: memtrace's
# model must match /proc/PID/maps after every call.
. "$(dirname "$0")/lib.sh"

# no_complaints WHAT STDERR-FILE: memtrace found no difference with the kernel.
no_complaints() {
	checks=$((checks + 1))
	if grep -E '^memtrace: (internal error|--verify)' "$2" >"$tmp/complaints"; then
		echo "FAIL: $1: memtrace reported:"
		head -n 20 "$2" | sed 's/^/    /'
		failures=$((failures + 1))
	else
		echo "ok: $1: model and kernel agree"
	fi
}

script='for i in 1 2 3; do echo "line $i"; done | sort -r; ls / >/dev/null; echo done'
sh -c "$script" >"$tmp/native.out" 2>&1
"$MEMTRACE" --verify -o "$tmp/sh.trace" -- sh -c "$script" >"$tmp/traced.out" 2>"$tmp/sh.err"
check_eq "sh -c: exit status" 0 $?
check_eq "sh -c: same output as natively" "$(cat "$tmp/native.out")" "$(cat "$tmp/traced.out")"
no_complaints "sh -c" "$tmp/sh.err"
check_grep "sh -c: children's calls carry [pid N]" '^\[pid [0-9]+\] (brk|mmap)\(' "$tmp/sh.trace"
check_grep "sh -c: the shell's own brk" '^(\[pid [0-9]+\] )?brk\(NULL\) = 0x[0-9a-f]+$' "$tmp/sh.trace"

if command -v python3 >/dev/null 2>&1; then
	prog='import mmap, threading
m = mmap.mmap(-1, 1 << 20)
m[0:5] = b"hello"
print(bytes(m[0:5]).decode())
m.close()
t = threading.Thread(target=lambda: print("thread"))
t.start(); t.join()'
	python3 -c "$prog" >"$tmp/native.out" 2>&1
	"$MEMTRACE" --verify -o "$tmp/py.trace" -- python3 -c "$prog" >"$tmp/traced.out" 2>"$tmp/py.err"
	check_eq "python3: exit status" 0 $?
	check_eq "python3: same output as natively" "$(cat "$tmp/native.out")" "$(cat "$tmp/traced.out")"
	no_complaints "python3" "$tmp/py.err"
	check_grep "python3: mmap.mmap(-1, 1 MiB) is traced" \
		'mmap\(NULL, 1048576, PROT_READ\|PROT_WRITE, MAP_SHARED\|MAP_ANONYMOUS, -1, 0\) = 0x[0-9a-f]+$' \
		"$tmp/py.trace"
	check_grep "python3: m.close() unmaps it" 'munmap\(0x[0-9a-f]+, 1048576\) = 0$' "$tmp/py.trace"
	check_grep "python3: the thread's stack is mapped" \
		'mmap\(NULL, [0-9]+, PROT_NONE, MAP_PRIVATE\|MAP_ANONYMOUS\|MAP_STACK, -1, 0\)' \
		"$tmp/py.trace"
else
	echo "note: python3 not installed; its checks are left out"
fi

if command -v gcc >/dev/null 2>&1; then
	printf '#include <stdio.h>\nint main(void) { puts("built"); return 0; }\n' >"$tmp/hello.c"
	"$MEMTRACE" --verify -o "$tmp/gcc.trace" -- gcc -O2 -o "$tmp/hello" "$tmp/hello.c" 2>"$tmp/gcc.err"
	check_eq "gcc: exit status" 0 $?
	check_eq "gcc: the program it built runs" built "$("$tmp/hello")"
	check_grep "gcc: cc1's calls carry [pid N]" '^\[pid [0-9]+\] mmap\(' "$tmp/gcc.trace"
	no_complaints "gcc" "$tmp/gcc.err"
else
	echo "note: gcc not installed; its checks are left out"
fi

# same_as_native WHAT PATTERN CMD...: CMD prints the same, exits the same
# and leaves memtrace nothing to complain about, and its trace has a line
# matching PATTERN.
same_as_native() {
	what=$1 pattern=$2
	shift 2
	"$@" >"$tmp/native.out" 2>&1
	native_status=$?
	"$MEMTRACE" --verify -o "$tmp/run.trace" -- "$@" >"$tmp/traced.out" 2>"$tmp/run.err"
	check_eq "$what: exit status" "$native_status" $?
	check_eq "$what: same output as natively" "$(cat "$tmp/native.out")" "$(cat "$tmp/traced.out")"
	no_complaints "$what" "$tmp/run.err"
	check_grep "$what: its trace" "$pattern" "$tmp/run.trace"
}

# JIT runtimes: code made writable and executable by turns, many threads,
# the JVM's own SIGSEGV handling (optional: not in a fresh Debian).
if command -v node >/dev/null 2>&1; then
	same_as_native "node (JIT, a worker thread)" 'mprotect\(0x[0-9a-f]+, [0-9]+, PROT_READ\|PROT_WRITE\|PROT_EXEC\) = 0$' \
		node -e 'const { Worker } = require("worker_threads");
function hot(n) { let s = 0; for (let i = 0; i < n; i++) s = (s + i * i) % 1000003; return s; }
let a = []; for (let i = 0; i < 20000; i++) a.push({ i, s: hot(200) });
new Worker("const { parentPort } = require(\"worker_threads\"); parentPort.postMessage(42)", { eval: true })
	.on("message", (m) => console.log(a.length, a[19999].s, m));'
else
	echo "note: node not installed; its checks are left out"
fi
if command -v java >/dev/null 2>&1 && command -v javac >/dev/null 2>&1; then
	cat >"$tmp/Sum.java" <<'EOF'
import java.util.*;
import java.util.concurrent.*;
public class Sum {
	public static void main(String[] args) throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(4);
		List<Future<Long>> parts = new ArrayList<>();
		for (int t = 0; t < 4; t++)
			parts.add(pool.submit(() -> {
				long s = 0;
				for (int i = 0; i < 100000; i++) { int[] x = new int[64]; x[i % 64] = i; s += x[i % 64] % 7; }
				return s;
			}));
		long s = 0;
		for (Future<Long> f : parts) s += f.get();
		pool.shutdown();
		String none = args.length > 5 ? "x" : null;
		try { System.out.println(none.length()); } catch (NullPointerException e) { System.out.println("npe"); }
		System.out.println("sum " + s);
	}
}
EOF
	if javac -d "$tmp" "$tmp/Sum.java" 2>"$tmp/javac.err"; then
		same_as_native "java (JIT, a thread pool)" '^\[pid [0-9]+\] mprotect\(' java -cp "$tmp" Sum
	else
		echo "FAIL: javac Sum.java:"; cat "$tmp/javac.err"; failures=$((failures + 1))
	fi
else
	echo "note: java/javac not installed; their checks are left out"
fi
if command -v perl >/dev/null 2>&1; then
	same_as_native "perl" '^brk\(' perl -e 'my %h; $h{$_} = [1 .. 10] for 1 .. 50000; print scalar(keys %h), "\n"'
fi

# Real i386 programs, where this kernel runs them: Debian's i386 python3
# (threads, the standard library), busybox-static's shell running a
# pipeline and gcc's cc1, fetched once into the cache the VM lane uses
# (scripts/i386-root.sh).
if [ -n "${I386_PROBE:-}" ] && "$I386_PROBE" >/dev/null 2>&1; then
	if root=$(sh "$(dirname "$0")/../../scripts/i386-root.sh"); then
		libs=$root/lib/i386-linux-gnu:$root/usr/lib/i386-linux-gnu
		same_as_native "i386 python3 (8 threads, json, re)" \
			'^\[pid [0-9]+\] mmap2\(NULL, [0-9]+, PROT_NONE, MAP_PRIVATE\|MAP_ANONYMOUS\|MAP_STACK, -1, 0\) = 0x[0-9a-f]+$' \
			env PYTHONHOME="$root/usr" "$root/lib/ld-linux.so.2" --library-path "$libs" \
			"$root/usr/bin/python3" -c 'import json, re, sys, threading
def work(n):
    blocks = [bytearray(100000 + 4096 * i) for i in range(40)]
    return sum(len(b) for b in blocks)
threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
for t in threads: t.start()
for t in threads: t.join()
print(sys.maxsize, json.dumps({"k": [1, 2]}), len(re.findall("a", "banana")))'
		bb=$root/bin/busybox
		same_as_native "i386 busybox sh (forks, a pipeline)" '^\[pid [0-9]+\] (brk|mmap2)\(' \
			"$bb" sh -c "for i in 1 2 3; do $bb echo \"line \$i\"; done | $bb sort -r;
				$bb seq 1 2000 | $bb sort -n | $bb tail -n 1"
		# gcc's compiler proper: its assembly must be the same, byte for byte
		cat >"$tmp/k.c" <<'EOF'
struct node { struct node *next; int v; };
int sum(struct node *n) { int s = 0; for (; n; n = n->next) s += n->v * 3; return s; }
static int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
int fib25(void) { return fib(25); }
EOF
		same_as_native "i386 cc1 -O2" '^brk\(' \
			"$root/lib/ld-linux.so.2" --library-path "$libs" "$root/cc1" -quiet -O2 "$tmp/k.c" -o -
	else
		echo "note: no i386 programs to be had here (see above); their checks are left out"
	fi
else
	echo "note: this kernel does not run i386 programs; the i386 real programs are left out"
fi

# Two runs of one program map the same addresses (randomization is off).
"$MEMTRACE" -o "$tmp/a.trace" -- sh -c 'echo x >/dev/null'
"$MEMTRACE" -o "$tmp/b.trace" -- sh -c 'echo x >/dev/null'
check_eq "two runs give the same trace" "$(cat "$tmp/a.trace")" "$(cat "$tmp/b.trace")"
finish
