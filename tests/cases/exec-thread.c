/*
 * exec from a thread other than the main one: the kernel ends the other
 * threads and the exec'ing thread takes over the process's pid. The new
 * image (this program again, run with "child") maps and unmaps 11 pages
 * and exits 0; its calls must be traced like any others.
 *
 * Build with -pthread.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PG 4096UL

static void *thread_main(void *arg)
{
	char *const argv[] = { "exec-thread", "child", NULL };

	(void)arg;
	syscall(SYS_munmap, 0x5001UL, PG);	/* a mark in the trace */
	execv("/proc/self/exe", argv);
	printf("execv from the thread: %s\n", strerrorname_np(errno));
	fflush(stdout);
	_exit(1);
}

int main(int argc, char **argv)
{
	pthread_t t;

	if (argc > 1 && !strcmp(argv[1], "child")) {
		char *p = mmap(NULL, 11 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		printf("the new image maps 11 pages: %s\n", p == MAP_FAILED ? "FAILED" : "ok");
		printf("and unmaps them: %s\n", p != MAP_FAILED && munmap(p, 11 * PG) == 0 ? "ok" : "FAILED");
		fflush(stdout);
		return p == MAP_FAILED;
	}
	printf("the main thread starts a thread that execs\n");
	fflush(stdout);
	if (pthread_create(&t, NULL, thread_main, NULL) != 0)
		return 1;
	pthread_join(t, NULL);	/* never returns: the exec ends this thread */
	printf("pthread_join returned\n");
	return 1;
}
