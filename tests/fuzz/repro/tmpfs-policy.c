/*
 * mbind on a mapping of a tmpfs file (a memfd here) sets the file's policy:
 * another mapping of the same pages shows it, a new mapping of them too,
 * and a piece split off by mprotect shows the policy at its own first page
 * (i386 seed 4, x86_64 seeds 18 and 20, in the VM where /tmp is tmpfs).
 */
#include "common.h"

int main(void)
{
	int fd = memfd_create("repro", 0);
	unsigned long node0 = 1;
	char *a, *b, *c;

	ftruncate(fd, 8 * PG);
	a = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	b = mmap(NULL, 8 * PG, PROT_READ, MAP_PRIVATE, fd, 0);
	SHOW("mbind(a + 2 pages, 3 pages, MPOL_PREFERRED, node 0)",
	     syscall(SYS_mbind, a + 2 * PG, 3 * PG, 1 /* MPOL_PREFERRED */, &node0, 2, 0));
	SHOW("mprotect(b + 1 page, 2 pages, PROT_NONE)", mprotect(b + PG, 2 * PG, PROT_NONE));
	SHOW("mprotect(b + 4 pages, 2 pages, PROT_NONE)", mprotect(b + 4 * PG, 2 * PG, PROT_NONE));
	c = mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED, fd, 3 * PG);
	SHOW("mmap(the file's pages 3-4 again)", c == MAP_FAILED ? -1 : 0);
	SHOW("mprotect(a + 3 pages, 1 page, PROT_READ)", mprotect(a + 3 * PG, PG, PROT_READ));
	return 0;
}
