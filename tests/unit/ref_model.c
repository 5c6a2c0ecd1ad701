/* The page-array reference model (see ref_model.h).  Everything here is a
 * plain loop over pages; speed does not matter, obviousness does. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* MADV_* names */
#endif
#include "ref_model.h"
#include "mm_test_util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define P MM_PAGE_SIZE

void ref_init(struct ref_model *ref, const struct as_layout *layout)
{
	memset(ref, 0, sizeof(*ref));
	ref->layout = *layout;
	ref->brk_current = layout->brk_start;
}

static bool mapped(const struct ref_model *ref, uint64_t page)
{
	return page < REF_PAGES && ref->pages[page].mapped;
}

static bool same_attrs(const struct mapping *a, const struct mapping *b)
{
	return a->prot == b->prot && a->max_prot == b->max_prot && a->kind == b->kind &&
	       a->flags == b->flags && a->advice == b->advice &&
	       a->policy.mode == b->policy.mode && a->policy.flags == b->policy.flags &&
	       a->policy.nodemask == b->policy.nodemask &&
	       a->backing.dev_major == b->backing.dev_major &&
	       a->backing.dev_minor == b->backing.dev_minor &&
	       a->backing.inode == b->backing.inode && a->backing.file_id == b->backing.file_id &&
	       a->backing.path == b->backing.path;
}

/* Do pages p and p + 1 belong to one mapping? */
static bool joined(const struct ref_model *ref, uint64_t p)
{
	return mapped(ref, p) && mapped(ref, p + 1) &&
	       same_attrs(&ref->pages[p].attrs, &ref->pages[p + 1].attrs) &&
	       ref->pages[p + 1].offset == ref->pages[p].offset + P;
}

static uint64_t run_start(const struct ref_model *ref, uint64_t p)
{
	while (p > 0 && joined(ref, p - 1))
		p--;
	return p;
}

static uint64_t run_end(const struct ref_model *ref, uint64_t p)
{
	while (joined(ref, p))
		p++;
	return p + 1;
}

size_t ref_map_count(const struct ref_model *ref)
{
	size_t count = 0;
	uint64_t p;

	for (p = 0; p < REF_PAGES; p++)
		if (mapped(ref, p) && !(p > 0 && joined(ref, p - 1)))
			count++;
	return count;
}

/* Is [s, e) (pages) strictly inside one mapping? */
static bool splits_one(const struct ref_model *ref, uint64_t s, uint64_t e)
{
	return s > 0 && joined(ref, s - 1) && joined(ref, e - 1) &&
	       run_start(ref, s) == run_start(ref, e - 1);
}

static void set_pages(struct ref_model *ref, uint64_t s, uint64_t e, const struct mapping *attrs,
		      uint64_t first_offset)
{
	uint64_t p;

	for (p = s; p < e; p++) {
		ref->pages[p].mapped = true;
		ref->pages[p].attrs = *attrs;
		ref->pages[p].offset = first_offset + (p - s) * P;
	}
}

int ref_insert(struct ref_model *ref, const struct mapping *proto)
{
	uint64_t s = proto->start / P, e = proto->end / P, offset = proto->offset;
	size_t count = ref_map_count(ref);

	if (proto->start % P || proto->end % P || proto->start >= proto->end)
		return -EINVAL;
	if (proto->end > ref->layout.task_size)
		return -ENOMEM;
	if (count > ref->layout.max_map_count ||
	    (splits_one(ref, s, e) && count >= ref->layout.max_map_count))
		return -ENOMEM;
	if (proto->flags & MAPPING_ANON)
		offset = (proto->flags & MAPPING_SHARED) ? 0 : proto->start;
	set_pages(ref, s, e, proto, offset);
	return 0;
}

static void clear_pages(struct ref_model *ref, uint64_t s, uint64_t e)
{
	for (; s < e && s < REF_PAGES; s++)
		ref->pages[s].mapped = false;
}

int ref_unmap(struct ref_model *ref, uint64_t start, uint64_t len)
{
	uint64_t end, p;
	bool any = false;

	len = (len + P - 1) / P * P;
	end = start + len;
	if (start % P || len == 0 || end < start || start > ref->layout.task_size ||
	    len > ref->layout.task_size - start)
		return -EINVAL;
	for (p = start / P; p < end / P; p++)
		any |= mapped(ref, p);
	if (!any)
		return 0;
	if (splits_one(ref, start / P, end / P) && ref_map_count(ref) >= ref->layout.max_map_count)
		return -ENOMEM;
	clear_pages(ref, start / P, end / P);
	return 0;
}

/* ---- attribute changes ---- */

