/*
 * Address spaces rebuilt from a recording (see rebuild.h).
 *
 * The file holds the writer's model after its own splitting and merging,
 * so mappings go back in verbatim: no merging, and the offsets as written
 * (as_insert would re-derive an anonymous mapping's offset from its start,
 * which a mapping moved by mremap no longer has).
 */
#include "record/rebuild.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/format.h"

/*
 * Mappings held in all rebuilt spaces at once.  Only fork copies multiply
 * mappings beyond what the file's bytes hold; this bounds what a damaged or
 * hostile file can make the reader allocate (about 600 MiB).
 */
#define LIVE_MAPPINGS_MAX (4u << 20)

struct rebuild_space {
	unsigned refs;
	struct address_space as;
	struct rebuild_totals totals;
};

void rebuild_init(struct rebuild *rb)
{
	memset(rb, 0, sizeof(*rb));
	intern_init(&rb->tids);
}

static int fail(struct rebuild *rb, const char *why)
{
	snprintf(rb->why, sizeof(rb->why), "%s", why);
	return -EINVAL;
}

/* ---- totals ---- */

static void totals_add_range(struct rebuild_totals *t, const struct mapping *m, uint64_t lo,
			     uint64_t hi, int sign)
{
	uint64_t start = m->start > lo ? m->start : lo, end = m->end < hi ? m->end : hi;
	uint64_t len;

	if (start >= end)
		return;
	len = (end - start) * (uint64_t)sign;	/* sign -1: wraps to subtract */
	t->mapped += len;
	t->by_kind[m->kind] += len;
	if (m->flags & MAPPING_LOCKED)
		t->locked += len;
}

/* Adds (sign 1) or takes away (sign -1) a space's totals from the sums. */
static void sums_add(struct rebuild *rb, const struct rebuild_totals *t, int sign)
{
	uint64_t k = (uint64_t)sign;

	rb->now.mapped += k * t->mapped;
	rb->now.locked += k * t->locked;
	for (int i = 0; i < MAPPING_KIND_COUNT; i++)
		rb->now.by_kind[i] += k * t->by_kind[i];
}

static void update_peaks(struct rebuild *rb)
{
	if (rb->now.mapped > rb->peak.mapped)
		rb->peak.mapped = rb->now.mapped;
	if (rb->now.locked > rb->peak.locked)
		rb->peak.locked = rb->now.locked;
	for (int i = 0; i < MAPPING_KIND_COUNT; i++)
		if (rb->now.by_kind[i] > rb->peak.by_kind[i])
			rb->peak.by_kind[i] = rb->now.by_kind[i];
}

/* ---- spaces ---- */

static struct rebuild_space *space_new(struct rebuild *rb, const struct as_layout *layout)
{
	struct rebuild_space *space = calloc(1, sizeof(*space));
	struct as_layout l = *layout;

	if (!space)
		return NULL;
	/* The writer's model kept within the limit; the rebuilt one only
	 * replays it and must not refuse a split as munmap would. */
	l.max_map_count = UINT64_MAX;
	if (as_init(&space->as, &l) < 0) {
		free(space);
		fail(rb, "an exec record with an impossible layout");
		return NULL;
	}
	space->refs = 1;
	return space;
}

static void space_put(struct rebuild *rb, struct rebuild_space *space)
{
	if (!space || --space->refs)
		return;
	sums_add(rb, &space->totals, -1);
	rb->live_mappings -= space->as.tree.count;
	as_destroy(&space->as);
	free(space);
}

/* Links m exactly as recorded; its range must be free. */
static int link_verbatim(struct rebuild *rb, struct rebuild_space *space,
			 const struct mapping *m, uint64_t seq)
{
	struct mm_node *node;

	if (m->end > space->as.layout.task_size && m->kind != MAPPING_KIND_VSYSCALL)
		return fail(rb, "a mapping beyond the end of user space");
	if (rb->live_mappings >= LIVE_MAPPINGS_MAX)
		return fail(rb, "more mappings than any recording holds");
	node = malloc(sizeof(*node));
	if (!node)
		return -ENOMEM;
	node->map = *m;
	node->map.backing.path = mapping_path_get(m->backing.path);
	node->map.created_by = seq;
	if (m->kind == MAPPING_KIND_VSYSCALL)
		space->as.gate_count++;
	mm_tree_insert(&space->as.tree, node);
	rb->live_mappings++;
	totals_add_range(&space->totals, m, 0, UINT64_MAX, 1);
	return 0;
}

/* ---- tasks ---- */

