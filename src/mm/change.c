/* Attribute changes over a range (see change.h).
 *
 * The change runs in two passes over the mappings in the range: a plan that
 * finds where the walk stops, which splits it needs and whether the map count
 * allows them, then the walk itself, which cannot fail.  Both passes take the
 * same per-mapping decision.
 */
#include "change.h"

#include <errno.h>
#include <sys/mman.h>

#include "mm_internal.h"
#include "seal.h"

/* Fills *proposed with what m becomes and returns AS_CHECK_APPLY when it
 * changes, AS_CHECK_SKIP when it stays as it is, or -errno to stop. */
static int decide(const struct as_change *chg, const struct mapping *m,
		  struct mapping *proposed)
{
	int verdict;

	*proposed = *m;
	if (chg->set_prot)
		proposed->prot = chg->prot;
	/* mprotect's rier: only where the mapping may execute (VM_MAYEXEC) */
	if (chg->set_prot && chg->read_implies_exec && (chg->prot & PROT_READ) &&
	    (m->max_prot & PROT_EXEC))
		proposed->prot |= PROT_EXEC;
	proposed->flags = (m->flags & ~chg->flags_clear) | chg->flags_set;
	proposed->advice = (uint16_t)((m->advice & ~chg->advice_clear) | chg->advice_set);
	if (chg->set_policy)
		proposed->policy = chg->policy;

	/* mprotect: asking for more than VM_MAY* allows is EACCES. */
	if (chg->set_prot && (chg->prot & ~m->max_prot))
		return -EACCES;
	/* mprotect_fixup and madvise_vma_behavior check first of all */
	if ((chg->sealed == AS_SEALED_REFUSE && (m->flags & MAPPING_SEALED)) ||
	    (chg->sealed == AS_SEALED_REFUSE_DISCARD && seal_refuses_discard(m)))
		return -EPERM;
	if (chg->check) {
		verdict = chg->check(m, proposed, chg->check_ctx);
		if (verdict != AS_CHECK_APPLY)
			return verdict;
	}
	/* Linux's *_fixup functions return early when nothing changes: no split. */
	return mapping_same_attributes(m, proposed) ? AS_CHECK_SKIP : AS_CHECK_APPLY;
}

static int hole_error(const struct as_change *chg)
{
	return chg->hole_errno ? -chg->hole_errno : -ENOMEM;
}

struct change_plan {
	uint64_t stop_at;     /* the walk changes nothing at or above this */
	int stop_err;         /* what the call returns when it stops early */
	bool saw_hole;        /* an unmapped part that did not stop the walk */
	int node_splits;      /* splits the walk makes (each needs a node) */
	int counted_splits;   /* splits Linux makes and counts against max_map_count */
};

/* The piece of m inside [start, end), with the attributes it would get. */
static struct mapping piece_of(const struct mapping *proposed, uint64_t start, uint64_t end)
{
	struct mapping piece = *proposed;

	if (piece.start < start) {
		piece.offset += start - piece.start;
		piece.start = start;
	}
	if (piece.end > end)
		piece.end = end;
	return piece;
}

/* Linux tries vma_merge before splitting: the changed tail of the first
 * mapping may join the mapping above it, and the changed head of the last
 * one may join the (already changed) mapping below.  Then no split happens
 * and the map count does not grow, though this model splits and merges. */
static int count_linux_splits(const struct mm_node *node, const struct mapping *proposed,
			      const struct mapping *below_after, uint64_t start, uint64_t end)
{
	struct mapping piece = piece_of(proposed, start, end);
	int splits = 0;

	if (node->map.start < start) {
		const struct mm_node *next = mm_tree_next(node);

		if (!(piece.end == node->map.end && next && mapping_can_merge(&piece, &next->map)))
			splits++;
	}
	if (node->map.end > end) {
		if (!(piece.start == node->map.start && below_after &&
		      mapping_can_merge(below_after, &piece)))
			splits++;
	}
	return splits;
}

/* Is every page of [start, end) mapped? */
static bool range_fully_mapped(const struct address_space *as, uint64_t start, uint64_t end)
{
	const struct mm_node *node = mm_tree_find_end_above(&as->tree, start);
	uint64_t pos = start;

	for (; node && node->map.start <= pos && pos < end; node = mm_tree_next(node))
		pos = node->map.end;
	return pos >= end;
}

