/*
 * Comparing two runs of a program: event by event (replay compares a live
 * event with the recorded one; diff compares two recordings), or by their
 * totals.
 *
 *   exact    same task, syscall, arguments and result, as the trace prints them
 *   shape    the same, but addresses count only as NULL or not: arguments of
 *            kind ARG_ADDR, old_mmap's address, and successful address results
 *   summary  no event by event check; calls and errors per syscall, bytes
 *            mapped, peaks and call sites agree within a tolerance
 *
 * Tasks are matched by the order in which each side shows them first, not
 * by their tids, which differ from run to run.
 */
#ifndef MEMTRACE_RECORD_COMPARE_H
#define MEMTRACE_RECORD_COMPARE_H

#include <stdio.h>
#include <sys/types.h>

#include "record/intern.h"
#include "record/stats.h"
#include "strbuf.h"
#include "syscall_event.h"

enum record_check {
	RECORD_CHECK_EXACT,
	RECORD_CHECK_SHAPE,
	RECORD_CHECK_SUMMARY,
};

/* Parses "exact", "shape" or "summary". Returns 0 or -EINVAL. */
int record_check_parse(const char *name, enum record_check *check);
const char *record_check_name(enum record_check check);

struct record_compare {
	enum record_check check;
	struct intern_table tasks[2];	/* tid -> task number; [0]: expected, [1]: actual */
	struct intern_table shm_ids[2];	/* System V segment id -> number, likewise */
};

void record_compare_init(struct record_compare *c, enum record_check check);
void record_compare_free(struct record_compare *c);

/* The number (1, 2, ...) of tid on side 0 (expected) or 1 (actual), in
 * order of first appearance; a new tid gets the next one.  0: no memory. */
unsigned record_compare_task(struct record_compare *c, int side, pid_t tid);

/*
 * Compares one event from each side.  Returns 0 when they agree under the
 * check (always, for summary), 1 when they differ, with the reason in why
 * ("argument 2 differs: 4096 vs 8192", "different syscall: mmap vs munmap"),
 * or -ENOMEM.  Show the two calls with show_call (record/show.h).
 */
int record_compare_event(struct record_compare *c, const struct syscall_event *expected,
			 const struct syscall_event *actual, struct strbuf *why);

/*
 * Compares two recordings' totals: per-syscall calls and errors, bytes
 * mapped and unmapped, peaks (total, by kind, locked) and call sites.  A
 * figure differs when |a - b| is more than tolerance_pct percent of the
 * larger.  Prints each difference as "  WHAT: A -> B" on out (NULL: not at
 * all).  Returns the number of differences.
 */
size_t record_compare_stats(const struct record_stats *a, const struct record_stats *b,
			    double tolerance_pct, FILE *out);

#endif
