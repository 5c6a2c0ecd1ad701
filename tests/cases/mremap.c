/*
 * mremap inside a reserved PROT_NONE region: shrink, grow in place, grow
 * blocked (ENOMEM) or moved (MREMAP_MAYMOVE, contents kept), MREMAP_FIXED,
 * old_len 0 duplicating a shared mapping, MREMAP_DONTUNMAP, and the
 * argument errors (EINVAL) and unmapped sources (EFAULT).
 *
 * Layouts are read back from /proc/self/maps, in pages from the start of
 * the region, e.g. "0-2 rw-p, 2-12 hole, 12-32 ---p".
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
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

/* Each page of n holds its letter; "a" for page 0. */
static void fill(unsigned long addr, unsigned n, char first)
{
	for (unsigned i = 0; i < n; i++)
		memset((void *)(addr + i * PG), first + i, PG);
}

static int has(unsigned long addr, unsigned n, char first)
{
	for (unsigned i = 0; i < n; i++) {
		const char *p = (const char *)(addr + i * PG);

		for (unsigned long j = 0; j < PG; j++)
			if (p[j] != (char)(first ? first + i : 0))
				return 0;
	}
	return 1;
}

static long sys_mremap(unsigned long addr, unsigned long old_len, unsigned long new_len,
		       unsigned long flags, unsigned long new_addr)
{
	return syscall(SYS_mremap, addr, old_len, new_len, flags, new_addr);
}

