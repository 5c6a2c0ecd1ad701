/*
 * Per-arch syscall numbering: seccomp/gen-filter derived it at build time
 * from the names in trapped_syscalls[] through libseccomp's tables
 * (compiled_syscalls[]), so numbers are written down nowhere.
 */
#include <errno.h>
#include <linux/audit.h>
#include <string.h>

#include "arch.h"
#include "compiled.h"

const struct arch_info arch_infos[ARCH_COUNT] = {
	[ARCH_X86_64] = { "x86_64", AUDIT_ARCH_X86_64, TRAP_X86_64, UINT64_MAX,
			  0x7ffffffff000ull },
	[ARCH_I386] = { "i386", AUDIT_ARCH_I386, TRAP_I386, UINT32_MAX, 0x100000000ull },
};

/* Larger than any x86_64 or i386 syscall number in use today. */
#define SYSCALL_TABLE_SIZE 1024

/*
 * Written once by arch_tables_init(), read-only afterwards: the row's
 * index + 1, or 0. Bytes, not pointers: 2 KiB to clear at each start,
 * not 16 (four page faults, dear on a virtual machine).
 */
static uint8_t rows_by_nr[ARCH_COUNT][SYSCALL_TABLE_SIZE];

/* Returns 0 or -ENOENT. */
int arch_from_audit(uint32_t audit_arch, enum arch *out)
{
	for (int a = 0; a < ARCH_COUNT; a++) {
		if (arch_infos[a].audit_arch == audit_arch) {
			*out = a;
			return 0;
		}
	}
	return -ENOENT;
}

/* Returns 0, or -ENOENT when a number is out of the tables' range. */
int arch_tables_init(void)
{
	/* replay builds them again */
	memset(rows_by_nr, 0, sizeof(rows_by_nr));
	for (unsigned i = 0; i < compiled_syscalls_count; i++) {
		const struct compiled_syscall *c = &compiled_syscalls[i];

		if (c->nr >= SYSCALL_TABLE_SIZE || c->row >= trapped_syscalls_count ||
		    c->row >= UINT8_MAX)
			return -ENOENT;
		for (int a = 0; a < ARCH_COUNT; a++)
			if (arch_infos[a].trap_bit == c->trap_bit)
				rows_by_nr[a][c->nr] = (uint8_t)(c->row + 1);
	}
	return 0;
}

long arch_syscall_number(enum arch a, const char *name)
{
	for (unsigned i = 0; i < compiled_syscalls_count; i++) {
		const struct compiled_syscall *c = &compiled_syscalls[i];

		if (a < ARCH_COUNT && arch_infos[a].trap_bit == c->trap_bit &&
		    c->row < trapped_syscalls_count && strcmp(trapped_syscalls[c->row].name, name) == 0)
			return c->nr;
	}
	return -1;
}

const struct trapped_syscall *arch_lookup(enum arch a, uint64_t nr)
{
	if (a >= ARCH_COUNT || nr >= SYSCALL_TABLE_SIZE || !rows_by_nr[a][nr])
		return NULL;
	return &trapped_syscalls[rows_by_nr[a][nr] - 1];
}

int arch_of_stop(const struct user_regs_struct *r, enum arch *out)
{
	enum { USER32_CS = 0x23, USER_CS = 0x33 };

	if (r->cs == USER32_CS) {
		*out = ARCH_I386;
		return 0;
	}
	/*
	 * The filter lets through every number x86_64 does not trap, so a stop
	 * on one it does is an x86_64 call, unless i386 traps it too: then it
	 * may be int $0x80, whose registers look the same.
	 */
	if (r->cs == USER_CS && arch_lookup(ARCH_X86_64, r->orig_rax) &&
	    !arch_lookup(ARCH_I386, r->orig_rax)) {
		*out = ARCH_X86_64;
		return 0;
	}
	return -ENOENT;
}

unsigned long long *arg_reg(struct user_regs_struct *r, enum arch arch, int i)
{
	unsigned long long *x86_64[6] = { &r->rdi, &r->rsi, &r->rdx, &r->r10, &r->r8, &r->r9 };
	unsigned long long *i386[6] = { &r->rbx, &r->rcx, &r->rdx, &r->rsi, &r->rdi, &r->rbp };

	return arch == ARCH_I386 ? i386[i] : x86_64[i];
}

int64_t arch_syscall_result(enum arch arch, uint64_t acc)
{
	if (arch == ARCH_X86_64)
		return (int64_t)acc;
	return (uint32_t)acc >= (uint32_t)-4095 ? (int64_t)(int32_t)acc : (int64_t)(uint32_t)acc;
}
