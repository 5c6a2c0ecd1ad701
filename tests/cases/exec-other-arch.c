/*
 * exec of a program of the other arch: the x86_64 build execs its i386
 * sibling (exec-other-arch.m32 beside it) and the i386 build its x86_64
 * one, passing "sibling": the sibling makes one call that names its arch
 * (munmap of an unaligned address: 0x386001 from i386, 0x646401 from
 * x86_64), prints a line and exits 0. memtrace must follow the new program
 * and decode its calls by its arch.
 *
 * Where the kernel cannot run the sibling (no i386 emulation: ENOEXEC) the
 * program says so, makes a call that says so (munmap(0xe0e0001, 4096)),
 * and exits 0, both ways alike. A missing sibling skips the scenario.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PG 4096UL

#ifdef __i386__
#define ARCH "i386"
#define MARK 0x386001UL
#define MINE ".m32"
#define SIBLING ".m64"
#else
#define ARCH "x86_64"
#define MARK 0x646401UL
#define MINE ".m64"
#define SIBLING ".m32"
#endif

int main(int argc, char **argv)
{
	char path[PATH_MAX];
	ssize_t n;
	size_t len;

	if (argc > 1 && !strcmp(argv[1], "sibling")) {
		long r = syscall(SYS_munmap, MARK, PG);

		printf("the %s sibling runs: munmap of an unaligned address: %s\n", ARCH,
		       r == -1 ? strerrorname_np(errno) : "ok");
		fflush(stdout);
		return r != -1;
	}

	n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	if (n < 0)
		return 1;
	path[n] = 0;
	len = strlen(path);
	if (len < 4 || strcmp(path + len - 4, MINE)) {
		printf("this program is not named *%s\n", MINE);
		return 77;
	}
	strcpy(path + len - 4, SIBLING);
	if (access(path, X_OK) != 0) {
		printf("no sibling *%s beside this program\n", SIBLING);
		return 77;
	}
	printf("the %s program execs its sibling\n", ARCH);
	fflush(stdout);
	execl(path, path, "sibling", (char *)NULL);
	printf("exec of the sibling: %s\n", strerrorname_np(errno));
	fflush(stdout);
	if (errno == ENOEXEC) {
		syscall(SYS_munmap, 0xe0e0001UL, PG);
		return 0;
	}
	return 1;
}
