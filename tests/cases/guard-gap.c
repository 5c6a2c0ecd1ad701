/*
 * Where mmap(NULL) goes near a growsdown mapping. Linux 6.1 and later
 * search top-down for the highest hole that holds the length, guard gaps
 * ignored; when a growsdown mapping lies right above the hole found, they
 * search again below its guarded start (stack_guard_gap below it). So a
 * hole right below such a mapping leaves out every other hole inside its
 * guard gap, while a hole there too small for the length leaves them in.
 * The addresses memtrace picks must be the kernel's (found by mmfuzz: i386
 * seed 3 placed a mapping inside the guard gap, and the kernel later
 * merged mappings under memtrace that it kept apart natively).
 *
 * The scenario reserves 1024 pages, fills every hole above them (below the
 * stack, whose growth it leaves room for), and carves holes inside.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "check.h"

#define NONE_FLAGS (MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE)
#define RESERVED 1024	/* pages */
#define STACK_AT 900	/* the growsdown page, in pages from the reservation */
#define STACK_ROOM (16UL << 20)	/* left free below the stack */

static unsigned long base;

static unsigned long page(unsigned n)
{
	return base + n * PG;
}

/* Maps PROT_NONE over every hole from `from` up to STACK_ROOM below the
 * stack: nothing above the reservation is left for a search to find (the
 * search stays below mmap_base, which lies further below the stack). */
static int fill_holes_above(unsigned long from)
{
	unsigned long starts[512], ends[512], stack = 0, lo, hi;
	char line[512];
	size_t n = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && n < 512 && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2) {
			starts[n] = lo;
			ends[n++] = hi;
			if (strstr(line, "[stack]"))
				stack = lo;
		}
	if (f)
		fclose(f);
	if (!stack || stack < STACK_ROOM)
		return -1;
	for (size_t i = 0; i + 1 < n; i++) {
		unsigned long start = ends[i], end = starts[i + 1];

		if (end > stack - STACK_ROOM)
			end = stack - STACK_ROOM;
		if (start < from || end <= start)
			continue;
		if (mmap((void *)start, end - start, PROT_NONE, NONE_FLAGS | MAP_FIXED_NOREPLACE, -1,
			 0) != (void *)start)
			return -1;
	}
	return 0;
}

/* Leaves pages [from, to) of the reservation a hole. */
static void carve(unsigned from, unsigned to)
{
	munmap((void *)page(from), (to - from) * PG);
}

/* Where mmap(NULL, 4 pages) goes, in pages from the reservation; then
 * the reservation is made whole again, bar the growsdown page. */
static void place(const char *what)
{
	char *p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned long at = (unsigned long)p;

	if (p == MAP_FAILED)
		printf("%s: %s\n", what, strerrorname_np(errno));
	else if (at < base || at >= page(RESERVED))
		printf("%s: outside the reservation\n", what);
	else
		printf("%s: page %lu\n", what, (at - base) / PG);
	if (p != MAP_FAILED)
		munmap(p, 4 * PG);
	mmap((void *)base, STACK_AT * PG, PROT_NONE, NONE_FLAGS | MAP_FIXED, -1, 0);
}

int main(void)
{
	void *r = mmap(NULL, RESERVED * PG, PROT_NONE, NONE_FLAGS, -1, 0);

	CHECK("reserve 1024 pages", r != MAP_FAILED);
	if (r == MAP_FAILED)
		return 1;
	base = (unsigned long)r;
	CHECK("fill every hole above them", fill_holes_above(page(RESERVED)) == 0);
	CHECK("a growsdown page inside", mmap((void *)page(STACK_AT), PG, PROT_READ | PROT_WRITE,
					      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_GROWSDOWN, -1,
					      0) == (void *)page(STACK_AT));

	/* 4 pages free right below it: the search starts again 256 pages down */
	carve(STACK_AT - 4, STACK_AT);
	carve(STACK_AT - 20, STACK_AT - 16);
	carve(600, 604);
	place("holes 896-900, 880-884 and 600-604: mmap of 4 pages");

	/* 2 pages free right below it: too small to be found, no search again */
	carve(STACK_AT - 2, STACK_AT);
	carve(STACK_AT - 20, STACK_AT - 16);
	carve(600, 604);
	place("holes 898-900, 880-884 and 600-604: mmap of 4 pages");

	/* only the hole right below it: the search goes on below the reservation */
	carve(STACK_AT - 4, STACK_AT);
	place("hole 896-900 alone: mmap of 4 pages");

	/* the guard gap is no bar to a hint */
	carve(STACK_AT - 20, STACK_AT - 16);
	CHECK("a hint inside the guard gap is taken",
	      mmap((void *)page(STACK_AT - 20), 4 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) ==
		      (void *)page(STACK_AT - 20));
	fflush(stdout);
	return failed;
}
