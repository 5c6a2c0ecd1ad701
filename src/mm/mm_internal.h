/* Building blocks shared by the model's own files; not part of its API. */
#ifndef MEMTRACE_MM_INTERNAL_H
#define MEMTRACE_MM_INTERNAL_H

#include "address_space.h"

/* Nodes allocated before an operation changes anything, so that running out
 * of memory can never leave the model half-changed. */
#define NODE_RESERVE_MAX 3
struct node_reserve {
	struct mm_node *nodes[NODE_RESERVE_MAX];
	int count;
	struct node_pool *pool; /* where they came from and go back to */
};

/* Allocates up to `wanted` nodes from as's pool.  Return 0, or -ENOMEM with
 * none kept. */
int node_reserve_fill(struct address_space *as, struct node_reserve *reserve, int wanted);
/* Returns a reserved node; aborts if the caller reserved too few. */
struct mm_node *node_reserve_take(struct node_reserve *reserve);
/* Frees the nodes not taken. */
void node_reserve_release(struct node_reserve *reserve);

/* Copies proto into node and takes a reference on its path. */
void node_init(struct mm_node *node, const struct mapping *proto);
/* Drops the node's path reference and gives it back to as's pool (it must
 * be unlinked). */
void node_free(struct address_space *as, struct mm_node *node);

/* Links a node into the tree right before next (NULL: after the last
 * node), keeping gate_count. */
void as_link_before(struct address_space *as, struct mm_node *node, struct mm_node *next);
/* Unlinks and frees a node, keeping gate_count. */
void as_unlink_free(struct address_space *as, struct mm_node *node);

/* Splits node (start < addr < end) at addr: node keeps [start, addr) and
 * spare becomes [addr, end) with the offset advanced.  Returns spare. */
struct mm_node *as_split(struct address_space *as, struct mm_node *node, uint64_t addr,
			 struct mm_node *spare);

/* Moves a node's start up (advancing its offset) or its end down, in place. */
void as_trim_start(struct address_space *as, struct mm_node *node, uint64_t new_start);
void as_trim_end(struct address_space *as, struct mm_node *node, uint64_t new_end);

/* Merges node with its neighbours where Linux would (mapping_can_merge).
 * The lower mapping survives.  Returns the node now holding node's range. */
struct mm_node *as_merge_around(struct address_space *as, struct mm_node *node);

/* Returns true when [start, end) lies strictly inside one mapping, so that
 * removing it would turn one mapping into two. */
bool as_range_splits_one(const struct address_space *as, uint64_t start, uint64_t end);

/* Removes everything in [start, end), splitting partial overlaps.  Takes one
 * node from the reserve when the range lies strictly inside one mapping. */
void as_carve(struct address_space *as, uint64_t start, uint64_t end,
	      struct node_reserve *reserve);

/* Links a node built from proto at its range (which must be free) and merges
 * it.  The node comes from the reserve.  Returns the node holding the range. */
struct mm_node *as_place(struct address_space *as, const struct mapping *proto,
			 struct node_reserve *reserve);
/* The same when the caller knows the first node above the range (or that
 * none is: NULL). */
struct mm_node *as_place_before(struct address_space *as, const struct mapping *proto,
				struct node_reserve *reserve, struct mm_node *next);

#endif
