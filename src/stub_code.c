/*
 * The stub page's machine code: each slot's, and the bootstrap that maps
 * the data page from inside the child.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "filter.h"
#include "stub.h"
#include "stub_code.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

struct code_buffer {
	uint8_t *p;
	uint64_t at;	/* the child's address of p */
};

static void put_bytes(struct code_buffer *b, const uint8_t *bytes, size_t n)
{
	memcpy(b->p, bytes, n);
	b->p += n;
	b->at += n;
}

static void put_u32(struct code_buffer *b, uint32_t v)
{
	put_bytes(b, (const uint8_t *)&v, 4);
}

/*
 * An instruction whose memory operand is data (x86_64: rip-relative,
 * i386: absolute), with an optional 32-bit immediate after it.
 */
static void put_mem_insn(struct code_buffer *b, enum arch arch, const uint8_t *op, size_t oplen,
			 uint64_t data, int has_imm, uint32_t imm)
{
	put_bytes(b, op, oplen);
	/* rip-relative displacements count from the end of the instruction */
	if (arch == ARCH_X86_64)
		put_u32(b, (uint32_t)(data - (b->at + 4 + (has_imm ? 4 : 0))));
	else
		put_u32(b, (uint32_t)data);
	if (has_imm)
		put_u32(b, imm);
}

/* The ABI's syscall instruction: syscall, or int $0x80. */
static void put_syscall(struct code_buffer *b, enum arch arch)
{
	if (arch == ARCH_X86_64)
		put_bytes(b, (const uint8_t[]){ 0x0f, 0x05 }, 2);
	else
		put_bytes(b, (const uint8_t[]){ 0xcd, 0x80 }, 2);
}

/*
 * Uses no register the call's ABI promises to keep (x86_64: rcx, which the
 * syscall instruction clobbers; i386: none, the return ip goes on the stack
 * below esp, which the ABI leaves free), and no flags.
 */
void stub_code_slot(uint8_t *p, enum arch arch, uint64_t code, uint64_t data,
		    struct stub_slot_layout *layout)
{
	/* mov reg, [data + STUB_DATA_ARGS + 8 * i], in the ABI's argument order */
	static const uint8_t load64[6][3] = {
		{ 0x48, 0x8b, 0x3d }, { 0x48, 0x8b, 0x35 }, { 0x48, 0x8b, 0x15 },
		{ 0x4c, 0x8b, 0x15 }, { 0x4c, 0x8b, 0x05 }, { 0x4c, 0x8b, 0x0d },
	};
	static const uint8_t load32[6][2] = {
		{ 0x8b, 0x1d }, { 0x8b, 0x0d }, { 0x8b, 0x15 },
		{ 0x8b, 0x35 }, { 0x8b, 0x3d }, { 0x8b, 0x2d },
	};
	static const uint8_t set_state[] = { 0xc7, 0x05 };	/* mov dword [m], imm32 */
	struct code_buffer b = { p, code };
	int x64 = arch == ARCH_X86_64;

	layout->pushed_at = STUB_SLOT_SIZE;

	put_syscall(&b, arch);
	if (x64) {
		put_mem_insn(&b, arch, (const uint8_t[]){ 0x48, 0x89, 0x05 }, 3,	/* mov [m], rax */
			     data + STUB_DATA_RESULT, 0, 0);
	} else {
		put_bytes(&b, (const uint8_t[]){ 0xa3 }, 1);				/* mov [m], eax */
		put_u32(&b, (uint32_t)(data + STUB_DATA_RESULT));
	}
	put_mem_insn(&b, arch, set_state, 2, data + STUB_DATA_STATE, 1, STUB_RETURNED);
	for (int i = 0; i < 6; i++)
		put_mem_insn(&b, arch, x64 ? load64[i] : load32[i], x64 ? 3 : 2,
			     data + STUB_DATA_ARGS + 8 * i, 0, 0);
	if (x64) {
		put_mem_insn(&b, arch, (const uint8_t[]){ 0x48, 0x8b, 0x0d }, 3,	/* mov rcx, [m] */
			     data + STUB_DATA_RETURN, 0, 0);
		put_mem_insn(&b, arch, set_state, 2, data + STUB_DATA_STATE, 1, STUB_LEFT);
		layout->jump_at = (unsigned)(b.at - code);
		put_bytes(&b, (const uint8_t[]){ 0xff, 0xe1 }, 2);			/* jmp rcx */
	} else {
		put_mem_insn(&b, arch, (const uint8_t[]){ 0xff, 0x35 }, 2,		/* push dword [m] */
			     data + STUB_DATA_RETURN, 0, 0);
		layout->pushed_at = (unsigned)(b.at - code);	/* the return ip is on the stack */
		put_mem_insn(&b, arch, set_state, 2, data + STUB_DATA_STATE, 1, STUB_LEFT);
		layout->jump_at = (unsigned)(b.at - code);
		put_bytes(&b, (const uint8_t[]){ 0xc3 }, 1);				/* ret */
	}
}

/*
 * The ABI's syscall instruction, ending at end (NOPs before it). Returns 0,
 * or -E2BIG when the code before it already reaches past that.
 */
static int put_syscall_ending_at(struct code_buffer *b, enum arch arch, uint64_t end)
{
	if (b->at + 2 > end)
		return -E2BIG;
	while (b->at + 2 < end)
		put_bytes(b, (const uint8_t[]){ 0x90 }, 1);
	put_syscall(b, arch);
	return 0;
}

/* The registers of each ABI, by the encoding of "mov reg32, imm32" (opcode, REX.B). */
enum reg_code { EAX = 0, ECX = 1, EDX = 2, EBX = 3, EBP = 5, ESI = 6, EDI = 7, R9D = 9, R10D = 10 };