static int plan_change(const struct address_space *as, uint64_t start, uint64_t end,
		       const struct as_change *chg, struct change_plan *plan)
{
	const struct mm_node *node = mm_tree_find_end_above(&as->tree, start);
	struct mapping below_after = { 0 }, proposed;
	bool have_below = false;
	uint64_t pos = start;

	plan->stop_at = end;
	plan->stop_err = 0;
	plan->saw_hole = false;
	plan->node_splits = 0;
	plan->counted_splits = 0;
	/* Holes come first, whatever the mappings would say. */
	if (chg->holes == AS_HOLES_REJECT && !range_fully_mapped(as, start, end))
		return hole_error(chg);

	/* What the mapping just below the range will look like: unchanged. */
	if (node && node->map.start < start) {
		/* node itself straddles start; nothing below matters */
	} else if (node && mm_tree_prev(node)) {
		below_after = mm_tree_prev(node)->map;
		have_below = true;
	}

	for (; node && node->map.start < end; node = mm_tree_next(node)) {
		int verdict;

		if (node->map.start > pos) {
			if (chg->holes == AS_HOLES_STOP) {
				plan->stop_at = pos;
				plan->stop_err = hole_error(chg);
				return 0;
			}
			plan->saw_hole = true;
			have_below = false;
		}
		verdict = decide(chg, &node->map, &proposed);
		/* a change to part of a special mapping fails where it would cut it */
		if (verdict == AS_CHECK_APPLY && mapping_refuses_split(&node->map) &&
		    (node->map.start < start || node->map.end > end))
			verdict = -EINVAL;
		if (verdict < 0) {
			plan->stop_at = pos > node->map.start ? pos : node->map.start;
			plan->stop_err = verdict;
			return 0;
		}
		if (verdict == AS_CHECK_APPLY) {
			plan->node_splits += (node->map.start < start) + (node->map.end > end);
			plan->counted_splits += count_linux_splits(node, &proposed,
				have_below ? &below_after : NULL, start, end);
			below_after = proposed;
		} else {
			below_after = node->map;
		}
		have_below = true;
		pos = node->map.end;
	}
	if (pos < end) {
		if (chg->holes == AS_HOLES_STOP) {
			plan->stop_at = pos;
			plan->stop_err = hole_error(chg);
		} else {
			plan->saw_hole = true;
		}
	}
	return 0;
}

/* Gives node proposed's attributes, keeping its range, offset and origin. */
static void apply_attributes(struct address_space *as, struct mm_node *node,
			     const struct mapping *proposed)
{
	struct mapping *m = &node->map;

	m->prot = proposed->prot;
	m->flags = proposed->flags;
	m->advice = proposed->advice;
	m->policy = proposed->policy;
	/* MAPPING_GROWSDOWN moves the guarded start the summaries use. */
	mm_tree_refresh(&as->tree, node);
}

/* The checks before anything changes: the arguments, then the plan and the
 * map count.  Returns 0 with *plan and *end filled, 1 for a successful no-op
 * (len 0), or -errno. */
static int plan_checked(const struct address_space *as, uint64_t start, uint64_t len,
			const struct as_change *chg, struct change_plan *plan, uint64_t *end)
{
	int err;

	if (!mm_page_aligned(start))
		return -EINVAL;
	if (len == 0)
		return 1;
	len = mm_page_align(len);
	*end = start + len;
	if (len == 0 || *end < start)
		return -EINVAL;
	err = plan_change(as, start, *end, chg, plan);
	if (err)
		return err;
	if (as_map_count(as) + (size_t)plan->counted_splits > as->layout.max_map_count)
		return -ENOMEM;
	return 0;
}

int as_change_verdict(const struct address_space *as, uint64_t start, uint64_t len,
		      const struct as_change *chg)
{
	struct change_plan plan;
	uint64_t end;
	int err = plan_checked(as, start, len, chg, &plan, &end);

	if (err)
		return err < 0 ? err : 0;
	if (plan.stop_err)
		return plan.stop_err;
	return plan.saw_hole ? hole_error(chg) : 0;
}