static enum as_hole_rule rule_of(const struct ref_op *op)
{
	switch (op->kind) {
	case REF_MADVISE:
		return AS_HOLES_SKIP;
	case REF_MBIND:
		return AS_HOLES_REJECT;
	default:
		return AS_HOLES_STOP;
	}
}

/* What page p becomes: AS_CHECK_APPLY with *out set, AS_CHECK_SKIP, or -errno. */
static int decide(const struct ref_model *ref, uint64_t p, const struct ref_op *op,
		  struct mapping *out)
{
	const struct mapping *cur = &ref->pages[p].attrs;

	*out = *cur;
	switch (op->kind) {
	case REF_PROTECT:
		if (op->prot & ~cur->max_prot)
			return -EACCES;
		out->prot = op->prot;
		break;
	case REF_MLOCK:
		out->flags = (cur->flags & ~MAPPING_LOCK_MASK) | op->lock_flags;
		break;
	case REF_MBIND:
		out->policy = op->policy;
		break;
	case REF_MADVISE:
		switch (op->advice) {
		case MADV_NORMAL:
			out->advice &= ~(MAPPING_ADV_RANDOM | MAPPING_ADV_SEQUENTIAL);
			break;
		case MADV_RANDOM:
			out->advice = (out->advice & ~MAPPING_ADV_SEQUENTIAL) | MAPPING_ADV_RANDOM;
			break;
		case MADV_SEQUENTIAL:
			out->advice = (out->advice & ~MAPPING_ADV_RANDOM) | MAPPING_ADV_SEQUENTIAL;
			break;
		case MADV_HUGEPAGE:
			out->advice = (out->advice & ~MAPPING_ADV_NOHUGEPAGE) | MAPPING_ADV_HUGEPAGE;
			break;
		case MADV_NOHUGEPAGE:
			out->advice = (out->advice & ~MAPPING_ADV_HUGEPAGE) | MAPPING_ADV_NOHUGEPAGE;
			break;
		case MADV_MERGEABLE:
			if (cur->flags & MAPPING_SHARED)
				return AS_CHECK_SKIP;
			out->advice |= MAPPING_ADV_MERGEABLE;
			break;
		case MADV_DONTFORK:
			out->flags |= MAPPING_DONTFORK;
			break;
		case MADV_DOFORK:
			out->flags &= ~MAPPING_DONTFORK;
			break;
		case MADV_WIPEONFORK:
			if ((cur->flags & MAPPING_SHARED) || !(cur->flags & MAPPING_ANON))
				return -EINVAL;
			out->flags |= MAPPING_WIPEONFORK;
			break;
		case MADV_KEEPONFORK:
			out->flags &= ~MAPPING_WIPEONFORK;
			break;
		default: /* page-only advice */
			break;
		}
		break;
	}
	return same_attrs(cur, out) ? AS_CHECK_SKIP : AS_CHECK_APPLY;
}

/* Splits Linux counts against max_map_count: at s when s is inside a
 * mapping that changes, unless the changed tail joins the mapping above; at e
 * likewise, unless the changed head joins the (changed) mapping below. */
static int counted_splits(const struct ref_model *ref, uint64_t s, uint64_t e, uint64_t stop,
			  const struct ref_op *op)
{
	struct mapping changed, below;
	int splits = 0;

	if (s < stop && s > 0 && joined(ref, s - 1) && decide(ref, s, op, &changed) == AS_CHECK_APPLY) {
		uint64_t re = run_end(ref, s);
		bool tail = re <= e;
		bool joins_above = tail && mapped(ref, re) &&
				   same_attrs(&changed, &ref->pages[re].attrs) &&
				   ref->pages[re].offset == ref->pages[re - 1].offset + P;

		splits += !joins_above;
	}
	if (e - 1 < stop && joined(ref, e - 1) && decide(ref, e - 1, op, &changed) == AS_CHECK_APPLY) {
		uint64_t rs = run_start(ref, e - 1);
		bool joins_below = false;

		if (rs >= s && rs > 0 && mapped(ref, rs - 1)) {
			below = ref->pages[rs - 1].attrs;
			if (rs - 1 >= s && rs - 1 < stop &&
			    decide(ref, rs - 1, op, &below) != AS_CHECK_APPLY)
				below = ref->pages[rs - 1].attrs;
			joins_below = same_attrs(&below, &changed) &&
				      ref->pages[rs].offset == ref->pages[rs - 1].offset + P;
		}
		splits += !joins_below;
	}
	return splits;
}

