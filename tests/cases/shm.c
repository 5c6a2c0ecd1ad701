/*
 * System V shared memory: shmget, shmat (anywhere, read-only, SHM_RND,
 * SHM_REMAP), shmdt, shmctl(IPC_RMID), and the errors. shmat and shmdt are
 * made as direct syscalls; on i386 also through the ipc(2) multiplexer
 * (SHMAT returns the address through its third argument; an unwritable one
 * fails with EFAULT after the segment was attached), and glibc's own
 * shmat/shmdt, which use ipc(2) there. ipc's other sub-calls (SHMGET,
 * SHMCTL) are not memory calls and must not be traced.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"
#include "maps.h"

#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#ifndef SHM_REMAP
#define SHM_REMAP 040000
#endif

static long nattch(int id)
{
	struct shmid_ds ds;

	return shmctl(id, IPC_STAT, &ds) == 0 ? (long)ds.shm_nattch : -1;
}

/* Whether this process may lock len bytes: root, or RLIMIT_MEMLOCK allows them. */
static int may_lock(long len)
{
	struct rlimit rl;

	return geteuid() == 0 || (getrlimit(RLIMIT_MEMLOCK, &rl) == 0 && rl.rlim_cur >= (rlim_t)len);
}

static long sys_shmat(int id, long addr, int flags)
{
	return syscall(SYS_shmat, id, addr, flags);
}

static long sys_shmdt(long addr)
{
	return syscall(SYS_shmdt, addr);
}