/* The slot holding tid's space, or NULL if tid was never seen. */
static struct rebuild_space **task_slot(const struct rebuild *rb, pid_t tid)
{
	uint32_t id = intern_find(&rb->tids, &tid, sizeof(tid));

	return id && id <= rb->spaces_cap ? &rb->spaces[id - 1] : NULL;
}

static struct rebuild_space *task_space(const struct rebuild *rb, pid_t tid)
{
	struct rebuild_space **slot = task_slot(rb, tid);

	return slot ? *slot : NULL;
}

static void task_drop(struct rebuild *rb, pid_t tid)
{
	struct rebuild_space **slot = task_slot(rb, tid);

	if (slot) {
		space_put(rb, *slot);
		*slot = NULL;
	}
}

/* Gives tid the space (taking over the caller's reference). */
static int task_set(struct rebuild *rb, pid_t tid, struct rebuild_space *space)
{
	int added;
	uint32_t id = intern_id(&rb->tids, &tid, sizeof(tid), &added);
	struct rebuild_space *old;

	if (!id) {
		space_put(rb, space);
		return -ENOMEM;
	}
	if (id > rb->spaces_cap) {
		size_t cap = rb->spaces_cap ? rb->spaces_cap * 2 : 16;
		struct rebuild_space **spaces = realloc(rb->spaces, cap * sizeof(*spaces));

		if (!spaces) {
			space_put(rb, space);
			return -ENOMEM;
		}
		memset(spaces + rb->spaces_cap, 0, (cap - rb->spaces_cap) * sizeof(*spaces));
		rb->spaces = spaces;
		rb->spaces_cap = cap;
	}
	old = rb->spaces[id - 1];
	rb->spaces[id - 1] = space;
	space_put(rb, old);
	return 0;
}

const struct address_space *rebuild_space_of(const struct rebuild *rb, pid_t tid)
{
	const struct rebuild_space *space = task_space(rb, tid);

	return space ? &space->as : NULL;
}

/* ---- records ---- */

static int apply_exec(struct rebuild *rb, const struct rec_exec *x)
{
	struct rebuild_space *space = space_new(rb, &x->layout);
	int err = 0;

	if (!space)
		return rb->why[0] ? -EINVAL : -ENOMEM;
	space->as.brk_current = x->brk_current;
	space->as.def_flags = x->def_flags;
	for (size_t i = 0; i < x->mappings->count && !err; i++)
		err = link_verbatim(rb, space, &x->mappings->maps[i], 0);
	sums_add(rb, &space->totals, 1);
	if (err) {
		space_put(rb, space);
		return err;
	}
	return task_set(rb, x->tid, space);
}

static int apply_task(struct rebuild *rb, const struct rec_task *t)
{
	struct rebuild_space *parent = task_space(rb, t->parent), *space;

	if (!parent) {
		/* Nothing known of the parent: nor of the child. */
		task_drop(rb, t->child);
		return 0;
	}
	if (t->shares_vm) {
		parent->refs++;
		return task_set(rb, t->child, parent);
	}
	if (rb->live_mappings + parent->as.tree.count > LIVE_MAPPINGS_MAX)
		return fail(rb, "more mappings than any recording holds");
	space = calloc(1, sizeof(*space));
	if (!space)
		return -ENOMEM;
	if (as_fork(&space->as, &parent->as) < 0) {
		free(space);
		return -ENOMEM;
	}
	space->refs = 1;
	for (const struct mapping *m = as_first(&space->as); m; m = as_next(&space->as, m))
		totals_add_range(&space->totals, m, 0, UINT64_MAX, 1);
	rb->live_mappings += space->as.tree.count;
	sums_add(rb, &space->totals, 1);
	return task_set(rb, t->child, space);
}

/* Bytes of [lo, hi) that the sorted lists a and b both cover. */
static uint64_t overlap_bytes(const struct mapping *a, size_t na, const struct mapping *b,
			      size_t nb, uint64_t lo, uint64_t hi)
{
	uint64_t both = 0;
	size_t i = 0, j = 0;

	while (i < na && j < nb) {
		uint64_t start = a[i].start > b[j].start ? a[i].start : b[j].start;
		uint64_t end = a[i].end < b[j].end ? a[i].end : b[j].end;

		if (start < lo)
			start = lo;
		if (end > hi)
			end = hi;
		if (start < end)
			both += end - start;
		if (a[i].end < b[j].end)
			i++;
		else
			j++;
	}
	return both;
}

