/* brk on the model, following mm/mmap.c's brk() (see brk.h). */
#include "brk.h"

#include <errno.h>
#include <sys/mman.h>

#include "mm_internal.h"

void as_set_brk_start(struct address_space *as, uint64_t brk_start)
{
	as->layout.brk_start = brk_start;
	as->brk_current = brk_start;
}

/* Would [old_aligned, new_aligned) fit as heap?  Linux wants the new break
 * plus one page below the guarded start of the next mapping, so the heap never
 * touches a stack's guard gap. */
static bool heap_may_grow(const struct address_space *as, uint64_t old_aligned,
			  uint64_t new_aligned)
{
	const struct mapping *next;

	/* check_brk_limits: the MAP_FIXED range checks of get_unmapped_area. */
	if (new_aligned > as->layout.task_size)
		return false;
	if (as_map_count(as) > as->layout.max_map_count)
		return false;
	next = as_find(as, old_aligned);
	return !next || new_aligned + MM_PAGE_SIZE <= mm_tree_guarded_start(&as->tree, next);
}

static int grow_heap(struct address_space *as, uint64_t old_aligned, uint64_t new_aligned,
		     uint64_t seq)
{
	struct mapping heap = {
		.start = old_aligned,
		.end = new_aligned,
		.offset = old_aligned, /* anonymous vm_pgoff: the creation address */
		.created_by = seq,
		.flags = MAPPING_ANON | as->def_flags,
		/* VM_DATA_DEFAULT_FLAGS: executable under READ_IMPLIES_EXEC */
		.prot = PROT_READ | PROT_WRITE | (as->read_implies_exec ? PROT_EXEC : 0),
		.max_prot = PROT_READ | PROT_WRITE | PROT_EXEC,
		.kind = MAPPING_KIND_HEAP,
	};
	struct node_reserve reserve;
	int err = node_reserve_fill(as, &reserve, 1);

	if (err)
		return err;
	as_place(as, &heap, &reserve);
	node_reserve_release(&reserve);
	return 0;
}

int as_brk(struct address_space *as, uint64_t requested, uint64_t seq, uint64_t *result)
{
	uint64_t old_aligned = mm_page_align(as->brk_current);
	uint64_t new_aligned = mm_page_align(requested);
	int err;

	*result = as->brk_current;
	/* brk(0) and anything below the heap start fail: the answer is the
	 * current break, which is how programs ask for it. */
	if (requested < as->layout.brk_start || new_aligned < requested)
		return 0;
	if (new_aligned == old_aligned) {
		as->brk_current = requested;
		*result = requested;
		return 0;
	}
	if (requested < as->brk_current) {
		/* Shrinking needs something mapped in [new, old) to unmap (Linux
		 * 6.1+: brkvma = vma_find(newbrk, oldbrk), else the break stays),
		 * and munmap's split rule may refuse it. */
		if (as_range_is_free(as, new_aligned, old_aligned))
			return 0;
		if (as_range_splits_one(as, new_aligned, old_aligned) &&
		    as_map_count(as) >= as->layout.max_map_count)
			return 0;
		err = as_unmap(as, new_aligned, old_aligned - new_aligned);
		/* a sealed heap stays: the break too */
		if (err == -EPERM)
			return 0;
		if (err)
			return err;
	} else {
		if (!heap_may_grow(as, old_aligned, new_aligned))
			return 0;
		err = grow_heap(as, old_aligned, new_aligned, seq);
		if (err)
			return err;
	}
	as->brk_current = requested;
	*result = requested;
	return 0;
}
