/*
 * deny-call [-t] NAME PROG [ARGS...]: runs PROG under a seccomp filter of
 * its own that answers system call NAME (madvise, memfd_create, close)
 * with EPERM, or with -t with SIGSYS (SECCOMP_RET_TRAP, as sandboxes that
 * emulate calls in a handler do): memtrace's remote calls meet it too
 * (faults.sh). NAME none: a filter that answers nothing, as a container's
 * lets memtrace's calls through (stops.sh).
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static const struct { const char *name; int nr; } calls[] = {
		{ "madvise", SYS_madvise }, { "memfd_create", SYS_memfd_create },
		{ "close", SYS_close }, { "none", -2 },	/* a number no call has */
	};
	int trap = argc > 1 && strcmp(argv[1], "-t") == 0;
	int nr = -1;

	argv += trap;
	argc -= trap;
	for (size_t i = 0; argc > 2 && i < sizeof(calls) / sizeof(calls[0]); i++)
		if (strcmp(argv[1], calls[i].name) == 0)
			nr = calls[i].nr;
	if (nr == -1) {
		fprintf(stderr, "usage: deny-call [-t] madvise|memfd_create|close|none PROG [ARGS...]\n");
		return 2;
	}

	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, trap ? SECCOMP_RET_TRAP : SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(code) / sizeof(code[0]), code };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
		perror("deny-call: seccomp");
		return 1;
	}
	execvp(argv[2], &argv[2]);
	perror("deny-call: exec");
	return 127;
}
