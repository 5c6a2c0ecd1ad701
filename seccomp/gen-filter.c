/*
 * gen-filter: run at build time, writes seccomp/compiled.c (on stdout):
 * the seccomp-bpf filter built from trapped_syscalls[] and each trapped
 * row's syscall number on each arch, both from libseccomp's tables.
 *
 * At run time memtrace only copies them: libseccomp took about 1 ms of
 * every start on the benchmark VM (0.45 ms compiling the filter, 0.25-0.45
 * ms resolving names, the rest loading the library), and numbers are still
 * written down nowhere by hand.
 *
 * The filter: TRACE on each trapped call, ALLOW on everything else,
 * TRACE(BADARCH) on anything that is neither an x86_64 nor an i386 call
 * (libseccomp's x86_64 filter sends x32 numbers, those with bit
 * 0x40000000, to the bad-arch verdict too). libseccomp takes syscall
 * numbers in the native (x86_64) numbering and translates them by name for
 * other arches, so each arch gets a context of its own, built from names,
 * and the two are merged. A row this libseccomp cannot name (a call newer
 * than it) is tested for by its numbers in front of libseccomp's filter,
 * and the stub bootstrap's calls pass (filter.h) by tests at its end.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "filter.h"
#include "trapped.h"

/* What gen-filter reads, what compiled.h declares. */
static const struct {
	const char *name;
	uint32_t scmp_arch;
	unsigned trap_bit;
	uint32_t audit_arch;	/* seccomp_data.arch */
} arches[] = {
	{ "x86_64", SCMP_ARCH_X86_64, TRAP_X86_64, AUDIT_ARCH_X86_64 },
	{ "i386", SCMP_ARCH_X86, TRAP_I386, AUDIT_ARCH_I386 },
};
#define ARCH_COUNT (sizeof(arches) / sizeof(arches[0]))

#define SYSCALL_NR_MAX 1024	/* larger than any x86_64 or i386 number in use */

/* The row's number on arch a from syscall_own_numbers[]; 0: none there. */
static unsigned own_number(const struct trapped_syscall *row, size_t a)
{
	for (size_t i = 0; i < syscall_own_numbers_count; i++)
		if (strcmp(syscall_own_numbers[i].name, row->name) == 0)
			return arches[a].trap_bit == TRAP_X86_64 ? syscall_own_numbers[i].x86_64
								  : syscall_own_numbers[i].i386;
	return 0;
}

/* Whether the filter tests for the row on arch a by its own number. */
static int by_own_number(const struct trapped_syscall *row, size_t a)
{
	return own_number(row, a) &&
	       seccomp_syscall_resolve_name_arch(arches[a].scmp_arch, row->name) == __NR_SCMP_ERROR;
}

static int add_row_rules(scmp_filter_ctx ctx, size_t a, unsigned row_index)
{
	const struct trapped_syscall *row = &trapped_syscalls[row_index];
	const struct trapped_arg0 *only = trapped_arg0_of(row);
	int nr = seccomp_syscall_resolve_name(row->name);

	if (by_own_number(row, a))
		return 0;	/* prefix_own_numbers() */
	if (nr == __NR_SCMP_ERROR)
		return -ENOSYS;
	if (only) {
		/* traced for some values of its first argument only */
		for (unsigned i = 0; i < only->count; i++) {
			int rc = seccomp_rule_add(ctx, SCMP_ACT_TRACE(row_index), nr, 1,
						  SCMP_A0(SCMP_CMP_MASKED_EQ, only->mask,
							  only->values[i]));
			if (rc < 0)
				return rc;
		}
		return 0;
	}
	return seccomp_rule_add(ctx, SCMP_ACT_TRACE(row_index), nr, 0);
}

static scmp_filter_ctx arch_context(size_t a, int *err)
{
	uint32_t scmp_arch = arches[a].scmp_arch;
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);

	*err = -ENOMEM;
	if (!ctx)
		return NULL;
	if (scmp_arch != SCMP_ARCH_X86_64) {
		if ((*err = seccomp_arch_add(ctx, scmp_arch)) < 0 ||
		    (*err = seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE)) < 0)
			goto fail;
	}
	*err = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_TRACE(SECCOMP_DATA_BADARCH));
	if (*err < 0)
		goto fail;
	/*
	 * Every syscall of the program runs this filter: a binary tree of
	 * comparisons keeps untrapped calls at a handful of instructions
	 * instead of one comparison per trapped syscall.
	 */
	*err = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (*err < 0)
		goto fail;
	for (unsigned i = 0; i < trapped_syscalls_count; i++) {
		if (!(trapped_syscalls[i].arches & arches[a].trap_bit))
			continue;
		if ((*err = add_row_rules(ctx, a, i)) < 0)
			goto fail;
	}
	return ctx;
