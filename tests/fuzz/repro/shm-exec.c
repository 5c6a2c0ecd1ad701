/* PROT_EXEC on a SysV shm attachment is allowed (its file is on an exec mount). */
#include "common.h"
int main(void)
{
	int id = shmget(IPC_PRIVATE, 4 * PG, IPC_CREAT | 0600);
	char *p = shmat(id, NULL, 0);

	shmctl(id, IPC_RMID, NULL);
	SHOW("mprotect(shm, PG, PROT_READ|PROT_EXEC)", mprotect(p, PG, PROT_READ | PROT_EXEC));
	return 0;
}
