/*
 * mseal (Linux 6.10): its argument errors, ENOMEM for holes, and what a
 * sealed mapping refuses afterwards (EPERM): munmap, mprotect and
 * pkey_mprotect (after changing the mappings below the sealed one),
 * mremap from or onto it, MAP_FIXED over it, remap_file_pages, brk
 * shrinking over it, and the madvise that discards pages of private
 * anonymous memory the program cannot write. What it still allows:
 * discarding writable or file memory, other advice, mlock, shmdt (which
 * leaves the segment mapped), a forked child's copy (sealed too), and
 * adjacent sealed pieces merging. And around it: a memfd's own seal
 * refusing MADV_REMOVE (EPERM that is not mseal's), an advice that fails
 * before it reaches a sealed mapping, an mremap of two mappings onto a
 * partly sealed destination (6.17 moves the first before it fails), and
 * sealed huge pages (which are not anonymous memory to madvise). Skipped
 * where the kernel has no mseal.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "maps.h"

#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define RW (PROT_READ | PROT_WRITE)
#define NR_MSEAL 462	/* the same on x86_64 and i386 */
#ifndef MADV_WIPEONFORK
#define MADV_WIPEONFORK 18
#endif
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102	/* Linux 6.13; EINVAL before */
#endif
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

static long sys_mseal(unsigned long addr, unsigned long len, unsigned long flags)
{
	return syscall(NR_MSEAL, addr, len, flags);
}

static long sys_madvise(unsigned long addr, unsigned long len, int advice)
{
	return syscall(SYS_madvise, addr, len, advice);
}

static long map(unsigned pages, int prot)
{
	long a = (long)mmap(NULL, pages * PG, prot, ANON, -1, 0);

	if (a == -1) {
		printf("mmap: %s\n", strerrorname_np(errno));
		exit(1);
	}
	return a;
}

