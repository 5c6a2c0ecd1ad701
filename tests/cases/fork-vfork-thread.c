/*
 * New tasks: a forked child that maps and unmaps memory, a vfork child that
 * makes one call before _exit, and a thread that maps and unmaps memory.
 * Once there is more than one task, every trace line names its task.
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
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)



/* Maps n pages, fills them, unmaps them: 0 if all went well. */
static int use_pages(unsigned n)
{
	char *p = mmap(NULL, n * PG, RW, ANON, -1, 0);

	if (p == MAP_FAILED)
		return 1;
	memset(p, 'u', n * PG);
	return munmap(p, n * PG) != 0;
}

static void *thread_main(void *arg)
{
	(void)arg;
	return (void *)(long)use_pages(6);
}

static int exited_0(pid_t pid)
{
	int st;

	return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

int main(void)
{
	pthread_t t;
	void *ret;
	pid_t pid;
	char *shared;

	CHECK("the program alone maps 3 pages", use_pages(3) == 0);
	shared = mmap(NULL, PG, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK("a shared page", shared != MAP_FAILED);

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		shared[0] = 'f';
		_exit(use_pages(5));
	}
	CHECK("a forked child maps 5 pages and exits 0", exited_0(pid) && shared[0] == 'f');

	pid = vfork();
	if (pid == 0) {
		/* Only a raw call: a vfork child shares the parent's memory. */
		syscall(SYS_munmap, 0x2001UL, PG);
		_exit(0);
	}
	CHECK("a vfork child makes one call and exits 0", exited_0(pid));

	CHECK("pthread_create", pthread_create(&t, NULL, thread_main, NULL) == 0);
	CHECK("the thread maps 6 pages", pthread_join(t, &ret) == 0 && ret == NULL);

	CHECK("the program alone again maps 9 pages", use_pages(9) == 0);
	fflush(stdout);
	return failed;
}
