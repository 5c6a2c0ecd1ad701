#ifndef MEMTRACE_STUB_CODE_H
#define MEMTRACE_STUB_CODE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/user.h>

#include "arch.h"

/* Where each field of a slot lives in its part of the data page. */
enum {
	STUB_DATA_RESULT = 0,
	STUB_DATA_RETURN = 8,
	STUB_DATA_ARGS = 16,		/* six 8-byte registers */
	STUB_DATA_STATE = 64,		/* 32 bits */
};

/* Where things are in a slot's code (offsets from its start). */
struct stub_slot_layout {
	unsigned pushed_at;	/* i386: from here the return ip is on the stack */
	unsigned jump_at;	/* the last instruction, which leaves: jmp rcx, or ret */
};

/*
 * One slot's machine code at p, for the child's address code, its data at
 * data. Entered at +2 with the call's result in the accumulator, it stores
 * the result, sets the state to returned, loads the six argument registers
 * back, sets the state to left and jumps to the return ip.
 */
void stub_code_slot(uint8_t *p, enum arch arch, uint64_t code, uint64_t data,
		    struct stub_slot_layout *layout);

/*
 * The bootstrap that finishes making the stub, run once from the code page
 * mapped at code: mmap of the data page at data (MAP_SHARED |
 * MAP_FIXED_NOREPLACE, offset one page) from the memfd's descriptor, close
 * of that descriptor, madvise(MADV_DONTFORK) of both pages, then an
 * undefined instruction, whose fault stops the task: memtrace's filter lets
 * the three calls run without a stop (its untraced ips, filter.h). Each
 * result stays in a register of its own. Returns 0, or -E2BIG where the
 * calls cannot end at those ips (code is not STUB_ADDRESS).
 */
struct stub_bootstrap {
	size_t size;		/* bytes written at p */
	uint64_t end;		/* the ud2's address, just past madvise's syscall instruction */
};

int stub_code_bootstrap(uint8_t *p, enum arch arch, uint64_t code, uint64_t data,
			struct stub_bootstrap *out);

/* Sets the registers to enter the bootstrap at code with the memfd's descriptor fd. */
void stub_bootstrap_enter(struct user_regs_struct *regs, enum arch arch, uint64_t code,
			  int64_t fd);

/* The bootstrap's three results (data mmap, close, madvise), as the kernel returned them. */
struct stub_bootstrap_results {
	int64_t map_data, close_fd, dontfork;
};

void stub_bootstrap_results(const struct user_regs_struct *regs, enum arch arch,
			    struct stub_bootstrap_results *out);

#endif
