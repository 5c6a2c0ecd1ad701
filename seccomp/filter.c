/*
 * The seccomp-bpf filter built from trapped_syscalls[]: TRACE on each
 * trapped call, ALLOW on everything else, TRACE(BADARCH) on anything that
 * is neither an x86_64 nor an i386 call (libseccomp's x86_64 filter sends
 * x32 numbers, those with bit 0x40000000, to the bad-arch verdict too).
 *
 * libseccomp takes syscall numbers in the native (x86_64) numbering and
 * translates them by name for other arches, so each arch gets a context of
 * its own, built from names, and the two are merged.
 */
#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "filter.h"
#include "trapped.h"

static int add_row_rules(scmp_filter_ctx ctx, unsigned row_index)
{
	const struct trapped_syscall *row = &trapped_syscalls[row_index];
	int nr = seccomp_syscall_resolve_name(row->name);

	if (nr == __NR_SCMP_ERROR)
		return -ENOSYS;
	if (row->args[0] == ARG_IPC_CALL) {
		/* ipc(2) keeps a version in the high 16 bits of the call. */
		static const unsigned subcalls[] = { IPC_CALL_SHMAT, IPC_CALL_SHMDT };
		for (size_t i = 0; i < sizeof(subcalls) / sizeof(subcalls[0]); i++) {
			int rc = seccomp_rule_add(ctx, SCMP_ACT_TRACE(row_index), nr, 1,
						  SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffff, subcalls[i]));
			if (rc < 0)
				return rc;
		}
		return 0;
	}
	return seccomp_rule_add(ctx, SCMP_ACT_TRACE(row_index), nr, 0);
}

static scmp_filter_ctx arch_context(uint32_t scmp_arch, unsigned trap_bit, int *err)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);

	*err = -ENOMEM;
	if (!ctx)
		return NULL;
	if (scmp_arch != SCMP_ARCH_NATIVE) {
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
		if (!(trapped_syscalls[i].arches & trap_bit))
			continue;
		if ((*err = add_row_rules(ctx, i)) < 0)
			goto fail;
	}
	return ctx;
fail:
	seccomp_release(ctx);
	return NULL;
}

/* Returns 0 or -errno. */
int seccomp_program_build(struct seccomp_program *prog)
{
	scmp_filter_ctx ctx64, ctx32;
	int err, fd = -1;
	off_t size;

	memset(prog, 0, sizeof(*prog));
	ctx64 = arch_context(SCMP_ARCH_NATIVE, TRAP_X86_64, &err);
	if (!ctx64)
		return err;
	ctx32 = arch_context(SCMP_ARCH_X86, TRAP_I386, &err);
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
	    size / sizeof(struct sock_filter) > BPF_MAXINSNS) {
		err = -EINVAL;
		goto out;
	}
	prog->insns = malloc(size);
	if (!prog->insns) {
		err = -ENOMEM;
		goto out;
	}
	if (pread(fd, prog->insns, size, 0) != size) {
		err = -EIO;
		seccomp_program_free(prog);
		goto out;
	}
	prog->len = size / sizeof(struct sock_filter);
	err = 0;
out:
	if (fd >= 0)
		close(fd);
	seccomp_release(ctx64);
	return err;
}

void seccomp_program_free(struct seccomp_program *prog)
{
	free(prog->insns);
	prog->insns = NULL;
	prog->len = 0;
}

/* Returns 0 or -errno. */
/*
 * seccomp(2) came in Linux 3.17, and some environments refuse it (valgrind
 * does not emulate it): PR_SET_SECCOMP sets the same filter.
 */
static int set_filter(const struct sock_fprog *fprog)
{
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, fprog) == 0)
		return 0;
	if (errno != ENOSYS)
		return -errno;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, fprog, 0, 0) < 0)
		return -errno;
	return 0;
}

int seccomp_program_install(const struct seccomp_program *prog)
{
	struct sock_fprog fprog = { .len = prog->len, .filter = prog->insns };
	int err;

	/*
	 * Without CAP_SYS_ADMIN the kernel demands no_new_privs first. Try
	 * without it so that, run as root, setuid programs keep working.
	 */
	err = set_filter(&fprog);
	if (err != -EACCES)
		return err;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return set_filter(&fprog);
}
