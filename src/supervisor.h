#ifndef MEMTRACE_SUPERVISOR_H
#define MEMTRACE_SUPERVISOR_H

#include "printer.h"
#include "recording.h"
#include "service.h"
#include "spawn.h"
#include "stop_wait.h"
#include "tracee.h"

struct supervisor {
	struct tracee_table tracees;
	struct printer printer;
	struct service service;
	struct spawned program;	/* the program memtrace started */
	int program_started;	/* its first exec succeeded */
	int program_ended;
	int program_status;	/* its wait status, once ended */
	int exit_code;		/* set when memtrace must end with it (start failed) */
	int output_failed;	/* the trace output broke (EPIPE, ENOSPC): said once */
	const char *record_path;	/* --record FILE, or NULL (see record/record.h) */
	struct recording recording;
	int ticking;		/* the idle tick runs (stub calls, gathered trace lines) */
	unsigned long calls_seen, stops_seen, calls_at_entry;	/* for -d's closing line */
	struct stop_waiter waiter;	/* how long stops have taken to come */
};

/*
 * Starts argv under the filter and traces it and all its descendants until
 * every one has ended. Returns memtrace's exit status: the program's, or
 * 128+N if it was killed by signal N, or 126/127/1 if it could not start.
 */
int supervisor_run(struct supervisor *sv, char *const argv[]);

#endif
