/*
 * brk: query, grow, shrink to an unaligned break, and the failures, which
 * never return an error code but the current break: below the heap start,
 * past the address space, into the guard page below a mapping, over
 * RLIMIT_DATA.
 *
 * Nothing here may call malloc: it moves the break too (stdout gets a
 * static buffer).
 */
#define _GNU_SOURCE
#include <errno.h>
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


static unsigned long sys_brk(unsigned long addr)
{
	return (unsigned long)syscall(SYS_brk, addr);
}

int main(void)
{
	static char outbuf[8192];
	unsigned long start, base, wall, r, shrunk;
	struct rlimit data, none;
	void *m;

	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));

	start = sys_brk(0);
	CHECK("brk(NULL) returns the break", start != 0 && start != (unsigned long)-1);
	base = (start + PG - 1) & ~(PG - 1);

	r = sys_brk(base + 4 * PG);
	CHECK("brk grows by 4 pages", r == base + 4 * PG);
	CHECK("brk(NULL) after growing", sys_brk(0) == base + 4 * PG);
	CHECK("the grown heap is zero-filled", all_bytes(base, 4 * PG, 0));
	memset((void *)base, 0x5a, 4 * PG);

	r = sys_brk(base + PG + 100);
	CHECK("brk shrinks to an unaligned break", r == base + PG + 100);
	CHECK("brk(NULL) keeps the unaligned value", sys_brk(0) == base + PG + 100);
	CHECK("the page holding the break stays, contents kept",
	      mapped(base + PG) && all_bytes(base + PG, PG, 0x5a));
	CHECK("the pages above it are unmapped", !mapped(base + 2 * PG) && !mapped(base + 3 * PG));

	r = sys_brk(base + 3 * PG);
	CHECK("brk grows again", r == base + 3 * PG);
	CHECK("the regrown pages are zero-filled", all_bytes(base + 2 * PG, PG, 0));

	r = sys_brk(PG);
	CHECK("brk below the heap start fails, returning the break", r == base + 3 * PG);
	r = sys_brk(~0UL & ~(PG - 1));
	CHECK("brk past the address space fails, returning the break", r == base + 3 * PG);
	CHECK("brk(NULL) after the failures", sys_brk(0) == base + 3 * PG);

	/* A mapping 64 pages above the heap: the heap may come up to a page below it. */
	wall = base + 64 * PG;
	m = mmap((void *)wall, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK("a mapping 64 pages above the heap", m == (void *)wall);
	r = sys_brk(wall - PG);
	CHECK("brk up to one page below a mapping", r == wall - PG);
	r = sys_brk(wall - PG + 1);
	CHECK("brk into the guard page below a mapping fails", r == wall - PG);
	r = sys_brk(wall + 2 * PG);
	CHECK("brk over a mapping fails", r == wall - PG);
	CHECK("the mapping is untouched", mapped(wall));
	CHECK("the heap below it is usable, the guard page unmapped",
	      all_bytes(wall - 2 * PG, PG, 0) && !mapped(wall - PG));
	munmap((void *)wall, PG);

	/* RLIMIT_DATA 0: growing fails (shrinking is checked against it too). */
	getrlimit(RLIMIT_DATA, &data);
	none.rlim_cur = 0;
	none.rlim_max = data.rlim_max;
	CHECK("setrlimit(RLIMIT_DATA, 0)", setrlimit(RLIMIT_DATA, &none) == 0);
	r = sys_brk(wall + PG);
	shrunk = sys_brk(wall - 3 * PG);
	setrlimit(RLIMIT_DATA, &data);
	CHECK("brk over RLIMIT_DATA fails, returning the break", r == wall - PG);
	CHECK("shrinking over RLIMIT_DATA fails too", shrunk == wall - PG);
	CHECK("the heap's top page stays", mapped(wall - 2 * PG));

	r = sys_brk(start);
	CHECK("brk back to where it started", r == start);
	CHECK("the heap above it is gone", !mapped(base) && !mapped(base + PG));

	/* A heap the program unmapped itself: shrinking over nothing fails. */
	r = sys_brk(start + 4 * PG);
	CHECK("brk grows 4 pages", r == start + 4 * PG);
	CHECK("munmap the heap's pages", munmap((void *)base, 4 * PG) == 0);
	r = sys_brk(start + PG);
	CHECK("brk shrinking over unmapped pages keeps the break", r == start + 4 * PG);
	r = sys_brk(start + 2 * PG);
	CHECK("... as does any shrink there", r == start + 4 * PG);

	fflush(stdout);
	return failed;
}
