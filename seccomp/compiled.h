/*
 * What seccomp/gen-filter computed at build time (seccomp/compiled.c, a
 * generated file): the filter, and the syscall numbers of the rows of
 * trapped_syscalls[] on each arch.
 */
#ifndef MEMTRACE_COMPILED_H
#define MEMTRACE_COMPILED_H

#include <linux/filter.h>

struct compiled_syscall {
	unsigned trap_bit;	/* TRAP_X86_64 or TRAP_I386 */
	unsigned nr;		/* the syscall's number on that arch */
	unsigned row;		/* its index in trapped_syscalls[] */
};

extern const struct sock_filter compiled_filter[];
extern const unsigned short compiled_filter_len;
extern const struct compiled_syscall compiled_syscalls[];
extern const unsigned compiled_syscalls_count;

#endif
