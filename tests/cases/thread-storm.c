/*
 * Sixteen threads map, split, merge, grow, move, advise and unmap memory at
 * the same time, some of them in slices of one shared mapping, so that
 * their calls split and merge each other's neighbours. Under memtrace
 * (with --verify) the model must follow the kernel through all of it:
 * the calls of one address space are serviced one at a time, in the
 * order the kernel runs them.
 *
 * `thread-storm ROUNDS READY` (the fault tests): ROUNDS rounds per thread,
 * 0 for ever, and the pid is written to the file READY once every thread runs.
 *
 * Build with -pthread.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define THREADS 16
#define ROUNDS 40	/* per thread, by default */
#define SLICE 4	/* pages of the shared mapping that each thread owns */

static char *shared_area;
static pthread_barrier_t start_line;
static long rounds = ROUNDS;

/* One thread's round: returns the number of things that went wrong. */
static int round_trip(unsigned id, unsigned *rng)
{
	unsigned pages = 1 + (*rng = *rng * 1103515245 + 12345) % 6;
	char *slice = shared_area + id * SLICE * PG;
	int wrong = 0;
	char *p, *q;

	p = mmap(NULL, pages * PG, RW, ANON, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	memset(p, 'a' + id, pages * PG);
	/* split the mapping in three, then merge it back */
	if (pages >= 3) {
		wrong += mprotect(p + PG, PG, PROT_READ) != 0;
		wrong += mprotect(p + PG, PG, RW) != 0;
	}
	/* grow it: in place when the neighbour is free, else moved */
	q = mremap(p, pages * PG, (pages + 2) * PG, MREMAP_MAYMOVE);
	if (q == MAP_FAILED) {
		munmap(p, pages * PG);
		return wrong + 1;
	}
	wrong += q[0] != 'a' + (char)id || q[pages * PG - 1] != 'a' + (char)id;
	wrong += q[pages * PG] != 0;
	wrong += madvise(q, PG, MADV_DONTNEED) != 0 || q[0] != 0;
	wrong += munmap(q, (pages + 2) * PG) != 0;

	/* the slice of the shared mapping: split from and merged with the neighbours' */
	wrong += mprotect(slice + PG, PG, PROT_READ) != 0;
	wrong += slice[PG] != (char)id;
	wrong += mprotect(slice, SLICE * PG, RW) != 0;
	slice[0] = (char)id;
	return wrong;
}

static void *thread_main(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg, rng = id + 1;
	int wrong = 0;

	memset(shared_area + id * SLICE * PG, (int)id, SLICE * PG);
	pthread_barrier_wait(&start_line);
	for (long i = 0; rounds == 0 || i < rounds; i++)
		wrong += round_trip(id, &rng);
	return (void *)(intptr_t)wrong;
}

int main(int argc, char *argv[])
{
	pthread_t threads[THREADS];
	char what[64];
	FILE *ready;

	shared_area = mmap(NULL, THREADS * SLICE * PG, RW, ANON, -1, 0);
	if (shared_area == MAP_FAILED)
		return 1;
	if (argc > 1)
		rounds = strtol(argv[1], NULL, 10);
	pthread_barrier_init(&start_line, NULL, THREADS);
	for (unsigned i = 0; i < THREADS; i++)
		if (pthread_create(&threads[i], NULL, thread_main, (void *)(uintptr_t)i))
			return 1;
	if (argc > 2 && (ready = fopen(argv[2], "w"))) {
		fprintf(ready, "%d\n", (int)getpid());
		fclose(ready);
	}
	for (unsigned i = 0; i < THREADS; i++) {
		void *wrong;

		pthread_join(threads[i], &wrong);
		snprintf(what, sizeof(what), "thread %u: %ld rounds", i, rounds);
		CHECK(what, wrong == NULL);
	}
	/* every slice is read-write again, and holds its owner's bytes */
	for (unsigned i = 0; i < THREADS; i++)
		shared_area[i * SLICE * PG + 1] = (char)i;
	CHECK("the shared mapping is whole", munmap(shared_area, THREADS * SLICE * PG) == 0);
	fflush(stdout);
	return failed;
}
