/* Attribute changes over a range: mprotect, mlock/munlock, madvise, mbind.
 *
 * One walk serves them all; they differ only in what they change, in an
 * optional per-mapping check, and in how unmapped parts of the range count
 * (enum as_hole_rule).  Pieces of mappings inside the range are split off as
 * needed and merged back with their neighbours where Linux would.
 */
#ifndef MEMTRACE_MM_CHANGE_H
#define MEMTRACE_MM_CHANGE_H

#include <stdbool.h>
#include <stdint.h>

#include "address_space.h"

enum as_hole_rule {
	/* mprotect, mlock, munlock: change mappings in order up to the first
	 * unmapped page, then fail; what came before stays changed. */
	AS_HOLES_STOP,
	/* madvise: change every mapped part, then fail if anything was unmapped. */
	AS_HOLES_SKIP,
	/* mbind: any unmapped page fails the call before anything changes. */
	AS_HOLES_REJECT,
};

/* How a sealed mapping (seal.h) takes the change. */
enum as_seal_rule {
	AS_SEALED_CHANGE = 0,      /* like any other: mlock, mbind, mseal, most advice */
	AS_SEALED_REFUSE,          /* EPERM there, changed or not: mprotect */
	AS_SEALED_REFUSE_DISCARD,  /* EPERM where seal_refuses_discard: advice that discards */
};

/* What a check says about one mapping (or -errno to stop the walk there). */
enum as_check_verdict {
	AS_CHECK_APPLY = 0, /* change it */
	AS_CHECK_SKIP = 1,  /* leave it as it is, silently (mlock on [vdso]) */
};

struct as_change {
	enum as_hole_rule holes;
	int hole_errno;             /* positive errno for unmapped parts; 0 means ENOMEM */
	bool set_prot;
	uint8_t prot;               /* new PROT_* when set_prot; beyond max_prot is EACCES */
	bool read_implies_exec;     /* with set_prot: PROT_READ adds PROT_EXEC where max_prot has it */
	uint32_t flags_clear;       /* MAPPING_* bits cleared, then ... */
	uint32_t flags_set;         /* ... these set */
	uint16_t advice_clear;      /* MAPPING_ADV_* bits cleared, then ... */
	uint16_t advice_set;        /* ... these set */
	bool set_policy;
	struct mapping_policy policy;
	enum as_seal_rule sealed;   /* its EPERM comes after EACCES, before check */
	/* Optional, called for each mapping before it changes with what it
	 * would become; must not change the model.  Returns an as_check_verdict
	 * or -errno, which stops the walk there (mappings before it stay
	 * changed, as in Linux). */
	int (*check)(const struct mapping *current, const struct mapping *proposed, void *ctx);
	void *check_ctx;
};

/* Applies chg to [start, start + len), len rounded up to pages.
 * Map count: each split needs count + splits so far < max_map_count (Linux's
 * split_vma check), but the model checks all of them before changing
 * anything; a split that a merge makes unnecessary is not counted.
 * If done_until is not NULL it receives the address below which the change
 * was carried out (start + len on success; for AS_HOLES_STOP the first hole or
 * the mapping that failed its check).
 * The syscall layer checks its call's own argument rules first (mprotect
 * answers a wrapping length with ENOMEM, madvise with EINVAL).
 * Return 0; -EINVAL for an unaligned start or a wrapping length (len 0 is a
 * successful no-op); -hole_errno for unmapped parts (after the changes the
 * hole rule allows); -EACCES for prot beyond max_prot; the check's -errno;
 * -ENOMEM for the map count or when out of memory (nothing changed). */
int as_change_range(struct address_space *as, uint64_t start, uint64_t len,
		    const struct as_change *chg, uint64_t *done_until);

/* What as_change_range would return, changing nothing (running out of
 * memory aside). */
int as_change_verdict(const struct address_space *as, uint64_t start, uint64_t len,
		      const struct as_change *chg);

/* Fills chg for mprotect(prot), READ_IMPLIES_EXEC or not. */
void as_change_for_mprotect(struct as_change *chg, uint8_t prot, bool read_implies_exec);

/* mprotect(start, len, prot) on the model.  Same returns as as_change_range. */
int as_protect(struct address_space *as, uint64_t start, uint64_t len, uint8_t prot,
	       uint64_t *done_until);

/* Fills chg for mlock / mlock2 (lock_flags MAPPING_LOCKED, optionally with
 * MAPPING_LOCKONFAULT) or munlock (lock_flags 0).  Special mappings (vdso,
 * vvar, DONTEXPAND ones) are skipped, as mlock_fixup skips VM_SPECIAL. */
void as_change_for_mlock(struct as_change *chg, uint32_t lock_flags);

/* Fills chg for madvise(advice), advice being Linux's MADV_* number.  Advice
 * that only acts on pages (MADV_DONTNEED, ...) yields a change that alters
 * nothing but still reports unmapped parts, as madvise does.
 * Return 0, or -EINVAL for advice Linux does not know. */
int as_change_for_madvise(struct as_change *chg, int advice);

/* Fills chg for mbind with the given policy: holes fail with EFAULT before
 * anything changes. */
void as_change_for_mbind(struct as_change *chg, const struct mapping_policy *policy);

#endif
