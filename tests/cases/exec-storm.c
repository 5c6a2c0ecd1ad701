/*
 * exec from a thread while seven others are in (or waiting for) memory
 * calls: the kernel ends them wherever they are, the exec'ing thread takes
 * over the pid, and memtrace must drop their calls cleanly and model the
 * new image from scratch (--verify checks it). The new image, this
 * program run with "after", forks a storm of children that map memory,
 * then vforks a child that execs /bin/sh, and exits 0.
 *
 * Build with -pthread.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define THREADS 7
#define CHILDREN 12

static pthread_barrier_t start_line;

static void *churn(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&start_line);
	for (;;) {
		char *p = mmap(NULL, 3 * PG, RW, ANON, -1, 0);

		if (p == MAP_FAILED)
			continue;
		mprotect(p + PG, PG, PROT_READ);
		munmap(p, 3 * PG);
	}
	return NULL;
}

static void *exec_again(void *arg)
{
	char *const argv[] = { "exec-storm", "after", NULL };

	(void)arg;
	pthread_barrier_wait(&start_line);
	usleep(20000);	/* let the others get going */
	execv("/proc/self/exe", argv);
	mark_failure(__LINE__);
	_exit(1);
}

/* After the exec: children that map, and a vfork child that runs a shell. */
static int after(void)
{
	int status, all_ok = 1;
	pid_t pid;

	CHECK("after exec from a busy thread", 1);
	for (int i = 0; i < CHILDREN; i++) {
		pid = fork();
		if (pid == 0) {
			char *p = mmap(NULL, (i + 1) * PG, RW, ANON, -1, 0);

			_exit(p == MAP_FAILED || munmap(p, (i + 1) * PG) != 0);
		}
		if (pid < 0)
			all_ok = 0;
	}
	while ((pid = wait(&status)) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			all_ok = 0;
	CHECK("a storm of forked children mapped and unmapped", all_ok);
	fflush(stdout);
	pid = vfork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", "exit 3", (char *)NULL);
		_exit(127);
	}
	CHECK("vfork + exec of a shell", pid > 0 && waitpid(pid, &status, 0) == pid &&
	      WIFEXITED(status) && WEXITSTATUS(status) == 3);
	fflush(stdout);
	return failed;
}

int main(int argc, char *argv[])
{
	pthread_t t;

	if (argc > 1 && strcmp(argv[1], "after") == 0)
		return after();
	pthread_barrier_init(&start_line, NULL, THREADS + 1);
	for (int i = 0; i < THREADS; i++)
		if (pthread_create(&t, NULL, churn, NULL))
			return 1;
	if (pthread_create(&t, NULL, exec_again, NULL))
		return 1;
	pthread_join(t, NULL);	/* never returns: the exec ends this image */
	return 1;
}
