#ifndef MEMTRACE_SYSCALL_EVENT_H
#define MEMTRACE_SYSCALL_EVENT_H

#include <stdint.h>
#include <sys/types.h>

#include "arch.h"

/* One trapped call, from its seccomp stop to its exit stop. */
struct syscall_event {
	pid_t tid;
	enum arch arch;
	const struct trapped_syscall *row;
	uint64_t nr;
	uint64_t args[6];	/* truncated to the arch's word size */
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

/* Kernel-style results in -4095..-1 are errors; everything else is a value. */
static inline int syscall_result_is_error(int64_t result)
{
	return result < 0 && result >= -4095;
}

#endif
