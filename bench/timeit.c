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
 *
 * -C CPUFILE appends the CPU time to CPUFILE as well, beside the wall time
 * in FILE: both clocks of one run.
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

/* Appends ns as a line of path. Returns 0 or -1 (said on stderr). */
static int append_ns(const char *path, long long ns)
{
	FILE *f = fopen(path, "ae");

	if (!f || fprintf(f, "%lld\n", ns) < 0 || fclose(f) != 0) {
		fprintf(stderr, "timeit: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char *argv[])
{
	int cpu = argc > 1 && strcmp(argv[1], "-c") == 0;
	const char *cpu_file = NULL;
	long long t0, t1, cpu_ns;
	struct rusage usage;
	FILE *out;
	pid_t pid;
	int status, err;

	argv += cpu;
	argc -= cpu;
	if (!cpu && argc > 2 && strcmp(argv[1], "-C") == 0) {
		cpu_file = argv[2];
		argv += 2;
		argc -= 2;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: timeit [-c | -C CPUFILE] FILE PROG [ARGS...]\n");
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
	cpu_ns = timeval_ns(usage.ru_utime) + timeval_ns(usage.ru_stime);
	fprintf(out, "%lld\n", cpu ? cpu_ns : t1 - t0);
	if (fclose(out) != 0) {
		fprintf(stderr, "timeit: cannot write %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	if (cpu_file && append_ns(cpu_file, cpu_ns) < 0)
		return 2;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