int ref_change(struct ref_model *ref, uint64_t start, uint64_t len, const struct ref_op *op,
	       uint64_t *done_until)
{
	enum as_hole_rule rule = rule_of(op);
	uint64_t end, s, e, stop, p;
	struct mapping changed;
	bool hole = false;
	int err = 0;

	*done_until = start;
	if (start % P)
		return -EINVAL;
	if (len == 0)
		return 0;
	len = (len + P - 1) / P * P;
	end = start + len;
	if (len == 0 || end < start)
		return -EINVAL;
	s = start / P;
	e = end / P;
	if (rule == AS_HOLES_REJECT)
		for (p = s; p < e; p++)
			if (!mapped(ref, p))
				return -EFAULT;
	stop = e;
	for (p = s; p < e; p++) {
		int verdict;

		if (!mapped(ref, p)) {
			if (rule == AS_HOLES_STOP) {
				stop = p;
				err = -ENOMEM;
				break;
			}
			hole = true;
			continue;
		}
		verdict = decide(ref, p, op, &changed);
		if (verdict < 0) {
			stop = p;
			err = verdict;
			break;
		}
	}
	if (ref_map_count(ref) + counted_splits(ref, s, e, stop, op) > ref->layout.max_map_count)
		return -ENOMEM;
	for (p = s; p < stop; p++)
		if (mapped(ref, p) && decide(ref, p, op, &changed) == AS_CHECK_APPLY)
			ref->pages[p].attrs = changed;
	*done_until = stop * P;
	if (err)
		return err;
	return hole ? -ENOMEM : 0;
}

/* ---- placement ---- */

static uint64_t guarded_start(const struct ref_model *ref, uint64_t page)
{
	uint64_t start = page * P, guard = ref->layout.stack_guard_gap;

	if (!(ref->pages[page].attrs.flags & MAPPING_GROWSDOWN))
		return start;
	return start > guard ? start - guard : 0;
}

/* Linux's unmapped_area (bottom-up): the lowest hole whose part inside the
 * limits holds length + align_mask bytes, holes ending at a guarded start. */
static int find_hole_bottomup(const struct ref_model *ref, const struct mm_hole_request *req,
			      uint64_t need, uint64_t *addr)
{
	uint64_t gap_start = 0, p = 0;

	/* Gaps in ascending order: before each mapping, then above the last. */
	for (;;) {
		uint64_t gap_end = UINT64_MAX, next_start = REF_PAGES, lo, hi;

		while (p < REF_PAGES && !mapped(ref, p))
			p++;
		if (p < REF_PAGES) {
			next_start = p;
			gap_end = guarded_start(ref, p);
		}
		lo = gap_start > req->low_limit ? gap_start : req->low_limit;
		hi = gap_end < req->high_limit ? gap_end : req->high_limit;
		if (hi > lo && hi - lo >= need) {
			*addr = lo + ((req->align_offset - lo) & req->align_mask);
			return 0;
		}
		if (next_start == REF_PAGES)
			return -ENOMEM;
		p = run_end(ref, next_start);
		gap_start = p * P;
	}
}

/*
 * Linux 6.1+'s unmapped_area_topdown, step by step: the highest raw hole
 * (guard gaps ignored) of `need` bytes under high; if a growsdown mapping
 * starts right above it and its guarded start cuts into it, search again
 * below that guarded start.
 */
static int find_hole_topdown(const struct ref_model *ref, const struct mm_hole_request *req,
			     uint64_t need, uint64_t *addr)
{
	uint64_t high = req->high_limit;

	for (;;) {
		uint64_t gap_start = 0, p = 0, best_end = 0, best_next = REF_PAGES;
		bool found = false;

		for (;;) {
			uint64_t hole_end = UINT64_MAX, next_start = REF_PAGES, lo, hi;

			while (p < REF_PAGES && !mapped(ref, p))
				p++;
			if (p < REF_PAGES) {
				next_start = p;
				hole_end = p * P;
			}
			lo = gap_start > req->low_limit ? gap_start : req->low_limit;
			hi = hole_end < high ? hole_end : high;
			if (hi > lo && hi - lo >= need) {
				found = true;
				best_end = hi;
				best_next = next_start;
			}
			if (next_start == REF_PAGES)
				break;
			p = run_end(ref, next_start);
			gap_start = p * P;
		}
		if (!found)
			return -ENOMEM;
		if (best_next < REF_PAGES &&
		    (ref->pages[best_next].attrs.flags & MAPPING_GROWSDOWN) &&
		    guarded_start(ref, best_next) < best_end) {
			high = guarded_start(ref, best_next);
			continue;
		}
		*addr = best_end - req->length;
		*addr -= (*addr - req->align_offset) & req->align_mask;
		return 0;
	}
}

