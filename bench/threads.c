/*
 * threads COUNT: 8 threads, each doing COUNT malloc/free rounds on blocks
 * of 64 KiB to 1 MiB, a few alive at a time, writing one byte per page.
 * Around glibc's mmap threshold (128 KiB at first, then raised to the
 * largest mmapped block freed) malloc now and then maps and unmaps blocks,
 * grows its per-thread arenas with mprotect and trims them with madvise:
 * memory calls from threads sharing one address space, as in a server.
 */
#include <pthread.h>
#include <string.h>

#include "bench.h"

#define THREADS 8
#define LIVE_BLOCKS 8
#define MIN_BLOCK (64 * 1024L)
#define MAX_BLOCK (1024 * 1024L)

struct worker {
	pthread_t thread;
	long rounds;
	unsigned seed;		/* rand_r's: each thread repeats its own sequence */
};

static void *work(void *arg)
{
	struct worker *w = arg;
	char *live[LIVE_BLOCKS] = { NULL };

	for (long i = 0; i < w->rounds; i++) {
		int slot = rand_r(&w->seed) % LIVE_BLOCKS;
		long size = MIN_BLOCK + rand_r(&w->seed) % (MAX_BLOCK - MIN_BLOCK);

		free(live[slot]);
		live[slot] = malloc(size);
		if (!live[slot])
			bench_fail("malloc");
		for (long off = 0; off < size; off += BENCH_PAGE)
			live[slot][off] = (char)i;
	}
	for (int slot = 0; slot < LIVE_BLOCKS; slot++)
		free(live[slot]);
	return NULL;
}

int main(int argc, char *argv[])
{
	struct worker workers[THREADS];
	long rounds = bench_arg(argc, argv, 1, -1, "COUNT   (malloc/free rounds per thread)");
	int t, err;

	for (t = 0; t < THREADS; t++) {
		workers[t].rounds = rounds;
		workers[t].seed = t + 1;
		err = pthread_create(&workers[t].thread, NULL, work, &workers[t]);
		if (err) {
			fprintf(stderr, "pthread_create: %s\n", strerror(err));
			return 1;
		}
	}
	for (t = 0; t < THREADS; t++)
		pthread_join(workers[t].thread, NULL);
	return 0;
}
