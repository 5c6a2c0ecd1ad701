/*
 * io_uring's rings: the kernel places them (its get_unmapped_area refuses
 * any address it is given), so memtrace must not pick their address. And
 * they may not be executed (Linux 6.15 marks anonymous inodes noexec), which
 * READ_IMPLIES_EXEC must respect. Skipped where io_uring is not available
 * (kernel.io_uring_disabled, or a seccomp profile).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"
#include "maps.h"

#define NR_IO_URING_SETUP 425	/* the same on x86_64 and i386 */
#define OFF_SQ_RING 0ul
#define OFF_SQES 0x10000000ul

int main(void)
{
	unsigned params[30] = { 0 };	/* struct io_uring_params: 120 bytes */
	int fd = (int)syscall(NR_IO_URING_SETUP, 4, params);
	long a, b;

	if (fd < 0) {
		printf("io_uring_setup: %s\n", strerrorname_np(errno));
		return 77;
	}
	a = EXPECT("mmap the submission ring",
		   (long)mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, OFF_SQ_RING),
		   "ok");
	CHECK("shared and writable", !strcmp(perms(a), "rw-s"));
	b = EXPECT("mmap the entries", (long)mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, OFF_SQES), "ok");
	EXPECT("munmap them", munmap((void *)b, PG), "ok");
	personality(personality(0xffffffff) | READ_IMPLIES_EXEC);
	b = EXPECT("mmap them under READ_IMPLIES_EXEC",
		   (long)mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, OFF_SQES), "ok");
	/* 6.15 and later: not executable (anonymous inodes are noexec); before: executable */
	printf("their permissions: %s\n", perms(b));
	EXPECT("munmap the ring", munmap((void *)a, PG), "ok");
	close(fd);
	fflush(stdout);
	return failed;
}
