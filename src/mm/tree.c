/* AVL tree of mappings with per-subtree gap summaries (see tree.h). */
#include "tree.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

void mm_tree_init(struct mm_tree *tree, uint64_t guard_gap)
{
	tree->root = NULL;
	tree->count = 0;
	tree->guard_gap = guard_gap;
}

static uint64_t guarded_start(const struct mm_tree *tree, uint64_t start, bool growsdown)
{
	if (!growsdown)
		return start;
	/* Linux's vm_start_gap() clamps at 0 rather than wrapping. */
	return start > tree->guard_gap ? start - tree->guard_gap : 0;
}

uint64_t mm_tree_guarded_start(const struct mm_tree *tree, const struct mapping *m)
{
	return guarded_start(tree, m->start, m->flags & MAPPING_GROWSDOWN);
}

/* The node's own guarded start, from its hot line only. */
static uint64_t node_guarded_start(const struct mm_tree *tree, const struct mm_node *node)
{
	return guarded_start(tree, node->map.start, node->growsdown);
}

/* Takes the growsdown bit from the node's (cold) flags; done whenever the
 * node is linked or refreshed, the two ways its flags reach the tree. */
static void load_growsdown(struct mm_node *node)
{
	node->growsdown = (node->map.flags & MAPPING_GROWSDOWN) != 0;
}

static int height_of(const struct mm_node *node)
{
	return node ? node->height : 0;
}

static uint64_t sub_gap_of(const struct mm_node *node)
{
	return (uint64_t)node->sub_gap_pages * MM_PAGE_SIZE;
}

