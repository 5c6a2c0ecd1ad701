#ifndef MEMTRACE_TRACEE_H
#define MEMTRACE_TRACEE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "syscall_event.h"

/* One traced task (a thread or a process), as the wait loop knows it. */
struct tracee {
	pid_t tid;
	int in_syscall;			/* between a seccomp stop and its exit stop */
	struct syscall_event call;	/* valid while in_syscall */
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

#endif
