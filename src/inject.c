/*
 * Remote syscalls by re-running the task's own syscall instruction.
 *
 * From a syscall-exit stop, PTRACE_SYSCALL with ip moved back 2 bytes and
 * the injected call in the registers gives: a syscall-enter stop, a seccomp
 * stop if memtrace's filter traps that call, and the exit stop with the
 * result. From a seccomp stop, the task's own call is replaced by the
 * injected one, and then made to run again (rr's way). This loop waits for that one task only; other tasks' stops wait
 * in the kernel until the wait loop returns to them.
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "inject.h"
#include "stop_wait.h"

/*
 * The signals a fault of memtrace's code raises (the bootstrap's ud2, a
 * jump to a page that did not get mapped) stay unblocked: the kernel
 * forces such a signal through a mask by resetting the program's handler
 * to SIG_DFL. Its delivery stops the task, and memtrace drops it there.
 */
#define FAULT_SIGNALS ((1ull << (SIGILL - 1)) | (1ull << (SIGTRAP - 1)) | (1ull << (SIGBUS - 1)) | \
		       (1ull << (SIGFPE - 1)) | (1ull << (SIGSEGV - 1)))

int inject_begin(struct injection *inj, pid_t tid, enum arch arch)
{
	uint64_t all = ~(uint64_t)FAULT_SIGNALS;

	memset(inj, 0, sizeof(*inj));
	inj->tid = tid;
	inj->arch = arch;
	if (ptrace(PTRACE_GETREGS, tid, 0L, &inj->saved) < 0)
		return -errno;
	/* the kernel leaves SIGKILL and SIGSTOP out of any mask */
	if (ptrace(PTRACE_GETSIGMASK, tid, (void *)sizeof(all), &inj->saved_mask) == 0 &&
	    ptrace(PTRACE_SETSIGMASK, tid, (void *)sizeof(all), &all) == 0)
		inj->mask_set = 1;
	return 0;
}

/* A signal-delivery stop: the signal is held until the task is its own again. */
static void hold_signal(struct injection *inj, int sig)
{
	if (!inj->held_signal)
		inj->held_signal = sig;
}

enum delivered {
	DELIVERED_OTHER,	/* held for the program */
	DELIVERED_FAULT,	/* an instruction of memtrace's code faulted */
	DELIVERED_REFUSED,	/* a filter of the program's refused an injected call (SIGSYS) */
};

/*
 * What a signal-delivery stop's signal is: the kernel sends a fault for an
 * instruction (si_code > 0), and SIGSYS with SYS_SECCOMP for a call a
 * filter answers with SECCOMP_RET_TRAP. Meanwhile the task runs only
 * memtrace's code and calls, so such ones come of them, not the program's.
 */
static enum delivered delivered(pid_t tid, int sig)
{
	siginfo_t si;

	if (ptrace(PTRACE_GETSIGINFO, tid, 0L, &si) < 0)
		return DELIVERED_OTHER;
	if (sig == SIGSYS && si.si_code == 1 /* SYS_SECCOMP */)
		return DELIVERED_REFUSED;
	if ((sig == SIGILL || sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGTRAP) &&
	    si.si_code > 0)
		return DELIVERED_FAULT;
	return DELIVERED_OTHER;
}

/*
 * Waits for the task's next stop (*st). Returns 0, -ESRCH when it died
 * (*status), -EINTR at an exec event (*status; inject.h), or -errno.
 */
static int wait_stop(struct injection *inj, int *st, int *status)
{
	/* the injected call runs at once: worth polling for */
	while (stop_wait(NULL, inj->tid, st, NULL) < 0)
		if (errno != EINTR)
			return -errno;
	inj->stops++;
	if (WIFEXITED(*st) || WIFSIGNALED(*st)) {
		*status = *st;
		return -ESRCH;
	}
	if ((unsigned)*st >> 16 == PTRACE_EVENT_EXEC) {
		*status = *st;
		inj->exec_took_it = 1;
		return -EINTR;
	}
	return 0;
}

