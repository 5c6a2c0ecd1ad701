/*
 * mprotect and pkey_mprotect: splitting a mapping, the argument checks
 * (len 0 succeeds before prot is looked at; unaligned start, unknown bits,
 * GROWSDOWN|GROWSUP -> EINVAL), ENOMEM for unmapped pages after the pages
 * before them were already changed, PROT_GROWSDOWN, and EACCES for
 * PROT_WRITE on a shared mapping of a read-only fd.
 *
 * Layouts are read back from /proc/self/maps, in pages from the start of
 * the test range, e.g. "0-2 r--p, 2-4 ---p, 4-8 rw-p".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"
#include "maps.h"

#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define RW (PROT_READ | PROT_WRITE)
#ifndef PROT_SEM
#define PROT_SEM 0x8
#endif

static long sys_mprotect(unsigned long addr, unsigned long len, unsigned long prot)
{
	return syscall(SYS_mprotect, addr, len, prot);
}

int main(void)
{
	static char page[PG];
#ifndef __i386__
	unsigned long top = ~0UL & ~(PG - 1);
#endif
	struct rlimit data, low;
	long a, g, r;
	int fd, ro;

	a = EXPECT("map 8 pages", mmap(NULL, 8 * PG, RW, ANON, -1, 0), "ok");
	if (a == -1)
		return 1;
	memset((void *)a, 'x', 8 * PG);

	EXPECT("mprotect all PROT_READ", sys_mprotect(a, 8 * PG, PROT_READ), "ok");
	LAYOUT("layout", a, 8, "0-8 r--p");
	EXPECT("mprotect 2 pages in the middle PROT_NONE", sys_mprotect(a + 2 * PG, 2 * PG, PROT_NONE), "ok");
	LAYOUT("split", a, 8, "0-2 r--p, 2-4 ---p, 4-8 r--p");
	EXPECT("mprotect 1 byte PROT_READ|PROT_WRITE", sys_mprotect(a + 7 * PG, 1, RW), "ok");
	LAYOUT("a length is rounded up to a page", a, 8, "0-2 r--p, 2-4 ---p, 4-7 r--p, 7-8 rw-p");

	EXPECT("len 0 with unknown prot bits (len is checked first)", sys_mprotect(a, 0, 0x10), "ok");
	EXPECT("len 0 at an unaligned start", sys_mprotect(a + 1, 0, PROT_READ), "EINVAL");
	EXPECT("unaligned start", sys_mprotect(a + 1, PG, PROT_READ), "EINVAL");
	EXPECT("unknown prot bit 0x10", sys_mprotect(a, PG, PROT_READ | 0x10), "EINVAL");
	EXPECT("PROT_GROWSDOWN|PROT_GROWSUP", sys_mprotect(a, PG, PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP),
	       "EINVAL");
	EXPECT("PROT_GROWSDOWN on a mapping that does not grow down",
	       sys_mprotect(a + PG, PG, PROT_READ | PROT_GROWSDOWN), "EINVAL");
#ifndef __i386__
	/* (An i386 task's end cannot wrap: the kernel adds in 64 bits.) */
	EXPECT("a length that wraps around", sys_mprotect(a, top, PROT_READ), "ENOMEM");
