/* mremap and stack growth on the model (see remap.h). */
#include "remap.h"

#include <errno.h>

#include "mm_internal.h"

/* The old range of an mremap must lie inside one mapping (resize_is_valid). */
static struct mm_node *old_range_node(const struct address_space *as, uint64_t addr,
				      uint64_t old_len)
{
	struct mm_node *node = mm_tree_find_end_above(&as->tree, addr);

	if (!node || node->map.start > addr || old_len > node->map.end - addr)
		return NULL;
	return node;
}

static bool apart_by_offset_only(const struct mapping *lower, const struct mapping *upper)
{
	return lower->end == upper->start && (lower->flags & MAPPING_ANON) &&
	       !(lower->flags & MAPPING_SHARED) && !mapping_kind_never_merges(lower->kind) &&
	       mapping_same_attributes(lower, upper);
}

bool as_cut_by_offset_only(const struct address_space *as, uint64_t addr, uint64_t len)
{
	const struct mm_node *node = mm_tree_find_end_above(&as->tree, addr), *next;
	bool cut = false;

	if (!node || node->map.start > addr || addr + len < addr)
		return false;
	for (; node->map.end < addr + len; node = next, cut = true) {
		next = mm_tree_next(node);
		if (!next || !apart_by_offset_only(&node->map, &next->map))
			return false;
	}
	return cut;
}

void as_join_cut_by_offset(struct address_space *as, uint64_t addr, uint64_t len)
{
	struct mm_node *node, *next;

	if (!as_cut_by_offset_only(as, addr, len))
		return;
	node = mm_tree_find_end_above(&as->tree, addr);
	while (node->map.end < addr + len) {
		next = mm_tree_next(node);
		next->map.offset = node->map.offset + mapping_len(&node->map);
		node = as_merge_around(as, node);
	}
}

int as_can_expand(const struct address_space *as, uint64_t addr, uint64_t old_len,
		  uint64_t new_len)
{
	const struct mm_node *node, *next;
	uint64_t new_end;

	if (!mm_page_aligned(addr) || !mm_page_aligned(old_len) || !mm_page_aligned(new_len) ||
	    new_len <= old_len)
		return -EINVAL;
	node = old_range_node(as, addr, old_len);
	if (!node)
		return -EFAULT;
	/* Special mappings may not grow: VM_DONTEXPAND / VM_PFNMAP -> EFAULT. */
	if (mapping_is_vm_special(&node->map))
		return -EFAULT;
	if (addr + old_len != node->map.end)
		return -ENOMEM;
	new_end = node->map.end + (new_len - old_len);
	if (new_end < node->map.end || new_end > as->layout.task_size)
		return -ENOMEM;
	/* vma_expandable looks at plain overlap: no guard gap here. */
	next = mm_tree_next(node);
	if (next && next->map.start < new_end)
		return -ENOMEM;
	return 0;
}

int as_expand(struct address_space *as, uint64_t addr, uint64_t old_len, uint64_t new_len)
{
	struct mm_node *node;
	int err = as_can_expand(as, addr, old_len, new_len);

	if (err)
		return err;
	node = mm_tree_find_end_above(&as->tree, addr);
	as_trim_end(as, node, node->map.end + (new_len - old_len));
	as_merge_around(as, node);
	return 0;
}

static bool ranges_overlap(uint64_t a, uint64_t a_len, uint64_t b, uint64_t b_len)
{
	return a < b + b_len && b < a + a_len;
}

int as_move(struct address_space *as, uint64_t old_addr, uint64_t old_len, uint64_t new_addr,
	    uint64_t new_len, unsigned flags, uint64_t seq)
{
	struct node_reserve reserve;
	struct mm_node *node;
	struct mapping moved;
	bool keep_old = (flags & AS_MOVE_KEEP_OLD) || old_len == 0;
	int err, nodes = 1;

	if (!mm_page_aligned(old_addr) || !mm_page_aligned(old_len) ||
	    !mm_page_aligned(new_addr) || !mm_page_aligned(new_len) || new_len == 0)
		return -EINVAL;
	if (new_addr + new_len < new_addr || new_addr + new_len > as->layout.task_size)
		return -ENOMEM;
	node = old_range_node(as, old_addr, old_len);
	if (!node)
		return -EFAULT;
	/* old_len 0 means "the same pages again", which only a shared mapping
	 * can provide. */
	if (old_len == 0 && !(node->map.flags & MAPPING_SHARED))
		return -EINVAL;
	if (ranges_overlap(old_addr, old_len ? old_len : 1, new_addr, new_len))
		return -EINVAL;
	/* move_vma: "We'd prefer to avoid failure later on in do_munmap: which
	 * may split one vma into three before unmapping." */
	if (as_map_count(as) + 3 >= as->layout.max_map_count)
		return -ENOMEM;

	/* One node for the moved mapping, one per split.  Clearing the lock
	 * bits of a kept old mapping may merge it with a neighbour into one that
	 * surrounds the new range, so that split is not known in advance. */
	nodes += keep_old || as_range_splits_one(as, new_addr, new_addr + new_len);
	if (!keep_old)
		nodes += as_range_splits_one(as, old_addr, old_addr + old_len);
	err = node_reserve_fill(as, &reserve, nodes);
	if (err)
		return err;

	moved = node->map;
	moved.start = new_addr;
	moved.end = new_addr + new_len;
	moved.offset = node->map.offset + (old_addr - node->map.start);
	moved.created_by = seq;
	/* Hold the path: carving the old range may free the node it came from. */
	moved.backing.path = mapping_path_get(node->map.backing.path);

	if (keep_old) {
		/* Linux clears the lock bits on the old VMA as a whole, without
		 * splitting it at the moved range. */
		node->map.flags &= ~MAPPING_LOCK_MASK;
		as_merge_around(as, node);
	} else {
		as_carve(as, old_addr, old_addr + old_len, &reserve);
	}
	as_carve(as, new_addr, new_addr + new_len, &reserve);
	as_place(as, &moved, &reserve);
	mapping_path_put(moved.backing.path);
	node_reserve_release(&reserve);
	return 0;
}

int as_grow_down(struct address_space *as, uint64_t addr)
{
	struct mm_node *node, *prev;
	uint64_t new_start = addr & MM_PAGE_MASK;

	node = mm_tree_find_end_above(&as->tree, addr);
	if (node && node->map.start <= addr)
		return 0;
	if (!node || !(node->map.flags & MAPPING_GROWSDOWN))
		return -EFAULT;
	if (new_start < as->layout.mmap_min_addr)
		return -EPERM;
	/* expand_downwards keeps stack_guard_gap from an accessible mapping
	 * below, unless it is another growsdown one. */
	prev = mm_tree_prev(node);
	if (prev && !(prev->map.flags & MAPPING_GROWSDOWN) && prev->map.prot != 0 &&
	    new_start - prev->map.end < as->layout.stack_guard_gap)
		return -ENOMEM;
	/* Linux moves vm_pgoff down with the start, as trimming moves it up. */
	node->map.offset -= node->map.start - new_start;
	node->map.start = new_start;
	mm_tree_refresh(&as->tree, node);
	as_merge_around(as, node);
	return 0;
}
