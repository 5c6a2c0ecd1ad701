/*
 * File mmap: contents and offsets, the fd checks (EBADF first, ENODEV for
 * what cannot be mapped, EACCES for the access mode), MAP_SHARED_VALIDATE,
 * and writes through MAP_SHARED reaching the file while MAP_PRIVATE ones
 * do not.
 *
 * Raw syscalls: mmap on x86_64; mmap2 on i386, or old_mmap (#90) there for
 * an offset that is not page-aligned, which mmap2 cannot express.
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
#include "maps.h"


static long mm(unsigned long addr, unsigned long len, int prot, int flags, int fd, uint64_t off)
{
#ifdef __i386__
	if (off & (PG - 1)) {
		uint32_t args[6] = { addr, len, prot, flags, fd, (uint32_t)off };

		return syscall(SYS_mmap, args);
	}
	return syscall(SYS_mmap2, addr, len, prot, flags, fd, (unsigned long)(off / PG));
#else
	return syscall(SYS_mmap, addr, len, prot, flags, fd, off);
#endif
}

static int file_bytes(int fd, off_t off, size_t len, int c)
{
	static unsigned char buf[PG];

	if (len > sizeof(buf) || pread(fd, buf, len, off) != (ssize_t)len)
		return 0;
	return all_bytes((long)buf, len, c);
}

int main(void)
{
	static char page[PG];
	int rw, ro, wo, dir, pipefd[2], zero;
	long r;

	/* data: 3 pages of 'A', 'B', 'C' in the scenario's own directory */
	rw = open("data", O_RDWR | O_CREAT | O_TRUNC, 0600);
	for (int i = 0; i < 3; i++) {
		memset(page, 'A' + i, PG);
		if (write(rw, page, PG) != PG)
			return 1;
	}
	ro = open("data", O_RDONLY);
	wo = open("data", O_WRONLY);
	dir = open(".", O_RDONLY | O_DIRECTORY);
	zero = open("/dev/zero", O_RDWR);
	if (rw < 0 || ro < 0 || wo < 0 || dir < 0 || zero < 0 || pipe(pipefd) < 0)
		return 1;

	r = EXPECT("map 2 pages read-only", mm(0, 2 * PG, PROT_READ, MAP_PRIVATE, ro, 0), "ok");
	CHECK("the file's contents are visible", all_bytes(r, PG, 'A') && all_bytes(r + PG, PG, 'B'));
	munmap((void *)r, 2 * PG);
	r = EXPECT("map at offset 2 pages", mm(0, PG, PROT_READ, MAP_PRIVATE, ro, 2 * PG), "ok");
	CHECK("the offset is honoured", all_bytes(r, PG, 'C'));
	munmap((void *)r, PG);
	r = EXPECT("map 8 pages of a 3-page file", mm(0, 8 * PG, PROT_READ, MAP_PRIVATE, ro, 0), "ok");
	CHECK("mapping past the end of the file is allowed", all_bytes(r + 2 * PG, PG, 'C'));
	munmap((void *)r, 8 * PG);
	r = EXPECT("map past 4 GiB into the file", mm(0, PG, PROT_READ, MAP_PRIVATE, ro, 1ULL << 32), "ok");
	munmap((void *)r, PG);

	EXPECT("unaligned offset", mm(0, PG, PROT_READ, MAP_PRIVATE, ro, 100), "EINVAL");
	EXPECT("closed fd", mm(0, PG, PROT_READ, MAP_PRIVATE, 999, 0), "EBADF");
	EXPECT("closed fd and len 0 (the fd is checked first)", mm(0, 0, PROT_READ, MAP_PRIVATE, 999, 0),
	       "EBADF");
	EXPECT("fd -1 without MAP_ANONYMOUS", mm(0, PG, PROT_READ, MAP_PRIVATE, -1, 0), "EBADF");
	EXPECT("len 0", mm(0, 0, PROT_READ, MAP_PRIVATE, ro, 0), "EINVAL");
	EXPECT("neither MAP_PRIVATE nor MAP_SHARED", mm(0, PG, PROT_READ, 0, ro, 0), "EINVAL");
	EXPECT("a pipe", mm(0, PG, PROT_READ, MAP_PRIVATE, pipefd[0], 0), "ENODEV");
	EXPECT("a directory", mm(0, PG, PROT_READ, MAP_PRIVATE, dir, 0), "ENODEV");
	EXPECT("MAP_SHARED PROT_WRITE on an O_RDONLY fd", mm(0, PG, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0),
	       "EACCES");
	EXPECT("MAP_PRIVATE PROT_READ on an O_WRONLY fd", mm(0, PG, PROT_READ, MAP_PRIVATE, wo, 0), "EACCES");
	EXPECT("MAP_SHARED PROT_WRITE on an O_WRONLY fd", mm(0, PG, PROT_WRITE, MAP_SHARED, wo, 0), "EACCES");
	EXPECT("MAP_SHARED_VALIDATE with an unknown flag",
	       mm(0, PG, PROT_READ, MAP_SHARED_VALIDATE | 0x200000, ro, 0), "EOPNOTSUPP");
	r = EXPECT("MAP_SHARED with that unknown flag", mm(0, PG, PROT_READ, MAP_SHARED | 0x200000, ro, 0), "ok");
	munmap((void *)r, PG);
	r = EXPECT("MAP_SHARED_VALIDATE", mm(0, PG, PROT_READ, MAP_SHARED_VALIDATE, ro, 0), "ok");
	CHECK("MAP_SHARED_VALIDATE maps the file", all_bytes(r, PG, 'A'));
	munmap((void *)r, PG);
