/*
 * What may happen to a program while memtrace makes its stub page (built
 * static: memtrace makes the page at the eighth call, where threads run).
 *
 *   stub-races exec SPIN  another thread execs /bin/echo about when main
 *                         makes its eighth call (SPIN: how much later)
 *   stub-races signals    another thread sends main 3000 real-time signals
 *                         meanwhile: every one must arrive
 *   stub-races hardlink   maps a file, then its hard link through the same
 *                         descriptor number: two names in /proc/PID/maps
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static char page[4096] __attribute__((aligned(4096)));
static char stack[1 << 20] __attribute__((aligned(4096)));
static volatile int go, started, done;
static volatile long spin, sent, got;
static pid_t main_tid;

/* A thread on a stack of its own: creating it makes no mmap call. */
static void start_thread(void *(*fn)(void *))
{
	pthread_attr_t attr;
	pthread_t t;

	pthread_attr_init(&attr);
	pthread_attr_setstack(&attr, stack, sizeof(stack));
	pthread_create(&t, &attr, fn, NULL);
	pthread_detach(t);
}

static void *exec_echo(void *arg)
{
	char *argv[] = { "/bin/echo", "exec ok", NULL };

	started = 1;
	while (!go)
		;
	for (volatile long i = 0; i < spin; i++)
		;
	execv(argv[0], argv);
	return arg;
}

static void on_signal(int sig)
{
	(void)sig;
	/* one instruction: a handler of the other signal may interrupt this one */
	__atomic_add_fetch(&got, 1, __ATOMIC_RELAXED);
}

static void *send_signals(void *arg)
{
	for (int i = 0; i < 3000; i++) {
		if (syscall(SYS_tgkill, getpid(), main_tid, SIGRTMIN + i % 2) == 0)
			sent++;
		usleep(20);
	}
	done = 1;
	return arg;
}

static int hardlink(void)
{
	int fd = open("stub-races-link.a", O_RDWR | O_CREAT | O_TRUNC, 0600);
	char line[512];
	FILE *maps;

	unlink("stub-races-link.b");
	if (fd < 0 || ftruncate(fd, 4096) < 0 ||
	    mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED)
		return 1;
	close(fd);
	if (link("stub-races-link.a", "stub-races-link.b") < 0)
		return 1;
	fd = open("stub-races-link.b", O_RDONLY);	/* the same number, the same inode */
	if (mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED)
		return 1;
	maps = fopen("/proc/self/maps", "r");
	while (maps && fgets(line, sizeof(line), maps))
		if (strstr(line, "stub-races-link."))
			printf("%s", strrchr(line, '/') + 1);
	unlink("stub-races-link.a");
	unlink("stub-races-link.b");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "exec") == 0) {
		spin = argc > 2 ? atol(argv[2]) : 0;
		start_thread(exec_echo);
		while (!started)
			;
		go = 1;
		for (;;)
			mprotect(page, sizeof(page), PROT_READ | PROT_WRITE);
	}
	if (argc > 1 && strcmp(argv[1], "signals") == 0) {
		main_tid = gettid();
		signal(SIGRTMIN, on_signal);
		signal(SIGRTMIN + 1, on_signal);
		start_thread(send_signals);
		while (!done)
			mprotect(page, sizeof(page), PROT_READ | PROT_WRITE);
		/* the last ones arrive at a call's return */
		for (int i = 0; i < 100 && got < sent; i++)
			mprotect(page, sizeof(page), PROT_READ | PROT_WRITE);
		printf("sent %ld, received %ld\n", sent, got);
		return sent == got ? 0 : 1;
	}
	if (argc > 1 && strcmp(argv[1], "hardlink") == 0)
		return hardlink();
	fprintf(stderr, "usage: stub-races exec SPIN | signals | hardlink\n");
	return 2;
}
