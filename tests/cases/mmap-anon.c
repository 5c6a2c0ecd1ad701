/*
 * Anonymous mmap: where hints land, MAP_FIXED and MAP_FIXED_NOREPLACE inside
 * a reserved PROT_NONE region, and the argument errors.
 *
 * The raw syscall is used (mmap on x86_64, mmap2 on i386) so that libc
 * checks nothing first.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"
#include "maps.h"

#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define RW (PROT_READ | PROT_WRITE)

static long mm(unsigned long addr, unsigned long len, int prot, int flags)
{
#ifdef __i386__
	return syscall(SYS_mmap2, addr, len, prot, flags, -1, 0);
#else
	return syscall(SYS_mmap, addr, len, prot, flags, -1, 0);
#endif
}

/* Root may map below mmap_min_addr (CAP_SYS_RAWIO); be an ordinary program. */
static void drop_rawio(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d) == 0) {
		d[CAP_SYS_RAWIO / 32].effective &= ~(1u << (CAP_SYS_RAWIO % 32));
		syscall(SYS_capset, &h, d);
	}
}

static unsigned long dac_mmap_min_addr(void)
{
	FILE *f = fopen("/proc/sys/vm/mmap_min_addr", "r");
	unsigned long v = 65536;

	if (f) {
		if (fscanf(f, "%lu", &v) != 1)
			v = 65536;
		fclose(f);
	}
	return v;
}

int main(void)
{
	unsigned long min_addr = dac_mmap_min_addr();
	unsigned long top = ~0UL & ~(PG - 1);
	long r, res;

	drop_rawio();

	/* 64 pages reserved, PROT_NONE: everything below lands at known places in it. */
	res = EXPECT("reserve 64 pages PROT_NONE", mm(0, 64 * PG, PROT_NONE, ANON), "ok");
	if (res == -1)
		return 1;

	r = EXPECT("hint on an occupied page", mm(res + 16 * PG, PG, RW, ANON), "ok");
	CHECK("an occupied hint is ignored, never clobbered",
	      r != -1 && ((unsigned long)r < res || (unsigned long)r >= res + 64 * PG));
	munmap((void *)r, PG);

	EXPECT("munmap 4 pages of the reservation", munmap((void *)(res + 4 * PG), 4 * PG), "ok");
	r = EXPECT("hint on a free range", mm(res + 4 * PG, 2 * PG, RW, ANON), "ok");
	CHECK("a free hint is honoured", r == (long)(res + 4 * PG));
	r = EXPECT("unaligned hint on a free range", mm(res + 6 * PG + 123, 2 * PG, RW, ANON), "ok");
	CHECK("an unaligned hint is rounded down to its page", r == (long)(res + 6 * PG));

	r = EXPECT("MAP_FIXED over the reservation", mm(res + 16 * PG, 2 * PG, RW, ANON | MAP_FIXED), "ok");
	CHECK("MAP_FIXED lands where asked", r == (long)(res + 16 * PG));
	CHECK("a new anonymous mapping is zero-filled", all_bytes(res + 16 * PG, 2 * PG, 0));
	memset((void *)(res + 16 * PG), 0x11, 2 * PG);
	r = EXPECT("MAP_FIXED over that mapping", mm(res + 16 * PG, PG, RW, ANON | MAP_FIXED), "ok");
	CHECK("MAP_FIXED replaces: the old contents are gone",
	      all_bytes(res + 16 * PG, PG, 0) && all_bytes(res + 17 * PG, PG, 0x11));

	EXPECT("MAP_FIXED_NOREPLACE over a mapping",
	       mm(res + 17 * PG, PG, RW, ANON | MAP_FIXED_NOREPLACE), "EEXIST");
	CHECK("MAP_FIXED_NOREPLACE left it alone", all_bytes(res + 17 * PG, PG, 0x11));
	EXPECT("MAP_FIXED_NOREPLACE partly over a mapping",
	       mm(res + 15 * PG, 2 * PG, RW, ANON | MAP_FIXED_NOREPLACE), "EEXIST");
	munmap((void *)(res + 20 * PG), 2 * PG);
	r = EXPECT("MAP_FIXED_NOREPLACE on a free range",
		   mm(res + 20 * PG, 2 * PG, RW, ANON | MAP_FIXED_NOREPLACE), "ok");
	CHECK("MAP_FIXED_NOREPLACE lands where asked", r == (long)(res + 20 * PG));

	EXPECT("len 0", mm(0, 0, RW, ANON), "EINVAL");
	EXPECT("MAP_FIXED at an unaligned address", mm(res + 24 * PG + 1, PG, RW, ANON | MAP_FIXED),
	       "EINVAL");
	CHECK("the failed MAP_FIXED changed nothing", mapped(res + 24 * PG));
	EXPECT("neither MAP_PRIVATE nor MAP_SHARED", mm(0, PG, RW, MAP_ANONYMOUS), "EINVAL");
	EXPECT("MAP_SHARED|MAP_GROWSDOWN anonymous",
	       mm(0, PG, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_GROWSDOWN), "EINVAL");
	r = EXPECT("unknown prot bits are ignored", mm(0, PG, PROT_READ | 0x100, ANON), "ok");
	munmap((void *)r, PG);
	r = EXPECT("shared anonymous", mm(0, PG, RW, MAP_SHARED | MAP_ANONYMOUS), "ok");
	CHECK("shared anonymous memory is zero-filled and writable",
	      r != -1 && all_bytes(r, PG, 0) && memset((void *)r, 1, PG) && all_bytes(r, PG, 1));
	munmap((void *)r, PG);

#ifdef __i386__
	EXPECT("len beyond the address space", mm(0, 0xfffff000UL, RW, ANON), "ENOMEM");
#else
	EXPECT("len beyond the address space", mm(0, 1UL << 47, RW, ANON), "ENOMEM");
#endif
	EXPECT("len that page-aligns to 0", mm(0, ~0UL, RW, ANON), "ENOMEM");
	EXPECT("MAP_FIXED past the top of the address space", mm(top, PG, RW, ANON | MAP_FIXED),
	       "ENOMEM");
	r = EXPECT("hint past the top of the address space", mm(top, PG, RW, ANON), "ok");
	CHECK("that hint is ignored", r != -1 && (unsigned long)r != top);
	munmap((void *)r, PG);

	EXPECT("MAP_FIXED at 0", mm(0, PG, RW, ANON | MAP_FIXED), "EPERM");
	if (min_addr > PG)
		EXPECT("MAP_FIXED just below mmap_min_addr",
		       mm(min_addr - PG, PG, RW, ANON | MAP_FIXED), "EPERM");
	r = EXPECT("hint 0x1000", mm(0x1000, PG, RW, ANON), "ok");
	CHECK("a low hint is kept at or above mmap_min_addr", r != -1 && (unsigned long)r >= min_addr);
	munmap((void *)r, PG);

	EXPECT("munmap the reservation", munmap((void *)res, 64 * PG), "ok");
	fflush(stdout);
	return failed;
}
