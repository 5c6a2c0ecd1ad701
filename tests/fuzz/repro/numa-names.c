/* mbind MPOL_PREFERRED_MANY (5) and MPOL_WEIGHTED_INTERLEAVE (6): numa_maps prints "prefer (many):0", "weighted interleave:0". */
#include "common.h"
int main(void)
{
	unsigned long node0 = 1;
	char *r = mmap(NULL, 4 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	SHOW("mbind(r, 1 page, MPOL_PREFERRED_MANY, {0})", syscall(SYS_mbind, r, PG, 5, &node0, 64, 0));
	SHOW("mbind(r + 2 pages, 1 page, MPOL_WEIGHTED_INTERLEAVE, {0})", syscall(SYS_mbind, r + 2 * PG, PG, 6, &node0, 64, 0));
	return 0;
}
