/*
 * The program's exit status comes back through memtrace unchanged: this
 * one makes one call and exits 3.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	long r = syscall(SYS_munmap, 0x3001UL, 4096UL);

	printf("munmap of an unaligned address: %s\n", r == -1 ? "failed" : "succeeded");
	printf("exiting with status 3\n");
	fflush(stdout);
	exit(3);
}
