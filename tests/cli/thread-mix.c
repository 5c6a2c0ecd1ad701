/*
 * thread-mix ROUNDS MODE: 8 threads make random memory calls over one
 * 64-page area and mappings of their own, on adjacent and overlapping
 * ranges: mmap with and without a hint (some MAP_STACK), MAP_FIXED and
 * MAP_FIXED_NOREPLACE, munmap, mprotect, madvise (DONTNEED, DONTFORK,
 * DOFORK), mremap. MODE adds, by bits: 1 brk up and down, 2 mlockall and
 * munlockall, 4 forks whose child unmaps and protects, 8 calls on the stub
 * page's addresses, 16 no mremap, 32 signals sent to the threads all along,
 * whose handler maps, protects and unmaps a page of its own (a signal
 * caught between a call's return and its stub slot's code). Under
 * memtrace's concurrent turns every
 * order of these must leave the model equal to the kernel's maps
 * (thread-mix.sh checks with --verify). A stress test first written to
 * review that change; it found the stub and fork races.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG 4096ul
#define T 8
#define AREA 64
static char *area;	/* AREA pages, shared by the threads */
static long rounds = 200;
static int mode;	/* see above */
static pthread_barrier_t bar;
static long grown;
static int running = T;

static void on_signal(int sig)
{
	void *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)sig;
	if (p != MAP_FAILED) {
		mprotect(p, PG, PROT_READ);
		munmap(p, 2 * PG);
	}
}

static unsigned rnd(unsigned *s) { return (*s = *s * 1103515245 + 12345) >> 8; }

static void *run(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg, s = id * 7 + getpid();
	char *mine[8] = { 0 };
	size_t mlen[8] = { 0 };

	pthread_barrier_wait(&bar);
	for (long i = 0; i < rounds; i++) {
		unsigned op = rnd(&s) % 14, k = rnd(&s) % 8;
		unsigned off = rnd(&s) % AREA, n = 1 + rnd(&s) % 6;
		if (off + n > AREA)
			n = AREA - off;
		char *a = area + off * PG;
		switch (op) {
		case 0: case 1: case 2:
			if (mine[k]) {
				munmap(mine[k], mlen[k]);
				mine[k] = NULL;
			}
			mlen[k] = (1 + rnd(&s) % 5) * PG;
			mine[k] = mmap(rnd(&s) % 3 ? NULL : (void *)(area + off * PG), mlen[k],
				       PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS | (rnd(&s) % 4 ? 0 : MAP_STACK), -1, 0);
			if (mine[k] == MAP_FAILED)
				mine[k] = NULL;
			break;
		case 3:
			if (mine[k] && !(mode & 16)) {
				size_t nl = mlen[k] + PG * (1 + rnd(&s) % 3);
				char *q = mremap(mine[k], mlen[k], nl, MREMAP_MAYMOVE);
				if (q != MAP_FAILED) {
					mine[k] = q;
					mlen[k] = nl;
				}
			}
			break;
		case 4:
			if (mine[k] && mlen[k] > PG)
				mprotect(mine[k] + PG, PG, rnd(&s) % 2 ? PROT_READ : PROT_READ | PROT_WRITE);
			break;
		case 5:
			munmap(a, n * PG);
			break;
		case 6:
			mmap(a, n * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
			break;
		case 7:
			mprotect(a, n * PG, rnd(&s) % 2 ? PROT_READ : PROT_READ | PROT_WRITE);
			break;
		case 8:
			madvise(a, n * PG, rnd(&s) % 2 ? MADV_DONTNEED : (rnd(&s) % 2 ? MADV_DONTFORK : MADV_DOFORK));
			break;
		case 9:
			mmap(a, n * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
			break;
		case 10:
			if (mode & 1) {
				if (rnd(&s) % 2) {
					if (sbrk(PG) != (void *)-1)
						__atomic_add_fetch(&grown, 1, __ATOMIC_SEQ_CST);
				} else if (__atomic_sub_fetch(&grown, 1, __ATOMIC_SEQ_CST) >= 0)
					sbrk(-(long)PG);
				else
					__atomic_add_fetch(&grown, 1, __ATOMIC_SEQ_CST);
			}
			break;
		case 11:
			if ((mode & 2) && id == 0) {
				if (rnd(&s) % 2)
					mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT);
				else
					munlockall();
			}
			break;
		case 12:
			if ((mode & 4) && id == 1 && rnd(&s) % 8 == 0) {
				pid_t c = fork();
				if (c == 0) {
					munmap(area, PG);
					mprotect(area + 2 * PG, PG, PROT_READ);
					_exit(0);
				}
				waitpid(c, NULL, 0);
			}
			break;
		case 13:
			if (mode & 8) {
				if (id % 2)
					mprotect((void *)0x100000, 2 * PG, PROT_READ);
				else {
					void *p = mmap((void *)0x100000, PG, PROT_READ | PROT_WRITE,
						       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
					if (p != MAP_FAILED && p != (void *)0x100000)
						munmap(p, PG);
				}
			}
			break;
		}
	}
	__atomic_sub_fetch(&running, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th[T];

	if (argc > 1)
		rounds = atol(argv[1]);
	if (argc > 2)
		mode = atoi(argv[2]);
	/* warm: enough calls for the stub (one task) */
	for (int i = 0; i < 40; i++) {
		void *p = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		munmap(p, PG);
	}
	area = mmap(NULL, AREA * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pthread_barrier_init(&bar, NULL, T);
	if (mode & 32) {
		struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };

		sigaction(SIGUSR1, &sa, NULL);
	}
	for (int i = 0; i < T; i++)
		pthread_create(&th[i], NULL, run, (void *)(uintptr_t)i);
	/* at most 100 rounds: each handler's calls must not outrun the threads' own */
	for (unsigned s = 1; (mode & 32) && s <= 100 && __atomic_load_n(&running, __ATOMIC_SEQ_CST);
	     s++) {
		for (int i = 0; i < T; i++)
			pthread_kill(th[i], SIGUSR1);
		usleep(500 + s * 37 % 1000);
	}
	for (int i = 0; i < T; i++)
		pthread_join(th[i], NULL);
	return 0;
}
