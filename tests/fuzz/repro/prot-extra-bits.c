/*
 * mprotect with PROT_SEM (0x8, valid on x86): over [mapping, hole) it fails
 * with ENOMEM after changing the mapping; where it succeeds memtrace rereads
 * the layout from /proc and forgets the SysV shm attachment (shmdt).
 */
#include "common.h"
int main(void)
{
	int id = shmget(IPC_PRIVATE, 4 * PG, IPC_CREAT | 0600);
	char *s = shmat(id, NULL, 0);
	char *r = mmap(NULL, 4 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	shmctl(id, IPC_RMID, NULL);
	munmap(r + 2 * PG, 2 * PG);
	SHOW("mprotect(2 pages + hole, PROT_READ|PROT_SEM)", mprotect(r, 4 * PG, PROT_READ | 0x8));
	printf("first page readable now: %s\n", *(volatile char *)r == 0 ? "yes" : "?");
	SHOW("mprotect(r, 1 page, PROT_READ|PROT_SEM)", mprotect(r, PG, PROT_READ | 0x8));
	SHOW("shmdt(shm)", shmdt(s));
	return 0;
}