static uint64_t covered_bytes(const struct mapping *list, size_t n, uint64_t lo, uint64_t hi)
{
	struct rebuild_totals t = { 0 };

	for (size_t i = 0; i < n; i++)
		totals_add_range(&t, &list[i], lo, hi, 1);
	return t.mapped;
}

/* Replaces [lo, hi) of the space with the event's after-image. */
static int apply_window(struct rebuild *rb, struct rebuild_space *space,
			const struct rec_event *e)
{
	struct address_space *as = &space->as;
	const struct rec_mappings *after = e->mappings;
	struct mapping *before = NULL;
	size_t nbefore = 0, cap = 0;
	uint64_t lo = e->lo, hi = e->hi, before_bytes, after_bytes, both;
	int err = 0;

	if (!e->whole && hi > as->layout.task_size)
		return fail(rb, "an event's window reaches beyond user space");
	/* What the window held, for the totals and the bytes (un)mapped. */
	for (const struct mapping *m = as_find(as, lo); m && m->start < hi; m = as_next(as, m)) {
		if (nbefore == cap) {
			struct mapping *grown;

			cap = cap ? cap * 2 : 16;
			grown = realloc(before, cap * sizeof(*grown));
			if (!grown) {
				free(before);
				return -ENOMEM;
			}
			before = grown;
		}
		before[nbefore++] = *m;
		totals_add_range(&space->totals, m, lo, hi, -1);
		totals_add_range(&rb->now, m, lo, hi, -1);
	}
	before_bytes = covered_bytes(before, nbefore, lo, hi);
	after_bytes = covered_bytes(after->maps, after->count, lo, hi);
	both = overlap_bytes(before, nbefore, after->maps, after->count, lo, hi);
	rb->event_mapped = after_bytes - both;
	rb->event_unmapped = before_bytes - both;
	free(before);

	if (e->whole) {
		struct as_layout layout = as->layout;
		uint64_t brk = as->brk_current;
		uint32_t def_flags = as->def_flags;

		rb->live_mappings -= as->tree.count;
		as_destroy(as);
		as_init(as, &layout);
		as->brk_current = brk;
		as->def_flags = def_flags;
	} else {
		size_t count = as->tree.count;

		/* what the program may not unmap (sealed, the vdso) is replaced all the same */
		if (as_clear(as, lo, hi) < 0)
			return fail(rb, "an event's window cannot be cleared");
		rb->live_mappings += as->tree.count;
		rb->live_mappings -= count;
	}
	for (size_t i = 0; i < after->count && !err; i++) {
		struct rebuild_totals added = { 0 };

		totals_add_range(&added, &after->maps[i], 0, UINT64_MAX, 1);
		err = link_verbatim(rb, space, &after->maps[i], e->d.seq);
		if (!err)
			sums_add(rb, &added, 1);
	}
	return err;
}

static int apply_event(struct rebuild *rb, const struct rec_event *e)
{
	struct rebuild_space *space = task_space(rb, e->ev.tid);
	const struct syscall_event *ev = &e->ev;
	int err;

	rb->event_mapped = rb->event_unmapped = 0;
	if (!space)
		return 0;
	if (e->has_window) {
		err = apply_window(rb, space, e);
		if (err)
			return err;
	}
	/* The break is not a mapping: the call's result is its new value. */
	if (ev->row && ev->row->family == FAMILY_BRK && ev->has_result &&
	    !syscall_result_is_error(ev->result))
		space->as.brk_current = (uint64_t)ev->result;
	return 0;
}

int rebuild_apply(struct rebuild *rb, const struct record_item *item)
{
	int err = 0;

	rb->why[0] = '\0';
	switch (item->kind) {
	case RECORD_KIND_EXEC:
		err = apply_exec(rb, &item->exec);
		break;
	case RECORD_KIND_TASK:
		err = apply_task(rb, &item->task);
		break;
	case RECORD_KIND_EXIT:
		if (!rb->keep_exited)
			task_drop(rb, item->exit.tid);
		break;
	case RECORD_KIND_EVENT:
		err = apply_event(rb, &item->event);
		break;
	default:
		break;
	}
	if (err == -ENOMEM && !rb->why[0])
		snprintf(rb->why, sizeof(rb->why), "out of memory");
	update_peaks(rb);
	return err;
}

void rebuild_free(struct rebuild *rb)
{
	for (size_t i = 0; i < rb->spaces_cap; i++)
		space_put(rb, rb->spaces[i]);
	free(rb->spaces);
	intern_free(&rb->tids);
	rebuild_init(rb);
}
