/*
 * mprotect-flip COUNT: what a JIT does to patch code: make one page of its
 * code cache writable, write it, make it executable again (2 trapped calls
 * per iteration). The page lies inside a larger cache, so each flip splits
 * the mapping in three and the flip back merges it again:
 *
 *   [ RX RX RX RX ... ]  ->  [ RX ][ RW ][ RX ... ]  ->  [ RX RX RX RX ... ]
 */
#include <sys/mman.h>

#include "bench.h"

#define CACHE_PAGES 16

int main(int argc, char *argv[])
{
	long count = bench_arg(argc, argv, 1, -1, "COUNT   (RX->RW->RX flips)");
	unsigned char *cache = mmap(NULL, CACHE_PAGES * BENCH_PAGE, PROT_READ | PROT_EXEC,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (cache == MAP_FAILED)
		bench_fail("mmap");
	for (long i = 0; i < count; i++) {
		/* Not the first page: keep an RX neighbour on both sides. */
		unsigned char *page = cache + (1 + i % (CACHE_PAGES - 2)) * BENCH_PAGE;

		if (mprotect(page, BENCH_PAGE, PROT_READ | PROT_WRITE) < 0)
			bench_fail("mprotect (RW)");
		page[i % BENCH_PAGE] = 0xc3;	/* ret */
		if (mprotect(page, BENCH_PAGE, PROT_READ | PROT_EXEC) < 0)
			bench_fail("mprotect (RX)");
	}
	return 0;
}
