/*
 * getppid-loop COUNT: COUNT getppid calls. The filter lets them through
 * without a stop, so under memtrace this must run at native speed: what
 * is left is the filter's own cost on every system call.
 */
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"

int main(int argc, char *argv[])
{
	long count = bench_arg(argc, argv, 1, -1, "COUNT   (getppid calls)");

	/* The raw syscall: a libc is free to answer getppid from a cache. */
	for (long i = 0; i < count; i++)
		syscall(SYS_getppid);
	return 0;
}
