/*
 * What the workload programs share: their arguments are counts, they fail
 * loudly (a benchmark that quietly does less work measures nothing), and
 * they time themselves with the vDSO clock, which no seccomp filter sees.
 */
#ifndef MEMTRACE_BENCH_H
#define MEMTRACE_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define BENCH_PAGE 4096L

static inline void bench_usage(const char *prog, const char *usage)
{
	fprintf(stderr, "usage: %s %s\n", prog, usage);
	exit(2);
}

/*
 * argv[i] as a count >= 0; dflt when it is absent and dflt >= 0. Exits
 * with the usage line otherwise.
 */
static inline long bench_arg(int argc, char *argv[], int i, long dflt, const char *usage)
{
	char *end;
	long n;

	if (i >= argc) {
		if (dflt < 0)
			bench_usage(argv[0], usage);
		return dflt;
	}
	n = strtol(argv[i], &end, 10);
	if (end == argv[i] || *end || n < 0)
		bench_usage(argv[0], usage);
	return n;
}

static inline void bench_fail(const char *what)
{
	perror(what);
	exit(1);
}

static inline double bench_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

#endif
