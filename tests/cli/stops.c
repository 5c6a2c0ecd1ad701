/*
 * stops [THREADS]: 1000 rounds of mmap, mprotect, madvise and munmap of one
 * page, in the main thread alone or in each of THREADS threads. With one
 * task, memtrace should stop it once per call (the stub page, munmap
 * committed at entry); stops.sh counts.
 * stops -r ROUNDS: that many rounds, in the main thread.
 * stops -s CHILDREN ROUNDS: runs "stops -r ROUNDS" that many times, one
 * after the other (where the stub page pays depends on what a program's
 * earlier runs did).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static int rounds_wanted = 1000;

static void *rounds(void *unused)
{
	(void)unused;
	for (int i = 0; i < rounds_wanted; i++) {
		char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED || mprotect(p, 4096, PROT_READ) ||
		    madvise(p, 4096, MADV_DONTNEED) || munmap(p, 4096)) {
			perror("stops");
			exit(1);
		}
	}
	return NULL;
}

/* Runs this program again, children times in turn. Returns 0 or 1. */
static int spawn(int children, char *rounds_arg)
{
	for (int i = 0; i < children; i++) {
		int status;
		pid_t child = fork();

		if (child == 0) {
			execl("/proc/self/exe", "stops", "-r", rounds_arg, (char *)NULL);
			_exit(127);
		}
		if (child < 0 || waitpid(child, &status, 0) != child || status != 0)
			return 1;
	}
	return 0;
}

int main(int argc, char *argv[])
{
	int threads = argc > 1 ? atoi(argv[1]) : 0;
	pthread_t t[16];

	if (argc == 4 && strcmp(argv[1], "-s") == 0)
		return spawn(atoi(argv[2]), argv[3]);
	if (argc == 3 && strcmp(argv[1], "-r") == 0) {
		rounds_wanted = atoi(argv[2]);
		threads = 0;
	}

	if (threads < 0 || threads > 16)
		return 2;
	if (!threads)
		rounds(NULL);
	for (int i = 0; i < threads; i++)
		if (pthread_create(&t[i], NULL, rounds, NULL))
			return 1;
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	return 0;
}
