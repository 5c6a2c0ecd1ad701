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

uint64_t mm_tree_guarded_start(const struct mm_tree *tree, const struct mapping *m)
{
	if (!(m->flags & MAPPING_GROWSDOWN))
		return m->start;
	/* Linux's vm_start_gap() clamps at 0 rather than wrapping. */
	return m->start > tree->guard_gap ? m->start - tree->guard_gap : 0;
}

static int height_of(const struct mm_node *node)
{
	return node ? node->height : 0;
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
	uint64_t guarded = mm_tree_guarded_start(tree, &node->map);
	uint64_t gap = 0;
	int hl = height_of(left), hr = height_of(right);

	node->height = 1 + (hl > hr ? hl : hr);
	node->sub_low = left ? left->sub_low : guarded;
	node->sub_high = right ? right->sub_high : node->map.end;
	if (left)
		gap = max_u64(left->sub_gap, span(left->sub_high, guarded));
	if (right)
		gap = max_u64(gap, max_u64(right->sub_gap, span(node->map.end, right->sub_low)));
	node->sub_gap = gap;
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

/* Walks from node to the root restoring balance and summaries.  Always goes
 * all the way up: summaries change above even where heights do not. */
static void rebalance_up(struct mm_tree *tree, struct mm_node *node)
{
	while (node) {
		int balance;

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
		node = node->parent;
	}
}

struct mm_node *mm_tree_find_end_above(const struct mm_tree *tree, uint64_t addr)
{
	struct mm_node *node = tree->root, *found = NULL;

	while (node) {
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

void mm_tree_insert(struct mm_tree *tree, struct mm_node *node)
{
	struct mm_node **link = &tree->root, *parent = NULL;

	while (*link) {
		parent = *link;
		link = node->map.start < parent->map.start ? &parent->left : &parent->right;
	}
	node->left = node->right = NULL;
	node->parent = parent;
	*link = node;
	tree->count++;
	rebalance_up(tree, node);
}

void mm_tree_erase(struct mm_tree *tree, struct mm_node *node)
{
	struct mm_node *rebalance_from;

	if (node->left && node->right) {
		/* Put the successor in node's place, links and all: nodes never
		 * swap contents, so pointers to mappings stay valid. */
		struct mm_node *succ = leftmost(node->right);

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
	rebalance_up(tree, rebalance_from);
}

void mm_tree_refresh(struct mm_tree *tree, struct mm_node *node)
{
	for (; node; node = node->parent)
		pull(tree, node);
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
	return node && node->sub_gap >= s->need &&
	       node->sub_low < s->req->high_limit && node->sub_high > s->req->low_limit;
}

static bool search_subtree(const struct hole_search *s, const struct mm_node *node,
			   uint64_t *addr)
{
	const struct mm_node *first, *second;
	uint64_t guarded;

	if (!subtree_may_fit(s, node))
		return false;
	guarded = mm_tree_guarded_start(s->tree, &node->map);
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

int mm_tree_hole_topdown(const struct mm_tree *tree, const struct mm_hole_request *req,
			 uint64_t *addr)
{
	return search(tree, req, true, addr);
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
	copy = *node;
	pull(c->tree, &copy);
	if (copy.height != node->height)
		return check_fail(c, node, "stale height");
	if (copy.sub_low != node->sub_low || copy.sub_high != node->sub_high ||
	    copy.sub_gap != node->sub_gap)
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
