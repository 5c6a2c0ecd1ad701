/*
 * Call stacks of stopped tasks, for recordings: which code asked for memory.
 *
 * At a syscall stop memtrace captures the return addresses of the task
 * (stack_capture) and later names each one as a module and file offset, plus
 * a symbol where the module's ELF has one (stack_locate). Module offsets are
 * stable across runs, with or without address randomization.
 *
 *   x86_64 code   libunwind (DWARF CFI from .eh_frame) through memtrace's own
 *                 accessors: registers from the caller, memory in whole pages
 *                 through a small cache, unwind tables straight from the
 *                 mapped ELF files, modules from the shadow model; each
 *                 frame's rule is learnt from libunwind once and kept.
 *   i386 code     a walker of memtrace's own (libunwind unwinds only the host
 *                 arch): epilogue emulation, signal frames, the frame-pointer
 *                 chain, and a bounded stack scan for return addresses.
 *
 * One unwinder serves a whole memtrace run; it is not thread-safe.
 */
#ifndef MEMTRACE_STACK_STACK_H
#define MEMTRACE_STACK_STACK_H

#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

#include "arch.h"

struct address_space;
struct stack_unwinder;

/* Returns 0 with *out set, or -ENOMEM. */
int stack_unwinder_new(struct stack_unwinder **out);
void stack_unwinder_free(struct stack_unwinder *u);

/*
 * Drops what is cached about tid: its vdso image, its stack pages and, for
 * captures without a model, its /proc/PID/maps snapshot. Call it when the
 * task exits or execs; without a model, also after its mappings change.
 * (Unwind rules are kept per file and place, valid for every task.)
 */
void stack_forget_task(struct stack_unwinder *u, pid_t tid);

/* Call it after each resume of tid: the cached stack bytes are stale. */
void stack_forget_memory(struct stack_unwinder *u, pid_t tid);

/*
 * Captures up to max (>= 1) return addresses of the stopped task tid,
 * innermost first; ips[0] is the ip of the stop. regs come from
 * PTRACE_GETREGS. The stack layout follows the code segment in regs->cs
 * (a 64-bit program may make i386 calls with int $0x80); arch is used when
 * cs is neither 0x23 nor 0x33. as is the model of tid's address space, or
 * NULL to read /proc/PID/maps instead (once per task until
 * stack_forget_task). Returns the number of frames (>= 1; just the ip when
 * the mappings cannot be read) or -errno (-EINVAL for max < 1, -ENOMEM).
 */
int stack_capture(struct stack_unwinder *u, pid_t tid, enum arch arch,
		  const struct user_regs_struct *regs, const struct address_space *as,
		  uint64_t *ips, int max);

/*
 * Where an address is. The strings belong to the unwinder and stay valid
 * until stack_unwinder_free.
 */
struct stack_location {
	const char *module;	/* file path, "[vdso]", or "[anon]" for code without a file */
	uint64_t module_offset;	/* file offset of ip ([vdso]: in the image; [anon]: ip) */
	const char *symbol;	/* NULL when no symbol covers ip */
	uint64_t symbol_offset;	/* ip - the symbol's start */
};

/*
 * Locates ip in tid's address space (as, or /proc/PID/maps when as is NULL).
 * A return address (frames >= 1) sits just after its call instruction, which
 * may end a function: pass ip - 1 to name the calling function reliably.
 * Returns 0, -ENOENT when no mapping holds ip, or another -errno.
 */
int stack_locate(struct stack_unwinder *u, pid_t tid, const struct address_space *as,
		 uint64_t ip, struct stack_location *loc);

#endif