int main(void)
{
	long a, a2, b, r, res;
	int id;

	id = EXPECT("shmget 2 pages", shmget(IPC_PRIVATE, 2 * PG, IPC_CREAT | 0600), "ok");
	if (id == -1)
		return 1;
	a = EXPECT("shmat anywhere", sys_shmat(id, 0, 0), "ok");
	CHECK("it is zero-filled and writable", a != -1 && ((char *)a)[0] == 0 &&
	      memset((void *)a, 'z', 2 * PG) && ((char *)a)[2 * PG - 1] == 'z');
	CHECK("attached once", nattch(id) == 1);
	b = EXPECT("shmat SHM_RDONLY", sys_shmat(id, 0, SHM_RDONLY), "ok");
	CHECK("the same memory, elsewhere, read-only", b != -1 && b != a && ((char *)b)[PG] == 'z' &&
	      !strcmp(perms(b), "r--s"));
	CHECK("attached twice", nattch(id) == 2);
	EXPECT("shmdt the read-only one", sys_shmdt(b), "ok");
	CHECK("it is gone", !strcmp(perms(b), "hole") && nattch(id) == 1);

	/* A reserved region with a hole at pages 2-5. */
	res = EXPECT("reserve 8 pages PROT_NONE", mmap(NULL, 8 * PG, PROT_NONE, ANON, -1, 0), "ok");
	munmap((void *)(res + 2 * PG), 4 * PG);
	EXPECT("shmat at an unaligned address", sys_shmat(id, res + 2 * PG + 123, 0), "EINVAL");
	b = EXPECT("shmat there with SHM_RND", sys_shmat(id, res + 2 * PG + 123, SHM_RND), "ok");
	CHECK("it is rounded down to SHMLBA", b == (long)(res + 2 * PG) && ((char *)b)[0] == 'z');
	EXPECT("shmat over it again", sys_shmat(id, res + 2 * PG, 0), "EINVAL");
	EXPECT("shmat over the reservation", sys_shmat(id, res, 0), "EINVAL");
	r = EXPECT("shmat over the reservation with SHM_REMAP", sys_shmat(id, res, SHM_REMAP), "ok");
	CHECK("it replaced what was there", r == res && !strcmp(perms(res), "rw-s") && ((char *)r)[PG] == 'z');
	EXPECT("shmdt inside a segment", sys_shmdt(res + PG), "EINVAL");
	EXPECT("shmdt at an unaligned address", sys_shmdt(res + 1), "EINVAL");
	EXPECT("shmdt where nothing is attached", sys_shmdt(res + 6 * PG), "EINVAL");
	EXPECT("shmdt the remapped one", sys_shmdt(res), "ok");
	EXPECT("shmdt the rounded one", sys_shmdt(res + 2 * PG), "ok");
	CHECK("both are gone", !strcmp(perms(res), "hole") && !strcmp(perms(res + 2 * PG), "hole"));
	EXPECT("shmat a bad id", sys_shmat(-1, 0, 0), "EINVAL");

#ifdef __i386__
	{
		unsigned long raddr = 0;

		r = EXPECT("ipc(SHMAT)", syscall(SYS_ipc, 21, id, 0, &raddr, 0, 0), "ok");
		CHECK("it returns the address through its argument", r == 0 && raddr && ((char *)raddr)[0] == 'z');
		EXPECT("ipc(SHMDT)", syscall(SYS_ipc, 22, 0, 0, 0, raddr, 0), "ok");
		EXPECT("ipc(SHMAT) version 1", syscall(SYS_ipc, 21 | 1 << 16, id, 0, &raddr, 0, 0), "EINVAL");
		EXPECT("ipc(SHMAT) with an unwritable result pointer",
		       syscall(SYS_ipc, 21, id, 0, 0x10, res + 2 * PG, 0), "EFAULT");
		CHECK("the segment was attached all the same", nattch(id) == 2 &&
		      !strcmp(perms(res + 2 * PG), "rw-s") && ((char *)res)[2 * PG] == 'z');
		EXPECT("ipc(SHMDT) it", syscall(SYS_ipc, 22, 0, 0, 0, res + 2 * PG, 0), "ok");
		EXPECT("ipc(SHMDT) where nothing is attached", syscall(SYS_ipc, 22, 0, 0, 0, res + 2 * PG, 0),
		       "EINVAL");
	}
#endif
	b = EXPECT("glibc shmat", (long)shmat(id, NULL, SHM_RDONLY), "ok");
	CHECK("it works", b != -1 && ((char *)b)[0] == 'z');
	EXPECT("glibc shmdt", shmdt((void *)b), "ok");
	munmap((void *)res, 8 * PG);

	/*
	 * shmdt detaches what one shmat attached: another attach's page
	 * moved next to it, at the offset the segment would have there, stays.
	 */
	b = EXPECT("shmat again", sys_shmat(id, 0, 0), "ok");
	r = EXPECT("and again", sys_shmat(id, 0, 0), "ok");
	EXPECT("unmap the first one's second page", munmap((void *)(b + PG), PG), "ok");
	EXPECT("move the other's second page there",
	       (long)mremap((void *)(r + PG), PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)(b + PG)),
	       "ok");
	EXPECT("shmdt the first", sys_shmdt(b), "ok");
	CHECK("the moved page stays", !strcmp(perms(b), "hole") && !strcmp(perms(b + PG), "rw-s"));
	EXPECT("shmdt the other", sys_shmdt(r), "ok");
	CHECK("its moved page stays too (shmdt goes by address)", !strcmp(perms(b + PG), "rw-s"));
	munmap((void *)(b + PG), PG);

	/*
	 * Pieces memtrace knows only from /proc: a shrinking mremap that
	 * starts in a piece and reaches past it moves one mapping and unmaps
	 * the rest, which the model does not follow (it takes the kernel's
	 * view, where no attach is named). Here two attaches' pieces end up
	 * side by side, at the offsets one attach would have there; shmdt
	 * takes only the first's.
	 */
	r = (long)mmap(NULL, 6 * PG, PROT_NONE, ANON, -1, 0);
	b = EXPECT("shmat the first", sys_shmat(id, 0, 0), "ok");
	EXPECT("its first page beside a page of ours",
	       (long)mremap((void *)b, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)(r + 2 * PG)),
	       "ok");
	EXPECT("moved on, taking our page with it",
	       (long)mremap((void *)(r + 2 * PG), 2 * PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)r),
	       "ok");
	a2 = EXPECT("shmat the second", sys_shmat(id, 0, 0), "ok");
	EXPECT("its second page beside a page of ours",
	       (long)mremap((void *)(a2 + PG), PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED,
			    (void *)(r + 4 * PG)),
	       "ok");
	EXPECT("moved on beside the first's",
	       (long)mremap((void *)(r + 4 * PG), 2 * PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED,
			    (void *)(r + PG)),
	       "ok");
	EXPECT("shmdt the first's page", sys_shmdt(r), "ok");
	CHECK("the second's page stays", !strcmp(perms(r), "hole") && !strcmp(perms(r + PG), "rw-s"));
	EXPECT("shmdt the second", sys_shmdt(a2), "ok");
	EXPECT("shmdt what is left of the first", sys_shmdt(b), "ok");
	munmap((void *)r, 6 * PG);

	/*
	 * shmdt stops at the segment's size: of an attach mremap grew by a
	 * page, a mapping that reaches past the segment stays. Here it is one
	 * apart only by its lock:
	 * mlock2(MLOCK_ONFAULT) on the pages past the first, then mlock of the
	 * first, which locks it and fails (ENOMEM: PROT_NONE pages cannot be
	 * brought in), so memtrace takes the kernel's view, where Linux 6.1
	 * names VM_LOCKONFAULT "??".
	 */
	if (!may_lock(3 * PG)) {
		printf("(RLIMIT_MEMLOCK under 3 pages: the locks are not tried)\n");
		goto locked_done;
	}
	b = EXPECT("shmat to grow", sys_shmat(id, 0, 0), "ok");
	EXPECT("make it PROT_NONE", mprotect((void *)b, 2 * PG, PROT_NONE), "ok");
	r = (long)mmap(NULL, 3 * PG, PROT_NONE, ANON, -1, 0);
	munmap((void *)r, 3 * PG);
	EXPECT("grow it by a page, moving it",
	       (long)mremap((void *)b, 2 * PG, 3 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)r), "ok");
	EXPECT("lock the pages past the first on fault", syscall(SYS_mlock2, r + PG, 2 * PG, 1), "ok");
	EXPECT("lock the first", mlock((void *)r, PG), "ENOMEM");
	EXPECT("shmdt it", sys_shmdt(r), "ok");
	CHECK("the mapping reaching past the segment stays",
	      !strcmp(perms(r), "hole") && !strcmp(perms(r + PG), "---s") &&
		      !strcmp(perms(r + 2 * PG), "---s"));
	munlock((void *)(r + PG), 2 * PG);
	munmap((void *)(r + PG), 2 * PG);
locked_done:

	EXPECT("shmctl IPC_RMID while attached", shmctl(id, IPC_RMID, NULL), "ok");
	CHECK("the attached memory stays", ((char *)a)[PG] == 'z');
	EXPECT("shmdt the last attach", sys_shmdt(a), "ok");
	CHECK("it is gone", !strcmp(perms(a), "hole"));
	EXPECT("shmat the removed id", sys_shmat(id, 0, 0), "EINVAL");

	fflush(stdout);
	return failed;
}
