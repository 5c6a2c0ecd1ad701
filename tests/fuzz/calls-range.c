/*
 * The calls that change or ask about pages in place: mprotect (and
 * pkey_mprotect), madvise, msync, the mlock family and mbind; and fork,
 * whose child shows what MADV_DONTFORK and MADV_WIPEONFORK did.
 *
 * All of them walk the mappings of their range, so a range leaves its
 * domain only with a length that stops them at once (pick_range(walk 1)).
 */
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz.h"

#ifndef PROT_GROWSUP
#define PROT_GROWSUP 0x02000000
#endif
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif

void call_mprotect(struct fuzz *f, int via80)
{
	static const unsigned long bad_prot[] = {
		PROT_GROWSDOWN, PROT_GROWSUP, PROT_GROWSDOWN | PROT_GROWSUP, 0x8, 0x10, 0x80000000,
	};
	static const long pkeys[] = { -1, 0, 15, 16, -2 };
	unsigned long addr, len, prot = rng_below(f, 8);
	int with_pkey = !via80 && rng_percent(f, 20);
	long pkey = f->pkey >= 0 && rng_percent(f, 50) ? f->pkey : pkeys[rng_below(f, 5)];
	char where[48];
	struct result r;

	pick_range(f, via80, 1, &addr, &len);
	if (rng_percent(f, 15) && !avoiding(f, AVOID_PROT_EXTRA_BITS))
		prot |= RNG_PICK(f, bad_prot);
	if (avoiding(f, AVOID_SHM_EXEC) && range_has_kind(f, addr, len, 'S'))
		prot &= ~(unsigned long)PROT_EXEC;
	addr_name(f, addr, where, sizeof(where));
	if (with_pkey) {
		text_set(f, "pkey_mprotect(%s, %#lx, %#lx, %s)", where, len, prot,
			 pkey == -1 ? "-1" : pkey == f->pkey ? "key" : "badkey");
		r = issue(f, 0, SYS_pkey_mprotect, 0, addr, len, prot, (unsigned long)pkey, 0, 0);
	} else {
		text_set(f, "%smprotect(%s, %#lx, %#lx)", via80 ? "int80 " : "", where, len, prot);
		r = issue(f, via80, SYS_mprotect, NR32_MPROTECT, addr, len, prot, 0, 0, 0);
	}
	report(f, r, NULL);
}

void call_madvise(struct fuzz *f, int via80)
{
	/*
	 * All advice but MADV_HWPOISON (100) and MADV_SOFT_OFFLINE (101),
	 * which as root really take the page away; and some that do not exist.
	 */
	static const unsigned long advice[] = {
		0, 1, 2, 3, 4, 4, 4, 8, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 18, 19, 20, 21, 22, 23,
		24, 25, 102, 103, 5, 6, 7, 26, 99, 104, 0x80000000,
	};
	unsigned long addr, len, adv = RNG_PICK(f, advice);
	struct result r;
	char where[48];

	while (avoiding(f, AVOID_MADVISE_PAGE) &&
	       (adv == 9 || adv == 22 || adv == 23 || adv == 25 || adv == 102 || adv == 103))
		adv = RNG_PICK(f, advice);
	/*
	 * MADV_PAGEOUT drops the pages MADV_FREE left clean (no swap needed),
	 * or not, as the kernel's per-CPU LRU batches stand: natively, i386
	 * seed 390's call 189 zeroed two pages on an idle machine and kept
	 * them beside a busy loop. MADV_COLD, which only ages them, instead.
	 */
	if (adv == 21 && f->freed_lazily)
		adv = 20;
	pick_range(f, via80, 1, &addr, &len);
	text_set(f, "%smadvise(%s, %#lx, %lu)", via80 ? "int80 " : "", addr_name(f, addr, where, sizeof(where)),
		 len, adv);
	r = issue(f, via80, SYS_madvise, NR32_MADVISE, addr, len, adv, 0, 0, 0);
	if (adv == 8 && !r.err)
		f->freed_lazily = 1;
	report(f, r, NULL);
}

void call_msync(struct fuzz *f, int via80)
{
	static const unsigned long bad_flags[] = { 0x8, 0x10, 0x80000000 };
	unsigned long addr, len, flags = rng_below(f, 8);
	char where[48];

	pick_range(f, via80, 1, &addr, &len);
	if (rng_percent(f, 10))
		flags |= RNG_PICK(f, bad_flags);
	text_set(f, "%smsync(%s, %#lx, %#lx)", via80 ? "int80 " : "", addr_name(f, addr, where, sizeof(where)),
		 len, flags);
	report(f, issue(f, via80, SYS_msync, NR32_MSYNC, addr, len, flags, 0, 0, 0), NULL);
}

/*
 * mseal (Linux 6.10; ENOSYS both ways before): rare, for what it seals
 * stays so, and later calls there fail with EPERM.
 */
