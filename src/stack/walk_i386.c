/*
 * i386 stacks, walked by memtrace itself: libunwind unwinds only the arch
 * it was built for. Each step from a frame to its caller tries, in order:
 *
 *   1. the epilogue: when the code at ip just pops and returns, run it
 *      (exact; covers the vDSO, glibc's syscall wrappers and main);
 *   2. the frame pointer, when the function's prologue shows it keeps one:
 *
 *          bp + 4:  return address        higher addresses
 *          bp:      caller's bp
 *          ...      locals, saved registers, outgoing arguments
 *          sp                              lower addresses
 *
 *   3. a scan of at most SCAN_BYTES of stack above sp for a return address:
 *      a word pointing into code just after a call instruction.
 *
 * A signal handler returns into the vDSO's sigreturn trampoline; from
 * there the interrupted registers are read from the signal frame.
 *
 * Unused stack slots keep return addresses of calls that are over, so the
 * scan prefers a call that could have entered the function being left: a
 * direct call to its entry or to a PLT stub, or an indirect call. Without a
 * symbol to read the prologue from, a sane frame pointer wins unless the
 * scan finds a return address below it: then ebp belongs to an outer
 * function and following it would skip frames. Every step must move sp up
 * and stay inside the stack mapping; the walk ends at the program's entry.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "mm/address_space.h"
#include "stack/elf_image.h"
#include "stack/stack_internal.h"

#define SCAN_BYTES 2048
/* Bound for a stack whose mapping is unknown. */
#define UNKNOWN_STACK_BYTES (1024 * 1024)
/* _start is short; without symbols, frames this close to the entry point are in it. */
#define ENTRY_FUNCTION_BYTES 64

struct stack_bounds {
	uint64_t lo;	/* inclusive */
	uint64_t hi;	/* exclusive */
};

enum frame_pointer_use {
	FP_UNKNOWN,
	FP_KEPT,	/* the function set ebp to its frame */
	FP_NOT_KEPT,
};

enum return_kind {
	NOT_RETURN,
	RETURN_UNLIKELY,	/* after a direct call to another function */
	RETURN_LIKELY,
};

static const uint8_t endbr32[] = { 0xf3, 0x0f, 0x1e, 0xfb };

static bool in_stack(const struct stack_bounds *b, uint64_t addr, uint64_t len)
{
	return addr >= b->lo && addr < b->hi && len <= b->hi - addr;
}

static int read32(struct capture *c, uint64_t addr, uint64_t *val)
{
	uint32_t v;
	int err = capture_read(c, addr, &v, sizeof(v));

	if (err == 0)
		*val = v;
	return err;
}

/* __x86.get_pc_thunk.REG: mov (%esp),%REG; ret. PIC code calls it all the time. */
static bool is_pc_thunk(struct capture *c, uint64_t addr)
{
	uint8_t code[4];

	return capture_read(c, addr, code, sizeof(code)) == 0 && code[0] == 0x8b &&
	       (code[1] & 0xc7) == 0x04 && code[2] == 0x24 && code[3] == 0xc3;
}

/* A PLT entry: jmp *m32 (FF /4), perhaps after endbr32. */
static bool is_jump_stub(struct capture *c, uint64_t addr)
{
	uint8_t code[6];
	const uint8_t *p = code;

	if (capture_read(c, addr, code, sizeof(code)) < 0)
		return false;
	if (memcmp(p, endbr32, sizeof(endbr32)) == 0)
		p += sizeof(endbr32);
	return p[0] == 0xff && ((p[1] >> 3) & 7) == 4;
}

/*
 * The vDSO's signal return trampolines, where a handler returns to:
 *   __kernel_sigreturn:     pop %eax; mov $119,%eax; int $0x80
 *   __kernel_rt_sigreturn:  mov $173,%eax; int $0x80
 * Returns 1 (sigreturn), 2 (rt_sigreturn) or 0.
 */
