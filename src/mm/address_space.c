/* The address space model: layout, queries, and the split / merge / carve
 * steps every change is built from. */
#include "mm_internal.h"
#include "seal.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#define I386_TASK_SIZE   0xffffe000ULL     /* IA32_PAGE_OFFSET */
#define X86_64_TASK_SIZE 0x7ffffffff000ULL /* (1 << 47) - PAGE_SIZE */
/* Linux's mmap_base() leaves at least this much between the stack top and
 * mmap_base; the stack rlimit (8 MiB) plus the guard gap is smaller. */
#define MIN_STACK_GAP    (128ULL << 20)
#define DEFAULT_GUARD_GAP (256 * MM_PAGE_SIZE)

void as_layout_end_at(struct as_layout *layout, uint64_t task_size)
{
	layout->task_size = task_size;
	layout->mmap_base = task_size - MIN_STACK_GAP;
	/* TASK_UNMAPPED_BASE is PAGE_ALIGN(task_size / 3). */
	layout->mmap_legacy_base = mm_page_align(task_size / 3);
}

void as_layout_default(struct as_layout *layout, enum as_arch arch)
{
	as_layout_end_at(layout, arch == AS_ARCH_I386 ? I386_TASK_SIZE : X86_64_TASK_SIZE);
	layout->mmap_min_addr = 0x10000;
	layout->stack_guard_gap = DEFAULT_GUARD_GAP;
	layout->max_map_count = 65530;
	layout->brk_start = 0;
}

int as_init(struct address_space *as, const struct as_layout *layout)
{
	if (!mm_page_aligned(layout->task_size) || !mm_page_aligned(layout->mmap_base) ||
	    !mm_page_aligned(layout->mmap_legacy_base) ||
	    !mm_page_aligned(layout->stack_guard_gap) || layout->task_size == 0 ||
	    layout->mmap_base > layout->task_size ||
	    layout->mmap_legacy_base > layout->task_size ||
	    layout->brk_start > layout->task_size)
		return -EINVAL;
	mm_tree_init(&as->tree, layout->stack_guard_gap);
	node_pool_init(&as->pool);
	as->layout = *layout;
	as->brk_current = layout->brk_start;
	as->def_flags = 0;
	as->read_implies_exec = false;
	as->gate_count = 0;
	return 0;
}

static void free_subtree(struct address_space *as, struct mm_node *node)
{
	while (node) {
		struct mm_node *right = node->right;

		free_subtree(as, node->left);
		node_free(as, node);
		node = right;
	}
}

void as_destroy(struct address_space *as)
{
	free_subtree(as, as->tree.root);
	node_pool_destroy(&as->pool);
	mm_tree_init(&as->tree, as->layout.stack_guard_gap);
	as->gate_count = 0;
}

size_t as_map_count(const struct address_space *as)
{
	return as->tree.count - as->gate_count;
}

/* ---- queries ---- */

static const struct mapping *mapping_of(const struct mm_node *node)
{
	return node ? &node->map : NULL;
}

const struct mapping *as_find(const struct address_space *as, uint64_t addr)
{
	return mapping_of(mm_tree_find_end_above(&as->tree, addr));
}

const struct mapping *as_lookup(const struct address_space *as, uint64_t addr)
{
	const struct mapping *m = as_find(as, addr);

	return m && m->start <= addr ? m : NULL;
}

bool as_range_is_free(const struct address_space *as, uint64_t start, uint64_t end)
{
	const struct mapping *m = as_find(as, start);

	return !m || m->start >= end;
}

