/*
 * Epilogue emulation for i386 frames: when the code at a frame's ip only
 * tears the frame down and returns, running it forward gives the caller's
 * ip, esp and ebp exactly, without unwind tables or a frame pointer.
 *
 * At a syscall stop this covers the innermost frames: the vDSO's
 * __kernel_vsyscall, which the kernel resumes at
 *
 *     int80_landing_pad:  pop %ebp; pop %edx; pop %ecx; ret
 *
 * glibc's syscall wrappers, which after the call only check the result and
 * the stack protector, then pop what they saved and return:
 *
 *     cmp $0xfffff000,%eax; ja <error>; mov 0xc(%esp),%edx;
 *     sub %gs:0x14,%edx; jne <fail>; add $0x10,%esp; pop %ebx; ...; ret
 *
 * and main, which realigns the stack and finds its return address again
 * through a saved %ecx:
 *
 *     lea -0x8(%ebp),%esp; pop %ecx; pop %ebx; pop %ebp; lea -0x4(%ecx),%esp; ret
 *
 * So every general register is tracked, known or not: pops, moves, lea and
 * simple arithmetic keep it known; anything else forgets it. Conditional
 * jumps are taken as not taken (the call succeeded; compiled code reaches
 * ret with the same stack depth on every path), unconditional ones are
 * followed. An instruction not understood here, a push or a call, or esp
 * becoming unknown ends the emulation without a result.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "stack/stack_internal.h"

#define EPILOGUE_MAX_INSNS 48
/* Longest instruction decoded here: 4 prefixes, 2 opcode bytes, ModRM, SIB, disp32, imm32. */
#define INSN_WINDOW 16

enum { EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI };

unsigned i386_modrm_len(const uint8_t *p)
{
	unsigned mod = p[0] >> 6, rm = p[0] & 7, len = 1;

	if (mod == 3)
		return 1;
	if (rm == 4) {
		len++;			/* SIB */
		if (mod == 0 && (p[1] & 7) == 5)
			len += 4;	/* no base: disp32 */
	} else if (mod == 0 && rm == 5) {
		len += 4;		/* disp32 alone */
	}
	if (mod == 1)
		len += 1;
	else if (mod == 2)
		len += 4;
	return len;
}

struct emulation {
	struct capture *c;
	uint32_t reg[8];
	uint8_t known;		/* bit r: reg[r] holds register r's value */
	bool segment;		/* a segment prefix: memory operands are not plain addresses */
};

/* A ModRM operand: a register, or memory at an address that may be known. */
struct operand {
	bool is_reg;
	unsigned reg;		/* when is_reg */
	bool addr_known;
	uint32_t addr;
	unsigned len;		/* bytes of ModRM, SIB and displacement */
};

