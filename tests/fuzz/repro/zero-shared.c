/*
 * A MAP_SHARED mapping of /dev/zero is shared memory: /proc/PID/maps shows
 * "/dev/zero (deleted)" on the shmem device, not the device of /dev/zero.
 */
#include "common.h"
int main(void)
{
	int fd = open("/dev/zero", O_RDWR);

	SHOW("mmap(NULL, 6 pages, PROT_WRITE, MAP_SHARED, /dev/zero, 0)",
	     mmap(NULL, 6 * PG, PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED ? -1 : 0);
	return 0;
}
