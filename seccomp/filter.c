/*
 * The seccomp-bpf filter seccomp/gen-filter built from trapped_syscalls[]
 * at build time (seccomp/compiled.c), and its installation.
 */
#include <errno.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "compiled.h"
#include "filter.h"

/* Returns 0 or -errno. */
int seccomp_program_build(struct seccomp_program *prog)
{
	size_t size = compiled_filter_len * sizeof(struct sock_filter);

	prog->insns = malloc(size);
	if (!prog->insns)
		return -ENOMEM;
	memcpy(prog->insns, compiled_filter, size);
	prog->len = compiled_filter_len;
	return 0;
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