/* Whether st is a signal-delivery stop (no event, not a syscall stop). */
static int signal_stop(int st)
{
	return (unsigned)st >> 16 == 0 && WSTOPSIG(st) != (SIGTRAP | 0x80);
}

/* Waits for the injected call's exit stop. Returns 0 or -errno. */
static int run_to_exit(struct injection *inj, int64_t *result, int *status)
{
	for (;;) {
		struct __ptrace_syscall_info info;
		int st, err;

		err = wait_stop(inj, &st, status);
		if (err < 0)
			return err;
		if (WSTOPSIG(st) == (SIGTRAP | 0x80)) {
			memset(&info, 0, sizeof(info));
			if (ptrace(PTRACE_GET_SYSCALL_INFO, inj->tid, (void *)sizeof(info), &info) < 0)
				return -errno;
			if (info.op == PTRACE_SYSCALL_INFO_EXIT) {
				*result = info.exit.rval;
				return 0;
			}
		} else if (signal_stop(st) && delivered(inj->tid, WSTOPSIG(st)) != DELIVERED_REFUSED) {
			hold_signal(inj, WSTOPSIG(st));
		}
		/* syscall-enter, seccomp and other event stops: on to the exit */
		if (ptrace(PTRACE_SYSCALL, inj->tid, 0L, 0L) < 0)
			return -errno;
	}
}

static void set_args(struct user_regs_struct *regs, enum arch arch, const uint64_t args[6])
{
	for (int i = 0; i < 6; i++)
		*arg_reg(regs, arch, i) = args[i];
}

/* Runs the call regs hold, with nr's args, to its exit. Returns 0 or -errno. */
static int run_call(struct injection *inj, struct user_regs_struct *regs, const uint64_t args[6],
		    int64_t *result, int *status)
{
	int err;

	set_args(regs, inj->arch, args);
	if (ptrace(PTRACE_SETREGS, inj->tid, 0L, regs) < 0 ||
	    ptrace(PTRACE_SYSCALL, inj->tid, 0L, 0L) < 0)
		return -errno;
	err = run_to_exit(inj, result, status);
	/*
	 * A call a filter of the program's refused with SIGSYS returns its
	 * own number; the signal comes at the task's next return to its code,
	 * past this exit stop: inject_end must take it.
	 */
	if (err == 0 && (uint64_t)*result == regs->orig_rax)
		inj->refusal_pending = 1;
	return err;
}

/*
 * Takes a SIGSYS an injected call left pending (run_call): one more call,
 * getpid, before which the kernel delivers it, and run_to_exit drops it.
 */
static void take_refusal(struct injection *inj)
{
	static const long getpid_nr[ARCH_COUNT] = { [ARCH_X86_64] = 39, [ARCH_I386] = 20 };
	int64_t ignored;
	int status;

	inj->refusal_pending = 0;
	inject_syscall(inj, getpid_nr[inj->arch], (uint64_t[6]){ 0 }, &ignored, &status);
}

/* The registers that run nr through the task's syscall instruction again. */
static struct user_regs_struct call_again(const struct injection *inj, long nr)
{
	struct user_regs_struct regs = inj->saved;

	regs.rip -= 2;
	regs.rax = (unsigned long long)nr;
	regs.orig_rax = (unsigned long long)nr;
	return regs;
}

int inject_syscall(struct injection *inj, long nr, const uint64_t args[6], int64_t *result,
		   int *status)
{
	struct user_regs_struct regs = call_again(inj, nr);

	return run_call(inj, &regs, args, result, status);
}

/* Sets regs and raises any held signal. Returns 0 or -errno. */
static int put_back(struct injection *inj, struct user_regs_struct *regs)
{
	if (inj->refusal_pending && !inj->exec_took_it)
		take_refusal(inj);
	/* after an exec the registers and the mask are the new image's */
	if (!inj->exec_took_it && ptrace(PTRACE_SETREGS, inj->tid, 0L, regs) < 0)
		return -errno;
	if (!inj->exec_took_it && inj->mask_set &&
	    ptrace(PTRACE_SETSIGMASK, inj->tid, (void *)sizeof(inj->saved_mask),
		   &inj->saved_mask) < 0)
		return -errno;
	/* Its siginfo is lost; the signal itself is not. */
	if (inj->held_signal)
		syscall(SYS_tkill, inj->tid, inj->held_signal);
	return 0;
}