int ref_find_hole(const struct ref_model *ref, const struct mm_hole_request *req, bool topdown,
		  uint64_t *addr)
{
	uint64_t need = req->length + req->align_mask;

	if (req->length == 0)
		return -EINVAL;
	if (need < req->length)
		return -ENOMEM;
	return topdown ? find_hole_topdown(ref, req, need, addr)
		       : find_hole_bottomup(ref, req, need, addr);
}

int ref_get_unmapped_area(const struct ref_model *ref, uint64_t hint, uint64_t len,
			  uint64_t *addr)
{
	const struct as_layout *l = &ref->layout;
	struct mm_hole_request req = { .length = len };

	if (len == 0 || len % P)
		return -EINVAL;
	if (len > l->task_size)
		return -ENOMEM;
	if (hint) {
		uint64_t p, first_above = REF_PAGES;

		hint -= hint % P;
		if (hint < l->mmap_min_addr)
			hint = (l->mmap_min_addr + P - 1) / P * P;
		for (p = hint / P; p < REF_PAGES; p++) {
			if (mapped(ref, p)) {
				first_above = p;
				break;
			}
		}
		if (hint <= l->task_size - len &&
		    (first_above == REF_PAGES ||
		     hint + len <= guarded_start(ref, run_start(ref, first_above)))) {
			*addr = hint;
			return 0;
		}
	}
	req.low_limit = l->mmap_min_addr > P ? l->mmap_min_addr : P;
	req.high_limit = l->mmap_base;
	if (ref_find_hole(ref, &req, true, addr) == 0)
		return 0;
	req.low_limit = l->mmap_legacy_base > l->mmap_min_addr ? l->mmap_legacy_base
							       : l->mmap_min_addr;
	req.high_limit = l->task_size;
	return ref_find_hole(ref, &req, false, addr);
}

/* ---- mremap and stack growth ---- */

/* Is [addr, addr + len) inside one mapping (len 0: addr mapped)? */
static bool inside_one(const struct ref_model *ref, uint64_t addr, uint64_t len)
{
	uint64_t p = addr / P;

	return mapped(ref, p) && run_end(ref, p) * P >= addr + len;
}

int ref_expand(struct ref_model *ref, uint64_t addr, uint64_t old_len, uint64_t new_len,
	       bool apply)
{
	uint64_t old_end = addr + old_len, new_end = addr + new_len, p;

	if (!inside_one(ref, addr, old_len))
		return -EFAULT;
	if (run_end(ref, addr / P) * P != old_end)
		return -ENOMEM;
	if (new_end > ref->layout.task_size)
		return -ENOMEM;
	for (p = old_end / P; p < new_end / P; p++)
		if (mapped(ref, p))
			return -ENOMEM;
	if (apply) {
		const struct ref_page *last = &ref->pages[old_end / P - 1];

		set_pages(ref, old_end / P, new_end / P, &last->attrs, last->offset + P);
	}
	return 0;
}

int ref_move(struct ref_model *ref, uint64_t old_addr, uint64_t old_len, uint64_t new_addr,
	     uint64_t new_len, bool keep_old)
{
	uint64_t o = old_addr / P, p, rs, re, base_offset;
	struct mapping base;
	bool keep = keep_old || old_len == 0;

	if (new_len == 0)
		return -EINVAL;
	if (new_addr + new_len > ref->layout.task_size)
		return -ENOMEM;
	if (!inside_one(ref, old_addr, old_len))
		return -EFAULT;
	if (old_len == 0 && !(ref->pages[o].attrs.flags & MAPPING_SHARED))
		return -EINVAL;
	if (old_addr < new_addr + new_len && new_addr < old_addr + (old_len ? old_len : 1))
		return -EINVAL;
	if (ref_map_count(ref) + 3 >= ref->layout.max_map_count)
		return -ENOMEM;
	base = ref->pages[o].attrs;
	base_offset = ref->pages[o].offset;
	if (keep) {
		rs = run_start(ref, o);
		re = run_end(ref, o);
		for (p = rs; p < re; p++)
			ref->pages[p].attrs.flags &= ~MAPPING_LOCK_MASK;
	} else {
		clear_pages(ref, o, (old_addr + old_len) / P);
	}
	set_pages(ref, new_addr / P, (new_addr + new_len) / P, &base, base_offset);
	return 0;
}