/* Forks a child and returns test(page) as it exits with it. */
static int in_child(int (*test)(long), long page)
{
	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(test(page));
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* 0 when page could not be unmapped because it is sealed */
static int unmaps(long page)
{
	return munmap((void *)page, PG) == 0 ? 1 : errno == EPERM ? 0 : 2;
}

static int has(long page)
{
	return mapped(page);
}

static void argument_errors(void)
{
	long a = map(2, RW);

	EXPECT("flags 1", sys_mseal(a, PG, 1), "EINVAL");
	EXPECT("an unaligned start", sys_mseal(a + 1, PG, 0), "EINVAL");
#ifndef __i386__
	/* (an i386 task's length cannot wrap: the kernel adds in 64 bits) */
	EXPECT("a length that rounds up to 0", sys_mseal(a, ~0UL, 0), "EINVAL");
	EXPECT("a range that wraps", sys_mseal(a, 0UL - (unsigned long)a + PG, 0), "EINVAL");
#else
	EXPECT("a length past 4 GiB", sys_mseal(a, ~0UL, 0), "ENOMEM");
#endif
	EXPECT("len 0", sys_mseal(a, 0, 0), "ok");
	EXPECT("munmap after those", munmap((void *)a, 2 * PG), "ok");
	EXPECT("over nothing", sys_mseal(a, PG, 0), "ENOMEM");

	a = map(3, RW);
	munmap((void *)(a + PG), PG);
	EXPECT("over a hole", sys_mseal(a, 3 * PG, 0), "ENOMEM");
	EXPECT("nothing was sealed: munmap both sides", munmap((void *)a, 3 * PG), "ok");
}

static void unmapping(void)
{
	long a = map(3, RW);

	memset((void *)a, 's', 3 * PG);
	EXPECT("seal the middle page of 3 (len 10)", sys_mseal(a + PG, 10, 0), "ok");
	EXPECT("again, with its neighbours' bytes", sys_mseal(a + PG, PG, 0), "ok");
	LAYOUT("three mappings now", a, 3, "0-3 rw-p");
	CHECK("as three VMAs", vmas(a, 3) == 3);
	EXPECT("munmap the sealed page", munmap((void *)(a + PG), PG), "EPERM");
	EXPECT("munmap all three", munmap((void *)a, 3 * PG), "EPERM");
	CHECK("all three are there still", mapped(a) && all_bytes(a, 3 * PG, 's'));
	EXPECT("munmap the first", munmap((void *)a, PG), "ok");
	EXPECT("munmap the third", munmap((void *)(a + 2 * PG), PG), "ok");
	CHECK("a forked child cannot unmap it either", in_child(unmaps, a + PG) == 0);
	EXPECT("MAP_FIXED over it",
	       (long)mmap((void *)(a + PG), PG, PROT_READ, ANON | MAP_FIXED, -1, 0), "EPERM");
	EXPECT("MAP_FIXED over it and its free neighbours",
	       (long)mmap((void *)a, 3 * PG, PROT_READ, ANON | MAP_FIXED, -1, 0), "EPERM");
	LAYOUT("which stayed free", a, 3, "0-1 hole, 1-2 rw-p, 2-3 hole");
	EXPECT("MAP_FIXED_NOREPLACE over it",
	       (long)mmap((void *)(a + PG), PG, PROT_READ, ANON | MAP_FIXED_NOREPLACE, -1, 0),
	       "EEXIST");

	a = map(4, RW);
	EXPECT("seal pages 1 and 2 one by one", sys_mseal(a + PG, PG, 0) | sys_mseal(a + 2 * PG, PG, 0), "ok");
	CHECK("they merge into one VMA", vmas(a, 4) == 3);
	EXPECT("seal all 4", sys_mseal(a, 4 * PG, 0), "ok");
	CHECK("all one VMA", vmas(a, 4) == 1);
}

static void protections(void)
{
	long a = map(3, PROT_READ);

	EXPECT("seal the middle page of 3 read-only ones", sys_mseal(a + PG, PG, 0), "ok");
	EXPECT("mprotect all three", mprotect((void *)a, 3 * PG, RW), "EPERM");
	LAYOUT("the page below the sealed one changed", a, 3, "0-1 rw-p, 1-3 r--p");
	EXPECT("mprotect the sealed one to what it is", mprotect((void *)(a + PG), PG, PROT_READ),
	       "EPERM");
	EXPECT("mprotect len 0", mprotect((void *)(a + PG), 0, RW), "ok");
	EXPECT("mprotect a bad prot", mprotect((void *)(a + PG), PG, 0x100), "EINVAL");
	EXPECT("mlock the three", mlock((void *)a, 3 * PG), "ok");
	EXPECT("munlock them", munlock((void *)a, 3 * PG), "ok");
	EXPECT("mprotect the third", mprotect((void *)(a + 2 * PG), PG, PROT_NONE), "ok");
	EXPECT("pkey_mprotect the sealed one", syscall(SYS_pkey_mprotect, a + PG, PG, RW, -1),
	       "EPERM");
	EXPECT("msync the sealed one", msync((void *)(a + PG), PG, MS_SYNC), "ok");
}

static void remapping(void)
{
	long a = map(2, RW), b = map(1, RW), far = map(4, RW);

	munmap((void *)far, 4 * PG);
	EXPECT("seal 2 pages", sys_mseal(a, 2 * PG, 0), "ok");
	EXPECT("mremap shrink", (long)mremap((void *)a, 2 * PG, PG, 0), "EPERM");
	EXPECT("mremap grow", (long)mremap((void *)a, 2 * PG, 3 * PG, MREMAP_MAYMOVE), "EPERM");
	EXPECT("mremap to the same size", (long)mremap((void *)a, 2 * PG, 2 * PG, 0), "EPERM");
	EXPECT("mremap move",
	       (long)mremap((void *)a, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)far),
	       "EPERM");
	EXPECT("mremap another onto it",
	       (long)mremap((void *)b, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)a), "EPERM");
	CHECK("both stay", mapped(a) && mapped(a + PG) && mapped(b) && !mapped(far));
	EXPECT("mremap a bad flag first", syscall(SYS_mremap, a, PG, PG, 0x80, 0), "EINVAL");
	EXPECT("mremap the other one away",
	       (long)mremap((void *)b, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)far), "ok");
	munmap((void *)far, PG);
}

