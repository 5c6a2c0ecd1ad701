/*
 * mlock, munlock, mlock2, mlockall, munlockall: what gets locked (VmLck in
 * /proc/self/status, as changes only), unaligned starts widened to pages,
 * ENOMEM for unmapped ranges, EINVAL for bad flags, MAP_LOCKED, and
 * RLIMIT_MEMLOCK without CAP_IPC_LOCK (ENOMEM over it, EPERM at 0).
 *
 * Only small ranges are locked. mlockall(MCL_CURRENT) locks everything, so
 * it may fail for an unprivileged user with a small RLIMIT_MEMLOCK: then
 * it says so and the MCL_FUTURE checks are left out.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define RW (PROT_READ | PROT_WRITE)
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif



/* VmLck in kB, read without malloc (which could map memory, locked under MCL_FUTURE). */
static long vmlck(void)
{
	static char buf[8192];
	int fd = open("/proc/self/status", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	char *p;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = strstr(buf, "\nVmLck:");
	return p ? strtol(p + 7, NULL, 10) : -1;
}

/* Prints "what: +N kB" (the change since base) and checks it against want. */
static void check_locked(int line, const char *what, long base, long want)
{
	long now = vmlck();

	printf("%s: %+ld kB\n", what, now - base);
	if (now - base != want)
		mark_failure(line);
}
#define LOCKED(what, base, want) check_locked(__LINE__, what, base, want)

static void drop_ipc_lock(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d) == 0) {
		d[CAP_IPC_LOCK / 32].effective &= ~(1u << (CAP_IPC_LOCK % 32));
		syscall(SYS_capset, &h, d);
	}
}

int main(void)
{
	struct rlimit lim;
	long a, b, base, r;

	a = EXPECT("map 4 pages", mmap(NULL, 4 * PG, RW, ANON, -1, 0), "ok");
	if (a == -1)
		return 1;
	base = vmlck();
	CHECK("VmLck is readable", base >= 0);

	EXPECT("mlock 2 pages", mlock((void *)a, 2 * PG), "ok");
	LOCKED("locked", base, 8);
	EXPECT("mlock 100 bytes at an unaligned start", syscall(SYS_mlock, a + 2 * PG + 100, 100), "ok");
	LOCKED("the page holding them is locked too", base, 12);
	EXPECT("mlock them all again", mlock((void *)a, 3 * PG), "ok");
	LOCKED("locking twice counts once", base, 12);
	EXPECT("munlock all 4", munlock((void *)a, 4 * PG), "ok");
	LOCKED("locked", base, 0);
	EXPECT("munlock unlocked pages", munlock((void *)a, 4 * PG), "ok");
	EXPECT("mlock2 MLOCK_ONFAULT", syscall(SYS_mlock2, a, PG, MLOCK_ONFAULT), "ok");
	LOCKED("locked", base, 4);
	EXPECT("mlock2 with no flags", syscall(SYS_mlock2, a + PG, PG, 0), "ok");
	LOCKED("locked", base, 8);
	EXPECT("mlock2 with an unknown flag", syscall(SYS_mlock2, a, PG, 0x2), "EINVAL");
	EXPECT("munlock 1 byte", syscall(SYS_munlock, a + PG, 1), "ok");
	LOCKED("a length is rounded up to a page", base, 4);
	munlock((void *)a, 4 * PG);

	EXPECT("munmap page 3", munmap((void *)(a + 3 * PG), PG), "ok");
	EXPECT("mlock over the hole", mlock((void *)a, 4 * PG), "ENOMEM");
	LOCKED("the pages before the hole were locked anyway", base, 12);
	EXPECT("munlock over the hole", munlock((void *)a, 4 * PG), "ENOMEM");
	LOCKED("and unlocked", base, 0);
	EXPECT("mlock2 on the hole alone", syscall(SYS_mlock2, a + 3 * PG, PG, 0), "ENOMEM");
	munmap((void *)a, 3 * PG);

	b = EXPECT("map 2 pages MAP_LOCKED", mmap(NULL, 2 * PG, RW, ANON | MAP_LOCKED, -1, 0), "ok");
	LOCKED("locked", base, 8);
	munmap((void *)b, 2 * PG);
	LOCKED("unmapping unlocks", base, 0);

	EXPECT("mlockall with no flags", mlockall(0), "EINVAL");
	EXPECT("mlockall with an unknown flag", mlockall(MCL_CURRENT | 0x8), "EINVAL");
	EXPECT("mlockall MCL_ONFAULT alone", mlockall(MCL_ONFAULT), "EINVAL");
	r = mlockall(MCL_CURRENT | MCL_FUTURE);
	if (r == 0) {
		printf("mlockall MCL_CURRENT|MCL_FUTURE: ok\n");
		CHECK("everything is locked", vmlck() > 0);
		base = vmlck();
		b = EXPECT("map 2 pages after MCL_FUTURE", mmap(NULL, 2 * PG, RW, ANON, -1, 0), "ok");
		LOCKED("they are locked", base, 8);
		munmap((void *)b, 2 * PG);
	} else if (errno == ENOMEM || errno == EPERM) {
		printf("mlockall MCL_CURRENT|MCL_FUTURE: over RLIMIT_MEMLOCK (%s)\n", strerrorname_np(errno));
	} else {
		EXPECT("mlockall MCL_CURRENT|MCL_FUTURE", r, "ok");
	}
	EXPECT("munlockall", munlockall(), "ok");
	CHECK("nothing is locked", vmlck() == 0);
	b = EXPECT("map 2 pages after munlockall", mmap(NULL, 2 * PG, RW, ANON, -1, 0), "ok");
	CHECK("they are not locked", vmlck() == 0);

	/* As an unprivileged program: RLIMIT_MEMLOCK counts. */
	drop_ipc_lock();
	getrlimit(RLIMIT_MEMLOCK, &lim);
	lim.rlim_cur = PG;
	CHECK("RLIMIT_MEMLOCK 1 page", setrlimit(RLIMIT_MEMLOCK, &lim) == 0);
	EXPECT("mlock 2 pages over it", mlock((void *)b, 2 * PG), "ENOMEM");
	EXPECT("mlock 1 page within it", mlock((void *)b, PG), "ok");
	EXPECT("mlock2 the other one over it", syscall(SYS_mlock2, b + PG, PG, MLOCK_ONFAULT), "ENOMEM");
	LOCKED("locked", 0, 4);
	munlock((void *)b, PG);
	lim.rlim_cur = 0;
	CHECK("RLIMIT_MEMLOCK 0", setrlimit(RLIMIT_MEMLOCK, &lim) == 0);
	EXPECT("mlock with RLIMIT_MEMLOCK 0", mlock((void *)b, PG), "EPERM");
	EXPECT("mlockall with RLIMIT_MEMLOCK 0", mlockall(MCL_CURRENT), "EPERM");
	EXPECT("munlock needs no limit", munlock((void *)b, PG), "ok");
	munmap((void *)b, 2 * PG);

	fflush(stdout);
	return failed;
}