int ref_grow_down(struct ref_model *ref, uint64_t addr)
{
	uint64_t pa = addr / P, above, below, p;

	if (mapped(ref, pa))
		return 0;
	for (above = pa + 1; above < REF_PAGES && !mapped(ref, above); above++)
		;
	if (above >= REF_PAGES || !(ref->pages[above].attrs.flags & MAPPING_GROWSDOWN))
		return -EFAULT;
	if (pa * P < ref->layout.mmap_min_addr)
		return -EPERM;
	for (below = pa; below > 0 && !mapped(ref, below - 1); below--)
		;
	if (below > 0) {
		const struct mapping *prev = &ref->pages[below - 1].attrs;

		if (!(prev->flags & MAPPING_GROWSDOWN) && prev->prot != 0 &&
		    pa * P - below * P < ref->layout.stack_guard_gap)
			return -ENOMEM;
	}
	for (p = pa; p < above; p++) {
		ref->pages[p].mapped = true;
		ref->pages[p].attrs = ref->pages[above].attrs;
		ref->pages[p].offset = ref->pages[above].offset - (above - p) * P;
	}
	return 0;
}

uint64_t ref_brk(struct ref_model *ref, uint64_t requested)
{
	uint64_t new_al = (requested + P - 1) / P * P, old_al = (ref->brk_current + P - 1) / P * P;

	if (requested < ref->layout.brk_start || new_al < requested)
		return ref->brk_current;
	if (new_al == old_al) {
		ref->brk_current = requested;
	} else if (requested < ref->brk_current) {
		uint64_t p = new_al / P;

		/* nothing mapped in [new, old): the break stays */
		while (p < old_al / P && p < REF_PAGES && !mapped(ref, p))
			p++;
		if (p >= old_al / P || p >= REF_PAGES)
			return ref->brk_current;
		if (splits_one(ref, new_al / P, old_al / P) &&
		    ref_map_count(ref) >= ref->layout.max_map_count)
			return ref->brk_current;
		clear_pages(ref, new_al / P, old_al / P);
		ref->brk_current = requested;
	} else {
		struct mapping heap = { .flags = MAPPING_ANON, .prot = PROT_READ | PROT_WRITE,
					.max_prot = PROT_READ | PROT_WRITE | PROT_EXEC,
					.kind = MAPPING_KIND_HEAP };
		uint64_t p = old_al / P;

		if (new_al > ref->layout.task_size || ref_map_count(ref) > ref->layout.max_map_count)
			return ref->brk_current;
		while (p < REF_PAGES && !mapped(ref, p))
			p++;
		if (p < REF_PAGES && new_al + P > guarded_start(ref, run_start(ref, p)))
			return ref->brk_current;
		set_pages(ref, old_al / P, new_al / P, &heap, old_al);
		ref->brk_current = requested;
	}
	return ref->brk_current;
}

void ref_fork(const struct ref_model *parent, struct ref_model *child)
{
	uint64_t p;

	*child = *parent;
	for (p = 0; p < REF_PAGES; p++) {
		if (child->pages[p].attrs.flags & MAPPING_DONTFORK)
			child->pages[p].mapped = false;
		child->pages[p].attrs.flags &= ~MAPPING_LOCK_MASK;
	}
}

/* ---- comparison ---- */

bool ref_matches(struct harness *h, const struct ref_model *ref, const struct address_space *as)
{
	const struct mapping *m;
	uint64_t covered = 0, mapped_pages = 0, p;

	if (!ASSERT_VALID(h, as))
		return false;
	for (m = as_first(as); m; m = as_next(as, m)) {
		for (p = m->start / P; p < m->end / P; p++) {
			const struct ref_page *page = &ref->pages[p];

			if (p >= REF_PAGES || !page->mapped || !same_attrs(&page->attrs, m) ||
			    page->offset != m->offset + (p * P - m->start)) {
				printf("  page %#" PRIx64 ": model has [%#" PRIx64 ", %#" PRIx64
				       ") prot %x flags %x adv %x file %" PRIu64 " offset %#" PRIx64
				       "; reference %s prot %x flags %x adv %x file %" PRIu64
				       " offset %#" PRIx64 "\n",
				       p * P, m->start, m->end, m->prot, m->flags, m->advice,
				       m->backing.file_id, m->offset + (p * P - m->start),
				       p < REF_PAGES && page->mapped ? "mapped" : "unmapped",
				       page->attrs.prot, page->attrs.flags, page->attrs.advice,
				       page->attrs.backing.file_id, page->offset);
				return ASSERT(h, !"model and reference agree on every page");
			}
			covered++;
		}
	}
	for (p = 0; p < REF_PAGES; p++)
		mapped_pages += ref->pages[p].mapped;
	if (!ASSERT_EQ(h, covered, mapped_pages))
		return false;
	if (!ASSERT_EQ(h, as_map_count(as), ref_map_count(ref)))
		return false;
	return ASSERT_EQ(h, as->brk_current, ref->brk_current);
}
