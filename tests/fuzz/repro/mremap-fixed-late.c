/*
 * mremap(MREMAP_MAYMOVE|MREMAP_FIXED) unmaps the destination before it
 * looks at the source: a call that then fails (old_len past TASK_SIZE:
 * EINVAL from the shrink's munmap) has already emptied the destination.
 */
#include "common.h"
int main(void)
{
	char *r = mmap(NULL, 8 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char v;

	SHOW("mremap(r, ~0 - 4095, 2 pages, MAYMOVE|FIXED, r+4p)", mremap(r, ~0UL - 4095, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, r + 4 * PG));
	printf("destination still mapped: %s\n", mincore(r + 4 * PG, PG, &v) == 0 ? "yes" : "no");
	return 0;
}
