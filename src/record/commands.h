/*
 * The offline subcommands: memtrace dump | report | maps | diff.
 *
 * Each reads recordings only (no ptrace) and returns memtrace's exit
 * status: 0 success, 1 a negative answer (diff: the runs differ; maps: no
 * such event or task), 2 a usage or file error.  A recording cut short or
 * damaged is read up to its last good record, with a notice on stderr;
 * with strict set, that is an error (2).
 */
#ifndef MEMTRACE_RECORD_COMMANDS_H
#define MEMTRACE_RECORD_COMMANDS_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "record/compare.h"

/* Whether name is one of the subcommands. */
int record_command_known(const char *name);

/* Runs argv[0] (a subcommand) with its arguments. */
int record_command_main(int argc, char *argv[]);

struct dump_options {
	int json;	/* JSON Lines: one object per record */
	int strict;
};
int record_dump(const char *path, const struct dump_options *o, FILE *out);

struct report_options {
	int json;	/* one JSON object */
	int strict;
};
int record_report(const char *path, const struct report_options *o, FILE *out);

struct maps_options {
	uint64_t at;	/* after the event with this seq... */
	int at_end;	/* ... or after the last record */
	pid_t pid;	/* whose address space; 0: the event's task (at_end: the first exec'd) */
	int strict;
};
int record_maps(const char *path, const struct maps_options *o, FILE *out);

struct diff_options {
	enum record_check check;
	double tolerance_pct;	/* for the totals */
	int strict;
};
int record_diff(const char *path_a, const char *path_b, const struct diff_options *o,
		FILE *out);

/* ---- shared by the subcommands ---- */

/* Opens a recording, or says why not (on stderr) and returns NULL. */
struct record_reader *command_open(const char *path);

/*
 * Says why reading stopped, if it was not at the end record: a notice, or
 * with strict an error.  rebuild_why: a model failure at item_offset
 * (NULL if none).  Returns 0, or 2 when that is an error.
 */
int command_finish(struct record_reader *rd, int strict, const char *rebuild_why,
		   uint64_t item_offset);

#endif
