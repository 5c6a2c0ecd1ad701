#ifndef MEMTRACE_ONE_STOP_H
#define MEMTRACE_ONE_STOP_H

#include "service.h"
#include "tracee.h"

struct vm_space;

/*
 * Calls that finish without an exit stop, through memtrace's stub page
 * (stub.h). A call the kernel must run costs two stops (entry and exit);
 * where an address space has one task, the exit stop is replaced by the
 * stub's code, and the call is finished (traced, committed to the model,
 * checked) at that task's next stop, or when memtrace's wait is idle.
 */

/* When a call's result is read back. */
enum settle_when {
	SETTLE_AT_STOP,	/* the address space's task is stopped (not in a stub call) */
	SETTLE_IDLE,	/* memtrace is waiting: the calls that returned are printed only */
	SETTLE_GONE,	/* the address space is gone (exit, exec): finish everything */
};

/* What finishing a call does (one_stop_finish_fn's what). */
enum {
	FINISH_COMMIT = 1,	/* the model takes the call, checked against the kernel */
	FINISH_PRINT = 2,	/* the trace line */
	FINISH_RECORD = 4,	/* the recording's event */
};

/*
 * Finishes one call: t is a stand-in task holding the call as it was at
 * its entry, with its result (if it returned). Only at a stop is the
 * address space known to be the one the call changed: the task may exec
 * or exit while memtrace is idle, so an idle settle prints only.
 */
typedef void (*one_stop_finish_fn)(void *ctx, struct tracee *t, unsigned what);

/*
 * At the seccomp stop, once service_entry left tr's call to the kernel:
 * sends it through the stub when that is safe. Returns the ip the task is
 * to resume at (with PTRACE_CONT; its call is no longer tr's), or 0 when the
 * call takes its exit stop as usual.
 */
uint64_t one_stop_issue(struct service *svc, struct tracee *tr);

/*
 * At the seccomp stop, once service_entry left tr's call to the kernel:
 * commits a call whose result is the model's alone before the kernel runs
 * it, where no other task can come in between: a munmap, an mprotect that
 * gains neither PROT_WRITE nor PROT_EXEC, or some madvise advice, on plain
 * anonymous memory or heap (an mprotect that only drops protection on an
 * image's pages too), and a brk below the heap, which only asks. The
 * model knows every way these can fail; the kernel's limits and policies
 * do not apply to them. The result is not read back; --verify checks the
 * model at the task's next stop (service_verify_due). Returns 1 when it
 * did: the task is to be resumed with PTRACE_CONT, its call over for
 * memtrace.
 */
int one_stop_commit_at_entry(struct service *svc, struct tracee *tr);

/* Whether tr's seccomp stop is a stub call the kernel restarted (ip - 2): it just goes on. */
int one_stop_is_restart(struct tracee *tr, uint64_t ip);

/*
 * Finishes vm's stub calls as when allows. tid is the task that stopped
 * (AT_STOP) or is gone (GONE), or 0 (IDLE). Where other tasks share the
 * address space, their calls that returned are finished too (committed
 * even at IDLE: calls wait on them), the others left in flight; GONE
 * finishes tid's only.
 */
void one_stop_settle(struct service *svc, struct vm_space *vm, enum settle_when when, pid_t tid,
		     one_stop_finish_fn finish, void *ctx);

/*
 * tid is stopped outside any syscall (an interrupt, a signal's delivery):
 * if it is inside the code of its stub call's slot, memtrace does what the
 * code has yet to do (stub_leave_slot), so that the call is finished at
 * once and the slot free; on the jump back of a slot freed already, it
 * makes that jump (stub_leave_jump). Returns 1 when it did, a negative
 * value when the call is about to run again (restarted by the kernel: it
 * is still in flight) or the jump could not be made, else 0.
 */
int one_stop_leave_slot(struct vm_space *vm, pid_t tid);

/*
 * At the seccomp stop, before the call is planned: an mmap that asks for
 * the stub's addresses (MAP_FIXED_NOREPLACE, or a hint there) gets them as
 * it would without memtrace: the stub is unmapped instead of the call, and
 * the call made to run again. Returns 1 when it was (the task is to be
 * resumed with PTRACE_CONT; its call comes back as a new seccomp stop), 0
 * when not, -ESRCH when the task died meanwhile (*status says how), or
 * -EINTR when another thread's exec took its tid (*status: that stop).
 */
int one_stop_make_way(struct tracee *tr, int *status);

/*
 * Whether tr's call may change the stub's pages or have them unmapped
 * (one_stop_make_way). Where the address space has other tasks, one may be
 * inside a slot's code: such a call waits until none is (call_reach).
 */
int one_stop_needs_idle_stub(const struct tracee *tr);

/*
 * At an exit stop, after service_exit: gives the stub up where the call
 * changed its pages (calls that may reach them take two stops).
 */
void one_stop_check_stub(struct tracee *tr);

/*
 * An address space's program ran to its end, or to its exec: what its
 * calls say of where the stub page pays in the next runs of that file.
 */
void one_stop_image_done(struct service *svc, const struct vm_space *vm);

/*
 * At the seccomp stop of tr's call of arch, before anything else is done
 * with it: makes the stub in tr's address space, with that call's stop,
 * where it pays (stub_install). Returns 1 when the call was used and runs
 * again once the task is resumed (a new seccomp stop), 0 when nothing was
 * done, -ESRCH when the task died meanwhile (*status says how), or -EINTR
 * when another thread's exec took its tid (*status: that stop).
 */
int one_stop_make_stub(struct service *svc, struct tracee *tr, enum arch arch, int *status);

#endif