static int sigreturn_kind(struct capture *c, uint64_t ip)
{
	static const uint8_t plain[] = { 0x58, 0xb8, 0x77, 0x00, 0x00, 0x00, 0xcd, 0x80 };
	static const uint8_t rt[] = { 0xb8, 0xad, 0x00, 0x00, 0x00, 0xcd, 0x80 };
	uint8_t code[sizeof(plain)];

	if (capture_read(c, ip, code, sizeof(code)) < 0)
		return 0;
	if (memcmp(code, plain, sizeof(plain)) == 0)
		return 1;
	return memcmp(code, rt, sizeof(rt)) == 0 ? 2 : 0;
}

/*
 * Steps over a signal frame: the interrupted registers are in the
 * sigcontext the kernel saved on the stack. The handler's ret has popped
 * the trampoline's address, so sp points at the signal number:
 *
 *   sigframe:     sig, struct sigcontext
 *   rt_sigframe:  sig, siginfo *, ucontext *, ...; the ucontext holds
 *                 flags, link, a 12-byte stack_t, then the sigcontext
 */
static int signal_frame_step(struct capture *c, const struct i386_frame *f, int kind,
			     struct i386_frame *next)
{
	/* Offsets in struct sigcontext (ia32): gs fs es ds edi esi ebp esp ebx edx ecx eax trapno err eip */
	enum { SC_EBP = 24, SC_ESP = 28, SC_EIP = 56 };
	uint64_t sc = f->sp + 4, uc = 0;

	if (kind == 2) {
		if (read32(c, f->sp + 8, &uc) < 0)
			return -ENOENT;
		sc = uc + 20;
	}
	if (read32(c, sc + SC_EIP, &next->ip) < 0 || read32(c, sc + SC_ESP, &next->sp) < 0 ||
	    read32(c, sc + SC_EBP, &next->bp) < 0)
		return -ENOENT;
	return 0;
}

static bool in_vdso(struct capture *c, uint64_t addr)
{
	struct stack_region r;

	return region_at(c, addr, &r) == 0 && r.vdso;
}

/*
 * Whether ret lies in code just after a call instruction, and how likely
 * that call entered callee (the entry of the function being left; 0 when
 * unknown).
 */
static enum return_kind classify_return(struct capture *c, uint64_t ret, uint64_t callee)
{
	/* call *%gs:0x10: glibc's way into the vDSO's __kernel_vsyscall. */
	static const uint8_t vsyscall_call[] = { 0x65, 0xff, 0x15, 0x10, 0x00, 0x00, 0x00 };
	/* The 7 bytes before ret, and the byte at ret (a SIB may be peeked at). */
	uint8_t b[8];

	if (ret < 7 || !region_is_exec(c, ret) || capture_read(c, ret - 7, b, sizeof(b)) < 0)
		return NOT_RETURN;
	/* A signal handler returns to a trampoline, not after a call. */
	if (in_vdso(c, ret) && sigreturn_kind(c, ret))
		return RETURN_LIKELY;
	if (b[2] == 0xe8) {			/* call rel32 */
		int32_t rel;
		uint64_t target;

		memcpy(&rel, b + 3, sizeof(rel));
		target = (uint32_t)(ret + rel);
		if (region_is_exec(c, target) && !is_pc_thunk(c, target)) {
			if (!callee || target == callee || is_jump_stub(c, target))
				return RETURN_LIKELY;
			return RETURN_UNLIKELY;
		}
	}
	if (memcmp(b, vsyscall_call, sizeof(vsyscall_call)) == 0)
		return callee && !in_vdso(c, callee) ? RETURN_UNLIKELY : RETURN_LIKELY;
	/* call *r/m32 (FF /2): 2 bytes (register) to 7 (SIB + disp32). */
	for (unsigned len = 2; len <= 7; len++) {
		const uint8_t *insn = b + 7 - len;

		if (insn[0] == 0xff && ((insn[1] >> 3) & 7) == 2 &&
		    1 + i386_modrm_len(insn + 1) == len)
			return RETURN_LIKELY;
	}
	return NOT_RETURN;
}