int inject_end(struct injection *inj)
{
	return put_back(inj, &inj->saved);
}

int inject_instead(struct injection *inj, long nr, const uint64_t args[6], int64_t *result,
		   int *status)
{
	struct user_regs_struct regs = inj->saved;

	/* the kernel checks the changed call against the filter again, and lets it run */
	regs.orig_rax = (unsigned long long)nr;
	return run_call(inj, &regs, args, result, status);
}

/* Runs the task on until memtrace's code faults (inject_run_code). */
static int run_to_fault(struct injection *inj, struct user_regs_struct *regs, uint64_t end,
			int *status)
{
	for (;;) {
		int st, err;

		err = wait_stop(inj, &st, status);
		if (err < 0)
			return err;
		if (signal_stop(st)) {
			enum delivered what = delivered(inj->tid, WSTOPSIG(st));

			if (what == DELIVERED_FAULT) {
				if (ptrace(PTRACE_GETREGS, inj->tid, 0L, regs) < 0)
					return -errno;
				return regs->rip == end ? 0 : -EFAULT;
			}
			if (what == DELIVERED_OTHER)
				hold_signal(inj, WSTOPSIG(st));
		}
		/* seccomp stops of calls a filter traps: on at once */
		if (ptrace(PTRACE_CONT, inj->tid, 0L, 0L) < 0)
			return -errno;
	}
}

int inject_run_code(struct injection *inj, struct user_regs_struct *regs, uint64_t end,
		    int *status)
{
	if (ptrace(PTRACE_SETREGS, inj->tid, 0L, regs) < 0 ||
	    ptrace(PTRACE_CONT, inj->tid, 0L, 0L) < 0)
		return -errno;
	return run_to_fault(inj, regs, end, status);
}

int inject_syscall_to_seccomp_stop(struct injection *inj, long nr, const uint64_t args[6],
				   int *status)
{
	struct user_regs_struct regs = call_again(inj, nr);

	set_args(&regs, inj->arch, args);
	if (ptrace(PTRACE_SETREGS, inj->tid, 0L, &regs) < 0 ||
	    ptrace(PTRACE_CONT, inj->tid, 0L, 0L) < 0)
		return -errno;
	for (;;) {
		int st, err;

		err = wait_stop(inj, &st, status);
		if (err < 0)
			return err;
		if ((unsigned)st >> 16 == PTRACE_EVENT_SECCOMP)
			return 0;
		/* a stop before the call (SIGSTOP, which no mask blocks): held */
		if (signal_stop(st))
			hold_signal(inj, WSTOPSIG(st));
		if (ptrace(PTRACE_CONT, inj->tid, 0L, 0L) < 0)
			return -errno;
	}
}

int inject_skip_call(struct injection *inj, int *status)
{
	int64_t ignored;

	if (ptrace(PTRACE_POKEUSER, inj->tid, (void *)offsetof(struct user_regs_struct, orig_rax),
		   (void *)-1L) < 0 ||
	    ptrace(PTRACE_SYSCALL, inj->tid, 0L, 0L) < 0)
		return -errno;
	return run_to_exit(inj, &ignored, status);
}

int inject_return_into_code(struct injection *inj, uint64_t code, uint64_t end,
			    struct user_regs_struct *regs, int *status)
{
	if (ptrace(PTRACE_POKEUSER, inj->tid, (void *)offsetof(struct user_regs_struct, rip),
		   (void *)code) < 0 ||
	    ptrace(PTRACE_CONT, inj->tid, 0L, 0L) < 0)
		return -errno;
	return run_to_fault(inj, regs, end, status);
}

int inject_end_rerun(struct injection *inj)
{
	struct user_regs_struct regs = inj->saved;

	/* as the kernel restarts a call: back on the 2-byte instruction, nr in rax */
	regs.rip -= 2;
	regs.rax = regs.orig_rax;
	return put_back(inj, &regs);
}
