/*
 * stack-test: traces PROGRAM, stops it at its mmap of STACKS_MAGIC_LEN bytes
 * (see stacks.c), captures the call stack with src/stack and prints one
 * line per frame:
 *
 *     #N symbol+0xOFF MODULE+0xOFF
 *
 * It captures twice, with a model of the address space built from
 * /proc/PID/maps and without one, and fails when the two differ.
 *
 *   stack-test [--bench N] [--upt] PROGRAM [ARGS...]
 *
 * --bench N times N captures at that stop (each after stack_forget_memory,
 * as at a fresh stop); --upt times libunwind's stock ptrace accessors there
 * as well (x86_64 only). Exit: 0 when the stop was found and captured, 1
 * otherwise, 99 when tracing failed.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libunwind-ptrace.h>

#include "mm/address_space.h"
#include "proc_maps.h"
#include "stack/stack.h"

#define STACKS_MAGIC_LEN (0x1f3 * 4096)	/* as in stacks.c */
#define MAX_FRAMES 64

#define NR_MMAP_X86_64 9
#define NR_MMAP2_I386 192

struct options {
	long bench;	/* captures to time; 0: none */
	bool upt;	/* time libunwind's _UPT accessors too */
	char **argv;	/* the program and its arguments */
};

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void print_frames(struct stack_unwinder *u, pid_t pid, const struct address_space *as,
			 const uint64_t *ips, int n)
{
	for (int i = 0; i < n; i++) {
		struct stack_location loc;
		int err = stack_locate(u, pid, as, ips[i], &loc);

		if (err < 0) {
			printf("#%d 0x%llx ?? (%s)\n", i, (unsigned long long)ips[i], strerror(-err));
			continue;
		}
		if (loc.symbol)
			printf("#%d %s+0x%llx", i, loc.symbol, (unsigned long long)loc.symbol_offset);
		else
			printf("#%d ??", i);
		printf(" %s+0x%llx\n", loc.module, (unsigned long long)loc.module_offset);
	}
}

/* Times a cold capture (a new unwinder: files to open, rules to learn), then warm ones. */
static int bench_ours(pid_t pid, enum arch arch, const struct user_regs_struct *regs,
		      const struct address_space *as, long count)
{
	struct stack_unwinder *u;
	uint64_t ips[MAX_FRAMES];
	double t0, cold, warm;
	int n;

	if (stack_unwinder_new(&u) < 0)
		return -1;
	t0 = now_us();
	n = stack_capture(u, pid, arch, regs, as, ips, MAX_FRAMES);
	cold = now_us() - t0;
	t0 = now_us();
	for (long i = 0; i < count; i++) {
		/* As after a resume: the stack pages are read again. */
		stack_forget_memory(u, pid);
		n = stack_capture(u, pid, arch, regs, as, ips, MAX_FRAMES);
	}
	warm = now_us() - t0;
	printf("bench: memtrace accessors (%s): %d frames, %.2f us/capture (cold %.1f us)\n",
	       as ? "model" : "/proc maps", n, warm / count, cold);
	stack_unwinder_free(u);
	return 0;
}

static int upt_unwind(unw_addr_space_t as, void *upt)
{
	unw_cursor_t cursor;
	int n = 1;

	if (unw_init_remote(&cursor, as, upt) < 0)
		return -1;
	while (n < MAX_FRAMES && unw_step(&cursor) > 0)
		n++;
	return n;
}

static int bench_upt(pid_t pid, long count)
{
	unw_addr_space_t as = unw_create_addr_space(&_UPT_accessors, 0);
	void *upt = _UPT_create(pid);
	double t0, cold, warm;
	int n;

	if (!as || !upt) {
		fprintf(stderr, "stack-test: cannot set up libunwind-ptrace\n");
		return -1;
	}
	unw_set_caching_policy(as, UNW_CACHE_GLOBAL);
	t0 = now_us();
	n = upt_unwind(as, upt);
	cold = now_us() - t0;
	t0 = now_us();
	for (long i = 0; i < count; i++)
		n = upt_unwind(as, upt);
	warm = now_us() - t0;
	printf("bench: libunwind _UPT accessors: %d frames, %.2f us/capture (cold %.1f us)\n",
	       n, warm / count, cold);
	_UPT_destroy(upt);
	unw_destroy_addr_space(as);
	return 0;
}

