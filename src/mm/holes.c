/* Placement: where a new mapping goes, following Linux's x86 top-down layout
 * (arch_get_unmapped_area_topdown and the generic unmapped_area*). */
#include "address_space.h"

#include <errno.h>

int as_find_hole_topdown(const struct address_space *as, const struct mm_hole_request *req,
			 uint64_t *addr)
{
	return mm_tree_hole_topdown(&as->tree, req, addr);
}

int as_find_hole_bottomup(const struct address_space *as, const struct mm_hole_request *req,
			  uint64_t *addr)
{
	return mm_tree_hole_bottomup(&as->tree, req, addr);
}

/* A hint is taken as is when the range fits below task_size and ends at or
 * below the guarded start of the next mapping.  x86 checks only the mapping
 * above: the guard gap belongs to growsdown mappings, and x86 has no
 * growsup ones. */
static bool hint_fits(const struct address_space *as, uint64_t hint, uint64_t len)
{
	const struct mapping *next;

	if (hint > as->layout.task_size - len)
		return false;
	next = as_find(as, hint);
	return !next || hint + len <= mm_tree_guarded_start(&as->tree, next);
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

int as_get_unmapped_area(const struct address_space *as, uint64_t hint, uint64_t len,
			 uint64_t *addr)
{
	const struct as_layout *layout = &as->layout;
	struct mm_hole_request req = { 0 };

	if (len == 0 || !mm_page_aligned(len))
		return -EINVAL;
	if (len > layout->task_size)
		return -ENOMEM;

	if (hint) {
		/* do_mmap's round_hint_to_min: a hint below mmap_min_addr is
		 * raised to it rather than refused (only MAP_FIXED fails). */
		hint &= MM_PAGE_MASK;
		if (hint < layout->mmap_min_addr)
			hint = mm_page_align(layout->mmap_min_addr);
		/* An overlapping or out-of-range hint is ignored, never honoured
		 * by clobbering: fall through to the search. */
		if (hint_fits(as, hint, len)) {
			*addr = hint;
			return 0;
		}
	}

	req.length = len;
	/* Top-down between max(PAGE_SIZE, mmap_min_addr) and mmap_base. */
	req.low_limit = max_u64(MM_PAGE_SIZE, layout->mmap_min_addr);
	req.high_limit = layout->mmap_base;
	if (mm_tree_hole_topdown(&as->tree, &req, addr) == 0)
		return 0;

	/* "A failed mmap() very likely causes application failure, so fall
	 * back to the bottom-up function" (arch/x86/kernel/sys_x86_64.c):
	 * from TASK_UNMAPPED_BASE up to task_size. */
	req.low_limit = max_u64(layout->mmap_legacy_base, layout->mmap_min_addr);
	req.high_limit = layout->task_size;
	return mm_tree_hole_bottomup(&as->tree, &req, addr);
}
