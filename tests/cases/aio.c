/*
 * io_setup maps an AIO ring where the kernel chooses (top-down, as an
 * mmap), and io_destroy unmaps it: no mmap call of the program's does
 * either. memtrace must follow, or the places it picks for the next
 * mmaps collide with the ring (EEXIST, which mmap(NULL) never gives).
 */
#define _GNU_SOURCE
#include <linux/aio_abi.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"
#include "maps.h"

#define AIO_RING_MAGIC 0xa10a10a1u

int main(void)
{
	aio_context_t ctx = 0, second = 0;
	void *p[4];
	int placed = 0;

	EXPECT("io_setup(16)", syscall(SYS_io_setup, 16, &ctx), "ok");
	CHECK("the ring is mapped at the context's address", ctx && mapped((unsigned long)ctx));
	/* struct aio_ring: id, nr, head, tail, then the magic */
	CHECK("the ring holds its magic", ctx && ((volatile uint32_t *)(uintptr_t)ctx)[4] == AIO_RING_MAGIC);
	for (int i = 0; i < 4; i++) {
		p[i] = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		placed += p[i] != MAP_FAILED && (unsigned long)p[i] != (unsigned long)ctx;
	}
	CHECK("four mmaps beside it are placed", placed == 4);
	EXPECT("io_setup with a context already set", syscall(SYS_io_setup, 16, &ctx), "EINVAL");
	EXPECT("io_setup(0)", syscall(SYS_io_setup, 0, &second), "EINVAL");
	EXPECT("io_setup with a bad pointer", syscall(SYS_io_setup, 16, (void *)8), "EFAULT");
	EXPECT("mlockall with the ring mapped", mlockall(MCL_CURRENT), "ok");
	EXPECT("munlockall", munlockall(), "ok");
	CHECK("the ring may not grow (special mapping)",
	      mremap((void *)(uintptr_t)ctx, PG, 64 * PG, 0) == MAP_FAILED);
	EXPECT("io_destroy", syscall(SYS_io_destroy, ctx), "ok");
	CHECK("the ring is gone", !mapped((unsigned long)ctx));
	EXPECT("io_destroy again", syscall(SYS_io_destroy, ctx), "EINVAL");
	for (int i = 0; i < 4; i++)
		if (p[i] != MAP_FAILED)
			munmap(p[i], PG);
	CHECK("an mmap where the ring was", mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) !=
						     MAP_FAILED);
	fflush(stdout);
	return failed;
}
