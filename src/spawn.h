#ifndef MEMTRACE_SPAWN_H
#define MEMTRACE_SPAWN_H

#include <sys/types.h>

#include "filter.h"

/* The program memtrace starts, and how its start went. */
struct spawned {
	pid_t pid;
	char path[4096];	/* argv[0] resolved through PATH */
	int report_fd;		/* the child's reports until exec; -1 once read */
};

/*
 * Starts argv[0] as a seized, filtered child with kill-on-exit. Returns 0,
 * or the exit status memtrace should end with (126, 127 or 1) after saying
 * what went wrong.
 */
int spawn_traced(char *const argv[], const struct seccomp_program *filter, struct spawned *sp);

/*
 * Reads what the child reported before its exec, once the exec happened or
 * the child ended. Prints notices and errors. Returns 0 if the program
 * started, or the exit status memtrace should end with.
 */
int spawn_collect_report(struct spawned *sp);

#endif