/* The program is at the entry of its magic mmap: capture, print, compare, time. */
static int at_magic_mmap(pid_t pid, enum arch arch, const struct user_regs_struct *regs,
			 const struct options *opt)
{
	struct stack_unwinder *u;
	struct address_space as;
	uint64_t with_model[MAX_FRAMES], without[MAX_FRAMES];
	int n_model, n_plain, err, status = 0;

	err = stack_unwinder_new(&u);
	if (err < 0) {
		fprintf(stderr, "stack-test: stack_unwinder_new: %s\n", strerror(-err));
		return 99;
	}
	err = proc_maps_load(pid, arch == ARCH_I386 ? AS_ARCH_I386 : AS_ARCH_X86_64, 0, &as);
	if (err < 0) {
		fprintf(stderr, "stack-test: cannot model pid %d: %s\n", (int)pid, strerror(-err));
		stack_unwinder_free(u);
		return 99;
	}
	n_model = stack_capture(u, pid, arch, regs, &as, with_model, MAX_FRAMES);
	n_plain = stack_capture(u, pid, arch, regs, NULL, without, MAX_FRAMES);
	if (n_model < 1 || n_plain < 1) {
		fprintf(stderr, "stack-test: stack_capture: %s\n",
			strerror(-(n_model < 1 ? n_model : n_plain)));
		status = 1;
		goto out;
	}
	printf("frames: %d\n", n_model);
	print_frames(u, pid, &as, with_model, n_model);
	if (n_model != n_plain || memcmp(with_model, without, n_model * sizeof(*without)) != 0) {
		printf("MISMATCH: without a model the capture differs:\n");
		print_frames(u, pid, NULL, without, n_plain);
		status = 1;
	}
	if (opt->bench > 0) {
		bench_ours(pid, arch, regs, &as, opt->bench);
		bench_ours(pid, arch, regs, NULL, opt->bench);
		if (opt->upt && arch == ARCH_X86_64)
			bench_upt(pid, opt->bench);
	}
out:
	as_destroy(&as);
	stack_unwinder_free(u);
	return status;
}

static int parse_options(int argc, char **argv, struct options *opt)
{
	int i = 1;

	memset(opt, 0, sizeof(*opt));
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--bench") == 0 && i + 1 < argc)
			opt->bench = atol(argv[++i]);
		else if (strcmp(argv[i], "--upt") == 0)
			opt->upt = true;
		else
			break;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: stack-test [--bench N] [--upt] PROGRAM [ARGS...]\n");
		return -1;
	}
	opt->argv = argv + i;
	return 0;
}

/* Returns true at the entry of the magic mmap; *arch gets the call's arch. */
static bool is_magic_mmap(pid_t tid, const struct user_regs_struct *regs, enum arch *arch)
{
	struct __ptrace_syscall_info info;

	if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, (void *)sizeof(info), &info) < 0 ||
	    info.op != PTRACE_SYSCALL_INFO_ENTRY)
		return false;
	/* cs 0x23: 32-bit code, whose mmap2 takes the length in ecx. */
	if (regs->cs == 0x23) {
		*arch = ARCH_I386;
		return regs->orig_rax == NR_MMAP2_I386 && (uint32_t)regs->rcx == STACKS_MAGIC_LEN;
	}
	*arch = ARCH_X86_64;
	return regs->orig_rax == NR_MMAP_X86_64 && regs->rsi == STACKS_MAGIC_LEN;
}

int main(int argc, char **argv)
{
	struct user_regs_struct regs;
	struct options opt;
	bool found = false;
	int status, sig = 0, result = 1;
	enum arch arch;
	pid_t pid, tid;

	if (parse_options(argc, argv, &opt) < 0)
		return 99;
	pid = fork();
	if (pid < 0)
		return 99;
	if (pid == 0) {
		ptrace(PTRACE_TRACEME, 0, 0, 0);
		execv(opt.argv[0], opt.argv);
		fprintf(stderr, "stack-test: cannot run %s: %s\n", opt.argv[0], strerror(errno));
		_exit(127);
	}
	/* The exec's SIGTRAP. */
	if (waitpid(pid, &status, 0) < 0 || !WIFSTOPPED(status)) {
		fprintf(stderr, "stack-test: %s did not start\n", opt.argv[0]);
		return 99;
	}
	ptrace(PTRACE_SETOPTIONS, pid, 0,
	       PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL | PTRACE_O_TRACECLONE);
	/* Threads (PTRACE_O_TRACECLONE) are traced too: the magic mmap may come from one. */
	for (tid = pid;;) {
		/* Resume the task that stopped last (none after an exit), then wait for any. */
		if (tid && ptrace(PTRACE_SYSCALL, tid, 0, (long)sig) < 0 && errno != ESRCH)
			return 99;
		sig = 0;
		tid = waitpid(-1, &status, __WALL);
		if (tid < 0)
			break;
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			if (tid == pid)
				break;
			tid = 0;
		} else if (WSTOPSIG(status) == (SIGTRAP | 0x80)) {
			if (!found && ptrace(PTRACE_GETREGS, tid, 0, &regs) == 0 &&
			    is_magic_mmap(tid, &regs, &arch)) {
				found = true;
				result = at_magic_mmap(tid, arch, &regs, &opt);
			}
		} else if (WSTOPSIG(status) != SIGTRAP && WSTOPSIG(status) != SIGSTOP) {
			/* Not a ptrace event, nor a new thread's first stop: deliver it. */
			sig = WSTOPSIG(status);
		}
	}
	if (!found)
		fprintf(stderr, "stack-test: %s made no mmap of %#x bytes\n", opt.argv[0],
			STACKS_MAGIC_LEN);
	return found ? result : 1;
}