static uint64_t span(uint64_t from, uint64_t to)
{
	return to > from ? to - from : 0;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* Recomputes node's height and summary from its children.  Every gap is
 * counted at the lowest common ancestor of the two mappings around it:
 * left-subtree-top to node, and node to right-subtree-bottom. */
static void pull(const struct mm_tree *tree, struct mm_node *node)
{
	const struct mm_node *left = node->left, *right = node->right;
	uint64_t guarded = node_guarded_start(tree, node);
	uint64_t gap = 0;
	int hl = height_of(left), hr = height_of(right);

	node->height = 1 + (hl > hr ? hl : hr);
	node->sub_low = left ? left->sub_low : guarded;
	node->sub_high = right ? right->sub_high : node->map.end;
	if (left)
		gap = max_u64(sub_gap_of(left), span(left->sub_high, guarded));
	if (right)
		gap = max_u64(gap, max_u64(sub_gap_of(right), span(node->map.end, right->sub_low)));
	node->sub_gap_pages = gap / MM_PAGE_SIZE;
	node->sub_growsdown = node->growsdown || (left && left->sub_growsdown) ||
			      (right && right->sub_growsdown);
}

/* What a parent reads of a subtree: if it comes out of an update unchanged,
 * nothing above can change either. */
struct summary {
	uint64_t low, high, gap_pages;
	int height;
	bool growsdown;
};

static struct summary summary_of(const struct mm_node *node)
{
	struct summary sum = { node->sub_low, node->sub_high, node->sub_gap_pages,
			       (int)node->height, node->sub_growsdown };

	return sum;
}

static bool same_summary(const struct summary *a, const struct summary *b)
{
	return a->low == b->low && a->high == b->high && a->gap_pages == b->gap_pages &&
	       a->height == b->height && a->growsdown == b->growsdown;
}

/* Points whatever pointed at old_child (its parent's link or the root) at new_child. */
static void replace_child(struct mm_tree *tree, struct mm_node *parent,
			  struct mm_node *old_child, struct mm_node *new_child)
{
	if (!parent)
		tree->root = new_child;
	else if (parent->left == old_child)
		parent->left = new_child;
	else
		parent->right = new_child;
	if (new_child)
		new_child->parent = parent;
}

/*      x                y
 *     / \              / \
 *    a   y     ->     x   c
 *       / \          / \
 *      b   c        a   b
 */
static struct mm_node *rotate_left(struct mm_tree *tree, struct mm_node *x)
{
	struct mm_node *y = x->right;

	replace_child(tree, x->parent, x, y);
	x->right = y->left;
	if (y->left)
		y->left->parent = x;
	y->left = x;
	x->parent = y;
	pull(tree, x);
	pull(tree, y);
	return y;
}

static struct mm_node *rotate_right(struct mm_tree *tree, struct mm_node *x)
{
	struct mm_node *y = x->left;

	replace_child(tree, x->parent, x, y);
	x->left = y->right;
	if (y->right)
		y->right->parent = x;
	y->right = x;
	x->parent = y;
	pull(tree, x);
	pull(tree, y);
	return y;
}

/* Walks from node towards the root restoring balance and summaries.
 *
 * Most changes alter a few levels, and the levels above them are the ones
 * whose siblings would miss the cache, so the walk stops at the first
 * subtree whose summary (what its parent reads of it) comes out as before.
 * That needs the stored summaries on the way to be those of before the
 * change.  One may not be: `stale`, a node that has just taken another's
 * place (erase moves the successor up).  The walk always goes through it
 * and may stop only above it; NULL when there is none.
 */
static void rebalance_up(struct mm_tree *tree, struct mm_node *node, const struct mm_node *stale)
{
	while (node) {
		struct summary before = summary_of(node);
		/* At stale itself `before` is no summary of this subtree. */
		bool may_stop = !stale;
		int balance;

		if (node == stale)
			stale = NULL;
		pull(tree, node);
		balance = height_of(node->left) - height_of(node->right);
		if (balance > 1) {
			if (height_of(node->left->left) < height_of(node->left->right))
				rotate_left(tree, node->left);
			node = rotate_right(tree, node);
		} else if (balance < -1) {
			if (height_of(node->right->right) < height_of(node->right->left))
				rotate_right(tree, node->right);
			node = rotate_left(tree, node);
		}
		if (may_stop) {
			struct summary after = summary_of(node);

			if (same_summary(&before, &after))
				return;
		}
		node = node->parent;
	}
}

/* A descent is a chain of dependent loads: each node's line must arrive
 * before the next address is known, and at 65,530 mappings most levels miss
 * the caches.  Asking for the four grandchildren's lines on arriving at a
 * node (their addresses sit in the children's lines, requested one level
 * up) keeps two levels in flight, and a descent then waits about half the
 * memory latency per level instead of all of it.  One line per node: the
 * hot fields (tree.h).  Three levels ahead did worse (eight prefetches per
 * level).  always_inline: GCC 12 takes a function that only prefetches for
 * one without side effects and deletes its calls. */
static inline __attribute__((always_inline)) void
prefetch_grandchildren(const struct mm_node *node)
{
	const struct mm_node *left = node->left, *right = node->right;

	if (left) {
		__builtin_prefetch(left->left);
		__builtin_prefetch(left->right);
	}
	if (right) {
		__builtin_prefetch(right->left);
		__builtin_prefetch(right->right);
	}
}

struct mm_node *mm_tree_find_end_above(const struct mm_tree *tree, uint64_t addr)
{
	struct mm_node *node = tree->root, *found = NULL;

	while (node) {
		prefetch_grandchildren(node);
		if (addr < node->map.end) {
			found = node;
			node = node->left;
		} else {
			node = node->right;
		}
	}
	return found;
}

static struct mm_node *leftmost(struct mm_node *node)
{
	while (node && node->left)
		node = node->left;
	return node;
}

static struct mm_node *rightmost(struct mm_node *node)
{
	while (node && node->right)
		node = node->right;
	return node;
}

struct mm_node *mm_tree_first(const struct mm_tree *tree)
{
	return leftmost(tree->root);
}

struct mm_node *mm_tree_last(const struct mm_tree *tree)
{
	return rightmost(tree->root);
}

struct mm_node *mm_tree_next(const struct mm_node *node)
{
	if (node->right)
		return leftmost(node->right);
	while (node->parent && node->parent->right == node)
		node = node->parent;
	return node->parent;
}

struct mm_node *mm_tree_prev(const struct mm_node *node)
{
	if (node->left)
		return rightmost(node->left);
	while (node->parent && node->parent->left == node)
		node = node->parent;
	return node->parent;
}

/* Hangs node at *link, a free child slot of parent, and rebalances. */
static void link_leaf(struct mm_tree *tree, struct mm_node *node, struct mm_node *parent,
		      struct mm_node **link)
{
	node->left = node->right = NULL;
	node->parent = parent;
	*link = node;
	tree->count++;
	load_growsdown(node);
	/* The new node's own fields hold nothing yet: pull it, then walk up
	 * from its parent, whose summary still describes the old subtree. */
	pull(tree, node);
	rebalance_up(tree, parent, NULL);
}

void mm_tree_insert(struct mm_tree *tree, struct mm_node *node)
{
	struct mm_node **link = &tree->root, *parent = NULL;

	while (*link) {
		parent = *link;
		prefetch_grandchildren(parent);
		link = node->map.start < parent->map.start ? &parent->left : &parent->right;
	}
	link_leaf(tree, node, parent, link);
}

void mm_tree_insert_before(struct mm_tree *tree, struct mm_node *node, struct mm_node *next)
{
	struct mm_node *parent;

	/* In order, node goes between next's predecessor and next: the free
	 * slot is next's left child, or else the right child of the
	 * predecessor, the rightmost node of next's left subtree. */
	if (!next) {
		parent = rightmost(tree->root);
		link_leaf(tree, node, parent, parent ? &parent->right : &tree->root);
	} else if (!next->left) {
		link_leaf(tree, node, next, &next->left);
	} else {
		parent = rightmost(next->left);
		link_leaf(tree, node, parent, &parent->right);
	}
}

void mm_tree_erase(struct mm_tree *tree, struct mm_node *node)
{
	struct mm_node *rebalance_from, *stale = NULL;

	if (node->left && node->right) {
		/* Put the successor in node's place, links and all: nodes never
		 * swap contents, so pointers to mappings stay valid. */
		struct mm_node *succ = leftmost(node->right);

		/* succ's summary is that of its old place: walk through it. */
		stale = succ;
		if (succ->parent == node) {
			rebalance_from = succ;
		} else {
			rebalance_from = succ->parent;
			replace_child(tree, succ->parent, succ, succ->right);
			succ->right = node->right;
			succ->right->parent = succ;
		}
		succ->left = node->left;
		succ->left->parent = succ;
		replace_child(tree, node->parent, node, succ);
	} else {
		struct mm_node *child = node->left ? node->left : node->right;

		rebalance_from = node->parent;
		replace_child(tree, node->parent, node, child);
	}
	tree->count--;
	node->left = node->right = node->parent = NULL;
	rebalance_up(tree, rebalance_from, stale);
}

void mm_tree_refresh(struct mm_tree *tree, struct mm_node *node)
{
	/* node's stored summary is the one from before the change: the walk
	 * compares against it.  Heights do not change, so nothing rotates. */
	load_growsdown(node);
	rebalance_up(tree, node, NULL);
}

static struct mm_node *build_range(struct mm_tree *tree, struct mm_node **nodes,
				   size_t count, struct mm_node *parent)
{
	size_t mid = count / 2;
	struct mm_node *node;

	if (count == 0)
		return NULL;
	node = nodes[mid];
	node->parent = parent;
	node->left = build_range(tree, nodes, mid, node);
	node->right = build_range(tree, nodes + mid + 1, count - mid - 1, node);
	load_growsdown(node);
	pull(tree, node);
	return node;
}

void mm_tree_build(struct mm_tree *tree, struct mm_node **nodes, size_t count)
{
	tree->root = build_range(tree, nodes, count, NULL);
	tree->count = count;
}

/* ---- hole search ---- */

struct hole_search {
	const struct mm_tree *tree;
	const struct mm_hole_request *req;
	uint64_t need; /* length + align_mask: what Linux asks of a gap */
	bool topdown;
};

/* Tries the free range [gap_low, gap_high): clipped to the limits, it must
 * hold `need` bytes; then the start is the highest (or lowest) aligned one. */
static bool try_gap(const struct hole_search *s, uint64_t gap_low, uint64_t gap_high,
		    uint64_t *addr)
{
	const struct mm_hole_request *req = s->req;
	uint64_t low = max_u64(gap_low, req->low_limit);
	uint64_t high = min_u64(gap_high, req->high_limit);

	if (high <= low || high - low < s->need)
		return false;
	if (s->topdown) {
		uint64_t start = high - req->length;

		*addr = start - ((start - req->align_offset) & req->align_mask);
	} else {
		*addr = low + ((req->align_offset - low) & req->align_mask);
	}
	return true;
}

/* Can any gap between two mappings of this subtree qualify?  Gaps lie inside
 * [sub_low, sub_high), so a subtree wholly outside the limits, or whose
 * largest gap is too small, is skipped in O(1).  Only subtrees straddling a
 * limit can fail after descending, and those lie on two root-to-leaf paths. */
static bool subtree_may_fit(const struct hole_search *s, const struct mm_node *node)
{
	return node && sub_gap_of(node) >= s->need &&
	       node->sub_low < s->req->high_limit && node->sub_high > s->req->low_limit;
}

static bool search_subtree(const struct hole_search *s, const struct mm_node *node,
			   uint64_t *addr)
{
	const struct mm_node *first, *second;
	uint64_t guarded;

	if (!subtree_may_fit(s, node))
		return false;
	prefetch_grandchildren(node);
	guarded = node_guarded_start(s->tree, node);
	first = s->topdown ? node->right : node->left;
	second = s->topdown ? node->left : node->right;

	if (search_subtree(s, first, addr))
		return true;
	if (s->topdown) {
		if (node->right && try_gap(s, node->map.end, node->right->sub_low, addr))
			return true;
		if (node->left && try_gap(s, node->left->sub_high, guarded, addr))
			return true;
	} else {
		if (node->left && try_gap(s, node->left->sub_high, guarded, addr))
			return true;
		if (node->right && try_gap(s, node->map.end, node->right->sub_low, addr))
			return true;
	}
	return search_subtree(s, second, addr);
}

static int search(const struct mm_tree *tree, const struct mm_hole_request *req,
		  bool topdown, uint64_t *addr)
{
	struct hole_search s = { tree, req, req->length + req->align_mask, topdown };
	const struct mm_node *root = tree->root;
	/* Below the lowest mapping and above the highest are gaps too. */
	uint64_t bottom_end = root ? root->sub_low : UINT64_MAX;
	uint64_t top_start = root ? root->sub_high : 0;

	if (req->length == 0)
		return -EINVAL;
	if (s.need < req->length)
		return -ENOMEM;
	if (topdown) {
		if ((root && try_gap(&s, top_start, UINT64_MAX, addr)) ||
		    search_subtree(&s, root, addr) || try_gap(&s, 0, bottom_end, addr))
			return 0;
	} else {
		if (try_gap(&s, 0, bottom_end, addr) || search_subtree(&s, root, addr) ||
		    (root && try_gap(&s, top_start, UINT64_MAX, addr)))
			return 0;
	}
	return -ENOMEM;
}

/* The highest growsdown node that starts below bound, or NULL.  Subtrees
 * without one are skipped whole: such mappings are few (stacks). */
static const struct mm_node *last_growsdown_below(const struct mm_node *node, uint64_t bound)
{
	while (node && node->sub_growsdown) {
		if (node->map.start < bound) {
			const struct mm_node *found = last_growsdown_below(node->right, bound);

			if (found)
				return found;
			if (node->growsdown)
				return node;
		}
		node = node->left;
	}
	return NULL;
}

/*
 * Linux (6.1 on, mm/vma.c unmapped_area_topdown) takes the highest hole of
 * `need` bytes with no regard to guard gaps, and if a growsdown mapping
 * lies right above it, searches again below that mapping's guarded start.
 * So a hole right below a stack leaves out, besides itself, every smaller
 * hole inside the stack's guard gap.  The search of guarded holes finds
 * the right hole unless a growsdown mapping above it has such a raw hole
 * below it: then the limit comes down, as in Linux.
 */
static const struct mm_node *raw_hole_above(const struct mm_tree *tree,
					    const struct hole_search *s, uint64_t above)
{
	const struct mm_hole_request *req = s->req;
	uint64_t bound = UINT64_MAX;
	const struct mm_node *gd;

	while ((gd = last_growsdown_below(tree->root, bound))) {
		const struct mm_node *prev = mm_tree_prev(gd);
		uint64_t hole_low = prev ? prev->map.end : 0;
		uint64_t low = max_u64(hole_low, req->low_limit);
		uint64_t high = min_u64(gd->map.start, req->high_limit);

		if (hole_low <= above)
			return NULL;	/* its hole is the one found, or lower */
		if (high > low && high - low >= s->need &&
		    guarded_start(tree, gd->map.start, true) < high)
			return gd;
		bound = gd->map.start;
	}
	return NULL;
}

static int search_topdown(const struct mm_tree *tree, const struct mm_hole_request *req,
			  uint64_t *addr)
{
	struct mm_hole_request limited = *req;
	struct hole_search s = { tree, &limited, req->length + req->align_mask, true };
	const struct mm_node *gd;
	int err;

	for (;;) {
		err = search(tree, &limited, true, addr);
		if (err < 0)
			return err;
		gd = raw_hole_above(tree, &s, *addr);
		if (!gd)
			return 0;
		limited.high_limit = guarded_start(tree, gd->map.start, true);
	}
}

int mm_tree_hole_topdown(const struct mm_tree *tree, const struct mm_hole_request *req,
			 uint64_t *addr)
{
	return search_topdown(tree, req, addr);
}

int mm_tree_hole_bottomup(const struct mm_tree *tree, const struct mm_hole_request *req,
			  uint64_t *addr)
{
	return search(tree, req, false, addr);
}

/* ---- validation ---- */

struct tree_check {
	const struct mm_tree *tree;
	char *msg;
	size_t msg_size;
	size_t seen;
	const struct mm_node *prev; /* last node visited in order */
};

static int check_fail(struct tree_check *c, const struct mm_node *node, const char *what)
{
	snprintf(c->msg, c->msg_size, "tree: %s at [%#" PRIx64 ", %#" PRIx64 ")", what,
		 node->map.start, node->map.end);
	return -EINVAL;
}

static int check_node(struct tree_check *c, const struct mm_node *node)
{
	struct mm_node copy;
	int err, balance;

	if (!node)
		return 0;
	if ((node->left && node->left->parent != node) ||
	    (node->right && node->right->parent != node))
		return check_fail(c, node, "broken parent link");
	err = check_node(c, node->left);
	if (err)
		return err;
	if (c->prev && c->prev->map.end > node->map.start)
		return check_fail(c, node, "out of order or overlapping");
	c->prev = node;
	c->seen++;
	err = check_node(c, node->right);
	if (err)
		return err;

	balance = height_of(node->left) - height_of(node->right);
	if (balance < -1 || balance > 1)
		return check_fail(c, node, "AVL balance broken");
	if (node->growsdown != ((node->map.flags & MAPPING_GROWSDOWN) != 0))
		return check_fail(c, node, "stale growsdown bit");
	copy = *node;
	pull(c->tree, &copy);
	if (copy.height != node->height)
		return check_fail(c, node, "stale height");
	if (copy.sub_low != node->sub_low || copy.sub_high != node->sub_high ||
	    copy.sub_gap_pages != node->sub_gap_pages || copy.sub_growsdown != node->sub_growsdown)
		return check_fail(c, node, "stale gap summary");
	return 0;
}

int mm_tree_check(const struct mm_tree *tree, char *msg, size_t msg_size)
{
	struct tree_check c = { tree, msg, msg_size, 0, NULL };
	int err;

	if (tree->root && tree->root->parent) {
		snprintf(msg, msg_size, "tree: root has a parent");
		return -EINVAL;
	}
	err = check_node(&c, tree->root);
	if (err)
		return err;
	if (c.seen != tree->count) {
		snprintf(msg, msg_size, "tree: count %zu but %zu nodes", tree->count, c.seen);
		return -EINVAL;
	}
	return 0;
}