#ifndef __i386__
	EXPECT("offset beyond the largest file", mm(0, PG, PROT_READ, MAP_PRIVATE, ro, 0xfffffffffffff000ULL),
	       "EOVERFLOW");
#endif

	r = EXPECT("MAP_PRIVATE PROT_WRITE on an O_RDONLY fd",
		   mm(0, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0), "ok");
	if (r != -1)
		memset((void *)r, 'p', PG);
	CHECK("private writes stay private", all_bytes(r, PG, 'p') && file_bytes(rw, 0, PG, 'A'));
	munmap((void *)r, PG);

	r = EXPECT("MAP_SHARED PROT_WRITE on an O_RDWR fd",
		   mm(0, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, rw, PG), "ok");
	if (r != -1)
		memset((void *)r, 's', PG);
	EXPECT("msync(MS_SYNC)", msync((void *)r, 2 * PG, MS_SYNC), "ok");
	CHECK("shared writes reach the file", file_bytes(ro, PG, PG, 's') && file_bytes(ro, 2 * PG, PG, 'C'));
	memset(page, 'w', PG);
	CHECK("write(2) to the file", pwrite(rw, page, PG, 2 * PG) == PG);
	CHECK("file writes show in the shared mapping", all_bytes(r + PG, PG, 'w'));
	munmap((void *)r, 2 * PG);

	r = EXPECT("map /dev/zero", mm(0, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, zero, 0), "ok");
	CHECK("/dev/zero maps zeroes", all_bytes(r, 2 * PG, 0));
	munmap((void *)r, 2 * PG);

	/* a file unlinked while mapped ("... (deleted)" in maps) */
	r = EXPECT("map the file's second page again", mm(0, PG, PROT_READ, MAP_SHARED, rw, PG), "ok");
	EXPECT("unlink it", unlink("data"), "ok");
	EXPECT("mprotect the mapping after", mprotect((void *)r, PG, PROT_NONE), "ok");
	EXPECT("mprotect it back", mprotect((void *)r, PG, PROT_READ), "ok");
	munmap((void *)(r - PG), PG);
	/* mapped after the unlink, its name has " (deleted)": one VMA with the other */
	EXPECT("map its first page below it",
	       mm(r - PG, PG, PROT_READ, MAP_SHARED | MAP_FIXED, rw, 0), "ok");
	CHECK("one mapping", vmas(r - PG, 2) == 1);
	munmap((void *)(r - PG), 2 * PG);

	fflush(stdout);
	return failed;
}
