/*
 * MAP_DROPPABLE (Linux 6.11): private anonymous memory whose pages may go
 * at any time, so the kernel neither copies it into a forked child (it
 * reads zeroes there), nor dumps it, nor locks it. What the model must
 * know: MADV_DODUMP and MADV_KEEPONFORK are EINVAL on it, mlock leaves it
 * alone without failing (mlockall's MCL_FUTURE too), and the flags it
 * cannot go with. Skipped where
 * the kernel has no MAP_DROPPABLE.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "maps.h"

#define DROPPABLE 0x08	/* a value of the MAP_TYPE field, as MAP_PRIVATE is */
#define RW (PROT_READ | PROT_WRITE)

static long sys_madvise(unsigned long addr, unsigned long len, int advice)
{
	return syscall(SYS_madvise, addr, len, advice);
}

int main(void)
{
	long a = (long)mmap(NULL, 3 * PG, RW, DROPPABLE | MAP_ANONYMOUS, -1, 0);
	int fd;

	if (a == -1) {
		printf("MAP_DROPPABLE: %s\n", strerrorname_np(errno));
		return 77;
	}
	memset((void *)a, 'd', 3 * PG);
	CHECK("a forked child reads zeroes", child_finds(a, PG, 'd') == 1);
	EXPECT("MADV_DODUMP", sys_madvise(a, PG, MADV_DODUMP), "EINVAL");
	EXPECT("MADV_KEEPONFORK", sys_madvise(a, PG, MADV_KEEPONFORK), "EINVAL");
	EXPECT("MADV_DONTDUMP (it is so already)", sys_madvise(a, PG, MADV_DONTDUMP), "ok");
	EXPECT("MADV_WIPEONFORK (likewise)", sys_madvise(a, PG, MADV_WIPEONFORK), "ok");
	EXPECT("mlock", mlock((void *)a, 3 * PG), "ok");
	CHECK("locks nothing: still one mapping", vmas(a, 3) == 1);
	EXPECT("munlock", munlock((void *)a, 3 * PG), "ok");
	EXPECT("mprotect the middle page", mprotect((void *)(a + PG), PG, PROT_READ), "ok");
	LAYOUT("three pieces", a, 3, "0-1 rw-p, 1-2 r--p, 2-3 rw-p");
	EXPECT("MADV_DODUMP over them", sys_madvise(a, 3 * PG, MADV_DODUMP), "EINVAL");
	EXPECT("with MAP_LOCKED",
	       (long)mmap(NULL, PG, PROT_READ, DROPPABLE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0), "EINVAL");
	EXPECT("with MAP_GROWSDOWN",
	       (long)mmap(NULL, PG, PROT_READ, DROPPABLE | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0),
	       "EINVAL");
	fd = open("data", O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, PG) < 0)
		return 1;
	EXPECT("of a file", (long)mmap(NULL, PG, PROT_READ, DROPPABLE, fd, 0), "EINVAL");
	EXPECT("munmap it all", munmap((void *)a, 3 * PG), "ok");
	/* mlockall(MCL_FUTURE) locks later mappings, but not droppable ones */
	EXPECT("mlockall(MCL_FUTURE)", mlockall(MCL_FUTURE), "ok");
	a = EXPECT("map droppable pages", (long)mmap(NULL, 2 * PG, RW, DROPPABLE | MAP_ANONYMOUS, -1, 0),
		   "ok");
	EXPECT("MADV_DONTNEED: they are not locked", sys_madvise(a, 2 * PG, MADV_DONTNEED), "ok");
	EXPECT("munlockall", munlockall(), "ok");
	fflush(stdout);
	return failed;
}
