/*
 * A MAP_PRIVATE mapping of /dev/zero is anonymous memory: MADV_FREE accepts
 * it, and a piece moved by mremap gets (Linux 6.18) its new address as its
 * page offset, which /proc/PID/maps shows; also a never-written PROT_NONE
 * page moved with MREMAP_DONTUNMAP (fuzz seeds 24 and 77).
 */
#include "common.h"
int main(void)
{
	int fd = open("/dev/zero", O_RDWR);
	char *p = mmap(NULL, 24 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 20 * PG);
	char *r = mmap(NULL, 4 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	SHOW("madvise(private /dev/zero, MADV_FREE)", madvise(p, PG, MADV_FREE));
	SHOW("mremap(p + 10 pages, 2 pages, 1 page, MAYMOVE|FIXED, r)",
	     mremap(p + 10 * PG, 2 * PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, r) == MAP_FAILED ? -1 : 0);
	char *z = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE, fd, 3 * PG);
	SHOW("mremap(PROT_NONE /dev/zero page, MAYMOVE|DONTUNMAP)",
	     mremap(z, PG, PG, MREMAP_MAYMOVE | 4 /* MREMAP_DONTUNMAP */, NULL) == MAP_FAILED ? -1 : 0);
	return 0;
}
