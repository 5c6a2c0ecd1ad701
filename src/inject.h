#ifndef MEMTRACE_INJECT_H
#define MEMTRACE_INJECT_H

#include <errno.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

#include "arch.h"

/*
 * Remote syscalls: memtrace makes a stopped task run calls of memtrace's
 * choosing, then puts it back exactly as it was.
 *
 * The task must be at a syscall-exit stop of a call of arch: the
 * instruction just before its ip is then a 2-byte syscall instruction
 * (syscall, or int $0x80, which the vDSO's fast path returns behind), so
 * each injected call moves ip back 2 bytes and runs it again (as PRoot and
 * the kernel's own restart do). Signals are blocked meanwhile
 * (PTRACE_SETSIGMASK), so that one that arrives stays pending, siginfo and
 * all, until the task is its own again; one that cannot be blocked, or a
 * fault signal (left unblocked: the kernel would reset the program's
 * handler to force one through), is held and raised again at the end.
 */
struct injection {
	pid_t tid;
	enum arch arch;
	struct user_regs_struct saved;	/* the task's registers at the start */
	int held_signal;		/* a signal that arrived meanwhile, or 0 */
	int exec_took_it;		/* another thread's execve took the task's tid */
	uint64_t saved_mask;		/* its blocked signals at the start */
	int mask_set;			/* signals but faults are blocked meanwhile */
	int refusal_pending;		/* a SIGSYS for an injected call may be pending */
	unsigned stops;			/* the task's stops so far */
};

/* Starts injecting into tid, stopped at a syscall exit. Returns 0 or -errno. */
int inject_begin(struct injection *inj, pid_t tid, enum arch arch);

/*
 * Runs syscall nr (arch's numbering) with args in the task; its return
 * value goes to *result. Returns 0, or -ESRCH if the task died meanwhile
 * (it is reaped: *status tells how), -EINTR if another thread's execve
 * took its tid meanwhile (*status is that exec's event stop, for the
 * caller to handle: the image injected into is gone, and inject_end and
 * inject_end_rerun leave the new one's registers alone), or another -errno.
 * Every function below that runs the task may return these two as well.
 */
int inject_syscall(struct injection *inj, long nr, const uint64_t args[6], int64_t *result,
		   int *status);

/* Whether err says the task is gone from the injection: it died, or exec took its tid. */
static inline int inject_task_lost(int err)
{
	return err == -ESRCH || err == -EINTR;
}

/* Puts the task's registers back and raises any held signal. Returns 0 or -errno. */
int inject_end(struct injection *inj);

/*
 * From a seccomp stop (inject_begin there): the task's call is replaced by
 * syscall nr with args, run to its exit; as inject_syscall.
 */
int inject_instead(struct injection *inj, long nr, const uint64_t args[6], int64_t *result,
		   int *status);

/*
 * Runs code of memtrace's own, mapped in the task, from regs (ip and
 * registers as given) until an instruction of it faults: the one at end
 * (a ud2) when it ran through. Seccomp stops on the way (calls a filter
 * traps) go on at once. *regs gets the registers at the fault. Returns 0
 * at end, -EFAULT at a fault elsewhere (the fault's signal is dropped),
 * -ESRCH if the task died (*status tells how), or another -errno.
 */
int inject_run_code(struct injection *inj, struct user_regs_struct *regs, uint64_t end,
		    int *status);

/*
 * From an exit stop: runs syscall nr with args through the task's syscall
 * instruction, up to the call's seccomp stop. Only for a call memtrace's
 * filter traps and no other filter answers first: without that stop the
 * task would go on in its own code with the call's registers. From there,
 * inject_skip_call or inject_return_into_code.
 */
int inject_syscall_to_seccomp_stop(struct injection *inj, long nr, const uint64_t args[6],
				   int *status);

/* At a seccomp stop: the call does not run; the task goes to its exit stop. */
int inject_skip_call(struct injection *inj, int *status);

/*
 * At a seccomp stop: the call runs and returns into code of memtrace's
 * own at code; from there as inject_run_code. One stop fewer than letting
 * the call return to its exit stop and then inject_run_code. Where the
 * code is not mapped, the fault is at code (-EFAULT), with the call's
 * result in the accumulator of *regs.
 */
int inject_return_into_code(struct injection *inj, uint64_t code, uint64_t end,
			    struct user_regs_struct *regs, int *status);

/*
 * After inject_instead: the task's registers back, its ip on its syscall
 * instruction, so that its own call runs again (and traps again) once it
 * is resumed. Raises any held signal. Returns 0 or -errno.
 */
int inject_end_rerun(struct injection *inj);

#endif
