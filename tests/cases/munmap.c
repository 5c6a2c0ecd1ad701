/*
 * munmap: unmapping whole and partial mappings (a split in the middle keeps
 * both ends and their contents), a hole (succeeds), a length rounded up to
 * pages, and the EINVAL cases: unaligned start, len 0, start or end past
 * the address space.
 */
#define _GNU_SOURCE
#include <errno.h>
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

static long sys_munmap(unsigned long addr, unsigned long len)
{
	return syscall(SYS_munmap, addr, len);
}

int main(void)
{
	unsigned long top = ~0UL & ~(PG - 1);
	long a;

	a = EXPECT("map 16 pages", mmap(NULL, 16 * PG, RW, ANON, -1, 0), "ok");
	if (a == -1)
		return 1;
	for (int i = 0; i < 16; i++)
		memset((void *)(a + i * PG), 'a' + i, PG);

	EXPECT("unaligned start", sys_munmap(a + 1, PG), "EINVAL");
	EXPECT("len 0", sys_munmap(a, 0), "EINVAL");
	EXPECT("start past the address space", sys_munmap(top, PG), "EINVAL");
	EXPECT("end past the address space", sys_munmap(a, top), "EINVAL");
	EXPECT("len that wraps around", sys_munmap(a, ~0UL), "EINVAL");
	CHECK("the failed calls unmapped nothing", mapped(a) && mapped(a + 15 * PG) && all_bytes(a, PG, 'a'));

	EXPECT("munmap 2 pages in the middle", sys_munmap(a + 4 * PG, 2 * PG), "ok");
	CHECK("those pages are gone", !mapped(a + 4 * PG) && !mapped(a + 5 * PG));
	CHECK("both sides stay, contents kept",
	      all_bytes(a + 3 * PG, PG, 'd') && all_bytes(a + 6 * PG, PG, 'g'));
	EXPECT("munmap the same hole again", sys_munmap(a + 4 * PG, 2 * PG), "ok");
	EXPECT("munmap across the hole", sys_munmap(a + 3 * PG, 4 * PG), "ok");
	CHECK("the hole grew on both sides", !mapped(a + 3 * PG) && !mapped(a + 6 * PG) &&
	      all_bytes(a + 2 * PG, PG, 'c') && all_bytes(a + 7 * PG, PG, 'h'));
	EXPECT("munmap 1 byte", sys_munmap(a + 8 * PG, 1), "ok");
	CHECK("a length is rounded up to a page",
	      !mapped(a + 8 * PG) && all_bytes(a + 9 * PG, PG, 'j'));
	EXPECT("munmap the first page", sys_munmap(a, PG), "ok");
	EXPECT("munmap the last page", sys_munmap(a + 15 * PG, PG), "ok");
	CHECK("the rest stays", !mapped(a) && all_bytes(a + PG, PG, 'b') &&
	      !mapped(a + 15 * PG) && all_bytes(a + 14 * PG, PG, 'o'));
	EXPECT("munmap it all, holes included", sys_munmap(a, 16 * PG), "ok");
	CHECK("all gone", !mapped(a + PG) && !mapped(a + 9 * PG) && !mapped(a + 14 * PG));

	fflush(stdout);
	return failed;
}
