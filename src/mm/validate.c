/* as_validate: the model's invariants, for debug builds and tests. */
#include "address_space.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

static int fail(char *msg, size_t msg_size, const struct mapping *m, const char *what)
{
	snprintf(msg, msg_size, "mapping [%#" PRIx64 ", %#" PRIx64 ") %s: %s", m->start, m->end,
		 mapping_kind_name(m->kind), what);
	return -EINVAL;
}

static int check_one(const struct address_space *as, const struct mapping *m, char *msg,
		     size_t msg_size)
{
	if (!mm_page_aligned(m->start) || !mm_page_aligned(m->end))
		return fail(msg, msg_size, m, "not page-aligned");
	if (m->start >= m->end)
		return fail(msg, msg_size, m, "empty or inverted");
	if (m->kind >= MAPPING_KIND_COUNT)
		return fail(msg, msg_size, m, "unknown kind");
	if (m->end > as->layout.task_size && m->kind != MAPPING_KIND_VSYSCALL)
		return fail(msg, msg_size, m, "beyond task_size");
	if (m->backing.path && m->backing.path->refs == 0)
		return fail(msg, msg_size, m, "path without references");
	return 0;
}

int as_validate(const struct address_space *as, char *msg, size_t msg_size)
{
	const struct mapping *m, *prev = NULL;
	size_t gates = 0;
	int err;

	err = mm_tree_check(&as->tree, msg, msg_size);
	if (err)
		return err;
	if (as->tree.guard_gap != as->layout.stack_guard_gap) {
		snprintf(msg, msg_size, "tree guard gap differs from the layout's");
		return -EINVAL;
	}
	for (m = as_first(as); m; prev = m, m = as_next(as, m)) {
		err = check_one(as, m, msg, msg_size);
		if (err)
			return err;
		if (prev && prev->end > m->start)
			return fail(msg, msg_size, m, "overlaps the mapping below");
		/* Every change merges where Linux's vma_merge would, so two
		 * mergeable neighbours mean a change forgot to. */
		if (prev && mapping_can_merge(prev, m))
			return fail(msg, msg_size, m, "should have merged with the mapping below");
		gates += m->kind == MAPPING_KIND_VSYSCALL;
	}
	if (gates != as->gate_count) {
		snprintf(msg, msg_size, "gate count %zu but %zu vsyscall mappings", as->gate_count,
			 gates);
		return -EINVAL;
	}
	return 0;
}
