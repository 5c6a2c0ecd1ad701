/*
 * What a recording adds up to: calls and errors per syscall, bytes mapped
 * and unmapped, peaks, and call sites.  report prints it; diff compares two.
 */
#ifndef MEMTRACE_RECORD_STATS_H
#define MEMTRACE_RECORD_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "record/intern.h"
#include "record/rebuild.h"
#include "record/reader.h"

struct errno_tally {
	int err;		/* positive errno */
	uint64_t count;
};

struct syscall_tally {
	const char *name;	/* the table's name, or "syscall_N" (then owned here) */
	int owns_name;
	uint64_t calls, errors;
	struct errno_tally *errnos;	/* by first appearance */
	size_t nerrnos;
};

/* A call site: the innermost frame outside libc and ld.so, or the
 * innermost frame, or "(no stack)". */
struct site_tally {
	char *name;		/* as show_frame writes the frame */
	uint64_t calls;
	uint64_t bytes;		/* that became mapped by its calls */
};

struct record_stats {
	uint64_t events, errors, tasks, execs;
	uint64_t duration_ns;		/* time of the last record */
	uint64_t bytes_mapped, bytes_unmapped;
	struct rebuild_totals peak;	/* set by stats_finish */
	struct syscall_tally *syscalls;
	size_t nsyscalls;
	struct site_tally *sites;	/* index = site id - 1 */
	size_t nsites, sites_cap;
	struct intern_table site_ids;	/* name -> id */
	uint32_t *site_of_stack;	/* stack id -> site id (0: not worked out yet) */
	size_t site_of_stack_cap;
};

void stats_init(struct record_stats *s);
void stats_free(struct record_stats *s);

/* Counts one record, after rebuild_apply has applied it to rb. Returns 0 or -ENOMEM. */
int stats_add(struct record_stats *s, const struct record_reader *rd,
	      const struct record_item *item, const struct rebuild *rb);

/* Takes the peaks once the last record is in. */
void stats_finish(struct record_stats *s, const struct rebuild *rb);

/* Fills idx with the indices of the (up to) n busiest sites, by bytes
 * mapped or by calls, busiest first.  Returns how many. */
size_t stats_top_sites(const struct record_stats *s, int by_bytes, size_t *idx, size_t n);

const struct syscall_tally *stats_find_syscall(const struct record_stats *s, const char *name);
const struct site_tally *stats_find_site(const struct record_stats *s, const char *name);

/* Whether a module is the C library or the dynamic loader, whose frames
 * say little about where a call comes from. */
int module_is_libc(const char *path);

#endif
