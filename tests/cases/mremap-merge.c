/*
 * Where Linux joins anonymous memory into one VMA, which an mremap's old
 * range must lie in: a mapping moved by mremap before any page of it was
 * written takes its new address as its offset (copy_vma), so a fresh
 * mapping right below it joins it, and an mremap over both succeeds (in
 * place, then moved). One written first keeps its old offset and stays
 * apart: EFAULT. memtrace's
 * model cannot see which (page faults decide) and must agree both ways.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"
#include "maps.h"

#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define RW (PROT_READ | PROT_WRITE)

static long sys_mremap(unsigned long addr, unsigned long old_len, unsigned long new_len,
		       unsigned long flags, unsigned long new_addr)
{
	return syscall(SYS_mremap, addr, old_len, new_len, flags, new_addr);
}

/* Moves 2 pages (written first or not) from the region's start to page 10,
 * maps 2 fresh pages at page 8, and grows pages 8-12 to 5 pages in place,
 * then to 8, which moves them (PROT_NONE from page 14). */
static void scenario(unsigned long res, int written, int want_vmas, const char *want_grow)
{
	long a, r, m;

	a = EXPECT("map 2 pages at the start", mmap((void *)res, 2 * PG, RW, ANON | MAP_FIXED, -1, 0), "ok");
	if (written)
		*(volatile char *)a = 1;
	r = EXPECT("move them to page 10",
		   sys_mremap(a, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, res + 10 * PG), "ok");
	CHECK("moved", r == (long)(res + 10 * PG));
	EXPECT("map 2 fresh pages at page 8", mmap((void *)(res + 8 * PG), 2 * PG, RW, ANON | MAP_FIXED, -1, 0),
	       "ok");
	LAYOUT("layout", res, 16, "0-8 hole, 8-12 rw-p, 12-14 hole, 14-16 ---p");
	printf("VMAs over pages 8-12: %d\n", vmas(res + 8 * PG, 4));
	CHECK("VMAs as Linux makes them", vmas(res + 8 * PG, 4) == want_vmas);
	r = EXPECT("grow pages 8-12 to 5 in place", sys_mremap(res + 8 * PG, 4 * PG, 5 * PG, 0, 0), want_grow);
	if (r == -1) {
		munmap((void *)(res + 8 * PG), 4 * PG);
		return;
	}
	m = EXPECT("grow them to 8, moving", sys_mremap(r, 5 * PG, 8 * PG, MREMAP_MAYMOVE, 0), "ok");
	CHECK("moved away, the written byte with it", m != r && (!written || ((char *)m)[2 * PG] == 1));
	munmap((void *)m, 8 * PG);
}

int main(void)
{
	long res = EXPECT("reserve 16 pages PROT_NONE", mmap(NULL, 16 * PG, PROT_NONE, ANON, -1, 0), "ok");

	if (res == -1)
		return 1;
	munmap((void *)res, 14 * PG);
	scenario(res, 0, 1, "ok");
	scenario(res, 1, 2, "EFAULT");
	munmap((void *)res, 16 * PG);
	fflush(stdout);
	return failed;
}