static void advice(void)
{
	static const struct { int advice; const char *name; } discards[] = {
		{ MADV_DONTNEED, "MADV_DONTNEED" }, { MADV_FREE, "MADV_FREE" },
		{ MADV_REMOVE, "MADV_REMOVE" }, { MADV_DONTFORK, "MADV_DONTFORK" },
		{ MADV_WIPEONFORK, "MADV_WIPEONFORK" },
	};
	char what[96];
	long rw = map(1, RW), ro = map(3, PROT_READ), none = map(1, PROT_NONE), f;
	int fd;

	memset((void *)rw, 'w', PG);
	EXPECT("seal a writable page", sys_mseal(rw, PG, 0), "ok");
	EXPECT("MADV_DONTNEED on it", sys_madvise(rw, PG, MADV_DONTNEED), "ok");
	CHECK("it reads back as zeroes", all_bytes(rw, PG, 0));
	EXPECT("seal the middle of 3 read-only pages", sys_mseal(ro + PG, PG, 0), "ok");
	for (size_t i = 0; i < sizeof(discards) / sizeof(discards[0]); i++) {
		snprintf(what, sizeof(what), "%s on the sealed read-only page", discards[i].name);
		EXPECT(what, sys_madvise(ro + PG, PG, discards[i].advice), "EPERM");
	}
	EXPECT("MADV_REMOVE over all 3 (the first is anonymous)", sys_madvise(ro, 3 * PG, MADV_REMOVE),
	       "EINVAL");
	EXPECT("MADV_DONTFORK over all 3", sys_madvise(ro, 3 * PG, MADV_DONTFORK), "EPERM");
	CHECK("a child lacks the first page only", in_child(has, ro) == 0 &&
	      in_child(has, ro + PG) == 1 && in_child(has, ro + 2 * PG) == 1);
	EXPECT("MADV_RANDOM on the sealed page", sys_madvise(ro + PG, PG, MADV_RANDOM), "ok");
	EXPECT("MADV_DONTDUMP over all 3", sys_madvise(ro, 3 * PG, MADV_DONTDUMP), "ok");
	EXPECT("MADV_WILLNEED on the sealed page", sys_madvise(ro + PG, PG, MADV_WILLNEED), "ok");
	EXPECT("seal a PROT_NONE page", sys_mseal(none, PG, 0), "ok");
	EXPECT("MADV_DONTNEED on it", sys_madvise(none, PG, MADV_DONTNEED), "EPERM");

	fd = open("data", O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, 2 * PG) < 0)
		exit(1);
	f = (long)mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0);
	EXPECT("seal a read-only private file page", sys_mseal(f, PG, 0), "ok");
	EXPECT("MADV_DONTNEED on it", sys_madvise(f, PG, MADV_DONTNEED), "ok");
	f = (long)mmap(NULL, 2 * PG, RW, MAP_SHARED, fd, 0);
	EXPECT("seal a shared file mapping", sys_mseal(f, 2 * PG, 0), "ok");
	EXPECT("remap_file_pages on it", remap_file_pages((void *)f, PG, 0, 1, 0), "EPERM");
	close(fd);
}

