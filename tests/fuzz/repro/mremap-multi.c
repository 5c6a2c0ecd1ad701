/*
 * MREMAP_MAYMOVE|MREMAP_FIXED over two mappings: Linux 6.17 and later move
 * both when the size stays (earlier: EFAULT); a shrink unmaps the tail
 * first and needs only [addr, addr + new_len) in one mapping.
 */
#include "common.h"
int main(void)
{
	char *r = mmap(NULL, 16 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	mprotect(r + PG, PG, PROT_NONE);	/* [r, r+1) r--p, [r+1, r+2) ---p */
	SHOW("move 2 pages over 2 mappings, same size",
	     mremap(r, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, r + 4 * PG) == MAP_FAILED ? -1 : 0);
	mprotect(r + 9 * PG, PG, PROT_NONE);	/* [r+8, r+9) r--p, [r+9, r+10) ---p */
	SHOW("shrink 2 pages over 2 mappings to 1",
	     mremap(r + 8 * PG, 2 * PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, r + 12 * PG) == MAP_FAILED ? -1 : 0);
	return 0;
}
