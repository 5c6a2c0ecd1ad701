/*
 * A known call chain for the call-stack tests:
 *
 *     main -> [recurse x DEPTH] -> level_one -> level_two -> level_three -> mmap
 *
 * stacks [DEPTH | thread | signal]
 *
 * DEPTH (default 0: main calls level_one itself) lets the benchmark reach 16
 * frames. "thread" runs the chain in a new thread (thread_main ->
 * level_one), "signal" in a signal handler (on_signal -> level_one) that
 * interrupts raise() in main. The mmap asks for STACKS_MAGIC_LEN bytes, a
 * length nothing else uses, so the tracer knows which call to stop at.
 * Every function is a global symbol that is never inlined, cloned or
 * tail-called, whatever the optimisation level.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define STACKS_MAGIC_LEN (0x1f3 * 4096)	/* as in stack-test.c */
#define KEEP_FRAME __attribute__((noinline, noipa))

int level_one(void);
int level_two(void);
int level_three(void);
int recurse(int depth);
void *thread_main(void *arg);
void on_signal(int sig);

/* Work after each call keeps it from being a tail call. */
static volatile int sink;

KEEP_FRAME int level_three(void)
{
	void *p = mmap(NULL, STACKS_MAGIC_LEN, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	munmap(p, STACKS_MAGIC_LEN);
	return 3;
}

KEEP_FRAME int level_two(void)
{
	int r = level_three();

	sink = r;
	return r + 2;
}

KEEP_FRAME int level_one(void)
{
	int r = level_two();

	sink = r;
	return r + 1;
}

KEEP_FRAME int recurse(int depth)
{
	int r = depth > 1 ? recurse(depth - 1) : level_one();

	sink = r;
	return r + 1;
}

KEEP_FRAME void *thread_main(void *arg)
{
	sink = level_one();
	return arg;
}

KEEP_FRAME void on_signal(int sig)
{
	sink = level_one() + sig;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "0";
	pthread_t thread;
	int r;

	if (strcmp(mode, "thread") == 0) {
		if (pthread_create(&thread, NULL, thread_main, NULL) != 0)
			return 1;
		pthread_join(thread, NULL);
		r = sink;
	} else if (strcmp(mode, "signal") == 0) {
		signal(SIGUSR1, on_signal);
		raise(SIGUSR1);
		r = sink;
	} else {
		r = atoi(mode) > 0 ? recurse(atoi(mode)) : level_one();
	}
	sink = r;
	return r > 0 ? 0 : 1;
}