int main(void)
{
	long res, a, b, r, s, d;

	res = EXPECT("reserve 32 pages PROT_NONE", mmap(NULL, 32 * PG, PROT_NONE, ANON, -1, 0), "ok");
	if (res == -1)
		return 1;
	munmap((void *)(res + 4 * PG), 8 * PG);
	a = EXPECT("map 4 pages at its start", mmap((void *)res, 4 * PG, RW, ANON | MAP_FIXED, -1, 0), "ok");
	fill(a, 4, 'a');
	LAYOUT("layout", res, 32, "0-4 rw-p, 4-12 hole, 12-32 ---p");

	r = EXPECT("shrink 4 pages to 2", sys_mremap(a, 4 * PG, 2 * PG, 0, 0), "ok");
	CHECK("shrinking stays in place", r == a);
	LAYOUT("layout", res, 32, "0-2 rw-p, 2-12 hole, 12-32 ---p");
	r = EXPECT("grow 2 pages to 6", sys_mremap(a, 2 * PG, 6 * PG, 0, 0), "ok");
	CHECK("grown in place, contents kept, new pages zero", r == a && has(a, 2, 'a') && has(a + 2 * PG, 4, 0));
	LAYOUT("layout", res, 32, "0-6 rw-p, 6-12 hole, 12-32 ---p");
	EXPECT("grow 6 pages to 16 without MREMAP_MAYMOVE", sys_mremap(a, 6 * PG, 16 * PG, 0, 0), "ENOMEM");
	LAYOUT("nothing changed", res, 32, "0-6 rw-p, 6-12 hole, 12-32 ---p");
	fill(a, 6, 'a');
	EXPECT("grow the first 2 of 6 pages to 4 without MREMAP_MAYMOVE",
	       sys_mremap(a, 2 * PG, 4 * PG, 0, 0), "ENOMEM");

	b = EXPECT("grow 6 pages to 16 with MREMAP_MAYMOVE", sys_mremap(a, 6 * PG, 16 * PG, MREMAP_MAYMOVE, 0),
		   "ok");
	CHECK("it moved, contents kept, new pages zero", b != a && has(b, 6, 'a') && has(b + 6 * PG, 10, 0));
	LAYOUT("the old place is free", res, 32, "0-12 hole, 12-32 ---p");

	r = EXPECT("MREMAP_FIXED the first 4 of 16 pages into the region",
		   sys_mremap(b, 16 * PG, 4 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, res + 20 * PG), "ok");
	CHECK("it lands where asked, contents kept", r == (long)(res + 20 * PG) && has(r, 4, 'a'));
	CHECK("the whole old mapping is gone", !mapped(b) && !mapped(b + 15 * PG));
	LAYOUT("layout", res, 32, "0-12 hole, 12-20 ---p, 20-24 rw-p, 24-32 ---p");

	EXPECT("MREMAP_FIXED without MREMAP_MAYMOVE",
	       sys_mremap(res + 20 * PG, PG, PG, MREMAP_FIXED, res), "EINVAL");
	EXPECT("MREMAP_FIXED onto its own range",
	       sys_mremap(res + 20 * PG, 4 * PG, 4 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, res + 22 * PG), "EINVAL");
	EXPECT("MREMAP_FIXED to an unaligned address",
	       sys_mremap(res + 20 * PG, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, res + 1), "EINVAL");
	EXPECT("unaligned address", sys_mremap(res + 20 * PG + 1, PG, 2 * PG, MREMAP_MAYMOVE, 0), "EINVAL");
	EXPECT("new_len 0", sys_mremap(res + 20 * PG, PG, 0, MREMAP_MAYMOVE, 0), "EINVAL");
	EXPECT("unknown flag 0x100", sys_mremap(res + 20 * PG, PG, 2 * PG, MREMAP_MAYMOVE | 0x100, 0), "EINVAL");
	EXPECT("old_len 0 on a private mapping", sys_mremap(res + 20 * PG, 0, PG, MREMAP_MAYMOVE, 0), "EINVAL");
	EXPECT("an unmapped address", sys_mremap(res + 4 * PG, PG, 2 * PG, MREMAP_MAYMOVE, 0), "EFAULT");
	EXPECT("old_len past the end of the mapping",
	       sys_mremap(res + 20 * PG, 6 * PG, 8 * PG, MREMAP_MAYMOVE, 0), "EFAULT");
	LAYOUT("the failed calls changed nothing", res, 32, "0-12 hole, 12-20 ---p, 20-24 rw-p, 24-32 ---p");
	CHECK("contents kept", has(res + 20 * PG, 4, 'a'));

	r = EXPECT("shrink 12 pages (a mapping, then PROT_NONE) to 1",
		   sys_mremap(res + 20 * PG, 12 * PG, PG, 0, 0), "ok");
	CHECK("shrinking across mappings stays in place", r == (long)(res + 20 * PG));
	LAYOUT("layout", res, 32, "0-12 hole, 12-20 ---p, 20-21 rw-p, 21-32 hole");
	munmap((void *)res, 32 * PG);

	s = EXPECT("map 2 pages MAP_SHARED", mmap(NULL, 2 * PG, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0), "ok");
	fill(s, 2, 's');
	d = EXPECT("old_len 0 on a shared mapping duplicates it", sys_mremap(s, 0, 2 * PG, MREMAP_MAYMOVE, 0),
		   "ok");
	CHECK("the duplicate shows the same pages", d != s && has(d, 2, 's'));
	fill(d, 2, 'S');
	CHECK("writes through one show in the other", has(s, 2, 'S'));
	munmap((void *)s, 2 * PG);
	munmap((void *)d, 2 * PG);

	s = EXPECT("map 2 pages", mmap(NULL, 2 * PG, RW, ANON, -1, 0), "ok");
	fill(s, 2, 'p');
	EXPECT("MREMAP_DONTUNMAP without MREMAP_MAYMOVE", sys_mremap(s, 2 * PG, 2 * PG, MREMAP_DONTUNMAP, 0),
	       "EINVAL");
	d = EXPECT("MREMAP_DONTUNMAP", sys_mremap(s, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0), "ok");
	CHECK("it moved, contents kept", d != s && has(d, 2, 'p'));
	CHECK("the old range stays mapped, empty", mapped(s) && has(s, 2, 0));
	munmap((void *)s, 2 * PG);
	munmap((void *)d, 2 * PG);

	fflush(stdout);
	return failed;
}
