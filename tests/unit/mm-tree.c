/* The tree and its node pool on their own: random inserts, erases and
 * in-place changes, checking every invariant (order, balance, heights, gap
 * summaries, the growsdown bit) after each step.  The summary walk stops
 * early where nothing changes above; a wrong stop leaves a stale summary or
 * height that mm_tree_check reports.
 *
 *   mm-tree [SEEDS [OPS]]   defaults: 20 seeds, 20000 operations
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "mm/node_pool.h"
#include "mm/tree.h"
#include "mm_test_util.h"

#define SLOTS 200 /* slot i may hold [i * 4, i * 4 + 3) pages, or less */

static unsigned seeds = 20, ops = 20000;

struct tree_fuzz {
	struct harness *h;
	struct mm_tree tree;
	struct node_pool pool;
	struct mm_node *slot[SLOTS]; /* the node in each slot, or NULL */
	uint64_t rng;
};

static uint64_t slot_start(unsigned i)
{
	return 0x100000 + (uint64_t)i * 4 * PAGE;
}

/* The first linked slot above i: the successor a node in slot i gets. */
static struct mm_node *next_linked(const struct tree_fuzz *f, unsigned i)
{
	for (i++; i < SLOTS; i++)
		if (f->slot[i])
			return f->slot[i];
	return NULL;
}

static void fill(struct tree_fuzz *f, struct mm_node *node, unsigned i)
{
	memset(&node->map, 0, sizeof(node->map));
	node->map.start = slot_start(i) + (test_rand(&f->rng) % 2) * PAGE;
	node->map.end = slot_start(i) + (2 + test_rand(&f->rng) % 2) * PAGE;
	if (test_rand(&f->rng) % 4 == 0)
		node->map.flags = MAPPING_GROWSDOWN;
}

static bool one_op(struct tree_fuzz *f)
{
	unsigned i = test_rand(&f->rng) % SLOTS;
	struct mm_node *node = f->slot[i];

	if (!node) {
		node = node_pool_alloc(&f->pool);
		if (!ASSERT(f->h, node != NULL))
			return false;
		fill(f, node, i);
		/* Both ways of linking: by descent and next to a known successor. */
		if (test_rand(&f->rng) % 2)
			mm_tree_insert(&f->tree, node);
		else
			mm_tree_insert_before(&f->tree, node, next_linked(f, i));
		f->slot[i] = node;
	} else if (test_rand(&f->rng) % 3) {
		mm_tree_erase(&f->tree, node);
		node_pool_free(&f->pool, node);
		f->slot[i] = NULL;
	} else {
		/* Moves within the slot keep the order: refresh in place. */
		fill(f, node, i);
		mm_tree_refresh(&f->tree, node);
	}
	return true;
}

/* The largest gap between neighbours, counted the slow way. */
static uint64_t largest_gap(const struct tree_fuzz *f)
{
	const struct mm_node *prev = NULL, *node;
	uint64_t gap = 0;

	for (node = mm_tree_first(&f->tree); node; node = mm_tree_next(node)) {
		uint64_t low = mm_tree_guarded_start(&f->tree, &node->map);

		if (prev && low > prev->map.end && low - prev->map.end > gap)
			gap = low - prev->map.end;
		prev = node;
	}
	return gap;
}

static void run_seed(struct harness *h, uint64_t seed)
{
	struct tree_fuzz f = { .h = h, .rng = seed };
	char msg[200];
	unsigned n;

	/* Odd seeds: a guard gap the size of a slot's spare room.  Even seeds:
	 * one that reaches below 0 from the lower slots, where guarded starts
	 * clamp to 0 and so many subtrees share a sub_low. */
	mm_tree_init(&f.tree, seed % 2 ? 2 * PAGE : 0x200000);
	node_pool_init(&f.pool);
	for (n = 0; n < ops; n++) {
		if (!one_op(&f))
			break;
		if (mm_tree_check(&f.tree, msg, sizeof(msg)) != 0) {
			printf("  seed %llu, operation %u: %s\n", (unsigned long long)seed, n, msg);
			ASSERT(h, !"tree invariants hold");
			break;
		}
		if (f.tree.root && !ASSERT_EQ(h, (uint64_t)f.tree.root->sub_gap_pages * PAGE,
					      largest_gap(&f)))
			break;
	}
	node_pool_destroy(&f.pool);
}

static void test_random_tree_ops(struct harness *h)
{
	unsigned s;

	for (s = 1; s <= seeds; s++)
		run_seed(h, s);
}

/* Freed nodes are reused; nodes the pool never made go to free(). */
static void test_pool_reuse_and_foreign_nodes(struct harness *h)
{
	struct node_pool pool;
	struct mm_node *a, *b, *foreign = malloc(sizeof(*foreign));
	unsigned i;

	node_pool_init(&pool);
	a = node_pool_alloc(&pool);
	b = node_pool_alloc(&pool);
	ASSERT(h, a && b && a != b);
	ASSERT_EQ(h, (uintptr_t)a % 64, 0);
	ASSERT_EQ(h, (uintptr_t)b % 64, 0);
	node_pool_free(&pool, a);
	ASSERT(h, node_pool_alloc(&pool) == a);
	/* Past the first chunks: still aligned, still distinct. */
	for (i = 0; i < 100000; i++) {
		struct mm_node *n = node_pool_alloc(&pool);

		if (!ASSERT(h, n && (uintptr_t)n % 64 == 0 && n != a && n != b))
			break;
	}
	/* Under a leak checker or ASan, a foreign node kept here would show. */
	if (ASSERT(h, foreign != NULL))
		node_pool_free(&pool, foreign);
	node_pool_destroy(&pool);
	ASSERT(h, node_pool_alloc(&pool) != NULL);
	node_pool_destroy(&pool);
}

int main(int argc, char **argv)
{
	struct harness h;

	if (argc > 1)
		seeds = (unsigned)strtoul(argv[1], NULL, 0);
	if (argc > 2)
		ops = (unsigned)strtoul(argv[2], NULL, 0);
	harness_init(&h);
	RUN_TEST(&h, test_random_tree_ops);
	RUN_TEST(&h, test_pool_reuse_and_foreign_nodes);
	return harness_summary(&h);
}