fail:
	seccomp_release(ctx);
	return NULL;
}

/*
 * Puts in front of the n instructions at insns (room for PREFIX_MAX more)
 * a test for each row tested by its own number: five instructions that
 * fall through to the next test, or to libseccomp's filter; *n becomes
 * how many instructions insns holds. Returns 0, or -E2BIG when the tests
 * need more room (a row left out would go untrapped).
 */
#define PREFIX_MAX (5 * 2 * 8)
static int prefix_own_numbers(struct sock_filter *insns, size_t *n)
{
	struct sock_filter prefix[PREFIX_MAX];
	size_t len = 0;

	for (size_t a = 0; a < ARCH_COUNT; a++)
		for (size_t i = 0; i < trapped_syscalls_count; i++) {
			const struct trapped_syscall *row = &trapped_syscalls[i];
			struct sock_filter test[] = {
				BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
				BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arches[a].audit_arch, 0, 3),
				BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
				BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, own_number(row, a), 0, 1),
				BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE | (unsigned)i),
			};

			if (!(row->arches & arches[a].trap_bit) || !by_own_number(row, a))
				continue;
			if (len + 5 > PREFIX_MAX)
				return -E2BIG;
			memcpy(prefix + len, test, sizeof(test));
			len += 5;
		}
	memmove(insns + len, insns, *n * sizeof(*insns));
	memcpy(insns, prefix, len * sizeof(*insns));
	*n += len;
	return 0;
}

/* The row of trap_bit named name, or -1. */
static int row_named(const char *name, unsigned trap_bit)
{
	for (size_t i = 0; i < trapped_syscalls_count; i++)
		if ((trapped_syscalls[i].arches & trap_bit) && strcmp(trapped_syscalls[i].name, name) == 0)
			return (int)i;
	return -1;
}

/*
 * The stub bootstrap's calls (filter.h) pass: each verdict that traces
 * mmap, mmap2 or madvise becomes a jump to a test of the ip appended at
 * the end. Only their path reads the ip, so the kernel still finds every
 * other call always allowed, and caches that (Linux 5.11): a test at the
 * front, read by every call, cost getppid 17% here. insns has room for
 * UNTRACED_LEN more; *n becomes how many it holds.
 */
#define UNTRACED_BLOCK 7
#define UNTRACED_LEN (3 * UNTRACED_BLOCK)
static int append_untraced_ips(struct sock_filter *insns, size_t *n)
{
	const int rows[] = { row_named("mmap", TRAP_X86_64), row_named("mmap2", TRAP_I386),
			     row_named("madvise", TRAP_X86_64) };
	const uint32_t ip = offsetof(struct seccomp_data, instruction_pointer);
	size_t end = *n;

	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		const uint32_t trace = SECCOMP_RET_TRACE | (unsigned)rows[r];
		const struct sock_filter test[UNTRACED_BLOCK] = {
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ip + 4),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 3),
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ip),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SECCOMP_UNTRACED_IP_MAP, 2, 0),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SECCOMP_UNTRACED_IP_ADVISE, 1, 0),
			BPF_STMT(BPF_RET | BPF_K, trace),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		};
		int found = 0;

		if (rows[r] < 0)
			return -ENOENT;
		for (size_t i = 0; i < *n; i++) {
			if (insns[i].code == (BPF_RET | BPF_K) && insns[i].k == trace) {
				insns[i] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA,
									(uint32_t)(end - i - 1), 0, 0);
				found = 1;
			}
		}
		if (!found)
			return -ENOENT;
		memcpy(insns + end, test, sizeof(test));
		end += UNTRACED_BLOCK;
	}
	*n = end;
	return 0;
}