/* mov reg32, imm32 (on x86_64 it clears the upper half too) */
static void put_mov_imm(struct code_buffer *b, enum reg_code reg, uint32_t imm)
{
	if (reg >= 8)
		put_bytes(b, (const uint8_t[]){ 0x41 }, 1);
	put_bytes(b, (const uint8_t[]){ (uint8_t)(0xb8 + (reg & 7)) }, 1);
	put_u32(b, imm);
}

/*
 * The untraced ips lie in the slots the bootstrap borrows (its nonce after
 * them), and once the slots' code replaces it, none ends a slot's syscall
 * instruction: a restarted call in a slot must trap.
 */
_Static_assert(SECCOMP_UNTRACED_IP_MAP > STUB_ADDRESS + 32 &&
	       SECCOMP_UNTRACED_IP_ADVISE + 2 + 16 <= STUB_ADDRESS + 2 * STUB_SLOT_SIZE,
	       "the bootstrap's untraced calls lie outside the slots it borrows");
_Static_assert((SECCOMP_UNTRACED_IP_MAP - STUB_ADDRESS) % STUB_SLOT_SIZE != 2 &&
	       (SECCOMP_UNTRACED_IP_ADVISE - STUB_ADDRESS) % STUB_SLOT_SIZE != 2,
	       "an untraced ip ends a slot's syscall instruction");

/*
 * x86_64: the descriptor comes in r8 (mmap's fifth argument, which the
 * code mmap left there too); the results go to rbx, rbp and rax.
 * i386: the descriptor comes in edi; the results go to ebp, esi and eax.
 * mmap and madvise end where the filter lets them through untraced.
 */
int stub_code_bootstrap(uint8_t *p, enum arch arch, uint64_t code, uint64_t data,
			struct stub_bootstrap *out)
{
	struct code_buffer b = { p, code };
	uint32_t map_flags = MAP_SHARED | MAP_FIXED_NOREPLACE;
	int err;

	out->size = 0;
	if (code != STUB_ADDRESS)
		return -E2BIG;
	if (arch == ARCH_X86_64) {
		put_mov_imm(&b, EAX, 9);				/* mmap */
		put_mov_imm(&b, EDI, (uint32_t)data);
		put_mov_imm(&b, ESI, STUB_PAGE);
		put_mov_imm(&b, EDX, PROT_READ | PROT_WRITE);
		put_mov_imm(&b, R10D, map_flags);
		put_mov_imm(&b, R9D, STUB_PAGE);			/* offset in bytes */
		err = put_syscall_ending_at(&b, arch, SECCOMP_UNTRACED_IP_MAP);
		put_bytes(&b, (const uint8_t[]){ 0x48, 0x89, 0xc3 }, 3);	/* mov rbx, rax */
		put_mov_imm(&b, EAX, 3);				/* close */
		put_bytes(&b, (const uint8_t[]){ 0x4c, 0x89, 0xc7 }, 3);	/* mov rdi, r8 */
		put_syscall(&b, arch);
		put_bytes(&b, (const uint8_t[]){ 0x48, 0x89, 0xc5 }, 3);	/* mov rbp, rax */
		put_mov_imm(&b, EAX, 28);				/* madvise */
		put_mov_imm(&b, EDI, (uint32_t)code);
		put_mov_imm(&b, ESI, 2 * STUB_PAGE);
		put_mov_imm(&b, EDX, MADV_DONTFORK);
	} else {
		put_mov_imm(&b, EAX, 192);				/* mmap2 */
		put_mov_imm(&b, EBX, (uint32_t)data);
		put_mov_imm(&b, ECX, STUB_PAGE);
		put_mov_imm(&b, EDX, PROT_READ | PROT_WRITE);
		put_mov_imm(&b, ESI, map_flags);
		put_mov_imm(&b, EBP, 1);				/* offset in pages */
		err = put_syscall_ending_at(&b, arch, SECCOMP_UNTRACED_IP_MAP);
		put_bytes(&b, (const uint8_t[]){ 0x89, 0xc5 }, 2);	/* mov ebp, eax */
		put_mov_imm(&b, EAX, 6);				/* close */
		put_bytes(&b, (const uint8_t[]){ 0x89, 0xfb }, 2);	/* mov ebx, edi */
		put_syscall(&b, arch);
		put_bytes(&b, (const uint8_t[]){ 0x89, 0xc6 }, 2);	/* mov esi, eax */
		put_mov_imm(&b, EAX, 219);				/* madvise */
		put_mov_imm(&b, EBX, (uint32_t)code);
		put_mov_imm(&b, ECX, 2 * STUB_PAGE);
		put_mov_imm(&b, EDX, MADV_DONTFORK);
	}
	if (err == 0)
		err = put_syscall_ending_at(&b, arch, SECCOMP_UNTRACED_IP_ADVISE);
	out->end = b.at;
	put_bytes(&b, (const uint8_t[]){ 0x0f, 0x0b }, 2);		/* ud2 */
	out->size = (size_t)(b.at - code);
	return err;
}

void stub_bootstrap_enter(struct user_regs_struct *regs, enum arch arch, uint64_t code,
			  int64_t fd)
{
	regs->rip = code;
	if (arch == ARCH_X86_64)
		regs->r8 = (unsigned long long)fd;
	else
		regs->rdi = (unsigned long long)fd;
}

void stub_bootstrap_results(const struct user_regs_struct *regs, enum arch arch,
			    struct stub_bootstrap_results *out)
{
	int x64 = arch == ARCH_X86_64;

	out->map_data = arch_syscall_result(arch, x64 ? regs->rbx : regs->rbp);
	out->close_fd = arch_syscall_result(arch, x64 ? regs->rbp : regs->rsi);
	out->dontfork = arch_syscall_result(arch, regs->rax);
}
