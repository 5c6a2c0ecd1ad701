/*
 * The compiled seccomp filter, run here by a small classic-BPF interpreter
 * (the opcodes gen-filter's output uses):
 *
 *   - every call memtrace does not trap is allowed by reading nothing but
 *     the call's number and arch: the kernel then caches the verdict and
 *     runs no filter for it (Linux 5.11, seccomp_cache_prepare). A filter
 *     that reads the ip first loses that cache: getppid ran 17% slower;
 *   - every trapped call traces with its row of trapped_syscalls[];
 *   - the stub bootstrap's mmap, mmap2 and madvise pass untraced from the
 *     two ips of filter.h, and only from those.
 */
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <string.h>

#include "arch.h"
#include "compiled.h"
#include "filter.h"
#include "harness.h"
#include "trapped.h"

#define NOT_CONSTANT 0xffffffffu	/* no verdict without the ip or an argument */

/*
 * Runs the filter on d. constant: as the kernel's cache check does, loads
 * of anything but nr and arch give NOT_CONSTANT. Returns the verdict.
 */
static uint32_t run_filter(const struct seccomp_data *d, int constant)
{
	uint32_t a = 0;

	for (unsigned pc = 0; pc < compiled_filter_len; pc++) {
		const struct sock_filter *f = &compiled_filter[pc];

		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (constant && f->k != offsetof(struct seccomp_data, nr) &&
			    f->k != offsetof(struct seccomp_data, arch))
				return NOT_CONSTANT;
			if (f->k + 4 > sizeof(*d))
				return NOT_CONSTANT;
			memcpy(&a, (const char *)d + f->k, 4);
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			a &= f->k;
			break;
		case BPF_JMP | BPF_JA:
			pc += f->k;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			pc += a == f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JGT | BPF_K:
			pc += a > f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
			pc += a >= f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JSET | BPF_K:
			pc += (a & f->k) ? f->jt : f->jf;
			break;
		case BPF_RET | BPF_K:
			return f->k;
		default:
			return NOT_CONSTANT;	/* an opcode this test does not know */
		}
	}
	return NOT_CONSTANT;
}

static const uint32_t audit[ARCH_COUNT] = { [ARCH_X86_64] = AUDIT_ARCH_X86_64,
					     [ARCH_I386] = AUDIT_ARCH_I386 };

static uint32_t verdict_a0(enum arch a, uint32_t nr, uint64_t ip, int constant, uint64_t a0)
{
	struct seccomp_data d;

	memset(&d, 0, sizeof(d));
	d.nr = (int)nr;
	d.arch = audit[a];
	d.instruction_pointer = ip;
	d.args[0] = a0;
	return run_filter(&d, constant);
}

/* With a first argument the call is traced for, where it has such a list. */
static uint32_t verdict(enum arch a, uint32_t nr, uint64_t ip, int constant)
{
	const struct trapped_syscall *row = arch_lookup(a, nr);
	const struct trapped_arg0 *only = row ? trapped_arg0_of(row) : NULL;

	return verdict_a0(a, nr, ip, constant, only ? only->values[0] : 0);
}

static void test_untrapped_calls_are_constant(struct harness *h)
{
	for (int a = 0; a < ARCH_COUNT; a++)
		for (uint32_t nr = 0; nr < 512; nr++)
			if (!arch_lookup(a, nr) &&
			    !ASSERT_EQ(h, verdict(a, nr, 0x7f0000001000ull, 1), SECCOMP_RET_ALLOW))
				return;
}

static void test_trapped_calls_trace_their_row(struct harness *h)
{
	for (int a = 0; a < ARCH_COUNT; a++)
		for (uint32_t nr = 0; nr < 512; nr++) {
			const struct trapped_syscall *row = arch_lookup(a, nr);
			uint32_t v = verdict(a, nr, 0x7f0000001000ull, 0);

			if (!row)
				continue;
			/*
			 * i386 ipc(SHMAT) traces with shmat's row: libseccomp
			 * sees shmat through the multiplexer. memtrace finds
			 * the row by number (arch_lookup), not by this data.
			 */
			if (row->args[0] == ARG_IPC_CALL)
				v &= SECCOMP_RET_ACTION_FULL;
			if (!ASSERT_EQ(h, v, row->args[0] == ARG_IPC_CALL ? SECCOMP_RET_TRACE :
					     SECCOMP_RET_TRACE | (uint32_t)(row - trapped_syscalls)))
				return;
		}
}

/*
 * ipc and arch_prctl trace for their listed first arguments only, under
 * the mask (ipc's version in the high bits does not count), and allow
 * the others: arch_prctl(ARCH_SET_FS) and the like run untraced.
 */
