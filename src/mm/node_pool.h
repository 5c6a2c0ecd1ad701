/* Where one address space's tree nodes come from.
 *
 * Nodes are carved from chunks that double in size, 16 KiB up to 2 MiB, so
 * that a small model costs little and a large one is a few compact blocks:
 * no allocator header per node, every node 64-byte aligned (its hot fields
 * on one cache line, see tree.h), and 2 MiB chunks marked for transparent
 * huge pages.  At 65,530 mappings the nodes are 12 MiB: in 4 KiB pages a
 * random descent misses the TLB at most levels and the model's growth takes
 * one page fault per 21 nodes; in 2 MiB pages neither happens.
 *
 * Freed nodes go to a free list and are reused; the chunks go back to the
 * C library only when the pool is destroyed, as the kernel's slab keeps its
 * pages.
 *
 * A tree may also hold nodes that something else allocated with malloc (the
 * recording replayer links nodes of its own): node_pool_free hands those to
 * free().
 */
#ifndef MEMTRACE_MM_NODE_POOL_H
#define MEMTRACE_MM_NODE_POOL_H

#include <stddef.h>

struct mm_node;
struct node_chunk;

struct node_pool {
	struct mm_node *free_nodes; /* freed nodes, linked through ->left */
	struct node_chunk *chunks;  /* newest first */
	char *unused;               /* the newest chunk's part never handed out ... */
	char *unused_end;           /* ... up to here (exclusive) */
	size_t next_chunk_size;     /* bytes of the next chunk */
};

void node_pool_init(struct node_pool *pool);

/* Returns an uninitialised node, or NULL when out of memory. */
struct mm_node *node_pool_alloc(struct node_pool *pool);

/* Takes back a node that no tree links any more: a node of this pool for
 * reuse, any other with free(). */
void node_pool_free(struct node_pool *pool, struct mm_node *node);

/* Releases every chunk (nodes of this pool still linked anywhere become
 * invalid) and leaves the pool empty and ready for use. */
void node_pool_destroy(struct node_pool *pool);

#endif
