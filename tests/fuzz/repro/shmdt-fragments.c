/*
 * shmdt detaches every fragment of the attachment within the segment's
 * size, also after IPC_RMID: here the last page, cut off by a MAP_FIXED.
 */
#include "common.h"
int main(void)
{
	int id = shmget(IPC_PRIVATE, 4 * PG, IPC_CREAT | 0600);
	char *p = shmat(id, NULL, 0);
	unsigned char v;

	shmctl(id, IPC_RMID, NULL);
	mmap(p + PG, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	SHOW("shmdt(p)", shmdt(p));
	printf("last page still mapped: %s\n", mincore(p + 3 * PG, PG, &v) == 0 ? "yes" : "no");
	return 0;
}
