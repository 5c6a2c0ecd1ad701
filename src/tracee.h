#ifndef MEMTRACE_TRACEE_H
#define MEMTRACE_TRACEE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

#include "syscall_event.h"

struct vm_space;
struct record_frame;
struct mapping;

/* What memtrace decided at a call's entry, for its exit to carry through. */
struct call_plan {
	int decided;			/* memtrace returned the result; the kernel skipped it */
	int rewritten;			/* registers changed: restore them at exit */
	struct user_regs_struct regs;	/* as the program left them at entry */
	struct user_regs_struct sent;	/* as the rewrite set them */
	int placed;			/* memtrace chose the address */
	int reserved;			/* ... and put the mapping in the model already */
	uint64_t chosen;		/* that address */
	uint64_t len;			/* page-aligned length placed there */
	int resynced;			/* the model took the kernel's view after the call */
	int whole_window;		/* the call (or a grown stack) may have changed anything */
	uint64_t brk_before;		/* the break at entry */
	uint64_t seq;			/* the service's number for the call */
	uint64_t recorded;		/* replay: the address the recording gave it, or 0 */
	int late;			/* committed at a later stop (service_prepare_late_commit) */
	int before_the_kernel;		/* committed at entry; the kernel runs it after */
	/* read at entry for a late commit: */
	struct mapping *proto;		/* a file mmap's mapping */
};

/* Where a call came from, captured at its entry when recording (recording.h). */
struct call_stack {
	int nframes;
	struct record_frame *frames;	/* RECORDING_MAX_FRAMES of them, allocated once */
};

/*
 * What a call may change or depend on while it is in flight (vm_space.h's
 * turns): everything, or the mappings in [lo, hi).
 */
struct call_reach {
	int exclusive;
	uint64_t lo, hi;
	/* it may change the stub's pages: no task may be inside a slot's code */
	int needs_idle_stub;
};

/* One traced task (a thread or a process), as the wait loop knows it. */
struct tracee {
	pid_t tid;
	int in_syscall;			/* between a seccomp stop and its exit stop */
	struct syscall_event call;	/* valid while in_syscall */
	struct user_regs_struct regs;	/* read at the call's seccomp stop; valid while in_syscall */
	struct call_plan plan;		/* valid while in_syscall */
	struct call_stack stack;	/* valid while in_syscall, when recording */
	struct vm_space *vm;		/* its address space; NULL until known */
	int linked;			/* its address space is known (parent's event seen) */
	int awaiting_parent;		/* held at its first stop until then */
	struct call_reach reach;	/* of its call, set before it asks for a turn */
	struct tracee *next_waiting;	/* in vm->waiting_head's queue */
	int waiting;			/* queued for its turn (see vm_space.h) */
	/*
	 * Its call went through the stub where other tasks share the address
	 * space: the call keeps its turn while the task runs on, until
	 * memtrace has read its result (one_stop.h).
	 */
	int stub_turn;
	int interrupted;		/* PTRACE_INTERRUPT sent; cleared at its next stop */
	/*
	 * Its READ_IMPLIES_EXEC personality: Linux keeps a persona per task
	 * (inherited by clone and fork, set by exec and personality(2)); the
	 * service hands it to the model for each of the task's calls.
	 */
	int read_implies_exec;
};

/* All traced tasks, by tid: an open-addressing hash table that grows. */
struct tracee_table {
	struct tracee **slots;
	size_t cap;		/* a power of two */
	size_t count;
	size_t ever;		/* tasks seen since the start */
};

void tracee_table_init(struct tracee_table *t);
void tracee_table_destroy(struct tracee_table *t);
struct tracee *tracee_find(struct tracee_table *t, pid_t tid);
/* Finds or adds tid. Returns NULL only when out of memory. */
struct tracee *tracee_add(struct tracee_table *t, pid_t tid);
void tracee_remove(struct tracee_table *t, pid_t tid);

/*
 * Reads len bytes at addr in the task's memory. Returns 0, or -EFAULT if
 * any of it is unreadable, or another -errno.
 */
int tracee_read(pid_t tid, uint64_t addr, void *buf, size_t len);
/*
 * The same through /proc/PID/mem, as a debugger reads: also memory that
 * may be written and not read, which the kernel's own reads for a call
 * (copy_from_user) see on x86 and process_vm_readv refuses.
 */
int tracee_read_forced(pid_t tid, uint64_t addr, void *buf, size_t len);
/* Writes len bytes at addr in the task's memory. Returns 0 or -errno, as tracee_read. */
int tracee_write(pid_t tid, uint64_t addr, const void *buf, size_t len);

#endif