/* Builds the filter into *insns (malloc'ed), *len instructions. Returns 0 or -errno. */
static int build_filter(struct sock_filter **insns, size_t *len)
{
	scmp_filter_ctx ctx64, ctx32;
	int err, fd = -1;
	off_t size;

	*insns = NULL;
	ctx64 = arch_context(0, &err);
	if (!ctx64)
		return err;
	ctx32 = arch_context(1, &err);
	if (!ctx32)
		goto out;
	/* seccomp_merge() releases ctx32 on success. */
	err = seccomp_merge(ctx64, ctx32);
	if (err < 0) {
		seccomp_release(ctx32);
		goto out;
	}

	fd = memfd_create("memtrace-filter", MFD_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	err = seccomp_export_bpf(ctx64, fd);
	if (err < 0)
		goto out;
	size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || size % sizeof(struct sock_filter) ||
	    size / sizeof(struct sock_filter) + PREFIX_MAX + UNTRACED_LEN > BPF_MAXINSNS) {
		err = -EINVAL;
		goto out;
	}
	*insns = malloc(size + (PREFIX_MAX + UNTRACED_LEN) * sizeof(struct sock_filter));
	if (!*insns) {
		err = -ENOMEM;
		goto out;
	}
	if (pread(fd, *insns, size, 0) != size) {
		err = -EIO;
		free(*insns);
		*insns = NULL;
		goto out;
	}
	*len = size / sizeof(struct sock_filter);
	err = prefix_own_numbers(*insns, len);
	if (err == 0)
		err = append_untraced_ips(*insns, len);
	if (err < 0) {
		free(*insns);
		*insns = NULL;
	}
out:
	if (fd >= 0)
		close(fd);
	seccomp_release(ctx64);
	return err;
}

/*
 * Prints { trap bit, number, row } for each row of arch a. Returns 0, or
 * -ENOENT (said on stderr) when libseccomp does not know a row's name.
 */
static int print_numbers(size_t a)
{
	int nr_of_row[256];

	for (size_t i = 0; i < trapped_syscalls_count; i++) {
		const struct trapped_syscall *row = &trapped_syscalls[i];
		int nr;

		nr_of_row[i] = -1;
		if (!(row->arches & arches[a].trap_bit))
			continue;
		nr = by_own_number(row, a) ? (int)own_number(row, a)
					   : seccomp_syscall_resolve_name_arch(arches[a].scmp_arch, row->name);
		if (nr >= 0 && nr < SYSCALL_NR_MAX)
			nr_of_row[i] = nr;
	}
	/*
	 * libseccomp resolves i386 shmat and shmdt to pseudo-numbers (it sees
	 * them through the ipc multiplexer): their direct numbers are found by
	 * name from the numbers' side.
	 */
	for (int nr = 0; nr < SYSCALL_NR_MAX; nr++) {
		char *name = seccomp_syscall_resolve_num_arch(arches[a].scmp_arch, nr);
		int i = name ? row_named(name, arches[a].trap_bit) : -1;

		free(name);
		if (i >= 0 && nr_of_row[i] < 0)
			nr_of_row[i] = nr;
	}
	for (size_t i = 0; i < trapped_syscalls_count; i++) {
		if (!(trapped_syscalls[i].arches & arches[a].trap_bit))
			continue;
		if (nr_of_row[i] < 0) {
			fprintf(stderr, "gen-filter: this libseccomp does not know the %s syscall %s; "
				"a newer libseccomp is needed\n", arches[a].name, trapped_syscalls[i].name);
			return -ENOENT;
		}
		printf("\t{ %#x, %d, %zu },\t/* %s %s */\n", arches[a].trap_bit, nr_of_row[i], i,
		       arches[a].name, trapped_syscalls[i].name);
	}
	return 0;
}

int main(void)
{
	const struct scmp_version *v = seccomp_version();
	struct sock_filter *insns;
	size_t len = 0;
	int err;

	if (trapped_syscalls_count > 256) {
		fprintf(stderr, "gen-filter: more rows than it counts\n");
		return 1;
	}
	err = build_filter(&insns, &len);
	if (err < 0) {
		fprintf(stderr, "gen-filter: cannot build the seccomp filter: %s\n", strerror(-err));
		return 1;
	}
	printf("/* Written by seccomp/gen-filter from seccomp/trapped.c with libseccomp %u.%u.%u. */\n",
	       v->major, v->minor, v->micro);
	printf("#include \"compiled.h\"\n\nconst struct sock_filter compiled_filter[] = {\n");
	for (size_t i = 0; i < len; i++)
		printf("\t{ %#06x, %u, %u, %#010x },\n", insns[i].code, insns[i].jt, insns[i].jf,
		       insns[i].k);
	printf("};\nconst unsigned short compiled_filter_len = %zu;\n\n", len);
	printf("const struct compiled_syscall compiled_syscalls[] = {\n");
	for (size_t a = 0; a < ARCH_COUNT; a++)
		if (print_numbers(a) < 0)
			return 1;
	printf("};\nconst unsigned compiled_syscalls_count =\n"
	       "\tsizeof(compiled_syscalls) / sizeof(compiled_syscalls[0]);\n");
	free(insns);
	return fflush(stdout) == 0 ? 0 : 1;
}
