/* An AVL tree of mappings keyed by start, augmented for hole finding.
 *
 * Each node summarises its subtree: the guarded start of its lowest mapping,
 * the end of its highest, and the largest free gap between two of its
 * mappings.  That is the kernel's rb_subtree_gap idea in a form that depends
 * only on the subtree itself, so rotations update it locally and a search for
 * a hole of a given length skips every subtree whose largest gap is too small:
 * O(log n), never a linear scan.
 *
 * "Guarded start" is Linux's vm_start_gap(): a VM_GROWSDOWN mapping claims
 * stack_guard_gap bytes below its start, so a gap ends there rather than at
 * the start.  A tree built with guard_gap 0 sees raw gaps.
 *
 * The tree does not check for overlaps: address_space.c only inserts ranges
 * it has cleared.
 */
#ifndef MEMTRACE_MM_TREE_H
#define MEMTRACE_MM_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "mapping.h"

/* The fields a descent, a summary update and a hole search read come first:
 * with map.start and map.end they fill the first 64 bytes, one cache line
 * when the node is allocated 64-byte aligned (node_pool.c does).  The
 * rest of the mapping (offset, backing, policy, ...) follows, read only by
 * whoever wants that mapping.  At 65,530 mappings the tree no longer fits
 * in L2, and a descent costs one miss per level instead of two or three. */
struct mm_node {
	struct mm_node *left, *right, *parent;
	uint64_t sub_low;  /* guarded start of the subtree's lowest mapping (inclusive) */
	uint64_t sub_high; /* end of the subtree's highest mapping (exclusive) */
	/* Largest gap between consecutive mappings of the subtree, in pages:
	 * every boundary and the guard gap are page-aligned, and pages leave
	 * room in the word for the height. */
	uint64_t sub_gap_pages : 52;
	uint64_t height : 8;    /* 1 for a leaf */
	uint64_t growsdown : 1; /* map.flags & MAPPING_GROWSDOWN, as of the last
				 * insert or refresh: the summaries read it here */
	uint64_t sub_growsdown : 1; /* some node of the subtree is growsdown */
	struct mapping map;     /* start and end first: offsets 48 and 56 */
};

struct mm_tree {
	struct mm_node *root;
	size_t count;        /* nodes in the tree */
	uint64_t guard_gap;  /* bytes kept free below MAPPING_GROWSDOWN mappings */
};

/* A request for a free range, as Linux's vm_unmapped_area_info. */
struct mm_hole_request {
	uint64_t length;       /* bytes wanted, > 0 */
	uint64_t low_limit;    /* lowest acceptable start (inclusive) */
	uint64_t high_limit;   /* highest acceptable end (exclusive) */
	uint64_t align_mask;   /* 0, or alignment - 1 (a power of two) */
	uint64_t align_offset; /* the start must be congruent to this modulo the alignment */
};

static inline struct mm_node *mm_node_of(const struct mapping *m)
{
	return (struct mm_node *)((char *)m - offsetof(struct mm_node, map));
}

void mm_tree_init(struct mm_tree *tree, uint64_t guard_gap);

/* Returns the guarded start of m under this tree's guard gap. */
uint64_t mm_tree_guarded_start(const struct mm_tree *tree, const struct mapping *m);

/* Returns the first node whose end lies above addr (Linux find_vma), or NULL. */
struct mm_node *mm_tree_find_end_above(const struct mm_tree *tree, uint64_t addr);

/* In-order walking; each returns NULL past the ends.  O(1) amortised. */
struct mm_node *mm_tree_first(const struct mm_tree *tree);
struct mm_node *mm_tree_last(const struct mm_tree *tree);
struct mm_node *mm_tree_next(const struct mm_node *node);
struct mm_node *mm_tree_prev(const struct mm_node *node);

/* Links a node whose range overlaps no other node.  O(log n). */
void mm_tree_insert(struct mm_tree *tree, struct mm_node *node);

/* The same when the caller already knows node's successor: `next` is the
 * first node above node's range, or NULL when none is.  Skips the descent
 * (callers have just made it): O(1) plus the rebalancing walk. */
void mm_tree_insert_before(struct mm_tree *tree, struct mm_node *node, struct mm_node *next);

/* Unlinks a node (the caller frees it).  O(log n). */
void mm_tree_erase(struct mm_tree *tree, struct mm_node *node);

/* Recomputes the summaries above a node whose start, end or flags changed in
 * place without changing its order.  O(log n), and O(1) where the node's
 * summary comes out unchanged. */
void mm_tree_refresh(struct mm_tree *tree, struct mm_node *node);

/* Replaces an empty tree's contents with nodes[0..count), sorted and
 * non-overlapping, as a perfectly balanced tree.  O(count). */
void mm_tree_build(struct mm_tree *tree, struct mm_node **nodes, size_t count);

/* Finds the highest (top-down) or lowest (bottom-up) start for the request,
 * as Linux's unmapped_area_topdown / unmapped_area do: a hole qualifies when
 * its part inside the limits holds length + align_mask bytes.  Top-down,
 * as Linux 6.1 and later (the maple tree) search: a hole found right below a
 * growsdown mapping lowers the limit to that mapping's guarded start, which
 * leaves out every hole inside its guard gap.
 * Return 0 with *addr set, -EINVAL for a zero length, -ENOMEM when nothing fits. */
int mm_tree_hole_topdown(const struct mm_tree *tree, const struct mm_hole_request *req,
			 uint64_t *addr);
int mm_tree_hole_bottomup(const struct mm_tree *tree, const struct mm_hole_request *req,
			  uint64_t *addr);

/* Checks parent links, key order, AVL balance, heights, summaries and the node
 * count.  Returns 0, or -EINVAL with a message in msg. */
int mm_tree_check(const struct mm_tree *tree, char *msg, size_t msg_size);

#endif