int as_change_range(struct address_space *as, uint64_t start, uint64_t len,
		    const struct as_change *chg, uint64_t *done_until)
{
	struct change_plan plan;
	struct node_reserve reserve;
	struct mm_node *node;
	uint64_t end;
	int err;

	if (done_until)
		*done_until = start;
	err = plan_checked(as, start, len, chg, &plan, &end);
	if (err)
		return err < 0 ? err : 0;
	err = node_reserve_fill(as, &reserve, plan.node_splits);
	if (err)
		return err;

	node = mm_tree_find_end_above(&as->tree, start);
	while (node && node->map.start < plan.stop_at) {
		struct mapping proposed;

		if (decide(chg, &node->map, &proposed) != AS_CHECK_APPLY) {
			node = mm_tree_next(node);
			continue;
		}
		if (node->map.start < start)
			node = as_split(as, node, start, node_reserve_take(&reserve));
		if (node->map.end > end)
			as_split(as, node, end, node_reserve_take(&reserve));
		apply_attributes(as, node, &proposed);
		node = mm_tree_next(as_merge_around(as, node));
	}
	node_reserve_release(&reserve);

	if (done_until)
		*done_until = plan.stop_at;
	if (plan.stop_err)
		return plan.stop_err;
	return plan.saw_hole ? hole_error(chg) : 0;
}

void as_change_for_mprotect(struct as_change *chg, uint8_t prot, bool read_implies_exec)
{
	*chg = (struct as_change){
		.holes = AS_HOLES_STOP, .set_prot = true, .prot = prot, .sealed = AS_SEALED_REFUSE,
		.read_implies_exec = read_implies_exec,
	};
}

int as_protect(struct address_space *as, uint64_t start, uint64_t len, uint8_t prot,
	       uint64_t *done_until)
{
	struct as_change chg;

	as_change_for_mprotect(&chg, prot, as->read_implies_exec);
	return as_change_range(as, start, len, &chg, done_until);
}

/* ---- the changes each syscall makes ---- */

static int check_mlock(const struct mapping *current, const struct mapping *proposed,
		       void *ctx)
{
	(void)proposed;
	(void)ctx;
	/* mlock_fixup leaves VM_SPECIAL and VM_DROPPABLE mappings alone without failing. */
	return mapping_is_vm_special(current) || (current->flags & MAPPING_DROPPABLE)
		       ? AS_CHECK_SKIP
		       : AS_CHECK_APPLY;
}

void as_change_for_mlock(struct as_change *chg, uint32_t lock_flags)
{
	*chg = (struct as_change){
		.holes = AS_HOLES_STOP,
		/* mlock2(MLOCK_ONFAULT) after mlock replaces, not adds: Linux
		 * clears VM_LOCKED_MASK before setting the new bits. */
		.flags_clear = MAPPING_LOCK_MASK,
		.flags_set = lock_flags & MAPPING_LOCK_MASK,
		.check = check_mlock,
	};
}

static int check_wipeonfork(const struct mapping *current, const struct mapping *proposed,
			    void *ctx)
{
	(void)proposed;
	(void)ctx;
	/* MADV_WIPEONFORK is for private anonymous memory only. */
	if ((current->flags & MAPPING_SHARED) || !(current->flags & MAPPING_ANON))
		return -EINVAL;
	return AS_CHECK_APPLY;
}

static int check_mergeable(const struct mapping *current, const struct mapping *proposed,
			   void *ctx)
{
	(void)proposed;
	(void)ctx;
	/* ksm_madvise quietly ignores shared and special mappings. */
	if ((current->flags & MAPPING_SHARED) || mapping_is_vm_special(current))
		return AS_CHECK_SKIP;
	return AS_CHECK_APPLY;
}

static int check_dofork(const struct mapping *current, const struct mapping *proposed,
			void *ctx)
{
	(void)proposed;
	(void)ctx;
	/* MADV_DOFORK on VM_IO is EINVAL */
	return mapping_is_io(current) ? -EINVAL : AS_CHECK_APPLY;
}

static int check_dodump(const struct mapping *current, const struct mapping *proposed,
			void *ctx)
{
	(void)proposed;
	(void)ctx;
	/* MADV_DODUMP on VM_SPECIAL (the vdso and vvar among them) or VM_DROPPABLE is EINVAL */
	return mapping_is_vm_special(current) || (current->flags & MAPPING_DROPPABLE)
		       ? -EINVAL
		       : AS_CHECK_APPLY;
}

static int check_keeponfork(const struct mapping *current, const struct mapping *proposed,
			    void *ctx)
{
	(void)proposed;
	(void)ctx;
	/* droppable memory is wiped on fork for good */
	return current->flags & MAPPING_DROPPABLE ? -EINVAL : AS_CHECK_APPLY;
}

