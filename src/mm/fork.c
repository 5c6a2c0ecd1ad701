/* fork: the child's copy of the model, as dup_mmap makes it. */
#include "mm_internal.h"

#include <errno.h>
#include <stdlib.h>

/* What the child gets of one parent mapping; returns false when it gets
 * nothing (VM_DONTCOPY). */
static bool child_copy_of(const struct mapping *parent, struct mapping *copy)
{
	if (parent->flags & MAPPING_DONTFORK)
		return false;
	*copy = *parent;
	/* Memory locks are not inherited (dup_mmap clears VM_LOCKED_MASK). */
	copy->flags &= ~MAPPING_LOCK_MASK;
	return true;
}

int as_fork(struct address_space *child, const struct address_space *parent)
{
	struct mm_node **nodes;
	const struct mapping *m;
	size_t count = 0, i;
	int err;

	err = as_init(child, &parent->layout);
	if (err)
		return err;
	child->brk_current = parent->brk_current;
	/* mlockall(MCL_FUTURE) is not inherited either. */
	child->def_flags = parent->def_flags & ~MAPPING_LOCK_MASK;
	child->read_implies_exec = parent->read_implies_exec;
	if (parent->tree.count == 0)
		return 0;

	nodes = malloc(parent->tree.count * sizeof(*nodes));
	if (!nodes)
		return -ENOMEM;
	for (m = as_first(parent); m; m = as_next(parent, m)) {
		struct mapping copy;
		struct mm_node *node;

		if (!child_copy_of(m, &copy))
			continue;
		/* Dropping the lock bits can make neighbours identical; join
		 * them so the child keeps the model's no-mergeable-pair rule. */
		if (count > 0 && mapping_can_merge(&nodes[count - 1]->map, &copy)) {
			nodes[count - 1]->map.end = copy.end;
			continue;
		}
		node = node_pool_alloc(&child->pool);
		if (!node)
			goto out_of_memory;
		node_init(node, &copy);
		if (copy.kind == MAPPING_KIND_VSYSCALL)
			child->gate_count++;
		nodes[count++] = node;
	}
	mm_tree_build(&child->tree, nodes, count);
	free(nodes);
	return 0;

out_of_memory:
	for (i = 0; i < count; i++)
		node_free(child, nodes[i]);
	free(nodes);
	node_pool_destroy(&child->pool);
	child->gate_count = 0;
	return -ENOMEM;
}
