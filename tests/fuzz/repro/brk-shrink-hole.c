/*
 * brk shrinking over a range where nothing is mapped fails (the kernel finds
 * no brk mapping to unmap) and returns the old break.
 */
#include "common.h"
int main(void)
{
	unsigned long b = syscall(SYS_brk, 0), r;

	syscall(SYS_brk, b + 8 * PG);
	munmap((void *)(b + 2 * PG), 6 * PG);	/* the top of the heap is gone */
	r = syscall(SYS_brk, b + 4 * PG);
	printf("brk(start + 4 pages) with the pages above unmapped = %s\n",
	       r == b + 8 * PG ? "old break" : r == b + 4 * PG ? "new break" : "?");
	return 0;
}
