/*
 * madvise: MADV_DONTNEED zero-fills private anonymous memory, keeps shared
 * memory, and drops a private file mapping's copies; the argument errors;
 * ENOMEM for holes, after the mapped parts got the advice; and what a
 * forked child gets after MADV_DONTFORK and MADV_WIPEONFORK.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "maps.h"

#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define RW (PROT_READ | PROT_WRITE)
#ifndef MADV_WIPEONFORK
#define MADV_WIPEONFORK 18
#define MADV_KEEPONFORK 19
#endif

static long sys_madvise(unsigned long addr, unsigned long len, int advice)
{
	return syscall(SYS_madvise, addr, len, advice);
}

int main(void)
{
	static char page[PG];
	long a, s, f, d, w;
	int fd;

	a = EXPECT("map 4 private pages", mmap(NULL, 4 * PG, RW, ANON, -1, 0), "ok");
	memset((void *)a, 'x', 4 * PG);
	EXPECT("MADV_DONTNEED", sys_madvise(a, 4 * PG, MADV_DONTNEED), "ok");
	CHECK("private anonymous pages read back as zeroes", all_bytes(a, 4 * PG, 0));
	memset((void *)a, 'x', 4 * PG);
	EXPECT("MADV_DONTNEED on the middle 2", sys_madvise(a + PG, 2 * PG, MADV_DONTNEED), "ok");
	CHECK("only those are zeroed", all_bytes(a, PG, 'x') && all_bytes(a + PG, 2 * PG, 0) &&
	      all_bytes(a + 3 * PG, PG, 'x'));

	s = EXPECT("map 2 shared pages", mmap(NULL, 2 * PG, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0), "ok");
	memset((void *)s, 'y', 2 * PG);
	EXPECT("MADV_DONTNEED shared", sys_madvise(s, 2 * PG, MADV_DONTNEED), "ok");
	CHECK("shared pages keep their contents", all_bytes(s, 2 * PG, 'y'));
	EXPECT("MADV_WIPEONFORK on shared memory", sys_madvise(s, 2 * PG, MADV_WIPEONFORK), "EINVAL");
	munmap((void *)s, 2 * PG);

	fd = open("data", O_RDWR | O_CREAT | O_TRUNC, 0600);
	memset(page, 'f', PG);
	if (fd < 0 || write(fd, page, PG) != PG || write(fd, page, PG) != PG)
		return 1;
	f = EXPECT("map a file privately", mmap(NULL, 2 * PG, RW, MAP_PRIVATE, fd, 0), "ok");
	memset((void *)f, 'w', 2 * PG);
	EXPECT("MADV_DONTNEED on it", sys_madvise(f, 2 * PG, MADV_DONTNEED), "ok");
	CHECK("the private copies are dropped: the file shows again", all_bytes(f, 2 * PG, 'f'));
	munmap((void *)f, 2 * PG);

	EXPECT("MADV_NORMAL", sys_madvise(a, 4 * PG, MADV_NORMAL), "ok");
	EXPECT("MADV_RANDOM", sys_madvise(a, 4 * PG, MADV_RANDOM), "ok");
	EXPECT("MADV_SEQUENTIAL", sys_madvise(a, 4 * PG, MADV_SEQUENTIAL), "ok");
	EXPECT("MADV_WILLNEED", sys_madvise(a, 4 * PG, MADV_WILLNEED), "ok");
	EXPECT("unknown advice 999", sys_madvise(a, 4 * PG, 999), "EINVAL");
	EXPECT("unknown advice 5", sys_madvise(a, 4 * PG, 5), "EINVAL");
	EXPECT("unaligned start", sys_madvise(a + 1, PG, MADV_DONTNEED), "EINVAL");
	EXPECT("len 0", sys_madvise(a, 0, MADV_DONTNEED), "ok");
#ifndef __i386__
	/* (An i386 task's end cannot wrap: the kernel adds in 64 bits.) */
	EXPECT("a length that wraps around", sys_madvise(a, ~0UL, MADV_NORMAL), "EINVAL");
#endif

	/* A hole at page 2 of 4: the advice still reaches both sides. */
	memset((void *)a, 'x', 4 * PG);
	munmap((void *)(a + 2 * PG), PG);
	EXPECT("MADV_DONTNEED over a hole", sys_madvise(a, 4 * PG, MADV_DONTNEED), "ENOMEM");
	CHECK("the pages on both sides were zeroed anyway", all_bytes(a, 2 * PG, 0) && all_bytes(a + 3 * PG, PG, 0));
	EXPECT("MADV_NORMAL on the hole alone", sys_madvise(a + 2 * PG, PG, MADV_NORMAL), "ENOMEM");
	EXPECT("len 0 on the hole", sys_madvise(a + 2 * PG, 0, MADV_NORMAL), "ok");
	munmap((void *)a, 4 * PG);

	a = EXPECT("map 2 pages", mmap(NULL, 2 * PG, RW, ANON, -1, 0), "ok");
	memset((void *)a, 'l', 2 * PG);
	EXPECT("mlock them", mlock((void *)a, 2 * PG), "ok");
	EXPECT("MADV_DONTNEED on locked pages", sys_madvise(a, 2 * PG, MADV_DONTNEED), "EINVAL");
	CHECK("they keep their contents", all_bytes(a, 2 * PG, 'l'));
	munmap((void *)a, 2 * PG);

	d = EXPECT("map 2 pages for MADV_DONTFORK", mmap(NULL, 2 * PG, RW, ANON, -1, 0), "ok");
	memset((void *)d, 'd', 2 * PG);
	w = EXPECT("map 2 pages for MADV_WIPEONFORK", mmap(NULL, 2 * PG, RW, ANON, -1, 0), "ok");
	memset((void *)w, 'w', 2 * PG);
	CHECK("a forked child gets a copy", child_finds(d, 2 * PG, 'd') == 2 && child_finds(w, 2 * PG, 'w') == 2);
	EXPECT("MADV_DONTFORK", sys_madvise(d, 2 * PG, MADV_DONTFORK), "ok");
	EXPECT("MADV_WIPEONFORK", sys_madvise(w, 2 * PG, MADV_WIPEONFORK), "ok");
	CHECK("after MADV_DONTFORK the child has no such mapping", child_finds(d, 2 * PG, 'd') == 0);
	CHECK("after MADV_WIPEONFORK the child gets zeroes", child_finds(w, 2 * PG, 'w') == 1);
	CHECK("the parent keeps both", all_bytes(d, 2 * PG, 'd') && all_bytes(w, 2 * PG, 'w'));
	EXPECT("MADV_DOFORK", sys_madvise(d, 2 * PG, MADV_DOFORK), "ok");
	EXPECT("MADV_KEEPONFORK", sys_madvise(w, 2 * PG, MADV_KEEPONFORK), "ok");
	CHECK("then the child gets copies again", child_finds(d, 2 * PG, 'd') == 2 && child_finds(w, 2 * PG, 'w') == 2);

	fflush(stdout);
	return failed;
}