static void test_first_argument_lists(struct harness *h)
{
	for (int a = 0; a < ARCH_COUNT; a++)
		for (uint32_t nr = 0; nr < 512; nr++) {
			const struct trapped_syscall *row = arch_lookup(a, nr);
			const struct trapped_arg0 *only = row ? trapped_arg0_of(row) : NULL;

			if (!only)
				continue;
			for (unsigned i = 0; i < only->count; i++) {
				uint64_t v = only->values[i];

				ASSERT_EQ(h, verdict_a0(a, nr, 0x1000, 0, v) & SECCOMP_RET_ACTION_FULL,
					  SECCOMP_RET_TRACE);
				if (only->mask != 0xffffffffu)
					ASSERT_EQ(h, verdict_a0(a, nr, 0x1000, 0, v | (only->mask + 1ull)) &
						  SECCOMP_RET_ACTION_FULL, SECCOMP_RET_TRACE);
			}
			ASSERT_EQ(h, verdict_a0(a, nr, 0x1000, 0, 0), SECCOMP_RET_ALLOW);
			ASSERT_EQ(h, verdict_a0(a, nr, 0x1000, 0, only->values[0] + 0x100),
				  SECCOMP_RET_ALLOW);
		}
	/*
	 * x86_64 arch_prctl (158): ARCH_SET_FS (0x1002) allowed, ARCH_MAP_VDSO_64
	 * traced, also with junk in the high half (the option is an int)
	 */
	ASSERT_EQ(h, verdict_a0(ARCH_X86_64, 158, 0x1000, 0, 0x1002), SECCOMP_RET_ALLOW);
	ASSERT_EQ(h, verdict_a0(ARCH_X86_64, 158, 0x1000, 0, 0x2003) & SECCOMP_RET_ACTION_FULL,
		  SECCOMP_RET_TRACE);
	ASSERT_EQ(h, verdict_a0(ARCH_X86_64, 158, 0x1000, 0, 0x100002003ull) &
		  SECCOMP_RET_ACTION_FULL, SECCOMP_RET_TRACE);
	/* i386's (384) has no vDSO option: not trapped at all, a constant verdict */
	ASSERT_EQ(h, verdict_a0(ARCH_I386, 384, 0x1000, 1, 0x2002), SECCOMP_RET_ALLOW);
}

/* The verdict that traces call name of arch a. */
static uint32_t trace_of(enum arch a, const char *name)
{
	long nr = arch_syscall_number(a, name);

	return SECCOMP_RET_TRACE | (uint32_t)(arch_lookup(a, (uint64_t)nr) - trapped_syscalls);
}

static void test_bootstrap_calls_pass_from_their_ips(struct harness *h)
{
	const struct { enum arch a; const char *name; } calls[] = {
		{ ARCH_X86_64, "mmap" }, { ARCH_X86_64, "madvise" },
		{ ARCH_I386, "mmap2" }, { ARCH_I386, "madvise" },
	};
	const uint64_t ips[] = { SECCOMP_UNTRACED_IP_MAP, SECCOMP_UNTRACED_IP_ADVISE };
	uint32_t munmap = (uint32_t)arch_syscall_number(ARCH_X86_64, "munmap");

	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		uint32_t nr = (uint32_t)arch_syscall_number(calls[i].a, calls[i].name);
		uint32_t trace = trace_of(calls[i].a, calls[i].name);

		for (size_t j = 0; j < 2; j++) {
			ASSERT_EQ(h, verdict(calls[i].a, nr, ips[j], 0), SECCOMP_RET_ALLOW);
			/* the same low half above 4 GiB, and the ip next to it: traced */
			ASSERT_EQ(h, verdict(calls[i].a, nr, ips[j] | 1ull << 32, 0), trace);
			ASSERT_EQ(h, verdict(calls[i].a, nr, ips[j] + 2, 0), trace);
		}
	}
	/* another trapped call from there is traced */
	ASSERT_EQ(h, verdict(ARCH_X86_64, munmap, SECCOMP_UNTRACED_IP_MAP, 0),
		  trace_of(ARCH_X86_64, "munmap"));
}

int main(void)
{
	struct harness h;

	harness_init(&h);
	if (arch_tables_init() < 0)
		return 1;
	RUN_TEST(&h, test_untrapped_calls_are_constant);
	RUN_TEST(&h, test_trapped_calls_trace_their_row);
	RUN_TEST(&h, test_bootstrap_calls_pass_from_their_ips);
	RUN_TEST(&h, test_first_argument_lists);
	return harness_summary(&h);
}