static int32_t imm32(const uint8_t *p)
{
	int32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static bool is_known(const struct emulation *e, unsigned r)
{
	return e->known & (1u << r);
}

static void set_reg(struct emulation *e, unsigned r, uint32_t v)
{
	e->reg[r] = v;
	e->known |= 1u << r;
}

/* Returns false when r is esp: without it there is no way back to a ret. */
static bool forget_reg(struct emulation *e, unsigned r)
{
	e->known &= ~(1u << r);
	return r != ESP;
}

static bool read_mem(struct emulation *e, uint32_t addr, uint32_t *v)
{
	return capture_read(e->c, addr, v, sizeof(*v)) == 0;
}

static void decode_operand(const struct emulation *e, const uint8_t *p, struct operand *o)
{
	unsigned mod = p[0] >> 6, rm = p[0] & 7;
	const uint8_t *disp = p + 1;
	bool ok = !e->segment;
	uint32_t addr = 0;

	memset(o, 0, sizeof(*o));
	o->len = i386_modrm_len(p);
	if (mod == 3) {
		o->is_reg = true;
		o->reg = rm;
		return;
	}
	if (rm == 4) {
		unsigned base = p[1] & 7, index = (p[1] >> 3) & 7, scale = p[1] >> 6;

		disp = p + 2;
		if (index != ESP) {	/* index 4 means none */
			ok = ok && is_known(e, index);
			addr += e->reg[index] << scale;
		}
		if (base == EBP && mod == 0) {
			addr += imm32(disp);
		} else {
			ok = ok && is_known(e, base);
			addr += e->reg[base];
		}
	} else if (rm == EBP && mod == 0) {
		addr = imm32(disp);
	} else {
		ok = ok && is_known(e, rm);
		addr = e->reg[rm];
	}
	if (mod == 1)
		addr += (int8_t)disp[0];
	else if (mod == 2)
		addr += imm32(disp);
	o->addr_known = ok;
	o->addr = addr;
}

/* The value of a 32-bit operand, when it can be known. */
static bool operand_value(struct emulation *e, const struct operand *o, uint32_t *v)
{
	if (o->is_reg) {
		*v = e->reg[o->reg];
		return is_known(e, o->reg);
	}
	return o->addr_known && read_mem(e, o->addr, v);
}

/* add, or, and, sub, xor (group-1 numbering); false for adc, sbb and cmp. */
static bool arith(unsigned kind, uint32_t a, uint32_t b, uint32_t *out)
{
	switch (kind) {
	case 0: *out = a + b; return true;
	case 1: *out = a | b; return true;
	case 4: *out = a & b; return true;
	case 5: *out = a - b; return true;
	case 6: *out = a ^ b; return true;
	}
	return false;
}

/* Writes kind(dst, src) to a 32-bit register; src_known says whether src is. */
static bool arith_to_reg(struct emulation *e, unsigned kind, unsigned dst, uint32_t src,
			 bool src_known)
{
	uint32_t v;

	if (kind == 7)			/* cmp writes nothing */
		return true;
	if (src_known && is_known(e, dst) && arith(kind, e->reg[dst], src, &v)) {
		set_reg(e, dst, v);
		return true;
	}
	return forget_reg(e, dst);
}

/* Opcodes 00-3b: "op r/m, reg" and "op reg, r/m". Returns the length after the opcode, or 0. */
static unsigned alu_modrm(struct emulation *e, uint8_t op, const uint8_t *p)
{
	unsigned kind = op >> 3, reg = (p[0] >> 3) & 7;
	bool wide = op & 1, to_reg = op & 2;
	struct operand o;
	uint32_t src;
	bool src_known;

	decode_operand(e, p, &o);
	if (kind == 7)
		return o.len;
	if (!wide) {
		/* The 8-bit registers al..bh live in eax..ebx. */
		if (to_reg)
			forget_reg(e, reg & 3);
		else if (o.is_reg)
			forget_reg(e, o.reg & 3);
		return o.len;
	}
	if (to_reg) {
		src_known = operand_value(e, &o, &src);
		/* xor %r,%r and sub %r,%r clear r whatever it held. */
		if ((kind == 5 || kind == 6) && o.is_reg && o.reg == reg) {
			set_reg(e, reg, 0);
			return o.len;
		}
		return arith_to_reg(e, kind, reg, src, src_known) ? o.len : 0;
	}
	if (!o.is_reg)			/* memory written: nothing tracked changes */
		return o.len;
	if ((kind == 5 || kind == 6) && o.reg == reg) {
		set_reg(e, reg, 0);
		return o.len;
	}
	return arith_to_reg(e, kind, o.reg, e->reg[reg], is_known(e, reg)) ? o.len : 0;
}

/* mov between a register and r/m (88-8b), lea (8d). Returns the length after the opcode, or 0. */
static unsigned move(struct emulation *e, uint8_t op, const uint8_t *p)
{
	unsigned reg = (p[0] >> 3) & 7;
	struct operand o;
	uint32_t v;

	decode_operand(e, p, &o);
	switch (op) {
	case 0x88:
		return !o.is_reg || forget_reg(e, o.reg & 3) ? o.len : 0;
	case 0x8a:
		return forget_reg(e, reg & 3) ? o.len : 0;
	case 0x89:
		if (!o.is_reg)
			return o.len;
		if (is_known(e, reg)) {
			set_reg(e, o.reg, e->reg[reg]);
			return o.len;
		}
		return forget_reg(e, o.reg) ? o.len : 0;
	case 0x8b:
		if (operand_value(e, &o, &v)) {
			set_reg(e, reg, v);
			return o.len;
		}
		return forget_reg(e, reg) ? o.len : 0;
	case 0x8d:
		if (!o.is_reg && o.addr_known && !e->segment) {
			set_reg(e, reg, o.addr);
			return o.len;
		}
		return forget_reg(e, reg) ? o.len : 0;
	}
	return 0;
}

/* Group 1 with an immediate: 80 (r/m8, imm8), 81 (imm32), 83 (imm8 sign-extended). */
static unsigned group1(struct emulation *e, uint8_t op, const uint8_t *p)
{
	unsigned kind = (p[0] >> 3) & 7;
	struct operand o;
	int32_t imm;

	decode_operand(e, p, &o);
	imm = op == 0x81 ? imm32(p + o.len) : (int8_t)p[o.len];
	if (!o.is_reg)
		return o.len + (op == 0x81 ? 4 : 1);
	if (op == 0x80)
		return forget_reg(e, o.reg & 3) ? o.len + 1 : 0;
	if (!arith_to_reg(e, kind, o.reg, (uint32_t)imm, true))
		return 0;
	return o.len + (op == 0x81 ? 4 : 1);
}

/* Two-byte opcodes (0f xx). Returns the length after 0f, or 0. */
static unsigned two_byte(struct emulation *e, const uint8_t *p)
{
	uint8_t op = p[0];
	struct operand o;

	if (op >= 0x80 && op <= 0x8f)
		return 5;			/* jcc rel32, not taken */
	decode_operand(e, p + 1, &o);
	if (op == 0x1e || op == 0x1f)		/* endbr32, nopl */
		return 1 + o.len;
	if (op >= 0x90 && op <= 0x9f)		/* setcc r/m8 */
		return !o.is_reg || forget_reg(e, o.reg & 3) ? 1 + o.len : 0;
	if ((op >= 0x40 && op <= 0x4f) || op == 0xaf || op == 0xb6 || op == 0xb7 ||
	    op == 0xbe || op == 0xbf)		/* cmov, imul, movzx, movsx */
		return forget_reg(e, (p[1] >> 3) & 7) ? 1 + o.len : 0;
	if (op == 0xa4 || op == 0xac || op == 0xa5 || op == 0xad)	/* shld, shrd */
		return !o.is_reg || forget_reg(e, o.reg) ? 1 + o.len + (op == 0xa4 || op == 0xac) : 0;
	return 0;
}

/* Shifts and group 3 (test, not, neg, mul, div): c0 c1 d0-d3 f6 f7. */
static unsigned shift_or_group3(struct emulation *e, uint8_t op, const uint8_t *p)
{
	unsigned kind = (p[0] >> 3) & 7;
	bool wide = op & 1;
	struct operand o;
	unsigned imm = 0;

	decode_operand(e, p, &o);
	if (op == 0xc0 || op == 0xc1)
		imm = 1;
	else if (op == 0xf6 || op == 0xf7)
		imm = kind < 2 ? (op == 0xf7 ? 4 : 1) : 0;
	if ((op == 0xf6 || op == 0xf7) && kind >= 4) {
		/* mul, imul, div, idiv write eax (and edx). */
		forget_reg(e, EAX);
		forget_reg(e, EDX);
		return o.len + imm;
	}
	if ((op == 0xf6 || op == 0xf7) && kind < 2)	/* test */
		return o.len + imm;
	if (!o.is_reg)
		return o.len + imm;
	return forget_reg(e, wide ? o.reg : o.reg & 3) ? o.len + imm : 0;
}

static bool is_prefix(uint8_t b)
{
	return b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65 ||
	       b == 0x66 || b == 0xf2 || b == 0xf3;
}

/*
 * Runs one instruction at code (ip). Returns its length, or 0 to stop.
 * *returned is set by ret (*next_ip: the return address), *next_ip by jmp.
 */
static unsigned run_insn(struct emulation *e, const uint8_t *code, uint64_t ip, bool *returned,
			 uint64_t *next_ip)
{
	const uint8_t *p = code;
	bool operand16 = false;
	unsigned n, len;
	uint32_t v;
	uint8_t op;

	e->segment = false;
	while (is_prefix(*p) && p - code < 4) {
		operand16 |= *p == 0x66;
		e->segment |= *p == 0x64 || *p == 0x65;
		p++;
	}
	op = *p++;
	n = p - code;
	*next_ip = 0;
	/* 16-bit operands change immediate sizes and registers: allow only nops. */
	if (operand16 && op != 0x90 && !(op == 0x0f && p[0] == 0x1f))
		return 0;
	if (op >= 0x58 && op <= 0x5f) {				/* pop r32 */
		if (!read_mem(e, e->reg[ESP], &v))
			return 0;
		set_reg(e, ESP, e->reg[ESP] + 4);
		set_reg(e, op & 7, v);
		return n;
	}
	if (op >= 0x40 && op <= 0x4f) {				/* inc, dec r32 */
		if (is_known(e, op & 7))
			set_reg(e, op & 7, e->reg[op & 7] + (op < 0x48 ? 1 : -1));
		return n;
	}
	if (op >= 0xb8 && op <= 0xbf) {				/* mov imm32, r32 */
		set_reg(e, op & 7, imm32(p));
		return n + 4;
	}
	if (op >= 0xb0 && op <= 0xb7)				/* mov imm8, r8 */
		return forget_reg(e, op & 3) ? n + 1 : 0;
	if (op >= 0x70 && op <= 0x7f)				/* jcc rel8, not taken */
		return n + 1;
	if (op <= 0x3f && (op & 7) <= 3)			/* add .. cmp, ModRM forms */
		return (len = alu_modrm(e, op, p)) ? n + len : 0;
	if (op <= 0x3f && (op & 6) == 4) {			/* op imm, %al / %eax */
		len = op & 1 ? 4 : 1;
		if (op >> 3 == 7)				/* cmp */
			return n + len;
		if (!(op & 1))
			return forget_reg(e, EAX) ? n + len : 0;
		return arith_to_reg(e, op >> 3, EAX, imm32(p), true) ? n + len : 0;
	}
	switch (op) {
	case 0x84: case 0x85:					/* test */
		return n + i386_modrm_len(p);
	case 0x88: case 0x89: case 0x8a: case 0x8b: case 0x8d:
		return (len = move(e, op, p)) ? n + len : 0;
	case 0x80: case 0x81: case 0x83:
		return (len = group1(e, op, p)) ? n + len : 0;
	case 0xc6: case 0xc7: {					/* mov imm, r/m */
		struct operand o;

		decode_operand(e, p, &o);
		if (o.is_reg && op == 0xc7)
			set_reg(e, o.reg, imm32(p + o.len));
		else if (o.is_reg && !forget_reg(e, o.reg & 3))
			return 0;
		return n + o.len + (op == 0xc7 ? 4 : 1);
	}
	case 0xc0: case 0xc1: case 0xd0: case 0xd1: case 0xd2: case 0xd3: case 0xf6: case 0xf7:
		return (len = shift_or_group3(e, op, p)) ? n + len : 0;
	case 0xa8:
		return n + 1;					/* test imm8, %al */
	case 0xa9:
		return n + 4;					/* test imm32, %eax */
	case 0x90:
		return n;					/* nop */
	case 0x98:
		return forget_reg(e, EAX) ? n : 0;		/* cwde */
	case 0x99:
		return forget_reg(e, EDX) ? n : 0;		/* cdq */
	case 0x0f:
		return (len = two_byte(e, p)) ? n + len : 0;
	case 0xc9:						/* leave */
		if (!is_known(e, EBP) || !read_mem(e, e->reg[EBP], &v))
			return 0;
		set_reg(e, ESP, e->reg[EBP] + 4);
		set_reg(e, EBP, v);
		return n;
	case 0xc3: case 0xc2:					/* ret, ret imm16 */
		if (!read_mem(e, e->reg[ESP], &v))
			return 0;
		set_reg(e, ESP, e->reg[ESP] + 4 + (op == 0xc2 ? (p[0] | p[1] << 8) : 0));
		*next_ip = v;
		*returned = true;
		return n;
	case 0xeb:						/* jmp rel8 */
		*next_ip = (uint32_t)(ip + n + 1 + (int8_t)p[0]);
		return n + 1;
	case 0xe9:						/* jmp rel32 */
		*next_ip = (uint32_t)(ip + n + 4 + imm32(p));
		return n + 4;
	}
	return 0;
}

int epilogue_i386_run(struct capture *c, struct i386_frame *f)
{
	struct emulation e = { .c = c };
	uint8_t code[INSN_WINDOW];
	uint64_t ip = f->ip, next_ip;
	bool returned = false;

	set_reg(&e, ESP, f->sp);
	set_reg(&e, EBP, f->bp);
	for (int i = 0; i < EPILOGUE_MAX_INSNS; i++) {
		unsigned len;

		if (capture_read(c, ip, code, sizeof(code)) < 0)
			return -ENOENT;
		len = run_insn(&e, code, ip, &returned, &next_ip);
		if (!len || !is_known(&e, ESP))
			return -ENOENT;
		if (returned) {
			/* An ebp lost on the way is reported as 0: no frame pointer. */
			*f = (struct i386_frame){
				.ip = next_ip,
				.sp = e.reg[ESP],
				.bp = is_known(&e, EBP) ? e.reg[EBP] : 0,
			};
			return 0;
		}
		ip = next_ip ? next_ip : (uint32_t)(ip + len);
	}
	return -ENOENT;
}
