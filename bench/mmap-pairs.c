/*
 * mmap-pairs COUNT: COUNT mmap+munmap pairs of one anonymous page, the
 * commonest pair of memory calls (2 trapped calls per iteration). Under
 * memtrace each mmap is placed by the model: a hole search, a rewrite of
 * the call and an insertion.
 */
#include <sys/mman.h>

#include "bench.h"

int main(int argc, char *argv[])
{
	long count = bench_arg(argc, argv, 1, -1, "COUNT   (mmap+munmap pairs)");

	for (long i = 0; i < count; i++) {
		void *p = mmap(NULL, BENCH_PAGE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			bench_fail("mmap");
		if (munmap(p, BENCH_PAGE) < 0)
			bench_fail("munmap");
	}
	return 0;
}
