/*
 * Checks for the scenario programs. Each prints "what: RESULT" on stdout,
 * which must be the same natively and under memtrace; a check that fails
 * also leaves a mark in the trace (an unaligned munmap that cannot harm
 * anything), which every .expect forbids, because memtrace never sees
 * stdout. main() returns `failed`.
 */
#ifndef MEMTRACE_TESTS_CHECK_H
#define MEMTRACE_TESTS_CHECK_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PG 4096UL	/* the page size of both arches */

static int failed;

static inline void mark_failure(int line)
{
	failed = 1;
	syscall(SYS_munmap, 0xfa11001UL, (unsigned long)line);
}

/* Prints "what: ok" or "what: ENAME" and checks it against want. */
static inline long expect(int line, const char *what, long r, const char *want)
{
	const char *got = r == -1 ? strerrorname_np(errno) : "ok";

	printf("%s: %s\n", what, got);
	if (strcmp(got, want))
		mark_failure(line);
	return r;
}
#define EXPECT(what, call, want) expect(__LINE__, what, (long)(call), want)

/* Prints "what: ok" or "what: FAILED". */
#define CHECK(what, cond) do { \
	int c_ = !!(cond); \
	printf("%s: %s\n", what, c_ ? "ok" : "FAILED"); \
	if (!c_) \
		mark_failure(__LINE__); \
} while (0)

#endif
