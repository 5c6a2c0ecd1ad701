/*
 * For the reproducers of KNOWN-DIVERGENCES: each is one small program whose
 * output (and memtrace's silence) must be the same natively and under
 * memtrace --verify; see run.sh.
 */
#ifndef MMFUZZ_REPRO_COMMON_H
#define MMFUZZ_REPRO_COMMON_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PG 4096UL

/* Prints "what = ok" or "what = ENAME" for a call that returns -1 on failure. */
#define SHOW(what, call) show(what, (long)(call))

static inline void show(const char *what, long r)
{
	printf("%s = %s\n", what, r == -1 ? strerrorname_np(errno) : "ok");
	fflush(stdout);
}

#endif