void call_mseal(struct fuzz *f, int via80)
{
	const long nr = 462;	/* the same for i386 */
	unsigned long addr, len, flags = rng_percent(f, 10) ? 1 + rng_below(f, 4) : 0;
	char where[48];

	pick_range(f, via80, 1, &addr, &len);
	text_set(f, "%smseal(%s, %#lx, %#lx)", via80 ? "int80 " : "", addr_name(f, addr, where, sizeof(where)),
		 len, flags);
	report(f, issue(f, via80, nr, nr, addr, len, flags, 0, 0, 0), NULL);
}

void call_mlock(struct fuzz *f, int via80)
{
	static const unsigned long mlock2_flags[] = { 0, 0, MLOCK_ONFAULT, 2, 0x80000000 };
	static const unsigned long mcl_flags[] = {
		MCL_CURRENT, MCL_FUTURE, MCL_CURRENT | MCL_FUTURE, MCL_CURRENT | MCL_ONFAULT,
		MCL_FUTURE | MCL_ONFAULT, MCL_ONFAULT, 0, 8,
	};
	unsigned roll = rng_below(f, 100);
	unsigned long addr, len, flags;
	char where[48];
	struct result r;

	pick_range(f, via80, 1, &addr, &len);
	if (avoiding(f, AVOID_LOCK_LEN_WRAP) && len > ~0UL - 2 * PG)
		len = PG;
	if (avoiding(f, AVOID_LOCK_POPULATE) && roll < 85 && !range_populates(f, addr, len)) {
		/* mlock widens an unaligned start to its page even for length 0 */
		addr &= ~(PG - 1);
		len = 0;
	}
	addr_name(f, addr, where, sizeof(where));
	if (roll < 45 || (via80 && roll < 70)) {
		text_set(f, "%smlock(%s, %#lx)", via80 ? "int80 " : "", where, len);
		r = issue(f, via80, SYS_mlock, NR32_MLOCK, addr, len, 0, 0, 0, 0);
	} else if (roll < 70 || via80) {
		text_set(f, "%smunlock(%s, %#lx)", via80 ? "int80 " : "", where, len);
		r = issue(f, via80, SYS_munlock, NR32_MUNLOCK, addr, len, 0, 0, 0, 0);
	} else if (roll < 85) {
		flags = RNG_PICK(f, mlock2_flags);
		text_set(f, "mlock2(%s, %#lx, %#lx)", where, len, flags);
		r = issue(f, 0, SYS_mlock2, 0, addr, len, flags, 0, 0, 0);
	} else if (roll < 92) {
		flags = RNG_PICK(f, mcl_flags);
		if (avoiding(f, AVOID_MLOCKALL_FUTURE))
			flags |= MCL_FUTURE;	/* never ends an earlier MCL_FUTURE */
		text_set(f, "mlockall(%#lx)", flags);
		r = issue(f, 0, SYS_mlockall, 0, flags, 0, 0, 0, 0, 0);
	} else {
		text_set(f, "munlockall()");
		r = issue(f, 0, SYS_munlockall, 0, 0, 0, 0, 0, 0, 0);
	}
	report(f, r, NULL);
}

void call_mbind(struct fuzz *f)
{
	/* Room for the largest maxnode the kernel reads (a page of bits); node 0 only. */
	static unsigned long nodes[PG / sizeof(long) + 1] = { 1 };
	static const unsigned long modes[] = {
		0, 1, 2, 3, 4, 5, 6, 1 | 0x8000, 2 | 0x4000, 2 | 0xc000,
	};
	static const unsigned long maxnodes[] = { 0, 1, 2, 64, 1025, 32769, 0xffffffff };
	static const unsigned long mbind_flags[] = { 0, 0, 1, 2, 3, 4, 8 };
	unsigned long addr, len, mode = RNG_PICK(f, modes), maxnode = RNG_PICK(f, maxnodes);
	unsigned long flags = RNG_PICK(f, mbind_flags), mask = (unsigned long)nodes;
	unsigned roll = rng_below(f, 100);
	const char *mask_name = "nodes";
	char where[48];

	if (avoiding(f, AVOID_NUMA_NAMES) && (mode == 5 || mode == 6))
		mode = 2;	/* MPOL_BIND */
	if (roll < 15) {
		mask = 0;
		mask_name = "NULL";
	} else if (roll < 22) {
		mask = f->block_fault;
		mask_name = "guard";
	}
	pick_range(f, 0, 1, &addr, &len);
	text_set(f, "mbind(%s, %#lx, %#lx, %s, %#lx, %#lx)", addr_name(f, addr, where, sizeof(where)), len, mode,
		 mask_name, maxnode, flags);
	report(f, issue(f, 0, SYS_mbind, 0, addr, len, mode, mask, maxnode, flags), NULL);
}

/* The child prints what it sees of every domain, then exits. */
void call_fork(struct fuzz *f)
{
	int status = 0;
	pid_t pid;

	text_set(f, "fork()");
	report(f, (struct result){ 0, 0 }, "forking");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		digest_print(f, "   child ", 1);
		fflush(stdout);
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	printf("   child %s\n", pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "exited 0" : "failed");
}
