/*
 * x86_64 registers are 64 bits, but several memory syscalls declare
 * arguments as int: the kernel ignores their high 32 bits. madvise's advice,
 * msync's and mlock2's and mlockall's flags, mbind's mode, shmat's flags,
 * pkey_mprotect's pkey and mmap's fd (an unsigned int) work as if the high
 * bits were clear. Arguments declared unsigned long keep them: mprotect's
 * prot and mremap's flags then fail with EINVAL; mmap's prot ignores them.
 *
 * The i386 build has no high bits to pass: it only says so.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"
#include "maps.h"

#define RW (PROT_READ | PROT_WRITE)

#ifdef __x86_64__
#define HI 0x100000000UL

int main(void)
{
	static char page[PG];
	long a, m, s, r;
	int fd, id;

	fd = open("data", O_RDWR | O_CREAT | O_TRUNC, 0600);
	memset(page, 'f', PG);
	if (fd < 0 || write(fd, page, PG) != PG)
		return 1;

	a = EXPECT("mmap, fd -1 with high bits", syscall(SYS_mmap, 0, 2 * PG, RW | HI,
	       MAP_PRIVATE | MAP_ANONYMOUS, HI | 0xffffffffUL, 0), "ok");
	CHECK("prot's high bits are ignored: it is writable", a != -1 && memset((void *)a, 'x', 2 * PG));
	m = EXPECT("mmap of a file, its fd with high bits",
		   syscall(SYS_mmap, 0, PG, PROT_READ, MAP_SHARED, HI | (unsigned)fd, 0), "ok");
	CHECK("the file is mapped", all_bytes(m, PG, 'f'));

	EXPECT("madvise MADV_DONTNEED with high bits", syscall(SYS_madvise, a, 2 * PG, HI | MADV_DONTNEED), "ok");
	CHECK("it was MADV_DONTNEED: zero-filled", all_bytes(a, 2 * PG, 0));
	EXPECT("msync MS_SYNC with high bits", syscall(SYS_msync, m, PG, HI | MS_SYNC), "ok");
	EXPECT("mlock2 MLOCK_ONFAULT with high bits", syscall(SYS_mlock2, a, PG, HI | 1), "ok");
	munlock((void *)a, PG);
	EXPECT("mlockall with only high bits (no flags)", syscall(SYS_mlockall, HI), "EINVAL");
	r = syscall(SYS_mbind, a, PG, HI, 0, 0, 0);
	if (r == -1 && errno == ENOSYS)
		printf("mbind MPOL_DEFAULT with high bits: ENOSYS, this kernel has no NUMA\n");
	else
		EXPECT("mbind MPOL_DEFAULT with high bits", r, "ok");
	EXPECT("pkey_mprotect, pkey -1 with high bits",
	       syscall(SYS_pkey_mprotect, a, PG, PROT_READ, HI | 0xffffffffUL), "ok");
	CHECK("it is read-only", !strcmp(perms(a), "r--p"));

	EXPECT("mprotect with high bits in prot", syscall(SYS_mprotect, a, PG, HI | RW), "EINVAL");
	EXPECT("mremap with high bits in flags", syscall(SYS_mremap, a, 2 * PG, PG, HI, 0), "EINVAL");
	CHECK("neither changed anything", !strcmp(perms(a), "r--p") && !strcmp(perms(a + PG), "rw-p"));

	id = shmget(IPC_PRIVATE, PG, IPC_CREAT | 0600);
	s = EXPECT("shmat SHM_RDONLY with high bits", syscall(SYS_shmat, id, 0, HI | SHM_RDONLY), "ok");
	CHECK("it is read-only", !strcmp(perms(s), "r--s"));
	shmdt((void *)s);
	shmctl(id, IPC_RMID, NULL);

	munmap((void *)a, 2 * PG);
	munmap((void *)m, PG);
	fflush(stdout);
	return failed;
}
#else
int main(void)
{
	printf("i386: registers have no high bits\n");
	return 0;
}
#endif
