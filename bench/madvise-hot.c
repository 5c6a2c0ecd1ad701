/*
 * madvise-hot COUNT: an allocator handing back a hot buffer: write every
 * page of 16 KiB, then drop them with MADV_DONTNEED, so the next writes
 * fault in fresh zero pages (1 trapped call per iteration). Small, so that
 * the page faults, which no tracer sees, do not drown the call.
 */
#include <sys/mman.h>

#include "bench.h"

#define BUFFER_PAGES 4

int main(int argc, char *argv[])
{
	long count = bench_arg(argc, argv, 1, -1, "COUNT   (write+MADV_DONTNEED rounds)");
	char *buf = mmap(NULL, BUFFER_PAGES * BENCH_PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (buf == MAP_FAILED)
		bench_fail("mmap");
	for (long i = 0; i < count; i++) {
		for (long off = 0; off < BUFFER_PAGES * BENCH_PAGE; off += BENCH_PAGE)
			buf[off] = (char)i;
		if (madvise(buf, BUFFER_PAGES * BENCH_PAGE, MADV_DONTNEED) < 0)
			bench_fail("madvise");
	}
	return 0;
}
