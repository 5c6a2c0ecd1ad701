/*
 * brk-cycle COUNT: COUNT grow-then-shrink pairs of the heap by 64 KiB
 * (2 trapped calls per iteration, plus one brk(0)). The raw syscall, not
 * sbrk: glibc caches the break, and malloc would add calls of its own.
 */
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"

#define STEP (16 * BENCH_PAGE)

int main(int argc, char *argv[])
{
	long count = bench_arg(argc, argv, 1, -1, "COUNT   (brk grow+shrink pairs)");
	uintptr_t base = (uintptr_t)syscall(SYS_brk, 0L);

	for (long i = 0; i < count; i++) {
		/* brk returns the new break, or the old one when it fails. */
		if ((uintptr_t)syscall(SYS_brk, base + STEP) != base + STEP)
			bench_fail("brk (grow)");
		if ((uintptr_t)syscall(SYS_brk, base) != base)
			bench_fail("brk (shrink)");
	}
	return 0;
}
