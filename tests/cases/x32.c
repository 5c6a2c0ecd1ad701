/*
 * An x32 syscall (getpid with bit 0x40000000) from an x86_64 program.
 * memtrace does not trace the x32 ABI: it refuses such calls, saying so,
 * and the program sees ENOSYS, which is what kernels without x32 (or with
 * it off, as Debian's) give natively. Where x32 works natively the
 * scenario is skipped (exit 77). Tracing goes on afterwards.
 *
 * The i386 build has no x32 to try: it only makes the calls after it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"




int main(void)
{
	void *m;

#ifdef __x86_64__
	long r = syscall(0x40000000 | 39);	/* x32 getpid */

	if (r == getpid()) {
		printf("x32 syscalls work on this kernel\n");
		return 77;
	}
	printf("x32 getpid: %s\n", r == -1 ? strerrorname_np(errno) : "returned something");
	CHECK("it fails with ENOSYS", r == -1 && errno == ENOSYS);
#else
	printf("x32: no such thing for an i386 program\n");
#endif
	m = mmap(NULL, 7 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK("mmap afterwards", m != MAP_FAILED);
	CHECK("munmap afterwards", munmap(m, 7 * PG) == 0);
	fflush(stdout);
	return failed;
}
