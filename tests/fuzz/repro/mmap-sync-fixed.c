/*
 * mmap(MAP_FIXED|MAP_SYNC) of a file on a file system without DAX: the old
 * mapping is gone before the file system refuses (EOPNOTSUPP).
 */
#include "common.h"
int main(void)
{
	int fd = open("sync.dat", O_RDWR | O_CREAT | O_TRUNC, 0600);
	char *r = mmap(NULL, 2 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char v;

	if (ftruncate(fd, PG) < 0)
		return 1;
	SHOW("mmap(r, MAP_SHARED_VALIDATE|MAP_FIXED|MAP_SYNC, file)",
	     mmap(r, PG, PROT_READ, MAP_SHARED_VALIDATE | MAP_FIXED | MAP_SYNC, fd, 0) == MAP_FAILED ? -1 : 0);
	printf("r still mapped: %s\n", mincore(r, PG, &v) == 0 ? "yes" : "no");
	return 0;
}
