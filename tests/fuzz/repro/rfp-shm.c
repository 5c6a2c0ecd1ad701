/*
 * remap_file_pages on a SysV shm attachment: the kernel maps the shm file
 * again over the range (MAP_FIXED, so the old pages go first), which shm
 * refuses for a different offset: EINVAL, and the range is left unmapped.
 */
#include "common.h"
int main(void)
{
	int id = shmget(IPC_PRIVATE, 4 * PG, IPC_CREAT | 0600);
	char *p = shmat(id, NULL, 0);
	unsigned char v;

	shmctl(id, IPC_RMID, NULL);
	SHOW("remap_file_pages(shm, 4 pages, 0, pgoff 2, 0)", syscall(SYS_remap_file_pages, p, 4 * PG, 0, 2, 0));
	printf("first page still mapped: %s\n", mincore(p, PG, &v) == 0 ? "yes" : "no");
	return 0;
}
