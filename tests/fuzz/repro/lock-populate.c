/*
 * mlock of a PROT_NONE page: the kernel locks it, fails to fault it in and
 * returns ENOMEM.  memtrace takes that for a lock limit and rereads the
 * layout from /proc, forgetting the SysV shm attachment: shmdt then looks
 * wrong to it.
 */
#include "common.h"
int main(void)
{
	int id = shmget(IPC_PRIVATE, 4 * PG, IPC_CREAT | 0600);
	char *p = shmat(id, NULL, 0);
	char *q = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	shmctl(id, IPC_RMID, NULL);
	SHOW("mlock(PROT_NONE page)", mlock(q, PG));
	SHOW("shmdt(shm)", shmdt(p));
	return 0;
}