static void heap_and_shm(void)
{
	unsigned long top = (unsigned long)sbrk(0), h = (top + PG - 1) & ~(PG - 1);
	long shm;
	int id;

	EXPECT("grow the heap by 3 pages", brk((void *)(h + 3 * PG)), "ok");
	EXPECT("seal its second page", sys_mseal(h + PG, PG, 0), "ok");
	brk((void *)h);
	CHECK("a shrink over it leaves the break", (unsigned long)sbrk(0) == h + 3 * PG);
	brk((void *)(h + 2 * PG));
	CHECK("a shrink above it works", (unsigned long)sbrk(0) == h + 2 * PG);
	brk((void *)(h + 4 * PG));
	CHECK("and growing", (unsigned long)sbrk(0) == h + 4 * PG && mapped(h + 3 * PG));

	id = shmget(IPC_PRIVATE, PG, IPC_CREAT | 0600);
	shm = (long)shmat(id, NULL, 0);
	shmctl(id, IPC_RMID, NULL);
	EXPECT("seal a System V segment", sys_mseal(shm, PG, 0), "ok");
	EXPECT("shmdt it", shmdt((void *)shm), "ok");
	CHECK("it stays mapped", mapped(shm));
}

/* Where another rule, or another seal, decides first. */
static void around_it(void)
{
	long a = map(1, RW), r = map(1, PROT_READ), l, m, d, h;
	int fd;

	/* locked memory refuses the advice before the sealed page is reached */
	if (munmap((void *)r, PG) < 0 ||
	    mmap((void *)r, PG, RW, ANON | MAP_FIXED, -1, 0) == MAP_FAILED)
		exit(1);
	l = map(2, PROT_READ);
	munmap((void *)l, 2 * PG);
	l = (long)mmap((void *)l, PG, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0);
	m = (long)mmap((void *)(l + PG), PG, PROT_READ, ANON | MAP_FIXED_NOREPLACE, -1, 0);
	EXPECT("mlock a page", mlock((void *)l, PG), "ok");
	EXPECT("seal the read-only one above it", sys_mseal(m, PG, 0), "ok");
	EXPECT("MADV_GUARD_INSTALL over both", sys_madvise(l, 2 * PG, MADV_GUARD_INSTALL), "EINVAL");
	munmap((void *)a, PG);
	munmap((void *)r, PG);

	/* a memfd sealed against writes refuses MADV_REMOVE with an EPERM of its own */
	fd = (int)syscall(SYS_memfd_create, "mseal-case", 2 /* MFD_ALLOW_SEALING */);
	if (fd >= 0 && ftruncate(fd, PG) == 0) {
		long f = (long)mmap(NULL, PG, RW, MAP_SHARED, fd, 0);

		EXPECT("F_SEAL_FUTURE_WRITE", fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE), "ok");
		EXPECT("MADV_REMOVE on the memfd", sys_madvise(f, PG, MADV_REMOVE), "EPERM");
		close(fd);
	}

	/* two mappings moved onto [free][sealed]: 6.17 moves the first, then EPERM */
	a = map(2, RW);
	mprotect((void *)(a + PG), PG, PROT_READ);
	d = map(2, RW);
	munmap((void *)d, PG);
	sys_mseal(d + PG, PG, 0);
	printf("mremap of 2 mappings onto a partly sealed place: %s\n",
	       syscall(SYS_mremap, a, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, d) == -1
		       ? strerrorname_np(errno) : "ok");
	printf("then the old place: %s\n", perms(a));

	/* sealed huge pages, where the system has any: not anonymous to madvise */
	h = (long)mmap(NULL, 2 << 20, PROT_READ, ANON | MAP_HUGETLB, -1, 0);
	if (h != -1) {
		printf("seal huge pages: %s\n", sys_mseal(h, 2 << 20, 0) ? strerrorname_np(errno) : "ok");
		printf("MADV_DONTFORK on them: %s\n",
		       sys_madvise(h, 2 << 20, MADV_DONTFORK) ? strerrorname_np(errno) : "ok");
	}
}

int main(void)
{
	long a = map(1, RW);

	if (sys_mseal(a, PG, 0) < 0) {
		/* Linux 6.10 brought it */
		printf("mseal: %s\n", strerrorname_np(errno));
		return 77;
	}
	argument_errors();
	unmapping();
	protections();
	remapping();
	advice();
	heap_and_shm();
	around_it();
	fflush(stdout);
	return failed;
}
