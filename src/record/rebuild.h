/*
 * Rebuilding every task's address space from a recording alone: exec
 * snapshots, fork copies, and each event's after-image ("remove everything
 * in the window, insert these").  Running totals of mapped memory come
 * with it, for reports.
 */
#ifndef MEMTRACE_RECORD_REBUILD_H
#define MEMTRACE_RECORD_REBUILD_H

#include <stddef.h>
#include <stdint.h>

#include "mm/address_space.h"
#include "record/intern.h"
#include "record/reader.h"

struct rebuild_totals {
	uint64_t mapped;			/* bytes */
	uint64_t locked;			/* bytes with MAPPING_LOCKED */
	uint64_t by_kind[MAPPING_KIND_COUNT];	/* bytes of each mapping kind */
};

struct rebuild_space;

struct rebuild {
	struct intern_table tids;	/* tid -> index + 1 in spaces */
	struct rebuild_space **spaces;	/* each tid's address space, NULL when unknown */
	size_t spaces_cap;
	uint64_t live_mappings;		/* in all spaces: bounded, see rebuild.c */
	/* Over all live address spaces (threads share one): now, and the most
	 * each figure reached (each on its own, not at the same moment). */
	struct rebuild_totals now, peak;
	/* What the last event did: bytes that became mapped, that stopped
	 * being mapped (a move counts in both; replacing in place in neither). */
	uint64_t event_mapped, event_unmapped;
	char why[160];			/* set when rebuild_apply fails */
	/* A task that ends keeps the address space it ended with (for maps),
	 * rather than giving it back (for totals). */
	int keep_exited;
};

void rebuild_init(struct rebuild *rb);
void rebuild_free(struct rebuild *rb);

/*
 * Applies one record (exec, task, exit, event; others are ignored).
 * Returns 0, -EINVAL when the record contradicts the model (rb->why says
 * how: a window past user space, a bad layout), or -ENOMEM.
 */
int rebuild_apply(struct rebuild *rb, const struct record_item *item);

/* The model of tid's address space, or NULL when the recording has none
 * (no exec or fork of it seen, or it ended). */
const struct address_space *rebuild_space_of(const struct rebuild *rb, pid_t tid);

#endif
