/*
 * stops [THREADS]: 1000 rounds of mmap, mprotect, madvise and munmap of one
 * page, in the main thread alone or in each of THREADS threads. With one
 * task, memtrace should stop it once per call (the stub page, munmap
 * committed at entry); stops.sh counts.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#define ROUNDS 1000

static void *rounds(void *unused)
{
	(void)unused;
	for (int i = 0; i < ROUNDS; i++) {
		char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED || mprotect(p, 4096, PROT_READ) ||
		    madvise(p, 4096, MADV_DONTNEED) || munmap(p, 4096)) {
			perror("stops");
			exit(1);
		}
	}
	return NULL;
}

int main(int argc, char *argv[])
{
	int threads = argc > 1 ? atoi(argv[1]) : 0;
	pthread_t t[16];

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
