/*
 * The stack grows by page faults, which memtrace never sees: its model must
 * still follow. Recursion takes 2 MiB of stack, then calls at that depth
 * touch the grown pages (mprotect, madvise, mlock) and map memory; with
 * --verify the model is compared with the kernel's after each.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "check.h"

#define RW (PROT_READ | PROT_WRITE)
#define FRAME 4096
#define DEPTH 512	/* 2 MiB: far past the stack the kernel sets up at exec */

static void at_the_bottom(void)
{
	char here[FRAME];
	unsigned long page = ((unsigned long)here + PG - 1) & ~(PG - 1);
	void *p;

	memset(here, 1, sizeof(here));
	EXPECT("mprotect a grown stack page, same permissions", mprotect((void *)page, PG, RW), "ok");
	EXPECT("madvise MADV_NORMAL on it", madvise((void *)page, PG, MADV_NORMAL), "ok");
	p = mmap(NULL, 3 * PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK("mmap at the bottom of a deep stack", p != MAP_FAILED);
	EXPECT("munmap it", munmap(p, 3 * PG), "ok");
	CHECK("the stack page still holds its bytes", here[PG - 1] == 1);
}

static int descend(int depth)
{
	volatile char frame[FRAME];

	frame[0] = (char)depth;
	if (depth == DEPTH)
		at_the_bottom();
	else
		descend(depth + 1);
	return frame[0];
}

int main(void)
{
	descend(0);
	fflush(stdout);
	return failed;
}
