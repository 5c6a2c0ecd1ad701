#ifndef MEMTRACE_ARCH_H
#define MEMTRACE_ARCH_H

#include <stdint.h>
#include <sys/user.h>

#include "trapped.h"

/*
 * The syscall ABIs memtrace understands. The arch belongs to each call, not
 * to the process: a 64-bit program that executes int $0x80 makes i386 calls.
 */
enum arch {
	ARCH_X86_64,
	ARCH_I386,
	ARCH_COUNT,
};

struct arch_info {
	const char *name;	/* "x86_64", "i386" */
	uint32_t audit_arch;	/* AUDIT_ARCH_* as seccomp reports it */
	unsigned trap_bit;	/* TRAP_* in trapped_syscalls[] */
	uint64_t word_mask;	/* registers beyond the ABI's width are ignored */
	uint64_t task_size;	/* first address past the user address space */
};

extern const struct arch_info arch_infos[ARCH_COUNT];

/* Maps an AUDIT_ARCH_* value to an arch. Returns 0 or -ENOENT. */
int arch_from_audit(uint32_t audit_arch, enum arch *out);

/* Builds the number -> row tables from trapped_syscalls[]. Returns 0 or -errno. */
int arch_tables_init(void);

/* The number of the trapped syscall named name on arch a, or -1. */
long arch_syscall_number(enum arch a, const char *name);

/* The row that handles syscall nr of arch a, or NULL if it is not trapped. */
const struct trapped_syscall *arch_lookup(enum arch a, uint64_t nr);

/*
 * The arch of the call a task stopped at, from its registers alone, where
 * they tell it: every call of 32-bit code is i386, and a call of 64-bit
 * code is x86_64 when only x86_64 traps its number. Returns 0, or -ENOENT
 * where only PTRACE_GET_SYSCALL_INFO can tell (int $0x80 in 64-bit code,
 * a number both arches trap, x32).
 */
int arch_of_stop(const struct user_regs_struct *r, enum arch *out);

/*
 * A call's return value from the accumulator as the 64-bit register view
 * holds it: i386's is 32 bits, -4095..-1 errors and the rest unsigned.
 */
int64_t arch_syscall_result(enum arch arch, uint64_t acc);

/* Where argument i of arch's ABI lives in the 64-bit register view. */
unsigned long long *arg_reg(struct user_regs_struct *r, enum arch arch, int i);

#endif
