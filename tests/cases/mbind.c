/*
 * mbind: policies over a mapping (MPOL_DEFAULT, MPOL_BIND/MPOL_INTERLEAVE
 * to node 0, MPOL_PREFERRED with no nodes) and the errors: bad mode, mode
 * flags or flags, empty nodemask, unaligned start (EINVAL), unreadable
 * nodemask, unmapped range (EFAULT); len 0 succeeds.
 *
 * A kernel without NUMA fails every mbind with ENOSYS: then every line
 * says ENOSYS.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#define RW (PROT_READ | PROT_WRITE)

#define MPOL_DEFAULT 0
#define MPOL_PREFERRED 1
#define MPOL_BIND 2
#define MPOL_INTERLEAVE 3
#define MPOL_F_STATIC_NODES (1 << 15)
#define MPOL_F_RELATIVE_NODES (1 << 14)
#define MPOL_MF_STRICT 1

static int numa = 1;

/* Without NUMA every mbind fails with ENOSYS. */
#define EXPECT_NUMA(what, call, want) EXPECT(what, call, numa ? (want) : "ENOSYS")

static long mbind(long addr, unsigned long len, int mode, const unsigned long *nodes,
		  unsigned long maxnode, unsigned flags)
{
	return syscall(SYS_mbind, addr, len, mode, nodes, maxnode, flags);
}

int main(void)
{
	static unsigned long node0[1] = { 1 }, none[1] = { 0 };
	unsigned long maxnode = 8 * sizeof(unsigned long);
	long a;
	int r;

	a = (long)mmap(NULL, 4 * PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == -1)
		return 1;
	memset((void *)a, 1, 4 * PG);

	r = mbind(a, 2 * PG, MPOL_DEFAULT, NULL, 0, 0);
	if (r == -1 && errno == ENOSYS) {
		printf("mbind: ENOSYS, this kernel has no NUMA\n");
		numa = 0;
	}
	EXPECT_NUMA("MPOL_DEFAULT", r, "ok");
	EXPECT_NUMA("MPOL_BIND to node 0", mbind(a, 2 * PG, MPOL_BIND, node0, maxnode, 0), "ok");
	EXPECT_NUMA("MPOL_INTERLEAVE over node 0", mbind(a + 2 * PG, 2 * PG, MPOL_INTERLEAVE, node0, maxnode, 0), "ok");
	EXPECT_NUMA("MPOL_PREFERRED with no nodes (local)", mbind(a, PG, MPOL_PREFERRED, NULL, 0, 0), "ok");
	EXPECT_NUMA("MPOL_BIND to node 0, MPOL_MF_STRICT", mbind(a, 4 * PG, MPOL_BIND, node0, maxnode, MPOL_MF_STRICT),
	       "ok");
	EXPECT_NUMA("MPOL_DEFAULT back", mbind(a, 4 * PG, MPOL_DEFAULT, NULL, 0, 0), "ok");
	EXPECT_NUMA("len 0", mbind(a, 0, MPOL_DEFAULT, NULL, 0, 0), "ok");

	EXPECT_NUMA("unknown mode 99", mbind(a, PG, 99, NULL, 0, 0), "EINVAL");
	EXPECT_NUMA("MPOL_F_STATIC_NODES|MPOL_F_RELATIVE_NODES",
	       mbind(a, PG, MPOL_BIND | MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES, node0, maxnode, 0), "EINVAL");
	EXPECT_NUMA("unknown flag 0x100", mbind(a, PG, MPOL_DEFAULT, NULL, 0, 0x100), "EINVAL");
	EXPECT_NUMA("unaligned start", mbind(a + 1, PG, MPOL_DEFAULT, NULL, 0, 0), "EINVAL");
	EXPECT_NUMA("MPOL_BIND to no nodes", mbind(a, PG, MPOL_BIND, none, maxnode, 0), "EINVAL");
	EXPECT_NUMA("MPOL_DEFAULT with nodes", mbind(a, PG, MPOL_DEFAULT, node0, maxnode, 0), "EINVAL");
	EXPECT_NUMA("an unreadable nodemask", mbind(a, PG, MPOL_BIND, (const unsigned long *)0x10, maxnode, 0),
	       "EFAULT");

	munmap((void *)(a + 2 * PG), PG);
	/*
	 * A hole inside the range: older kernels fail with EFAULT; Debian's 6.1
	 * and 6.18 apply the policy around it and return 0.
	 */
	r = mbind(a, 4 * PG, MPOL_DEFAULT, NULL, 0, 0);
	if (r == -1 && errno == EFAULT)
		printf("over a hole: EFAULT\n");
	else
		EXPECT_NUMA("over a hole", r, "ok");
	EXPECT_NUMA("the hole alone", mbind(a + 2 * PG, PG, MPOL_DEFAULT, NULL, 0, 0), "EFAULT");
	munmap((void *)a, 4 * PG);

	/* shared memory's policy belongs to its file: a forked child's mbind shows here too */
	a = (long)mmap(NULL, 4 * PG, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	fflush(stdout);
	if (fork() == 0)
		_exit(mbind(a, PG, MPOL_BIND, node0, maxnode, 0) == 0 || !numa ? 0 : 1);
	wait(&r);
	CHECK("a child's mbind on shared memory", WIFEXITED(r) && WEXITSTATUS(r) == 0);
	CHECK("then a brk here (numa_maps shows the child's policy)", sbrk(PG) != (void *)-1);
	EXPECT("and an mmap", (long)mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), "ok");

	fflush(stdout);
	return failed;
}