#endif
	LAYOUT("the failed calls changed nothing", a, 8, "0-2 r--p, 2-4 ---p, 4-7 r--p, 7-8 rw-p");
	EXPECT("PROT_SEM is accepted", sys_mprotect(a, PG, PROT_READ | PROT_SEM), "ok");

	EXPECT("munmap page 5", munmap((void *)(a + 5 * PG), PG), "ok");
	EXPECT("mprotect over the hole", sys_mprotect(a, 8 * PG, PROT_READ | PROT_EXEC), "ENOMEM");
	LAYOUT("the pages before the hole were changed", a, 8, "0-5 r-xp, 5-6 hole, 6-7 r--p, 7-8 rw-p");
	EXPECT("mprotect only the hole", sys_mprotect(a + 5 * PG, PG, PROT_READ), "ENOMEM");
	EXPECT("mprotect from the hole on", sys_mprotect(a + 5 * PG, 3 * PG, PROT_READ), "ENOMEM");
	LAYOUT("nothing after the hole was changed", a, 8, "0-5 r-xp, 5-6 hole, 6-7 r--p, 7-8 rw-p");
	EXPECT("mprotect all back PROT_READ|PROT_WRITE, page by page",
	       sys_mprotect(a, 5 * PG, RW) | sys_mprotect(a + 6 * PG, 2 * PG, RW), "ok");
	LAYOUT("layout", a, 8, "0-5 rw-p, 5-6 hole, 6-8 rw-p");
	CHECK("contents kept throughout", ((char *)a)[3 * PG] == 'x' && ((char *)a)[6 * PG] == 'x');
	munmap((void *)a, 8 * PG);

	g = EXPECT("map 4 pages MAP_GROWSDOWN", mmap(NULL, 4 * PG, RW, ANON | MAP_GROWSDOWN, -1, 0), "ok");
	EXPECT("PROT_GROWSDOWN from the third page",
	       sys_mprotect(g + 2 * PG, PG, PROT_READ | PROT_GROWSDOWN), "ok");
	LAYOUT("it reaches down to the start of the mapping", g, 4, "0-3 r--p, 3-4 rw-p");
	munmap((void *)g, 4 * PG);

	/* data: 2 pages, mapped shared from a read-only fd */
	fd = open("data", O_RDWR | O_CREAT | O_TRUNC, 0600);
	memset(page, 'd', PG);
	if (fd < 0 || write(fd, page, PG) != PG || write(fd, page, PG) != PG)
		return 1;
	ro = open("data", O_RDONLY);
	r = EXPECT("map it MAP_SHARED PROT_READ from O_RDONLY", mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED, ro, 0),
		   "ok");
	EXPECT("mprotect it PROT_WRITE", sys_mprotect(r, 2 * PG, RW), "EACCES");
	LAYOUT("it stays read-only", r, 2, "0-2 r--s");
	munmap((void *)r, 2 * PG);
	r = EXPECT("map it MAP_PRIVATE PROT_READ from O_RDONLY", mmap(NULL, 2 * PG, PROT_READ, MAP_PRIVATE, ro, 0),
		   "ok");
	EXPECT("mprotect that PROT_WRITE", sys_mprotect(r, 2 * PG, RW), "ok");
	LAYOUT("it is writable", r, 2, "0-2 rw-p");
	munmap((void *)r, 2 * PG);

	a = EXPECT("map 2 pages", mmap(NULL, 2 * PG, RW, ANON, -1, 0), "ok");
	EXPECT("pkey_mprotect with pkey -1", syscall(SYS_pkey_mprotect, a, PG, PROT_READ, -1), "ok");
	LAYOUT("layout", a, 2, "0-1 r--p, 1-2 rw-p");
	EXPECT("pkey_mprotect with a pkey never allocated",
	       syscall(SYS_pkey_mprotect, a, PG, PROT_READ, 13), "EINVAL");
	EXPECT("pkey_mprotect unaligned", syscall(SYS_pkey_mprotect, a + 1, PG, PROT_READ, -1), "EINVAL");
	EXPECT("munmap the second page", munmap((void *)(a + PG), PG), "ok");
	EXPECT("pkey_mprotect over the hole", syscall(SYS_pkey_mprotect, a, 2 * PG, PROT_READ, -1), "ENOMEM");
	munmap((void *)a, PG);

	/* PROT_GROWSDOWN that fails at a hole has changed what came before it */
	a = EXPECT("map 4 growsdown pages", mmap(NULL, 4 * PG, RW, ANON | MAP_GROWSDOWN, -1, 0), "ok");
	munmap((void *)(a + 2 * PG), PG);
	EXPECT("PROT_GROWSDOWN up to past the hole",
	       sys_mprotect(a, 3 * PG, PROT_READ | PROT_EXEC | PROT_GROWSDOWN), "ENOMEM");
	LAYOUT("the part below the hole changed", a, 4, "0-2 r-xp, 2-3 hole, 3-4 rw-p");
	munmap((void *)a, 4 * PG);

	/*
	 * Private memory made writable becomes data, held to RLIMIT_DATA (a
	 * limit of 0 would be Linux's Valgrind exception: one page). Read-only
	 * memory is not data. Printed once the limit is back: printf may
	 * allocate.
	 */
	a = EXPECT("map 4 pages PROT_NONE", mmap(NULL, 4 * PG, PROT_NONE, ANON, -1, 0), "ok");
	getrlimit(RLIMIT_DATA, &data);
	low.rlim_cur = PG;
	low.rlim_max = data.rlim_max;
	if (setrlimit(RLIMIT_DATA, &low) == 0) {
		long writable = sys_mprotect(a, 4 * PG, RW);
		int writable_errno = errno;
		long readable = sys_mprotect(a, 4 * PG, PROT_READ);

		setrlimit(RLIMIT_DATA, &data);
		errno = writable_errno;
		EXPECT("under RLIMIT_DATA of a page, mprotect 4 pages writable", writable, "ENOMEM");
		EXPECT("... but readable", readable, "ok");
		LAYOUT("the pages are read-only", a, 4, "0-4 r--p");
	}
	EXPECT("with the limit back, mprotect them writable", sys_mprotect(a, 4 * PG, RW), "ok");
	munmap((void *)a, 4 * PG);

	fflush(stdout);
	return failed;
}
