/*
 * --record: what the supervisor hands to the recording (record/record.h)
 * as the program runs: execs, new tasks, ends, and each serviced call with
 * the call stack captured at its entry and the range it changed.
 */
#ifndef MEMTRACE_RECORDING_H
#define MEMTRACE_RECORDING_H

#include <sys/types.h>

#include "tracee.h"

#define RECORDING_MAX_FRAMES 16

struct recorder;
struct stack_unwinder;

struct recording {
	struct recorder *rec;		/* NULL: not recording */
	struct stack_unwinder *unwinder;
	int failed;			/* a write failed: said once, recording stopped */
};

/* Starts a recording of argv's run in path. Returns 0 or -errno (said). */
int recording_start(struct recording *r, const char *path, char *const argv[], int verify);

/* tr has exec'd: its new model (tr->vm) is the snapshot. */
void recording_exec(struct recording *r, struct tracee *tr);
/* parent's clone/fork/vfork event (PTRACE_EVENT_*) made child. */
void recording_task(struct recording *r, int event, pid_t parent, pid_t child, int shares_vm);
void recording_exit(struct recording *r, pid_t tid, int wait_status);

/* At the call's entry stop, before memtrace touches the registers: its stack. */
void recording_entry(struct recording *r, struct tracee *tr);
/* The call is over (or will never return): one event. */
void recording_event(struct recording *r, struct tracee *tr);

/* Ends the recording. Returns 0, or -errno if anything of it was lost. */
int recording_stop(struct recording *r);

#endif
