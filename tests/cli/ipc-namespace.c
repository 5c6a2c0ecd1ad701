/*
 * System V shared memory in an IPC namespace other than memtrace's: the
 * same id names another segment there, or none (ipc-namespace.sh).
 *
 *   ipc-namespace hold SIZE    makes a segment of SIZE bytes and leaves it
 *   ipc-namespace attach SIZE  unshares its IPC namespace, makes a segment
 *                              of SIZE bytes there, attaches it anywhere,
 *                              writes every byte, detaches it
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

int main(int argc, char **argv)
{
	size_t size;
	char *p;
	int id;

	if (argc != 3)
		return 2;
	size = strtoul(argv[2], NULL, 0);
	if (strcmp(argv[1], "attach") == 0 && unshare(CLONE_NEWIPC) < 0) {
		printf("unshare: %s\n", strerror(errno));
		return 77;
	}
	id = shmget(IPC_PRIVATE, size, IPC_CREAT | 0600);
	if (id < 0) {
		printf("shmget: %s\n", strerror(errno));
		return 1;
	}
	if (strcmp(argv[1], "hold") == 0)
		return 0;
	p = shmat(id, NULL, 0);
	if (p == (void *)-1) {
		printf("shmat: %s\n", strerror(errno));
		return 1;
	}
	memset(p, 1, size);
	printf("segment %d: %zu bytes attached and written\n", id, size);
	printf("shmdt: %d\n", shmdt(p));
	shmctl(id, IPC_RMID, NULL);
	return 0;
}
