/*
 * timeit [-c] FILE PROG [ARGS...]: runs PROG and appends its wall time in
 * ns to FILE as one line. Its clock reads bracket only its fork, the exec
 * and the wait, where date(1) around a command would add a shell's forks
 * and execs to both ends of short runs. Exits with PROG's status (128+N
 * for signal N).
 *
 * -c appends CPU time instead: user + system time of PROG and of every
 * descendant it waited for (a tracer's tracees are its children). On a
 * busy machine that leaves out the time spent waiting for a CPU, which
 * wall time counts and which swamps a small per-call cost.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long timeval_ns(struct timeval tv)
{
	return tv.tv_sec * 1000000000LL + tv.tv_usec * 1000LL;
}

int main(int argc, char *argv[])
{
	int cpu = argc > 1 && strcmp(argv[1], "-c") == 0;
	long long t0, t1;
	struct rusage usage;
	FILE *out;
	pid_t pid;
	int status, err;

	argv += cpu;
	argc -= cpu;
	if (argc < 3) {
		fprintf(stderr, "usage: timeit [-c] FILE PROG [ARGS...]\n");
		return 2;
	}
	out = fopen(argv[1], "ae");
	if (!out) {
		fprintf(stderr, "timeit: cannot open %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	t0 = now_ns();
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "timeit: cannot fork: %s\n", strerror(errno));
		return 2;
	}
	if (pid == 0) {
		execvp(argv[2], &argv[2]);
		err = errno;
		fprintf(stderr, "timeit: cannot run %s: %s\n", argv[2], strerror(err));
		_exit(err == ENOENT ? 127 : 126);
	}
	/* wait4's usage of a child counts the children it waited for, too. */
	while (wait4(pid, &status, 0, &usage) < 0)
		if (errno != EINTR) {
			fprintf(stderr, "timeit: wait4: %s\n", strerror(errno));
			return 2;
		}
	t1 = now_ns();
	fprintf(out, "%lld\n",
		cpu ? timeval_ns(usage.ru_utime) + timeval_ns(usage.ru_stime) : t1 - t0);
	if (fclose(out) != 0) {
		fprintf(stderr, "timeit: cannot write %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
