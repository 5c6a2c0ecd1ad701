/*
 * blocking: a thread maps a page and then waits in epoll_wait and
 * sigtimedwait, which a ptrace stop ends with EINTR rather than restart
 * (signal(7)); another thread's calls (shared memory: they run alone) wait
 * on its mmap, so memtrace may interrupt it to read that call. No signal
 * is ever sent, so neither wait may fail: prints the EINTRs, exits 1 on any.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/mman.h>

#define PG 4096ul
#define ROUNDS 500

static volatile int stop;
static int eintr_epoll, eintr_sigwait;

static void *waiter(void *unused)
{
	struct timespec ms = { 0, 1000000 };
	struct epoll_event ev;
	int efd = epoll_create1(0);
	sigset_t usr2;

	(void)unused;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	for (int i = 0; i < ROUNDS; i++) {
		void *p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (epoll_wait(efd, &ev, 1, 1) < 0 && errno == EINTR)
			eintr_epoll++;
		munmap(p, PG);
		if (sigtimedwait(&usr2, NULL, &ms) < 0 && errno == EINTR)
			eintr_sigwait++;
	}
	stop = 1;
	return NULL;
}

static void *mapper(void *unused)
{
	(void)unused;
	while (!stop) {
		void *p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

		munmap(p, PG);
	}
	return NULL;
}

int main(void)
{
	pthread_t a, b;
	sigset_t usr2;

	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &usr2, NULL);
	/* enough calls for the stub page */
	for (int i = 0; i < 40; i++)
		munmap(mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), PG);
	pthread_create(&a, NULL, waiter, NULL);
	pthread_create(&b, NULL, mapper, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	printf("EINTR: epoll_wait %d, sigtimedwait %d\n", eintr_epoll, eintr_sigwait);
	return eintr_epoll || eintr_sigwait;
}
