/*
 * msync: MS_SYNC / MS_ASYNC / MS_INVALIDATE on a shared file mapping (the
 * writes reach the file), on anonymous memory, and the errors: unknown
 * flags, MS_ASYNC|MS_SYNC, unaligned start (EINVAL), unmapped (ENOMEM),
 * MS_INVALIDATE on locked memory (EBUSY); len 0 succeeds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

#define RW (PROT_READ | PROT_WRITE)



static int file_bytes(int fd, off_t off, size_t len, int c)
{
	static unsigned char buf[PG];

	if (len > sizeof(buf) || pread(fd, buf, len, off) != (ssize_t)len)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (buf[i] != c)
			return 0;
	return 1;
}

static long sys_msync(unsigned long addr, unsigned long len, int flags)
{
	return syscall(SYS_msync, addr, len, flags);
}

int main(void)
{
	static char page[PG];
	long m, a;
	int fd;

	/* data: 4 pages of '0' */
	fd = open("data", O_RDWR | O_CREAT | O_TRUNC, 0600);
	memset(page, '0', PG);
	for (int i = 0; i < 4; i++)
		if (fd < 0 || write(fd, page, PG) != PG)
			return 1;
	m = EXPECT("map the file MAP_SHARED", mmap(NULL, 4 * PG, RW, MAP_SHARED, fd, 0), "ok");
	if (m == -1)
		return 1;

	memset((void *)m, '1', PG);
	EXPECT("MS_SYNC", sys_msync(m, PG, MS_SYNC), "ok");
	CHECK("the write reached the file", file_bytes(fd, 0, PG, '1') && file_bytes(fd, PG, PG, '0'));
	memset((void *)(m + PG), '2', PG);
	EXPECT("MS_ASYNC", sys_msync(m + PG, PG, MS_ASYNC), "ok");
	EXPECT("MS_INVALIDATE", sys_msync(m, 4 * PG, MS_INVALIDATE), "ok");
	EXPECT("MS_SYNC|MS_INVALIDATE", sys_msync(m, 4 * PG, MS_SYNC | MS_INVALIDATE), "ok");
	EXPECT("flags 0", sys_msync(m, 4 * PG, 0), "ok");
	CHECK("the file holds every write", file_bytes(fd, 0, PG, '1') && file_bytes(fd, PG, PG, '2'));
	EXPECT("an unaligned length is rounded up", sys_msync(m, 100, MS_SYNC), "ok");

	EXPECT("MS_ASYNC|MS_SYNC", sys_msync(m, PG, MS_ASYNC | MS_SYNC), "EINVAL");
	EXPECT("unknown flag 0x8", sys_msync(m, PG, MS_SYNC | 0x8), "EINVAL");
	EXPECT("unaligned start", sys_msync(m + 1, PG, MS_SYNC), "EINVAL");
	EXPECT("len 0", sys_msync(m, 0, MS_SYNC), "ok");

	munmap((void *)(m + 2 * PG), PG);
	EXPECT("over a hole", sys_msync(m, 4 * PG, MS_SYNC), "ENOMEM");
	EXPECT("the hole alone", sys_msync(m + 2 * PG, PG, MS_SYNC), "ENOMEM");
	EXPECT("len 0 on the hole", sys_msync(m + 2 * PG, 0, MS_SYNC), "ok");

	EXPECT("mlock a page", mlock((void *)m, PG), "ok");
	EXPECT("MS_INVALIDATE on locked memory", sys_msync(m, PG, MS_INVALIDATE), "EBUSY");
	EXPECT("MS_SYNC on locked memory", sys_msync(m, PG, MS_SYNC), "ok");
	munlock((void *)m, PG);
	EXPECT("MS_INVALIDATE once unlocked", sys_msync(m, PG, MS_INVALIDATE), "ok");
	munmap((void *)m, 4 * PG);

	a = EXPECT("map anonymous memory", mmap(NULL, 2 * PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), "ok");
	EXPECT("MS_SYNC on anonymous memory", sys_msync(a, 2 * PG, MS_SYNC), "ok");
	munmap((void *)a, 2 * PG);

	fflush(stdout);
	return failed;
}