bool as_range_kernel_readable(const struct address_space *as, uint64_t start, uint64_t end)
{
	uint64_t at = start;

	for (const struct mapping *m = as_find(as, start); m && at < end; m = as_next(as, m)) {
		if (m->start > at || !(m->prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
			return false;
		at = m->end;
	}
	return at >= end;
}

const struct mapping *as_first(const struct address_space *as)
{
	return mapping_of(mm_tree_first(&as->tree));
}

const struct mapping *as_last(const struct address_space *as)
{
	return mapping_of(mm_tree_last(&as->tree));
}

const struct mapping *as_next(const struct address_space *as, const struct mapping *m)
{
	(void)as;
	return mapping_of(mm_tree_next(mm_node_of(m)));
}

const struct mapping *as_prev(const struct address_space *as, const struct mapping *m)
{
	(void)as;
	return mapping_of(mm_tree_prev(mm_node_of(m)));
}

/* ---- nodes ---- */

int node_reserve_fill(struct address_space *as, struct node_reserve *reserve, int wanted)
{
	reserve->pool = &as->pool;
	reserve->count = 0;
	while (reserve->count < wanted && reserve->count < NODE_RESERVE_MAX) {
		struct mm_node *node = node_pool_alloc(&as->pool);

		if (!node) {
			node_reserve_release(reserve);
			return -ENOMEM;
		}
		reserve->nodes[reserve->count++] = node;
	}
	return 0;
}

struct mm_node *node_reserve_take(struct node_reserve *reserve)
{
	/* Every change reserves the nodes it can take before it starts; an
	 * empty reserve here is a bug in that count, not a lack of memory. */
	if (reserve->count == 0)
		abort();
	return reserve->nodes[--reserve->count];
}

void node_reserve_release(struct node_reserve *reserve)
{
	while (reserve->count > 0)
		node_pool_free(reserve->pool, reserve->nodes[--reserve->count]);
}

void node_init(struct mm_node *node, const struct mapping *proto)
{
	node->map = *proto;
	node->map.backing.path = mapping_path_get(proto->backing.path);
	node->left = node->right = node->parent = NULL;
}

void node_free(struct address_space *as, struct mm_node *node)
{
	mapping_path_put(node->map.backing.path);
	node_pool_free(&as->pool, node);
}

void as_link_before(struct address_space *as, struct mm_node *node, struct mm_node *next)
{
	if (node->map.kind == MAPPING_KIND_VSYSCALL)
		as->gate_count++;
	mm_tree_insert_before(&as->tree, node, next);
}

void as_unlink_free(struct address_space *as, struct mm_node *node)
{
	if (node->map.kind == MAPPING_KIND_VSYSCALL)
		as->gate_count--;
	mm_tree_erase(&as->tree, node);
	node_free(as, node);
}

struct mm_node *as_split(struct address_space *as, struct mm_node *node, uint64_t addr,
			 struct mm_node *spare)
{
	struct mm_node *next = mm_tree_next(node);

	node_init(spare, &node->map);
	spare->map.start = addr;
	spare->map.offset = node->map.offset + (addr - node->map.start);
	/* Link first, shrink second: for a moment the two overlap (the tree
	 * places spare by its neighbours, not by comparing ranges, and a gap
	 * across an overlap counts as 0).  Shrinking first would open a gap
	 * of the whole upper part, larger than the gaps around it, and both
	 * steps would walk to the root to add it to the summaries and take
	 * it out again. */
	as_link_before(as, spare, next);
	as_trim_end(as, node, addr);
	return spare;
}

void as_trim_start(struct address_space *as, struct mm_node *node, uint64_t new_start)
{
	node->map.offset += new_start - node->map.start;
	node->map.start = new_start;
	mm_tree_refresh(&as->tree, node);
}

void as_trim_end(struct address_space *as, struct mm_node *node, uint64_t new_end)
{
	node->map.end = new_end;
	mm_tree_refresh(&as->tree, node);
}

struct mm_node *as_merge_around(struct address_space *as, struct mm_node *node)
{
	struct mm_node *prev = mm_tree_prev(node);
	struct mm_node *next;

	/* Grow the survivor over its neighbour before unlinking that: the
	 * other order leaves a gap for a moment (see as_split). */
	if (prev && mapping_can_merge(&prev->map, &node->map)) {
		as_trim_end(as, prev, node->map.end);
		as_unlink_free(as, node);
		node = prev;
	}
	next = mm_tree_next(node);
	if (next && mapping_can_merge(&node->map, &next->map)) {
		as_trim_end(as, node, next->map.end);
		as_unlink_free(as, next);
	}
	return node;
}

bool as_range_splits_one(const struct address_space *as, uint64_t start, uint64_t end)
{
	const struct mapping *m = as_find(as, start);

	return m && m->start < start && end < m->end;
}

void as_carve(struct address_space *as, uint64_t start, uint64_t end,
	      struct node_reserve *reserve)
{
	struct mm_node *node = mm_tree_find_end_above(&as->tree, start);

	/*   [ node ............... ]        the middle case: one mapping
	 *         [start, end)              becomes two
	 */
	if (node && node->map.start < start && end < node->map.end) {
		struct mm_node *upper = as_split(as, node, start, node_reserve_take(reserve));

		as_trim_start(as, upper, end);
		return;
	}
	while (node && node->map.start < end) {
		struct mm_node *next = mm_tree_next(node);

		if (node->map.start < start)
			as_trim_end(as, node, start);
		else if (node->map.end > end)
			as_trim_start(as, node, end);
		else
			as_unlink_free(as, node);
		node = next;
	}
}

struct mm_node *as_place_before(struct address_space *as, const struct mapping *proto,
				struct node_reserve *reserve, struct mm_node *next)
{
	struct mm_node *node = node_reserve_take(reserve);

	node_init(node, proto);
	as_link_before(as, node, next);
	return as_merge_around(as, node);
}

struct mm_node *as_place(struct address_space *as, const struct mapping *proto,
			 struct node_reserve *reserve)
{
	return as_place_before(as, proto, reserve,
			       mm_tree_find_end_above(&as->tree, proto->start));
}

/* ---- insert and unmap ---- */

static bool kind_is_valid(uint8_t kind)
{
	return kind < MAPPING_KIND_COUNT;
}

int as_insert(struct address_space *as, const struct mapping *proto)
{
	struct node_reserve reserve;
	struct mapping placed = *proto;
	size_t count = as_map_count(as);
	struct mm_node *next;
	bool splits_one;
	int err;

	if (!mm_page_aligned(proto->start) || !mm_page_aligned(proto->end) ||
	    proto->start >= proto->end || !kind_is_valid(proto->kind))
		return -EINVAL;
	/* The vsyscall gate lives above user space; nothing else may. */
	if (proto->end > as->layout.task_size && proto->kind != MAPPING_KIND_VSYSCALL)
		return -ENOMEM;
	/* do_mmap refuses only once the count is already past the limit, so a
	 * mapping that merges with nothing may take it to max_map_count + 1;
	 * unmapping the middle of one mapping first needs room for one more. */
	/* One descent serves the checks, the carving and the linking: the
	 * first mapping ending above the start. */
	next = mm_tree_find_end_above(&as->tree, proto->start);
	splits_one = next && next->map.start < proto->start && proto->end < next->map.end;
	if (count > as->layout.max_map_count ||
	    (splits_one && count >= as->layout.max_map_count))
		return -ENOMEM;
	err = node_reserve_fill(as, &reserve, splits_one ? 2 : 1);
	if (err)
		return err;

	/* Linux's vm_pgoff for private anonymous memory: the page number at
	 * creation. Anonymous memory with a file of the kernel's behind it
	 * (shared: shmem; huge pages: hugetlbfs) has the offset in that file
	 * the caller gives: 0 for a fresh mapping. */
	if ((placed.flags & MAPPING_ANON) && !(placed.flags & MAPPING_SHARED) && !placed.backing.path)
		placed.offset = placed.start;
	if (next && next->map.start < placed.end) {
		/* Held across the carve: proto may borrow the path of a mapping
		 * it replaces (a piece of one, redone with other attributes). */
		mapping_path_get(placed.backing.path);
		as_carve(as, placed.start, placed.end, &reserve);
		as_place(as, &placed, &reserve);
		mapping_path_put(placed.backing.path);
	} else {
		/* The range is free already: next is its successor. */
		as_place_before(as, &placed, &reserve, next);
	}
	node_reserve_release(&reserve);
	return 0;
}

int as_unmap_verdict(const struct address_space *as, uint64_t start, uint64_t len)
{
	uint64_t end;

	len = mm_page_align(len);
	end = start + len;
	/* munmap: EINVAL for an unaligned start, an empty or wrapping length, or
	 * a range beyond user space. */
	if (!mm_page_aligned(start) || len == 0 || end < start ||
	    start > as->layout.task_size || len > as->layout.task_size - start)
		return -EINVAL;
	/* Linux lets the count go past the limit while unmapping, except when
	 * one mapping would become two. */
	if (!as_range_is_free(as, start, end) && as_range_splits_one(as, start, end) &&
	    as_map_count(as) >= as->layout.max_map_count)
		return -ENOMEM;
	/*
	 * Then, mapping by mapping as Linux gathers them, before anything
	 * goes: a sealed one keeps the range mapped (EPERM), and a special
	 * one (vdso, vvar) cut at either end refuses the cut (EINVAL).
	 */
	for (const struct mapping *m = as_find(as, start); m && m->start < end; m = as_next(as, m)) {
		if (m->flags & MAPPING_SEALED)
			return -EPERM;
		if (mapping_refuses_split(m) && (m->start < start || m->end > end))
			return -EINVAL;
	}
	return 0;
}

int as_clear(struct address_space *as, uint64_t start, uint64_t end)
{
	struct node_reserve reserve;
	int err;

	if (!mm_page_aligned(start) || !mm_page_aligned(end) || end < start ||
	    end > as->layout.task_size)
		return -EINVAL;
	if (as_range_is_free(as, start, end))
		return 0;
	err = node_reserve_fill(as, &reserve, as_range_splits_one(as, start, end));
	if (err)
		return err;
	as_carve(as, start, end, &reserve);
	node_reserve_release(&reserve);
	return 0;
}

int as_unmap(struct address_space *as, uint64_t start, uint64_t len)
{
	int err = as_unmap_verdict(as, start, len);

	return err ? err : as_clear(as, start, start + mm_page_align(len));
}