/* The function holding ip: its entry (run-time) and its module. Returns 0 or -ENOENT. */
static int function_at(struct capture *c, uint64_t ip, uint64_t *entry, struct stack_module **mod,
		       uint64_t *vaddr)
{
	struct stack_region r;
	uint64_t start;
	const char *name;

	if (region_at(c, ip, &r) < 0)
		return -ENOENT;
	*mod = region_module(c, &r);
	if (!*mod || elf_image_offset_to_vaddr((*mod)->elf, region_file_offset(&r, ip), vaddr) < 0)
		return -ENOENT;
	if (elf_image_symbol_at((*mod)->elf, *vaddr, &name, &start) < 0)
		return -ENOENT;
	*entry = ip - (*vaddr - start);
	return 0;
}

/* Reads the prologue of the function at entry, which holds ip. */
static enum frame_pointer_use frame_pointer_use(struct capture *c, uint64_t ip, uint64_t entry)
{
	uint8_t code[7];
	const uint8_t *p = code;

	if (capture_read(c, entry, code, sizeof(code)) < 0)
		return FP_UNKNOWN;
	if (memcmp(p, endbr32, sizeof(endbr32)) == 0)
		p += sizeof(endbr32);
	/* push %ebp; mov %esp,%ebp (either encoding of the mov) */
	if (p[0] != 0x55 || !((p[1] == 0x89 && p[2] == 0xe5) || (p[1] == 0x8b && p[2] == 0xec)))
		return FP_NOT_KEPT;
	/* Inside the prologue itself ebp is still the caller's. */
	return ip - entry >= (uint64_t)(p - code) + 3 ? FP_KEPT : FP_UNKNOWN;
}

/*
 * Returns true when ip is in the entry function (_start) of an ELF file:
 * nothing calls it. Not for the vDSO, whose entry is __kernel_vsyscall.
 */
static bool at_program_entry(struct capture *c, uint64_t ip)
{
	struct stack_module *m = NULL;
	uint64_t entry, vaddr = 0, target;

	if (function_at(c, ip, &entry, &m, &vaddr) == 0)
		return !m->from_memory && vaddr - (ip - entry) == elf_image_entry(m->elf);
	if (!m || m->from_memory)
		return false;
	target = elf_image_entry(m->elf);
	return target && vaddr >= target && vaddr - target < ENTRY_FUNCTION_BYTES;
}

static bool frame_pointer_step(struct capture *c, const struct stack_bounds *b,
			       const struct i386_frame *f, struct i386_frame *next)
{
	uint64_t saved = 0, ret = 0;

	if (f->bp < f->sp || (f->bp & 3) || !in_stack(b, f->bp, 8) ||
	    read32(c, f->bp, &saved) < 0 || read32(c, f->bp + 4, &ret) < 0)
		return false;
	/* The chain only goes up; 0 ends it (_start clears ebp). */
	if (saved && (saved <= f->bp || !in_stack(b, saved, 8)))
		return false;
	if (classify_return(c, ret, 0) == NOT_RETURN)
		return false;
	*next = (struct i386_frame){ .ip = ret, .sp = f->bp + 8, .bp = saved };
	return true;
}

/*
 * Finds a return address in the limit bytes above sp, for a frame of callee
 * (0: unknown): the first likely one, else the first at all. *slot gets
 * its address.
 */
static bool scan_step(struct capture *c, const struct stack_bounds *b, const struct i386_frame *f,
		      uint64_t callee, uint64_t limit, struct i386_frame *next, uint64_t *slot)
{
	uint64_t end = f->sp + limit < b->hi ? f->sp + limit : b->hi;
	uint64_t word = 0, found = 0, found_slot = 0;

	for (uint64_t a = (f->sp + 3) & ~(uint64_t)3; a + 4 <= end; a += 4) {
		enum return_kind kind;

		if (read32(c, a, &word) < 0)
			break;
		kind = classify_return(c, word, callee);
		if (kind == RETURN_LIKELY || (kind == RETURN_UNLIKELY && !found_slot)) {
			found = word;
			found_slot = a;
		}
		if (kind == RETURN_LIKELY)
			break;
	}
	if (!found_slot)
		return false;
	*slot = found_slot;
	/* ebp is callee-saved: a function without a frame pointer kept the caller's. */
	*next = (struct i386_frame){ .ip = found, .sp = found_slot + 4, .bp = f->bp };
	return true;
}

