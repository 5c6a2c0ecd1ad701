/* Chunked node allocation for the model's trees (see node_pool.h). */
#include "node_pool.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "tree.h"

#define NODE_ALIGN       64                /* a cache line */
#define FIRST_CHUNK_SIZE (16u << 10)
#define HUGE_PAGE_SIZE   ((size_t)2 << 20) /* x86_64's PMD size */

/* A node's footprint: a whole number of cache lines, so that every node of
 * a chunk starts on one. */
#define NODE_STRIDE ((sizeof(struct mm_node) + NODE_ALIGN - 1) & ~(size_t)(NODE_ALIGN - 1))

struct node_chunk {
	struct node_chunk *next;
	char *base;  /* the nodes' memory */
	size_t size; /* bytes at base */
};

void node_pool_init(struct node_pool *pool)
{
	pool->free_nodes = NULL;
	pool->chunks = NULL;
	pool->unused = pool->unused_end = NULL;
	pool->next_chunk_size = FIRST_CHUNK_SIZE;
}

static int add_chunk(struct node_pool *pool)
{
	size_t size = pool->next_chunk_size;
	size_t align = size >= HUGE_PAGE_SIZE ? HUGE_PAGE_SIZE : NODE_ALIGN;
	struct node_chunk *chunk = malloc(sizeof(*chunk));

	if (!chunk)
		return -1;
	chunk->base = aligned_alloc(align, size);
	if (!chunk->base) {
		free(chunk);
		return -1;
	}
	/* A hint: without THP (or with it off) the chunk is plain pages. */
	if (align == HUGE_PAGE_SIZE)
		(void)madvise(chunk->base, size, MADV_HUGEPAGE);
	chunk->size = size;
	chunk->next = pool->chunks;
	pool->chunks = chunk;
	pool->unused = chunk->base;
	pool->unused_end = chunk->base + size;
	if (size < HUGE_PAGE_SIZE)
		pool->next_chunk_size = size * 2;
	return 0;
}

struct mm_node *node_pool_alloc(struct node_pool *pool)
{
	struct mm_node *node = pool->free_nodes;

	if (node) {
		pool->free_nodes = node->left;
		return node;
	}
	if ((size_t)(pool->unused_end - pool->unused) < NODE_STRIDE && add_chunk(pool) < 0)
		return NULL;
	node = (struct mm_node *)pool->unused;
	pool->unused += NODE_STRIDE;
	return node;
}

static int pool_owns(const struct node_pool *pool, const struct mm_node *node)
{
	const struct node_chunk *chunk;
	uintptr_t addr = (uintptr_t)node;

	/* Chunks double in size: a model of n nodes has O(log n) of them, and
	 * the newest, largest ones come first. */
	for (chunk = pool->chunks; chunk; chunk = chunk->next)
		if (addr - (uintptr_t)chunk->base < chunk->size)
			return 1;
	return 0;
}

void node_pool_free(struct node_pool *pool, struct mm_node *node)
{
	if (!pool_owns(pool, node)) {
		free(node);
		return;
	}
	node->left = pool->free_nodes;
	pool->free_nodes = node;
}

void node_pool_destroy(struct node_pool *pool)
{
	while (pool->chunks) {
		struct node_chunk *chunk = pool->chunks;

		pool->chunks = chunk->next;
		free(chunk->base);
		free(chunk);
	}
	node_pool_init(pool);
}
