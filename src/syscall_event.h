#ifndef MEMTRACE_SYSCALL_EVENT_H
#define MEMTRACE_SYSCALL_EVENT_H

#include <stdint.h>
#include <sys/types.h>

#include "arch.h"
#include "trapped.h"

/* One trapped call, from its seccomp stop to its exit stop. */
struct syscall_event {
	pid_t tid;
	enum arch arch;
	const struct trapped_syscall *row;
	uint64_t nr;
	uint64_t args[6];	/* truncated to the arch's word size */
	uint64_t regs[6];	/* the argument registers as they were (to put back) */
	uint64_t ip;		/* instruction pointer at the stop */
	/*
	 * i386 old_mmap (#90): the six arguments its one argument points to.
	 * ind_fault is set when they could not be read (the call gets EFAULT).
	 */
	uint32_t ind_args[6];
	int ind_fault;
	int has_result;		/* 0 while the call has not returned */
	int64_t result;		/* kernel style: -4095..-1 is -errno */
};

/* The six arguments as the program passed them (old_mmap: from its block). */
static inline void syscall_event_args(const struct syscall_event *ev, uint64_t args[6])
{
	for (int i = 0; i < 6; i++)
		args[i] = ev->row->family == FAMILY_OLD_MMAP ? ev->ind_args[i] : ev->args[i];
}

/* Kernel-style results in -4095..-1 are errors; everything else is a value. */
static inline int syscall_result_is_error(int64_t result)
{
	return result < 0 && result >= -4095;
}

#endif
