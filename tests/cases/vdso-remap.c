/*
 * arch_prctl(ARCH_MAP_VDSO_64) maps the vDSO again after its munmap (CRIU
 * restores a process so), near the address given, where the kernel
 * chooses: no mmap call of the program's does it. An i386 task's
 * arch_prctl has no such option: EINVAL, natively and under memtrace. memtrace must follow, or
 * the places it picks for the next mmaps collide with it (EEXIST, which an
 * mmap without MAP_FIXED never gives).
 *
 * The vDSO goes back where it was: libc keeps pointers into it (i386 makes
 * every system call through it), and between the munmap and the remap the
 * calls are made without libc.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"
#include "maps.h"

#define ARCH_MAP_VDSO_32 0x2002
#define ARCH_MAP_VDSO_64 0x2003

#ifdef __i386__
#define ARCH_MAP_VDSO_OWN ARCH_MAP_VDSO_32
/* int $0x80 itself: libc's syscall() goes through the vDSO on i386 */
static long raw_syscall2(long nr, long a, long b)
{
	long ret;

	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b) : "memory");
	return ret;
}
#else
#define ARCH_MAP_VDSO_OWN ARCH_MAP_VDSO_64
static long raw_syscall2(long nr, long a, long b)
{
	long ret;

	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b) : "rcx", "r11", "memory");
	return ret;
}
#endif

/* The lowest start and highest end of the [vvar...] and [vdso] lines. */
static void vdso_range(unsigned long *lo, unsigned long *hi)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];

	*lo = *hi = 0;
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long a, b;

		if ((strstr(line, "[vvar") || strstr(line, "[vdso]")) &&
		    sscanf(line, "%lx-%lx", &a, &b) == 2) {
			if (!*lo || a < *lo)
				*lo = a;
			if (b > *hi)
				*hi = b;
		}
	}
	if (f)
		fclose(f);
}

int main(void)
{
	unsigned long lo, hi, lo2, hi2;
	long unmapped, remapped;
	int elsewhere = 0, placed = 0;
	void *p[4];

	vdso_range(&lo, &hi);
	CHECK("the vDSO is found", lo && hi > lo);
	if (syscall(SYS_arch_prctl, ARCH_MAP_VDSO_OWN, lo) == -1 && errno == EINVAL) {
#ifdef __i386__
		/* never for an i386 task: that is what the i386 build checks */
		printf("no ARCH_MAP_VDSO for an i386 task\n");
		return failed;
#else
		printf("no ARCH_MAP_VDSO in this kernel (CONFIG_CHECKPOINT_RESTORE)\n");
		return 77;
#endif
	}
	EXPECT("ARCH_MAP_VDSO while it is mapped", syscall(SYS_arch_prctl, ARCH_MAP_VDSO_OWN, lo),
	       "EEXIST");
	fflush(stdout);

	unmapped = raw_syscall2(SYS_munmap, (long)lo, (long)(hi - lo));
	remapped = raw_syscall2(SYS_arch_prctl, ARCH_MAP_VDSO_OWN, (long)lo);

	CHECK("the vDSO unmapped", unmapped == 0);
	CHECK("ARCH_MAP_VDSO where it was", remapped >= 0);
	vdso_range(&lo2, &hi2);
	CHECK("the vDSO is back where it was", lo2 == lo && hi2 == hi);
	for (int i = 0; i < 4; i++) {
		p[i] = mmap((void *)lo, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		elsewhere += p[i] != MAP_FAILED && ((unsigned long)p[i] + PG <= lo ||
						    (unsigned long)p[i] >= hi);
	}
	CHECK("mmaps asking for its place are placed elsewhere", elsewhere == 4);
	for (int i = 0; i < 4; i++)
		if (p[i] != MAP_FAILED)
			munmap(p[i], PG);
	for (int i = 0; i < 4; i++) {
		p[i] = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		placed += p[i] != MAP_FAILED;
	}
	CHECK("mmaps beside it are placed", placed == 4);

	/*
	 * Near a hint over memtrace's stub page (1 MiB), where nothing is
	 * without memtrace: the kernel puts it there, memtrace gives the page
	 * up first. Then back where it was, for libc.
	 */
	fflush(stdout);
	unmapped = raw_syscall2(SYS_munmap, (long)lo, (long)(hi - lo));
	remapped = raw_syscall2(SYS_arch_prctl, ARCH_MAP_VDSO_OWN, 0x100000);
	vdso_range(&lo2, &hi2);
	CHECK("ARCH_MAP_VDSO at 1 MiB", unmapped == 0 && remapped >= 0);
	CHECK("the vDSO lies at 1 MiB", lo2 == 0x100000);
	fflush(stdout);
	unmapped = raw_syscall2(SYS_munmap, (long)lo2, (long)(hi2 - lo2));
	remapped = raw_syscall2(SYS_arch_prctl, ARCH_MAP_VDSO_OWN, (long)lo);
	vdso_range(&lo2, &hi2);
	CHECK("and back where it was", unmapped == 0 && remapped >= 0 && lo2 == lo);
	fflush(stdout);
	return failed;
}
