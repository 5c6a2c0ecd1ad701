/*
 * Recording a trace to a file (--record): the writer's API.
 *
 * The file holds what the live trace prints and more: each call's
 * arguments and result, memtrace's decision, the call stack, and the
 * after-image of what the call changed in the model, so that the address
 * space at any event can be rebuilt offline.  The format is specified in
 * memtrace-format(5); readers live in reader.h.
 *
 * Every function returns 0 or -errno.  The first failure (a write error
 * such as ENOSPC or EPIPE, or running out of memory) is reported once on
 * stderr; recording stops there and every later call returns that error at
 * once, so the caller just keeps tracing.  What was written before stays
 * readable: records are written whole, each with its own CRC.  Values the
 * file cannot hold (a negative tid, an unknown arch or kind, a refusal's
 * errno outside 0..4095) are refused with -EINVAL; recording goes on.
 */
#ifndef MEMTRACE_RECORD_RECORD_H
#define MEMTRACE_RECORD_RECORD_H

#include <stdint.h>
#include <sys/types.h>

#include "arch.h"
#include "mm/address_space.h"
#include "syscall_event.h"

struct recorder;

/* What memtrace did with a call.  The values are the file's. */
enum record_decision_kind {
	RECORD_PASSED = 0,	/* passed to the kernel unchanged */
	RECORD_PLACED = 1,	/* memtrace chose the address: addr */
	RECORD_REFUSED = 2,	/* refused at entry with errno err; the kernel never saw it */
	RECORD_RESYNCED = 3,	/* the model took the kernel's view after the call */
};

struct record_decision {
	uint64_t seq;		/* the service's number for the call (mappings' created_by) */
	enum record_decision_kind kind;
	uint64_t addr;		/* RECORD_PLACED: where */
	int err;		/* RECORD_REFUSED: the positive errno */
};

/* One frame of a call stack, innermost first. */
struct record_frame {
	const char *module;	/* path of the object holding pc, or NULL if unknown */
	uint64_t module_offset;	/* pc - the object's load address (pc itself without a module) */
	const char *symbol;	/* the nearest symbol below pc, or NULL */
	uint64_t symbol_offset;	/* pc - that symbol's address */
};

/* How a task came to be.  The values are the file's. */
enum record_task_kind {
	RECORD_TASK_FORK = 0,
	RECORD_TASK_VFORK = 1,
	RECORD_TASK_CLONE = 2,	/* clone(2) other than fork and vfork: threads among them */
};

/*
 * Creates path ("-": standard output) and starts a recording of the
 * program argv[0..argc).  The header (command line, start time, uname) is
 * written with the first record, so record_set_flags may come first.
 * Returns 0 or -errno, which the caller reports (record_open says nothing).
 */
int record_open(struct recorder **out, const char *path, int argc, char *const argv[]);

/* RECORD_HEADER_* bits for the header (format.h); only before any record. */
void record_set_flags(struct recorder *r, unsigned flags);

/*
 * Whether to write the buffer out after every event (a crash then loses
 * nothing) rather than every 64 KiB (faster).  Off by default.
 */
void record_set_flush_each_event(struct recorder *r, int on);

/*
 * Replaces the clock giving each record's time (nanoseconds, from any
 * origin: times are stored from the first reading).  For tests.
 */
void record_set_clock(struct recorder *r, uint64_t (*now_ns)(void *ctx), void *ctx);

/*
 * tid has exec'd path (NULL if unknown), an arch program whose model is as:
 * a snapshot of every mapping, the layout and the break.
 */
int record_exec(struct recorder *r, pid_t tid, enum arch arch, const char *path,
		const struct address_space *as);

/* parent made child; shares_vm: one address space (threads, vfork), else a copy. */
int record_task(struct recorder *r, enum record_task_kind kind, pid_t parent, pid_t child,
		int shares_vm);

/*
 * tid is gone, with this wait(2) status (-1 when unknown: a thread whose
 * tid an exec took over).  Record every task's end, threads included.
 */
int record_exit(struct recorder *r, pid_t tid, int wait_status);

/*
 * One call, once it returned (or has_result 0 if it never will).
 * d: the decision (NULL: passed, and seq one more than the last event's).
 * frames[0..nframes): its stack, innermost first (none: NULL, 0).
 * as, [window_lo, window_hi): the model after the call, and the range the
 * call may have changed; the after-image stored is every mapping in the
 * range, the range widened to whole pages and to the mappings it cuts.
 * A call that changes two places (mremap moving a mapping) gives the range
 * covering both.  as NULL or an empty range: the call changed nothing.  A
 * range reaching past the arch's user space (e.g. 0, UINT64_MAX) means the
 * whole model: use it after a resync.
 */
int record_event(struct recorder *r, const struct syscall_event *ev,
		 const struct record_decision *d, const struct record_frame *frames, int nframes,
		 const struct address_space *as, uint64_t window_lo, uint64_t window_hi);

/* Writes what the buffer holds.  Returns 0 or the recording's error. */
int record_flush(struct recorder *r);

/*
 * Ends the recording (an end record says it is complete), flushes, closes
 * and frees r (NULL is fine).  Returns 0 or the recording's first error,
 * which was already reported.
 */
int record_close(struct recorder *r);

#endif
