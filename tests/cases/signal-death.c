/*
 * A program killed by a signal: memtrace exits 128 + the signal number, as
 * a shell reports the program's own death (SIGTERM: 143), and says so.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	long r = syscall(SYS_munmap, 0x4001UL, 4096UL);

	printf("munmap of an unaligned address: %s\n", r == -1 ? "failed" : "succeeded");
	printf("sending myself SIGTERM\n");
	fflush(stdout);
	signal(SIGTERM, SIG_DFL);
	kill(getpid(), SIGTERM);
	printf("still alive after SIGTERM\n");
	return 1;
}