/* Moves f to its caller. Returns 0, or -ENOENT when no caller is found. */
static int step(struct capture *c, const struct stack_bounds *b, struct i386_frame *f)
{
	struct i386_frame next = *f, by_fp;
	enum frame_pointer_use use = FP_UNKNOWN;
	struct stack_module *m;
	uint64_t slot = 0, entry = 0, vaddr, limit = SCAN_BYTES;
	bool have_fp;
	int kind;

	/* A signal frame: the interrupted registers, exactly. */
	if (in_vdso(c, f->ip) && (kind = sigreturn_kind(c, f->ip)) != 0) {
		if (signal_frame_step(c, f, kind, &next) < 0)
			return -ENOENT;
		goto found;
	}
	if (epilogue_i386_run(c, &next) == 0 && next.sp > f->sp && in_stack(b, next.sp - 4, 4) &&
	    classify_return(c, next.ip, 0) != NOT_RETURN)
		goto found;
	if (function_at(c, f->ip, &entry, &m, &vaddr) == 0)
		use = frame_pointer_use(c, f->ip, entry);
	else
		entry = 0;
	switch (use) {
	case FP_KEPT:
		if (frame_pointer_step(c, b, f, &next))
			break;
		if (!scan_step(c, b, f, entry, SCAN_BYTES, &next, &slot))
			return -ENOENT;
		/* ebp was lost on the way (a callee used it): it was pushed just below the return address. */
		if (read32(c, slot - 4, &next.bp) < 0)
			next.bp = 0;
		break;
	case FP_NOT_KEPT:
		if (!scan_step(c, b, f, entry, SCAN_BYTES, &next, &slot))
			return -ENOENT;
		break;
	default:
		/* A return address below bp's frame means bp belongs to an outer function. */
		have_fp = frame_pointer_step(c, b, f, &by_fp);
		if (have_fp && f->bp + 4 - f->sp < limit)
			limit = f->bp + 4 - f->sp;
		if (!scan_step(c, b, f, entry, limit, &next, &slot)) {
			if (!have_fp)
				return -ENOENT;
			next = by_fp;
		}
	}
found:
	if (next.sp <= f->sp)
		return -ENOENT;
	*f = next;
	return 0;
}

static void find_bounds(struct capture *c, uint64_t sp, struct stack_bounds *b)
{
	struct stack_region r;

	b->lo = sp;
	b->hi = sp + UNKNOWN_STACK_BYTES;
	/* Without a model, the stack may have grown since the snapshot. */
	if (region_at(c, sp, &r) == 0 || (region_snapshot(c, true) == 0 && region_at(c, sp, &r) == 0)) {
		b->lo = r.start;
		b->hi = r.end;
	} else if (c->as) {
		/* The stack grew below the mapping the model knows: its top still bounds it. */
		const struct mapping *m = as_find(c->as, sp);

		if (m)
			b->hi = m->end;
	}
	if (b->hi > UINT32_MAX + (uint64_t)1)
		b->hi = UINT32_MAX + (uint64_t)1;
}

int walk_i386(struct capture *c, uint64_t *ips, int max)
{
	struct i386_frame f = {
		.ip = (uint32_t)c->regs->rip,
		.sp = (uint32_t)c->regs->rsp,
		.bp = (uint32_t)c->regs->rbp,
	};
	struct stack_bounds b;
	int n = 1;

	ips[0] = f.ip;
	find_bounds(c, f.sp, &b);
	while (n < max && !at_program_entry(c, f.ip) && step(c, &b, &f) == 0)
		ips[n++] = f.ip;
	return n;
}