struct madvise_effect {
	int advice;            /* Linux MADV_* number (uapi, the same for i386 and x86_64) */
	uint32_t flags_clear, flags_set;
	uint16_t advice_clear, advice_set;
	int (*check)(const struct mapping *, const struct mapping *, void *);
};

#define ADV_ACCESS (MAPPING_ADV_RANDOM | MAPPING_ADV_SEQUENTIAL)
#define ADV_THP (MAPPING_ADV_HUGEPAGE | MAPPING_ADV_NOHUGEPAGE)

static const struct madvise_effect madvise_effects[] = {
	{ 0 /* MADV_NORMAL */, 0, 0, ADV_ACCESS, 0, NULL },
	{ 1 /* MADV_RANDOM */, 0, 0, ADV_ACCESS, MAPPING_ADV_RANDOM, NULL },
	{ 2 /* MADV_SEQUENTIAL */, 0, 0, ADV_ACCESS, MAPPING_ADV_SEQUENTIAL, NULL },
	{ 10 /* MADV_DONTFORK */, 0, MAPPING_DONTFORK, 0, 0, NULL },
	{ 11 /* MADV_DOFORK */, MAPPING_DONTFORK, 0, 0, 0, check_dofork },
	{ 12 /* MADV_MERGEABLE */, 0, 0, 0, MAPPING_ADV_MERGEABLE, check_mergeable },
	{ 13 /* MADV_UNMERGEABLE */, 0, 0, MAPPING_ADV_MERGEABLE, 0, NULL },
	{ 14 /* MADV_HUGEPAGE */, 0, 0, ADV_THP, MAPPING_ADV_HUGEPAGE, NULL },
	{ 15 /* MADV_NOHUGEPAGE */, 0, 0, ADV_THP, MAPPING_ADV_NOHUGEPAGE, NULL },
	{ 16 /* MADV_DONTDUMP */, 0, MAPPING_DONTDUMP, 0, 0, NULL },
	{ 17 /* MADV_DODUMP */, MAPPING_DONTDUMP, 0, 0, 0, check_dodump },
	{ 18 /* MADV_WIPEONFORK */, 0, MAPPING_WIPEONFORK, 0, 0, check_wipeonfork },
	{ 19 /* MADV_KEEPONFORK */, MAPPING_WIPEONFORK, 0, 0, 0, check_keeponfork },
};

/* Advice that acts on pages only and leaves the mapping's attributes alone. */
static const int madvise_page_only[] = {
	3,   /* MADV_WILLNEED */
	4,   /* MADV_DONTNEED: private anonymous pages read back as zeroes */
	8,   /* MADV_FREE */
	9,   /* MADV_REMOVE */
	20,  /* MADV_COLD */
	21,  /* MADV_PAGEOUT */
	22,  /* MADV_POPULATE_READ */
	23,  /* MADV_POPULATE_WRITE */
	24,  /* MADV_DONTNEED_LOCKED */
	25,  /* MADV_COLLAPSE */
	100, /* MADV_HWPOISON */
	101, /* MADV_SOFT_OFFLINE */
	102, /* MADV_GUARD_INSTALL */
	103, /* MADV_GUARD_REMOVE */
};

int as_change_for_madvise(struct as_change *chg, int advice)
{
	size_t i;

	*chg = (struct as_change){
		.holes = AS_HOLES_SKIP,
		.sealed = madvise_discards(advice) ? AS_SEALED_REFUSE_DISCARD : AS_SEALED_CHANGE,
	};
	for (i = 0; i < sizeof(madvise_effects) / sizeof(madvise_effects[0]); i++) {
		const struct madvise_effect *e = &madvise_effects[i];

		if (e->advice != advice)
			continue;
		chg->flags_clear = e->flags_clear;
		chg->flags_set = e->flags_set;
		chg->advice_clear = e->advice_clear;
		chg->advice_set = e->advice_set;
		chg->check = e->check;
		return 0;
	}
	for (i = 0; i < sizeof(madvise_page_only) / sizeof(madvise_page_only[0]); i++)
		if (madvise_page_only[i] == advice)
			return 0;
	return -EINVAL;
}

void as_change_for_mbind(struct as_change *chg, const struct mapping_policy *policy)
{
	/* mbind looks for holes first (queue_pages_range) and fails with
	 * EFAULT before changing any policy. */
	*chg = (struct as_change){
		.holes = AS_HOLES_REJECT,
		.hole_errno = EFAULT,
		.set_policy = true,
		.policy = *policy,
	};
}
