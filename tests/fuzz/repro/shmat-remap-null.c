/* shmat(id, NULL, SHM_REMAP) fails with EINVAL: SHM_REMAP needs an address. */
#include "common.h"
int main(void)
{
	int id = shmget(IPC_PRIVATE, PG, IPC_CREAT | 0600);

	SHOW("shmat(id, NULL, SHM_REMAP)", shmat(id, NULL, SHM_REMAP) == (void *)-1 ? -1 : 0);
	shmctl(id, IPC_RMID, NULL);
	return 0;
}
