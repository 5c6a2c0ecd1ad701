#ifndef MEMTRACE_SERVICE_H
#define MEMTRACE_SERVICE_H

#include <stdint.h>

#include "stub.h"
#include "tracee.h"

/*
 * memtrace as the authority over the address space: at a call's entry it
 * decides (placement: where a new or moved mapping goes) and rewrites the
 * call so the kernel carries that out; at the exit it commits the effect to
 * the model and checks that the kernel did exactly what the model says.
 */
/* The history of image_calls holds 2^this program files. */
#define SERVICE_IMAGE_BITS 6

struct service {
	int verify;		/* compare with /proc/PID/maps after every call */
	/* whether calls may finish through the stub page (one_stop.h) */
	enum { ONE_STOP_NEVER, ONE_STOP_WHERE_IT_PAYS, ONE_STOP_ALWAYS } one_stop;
	uint64_t seq;		/* events serviced so far: the model's created_by */
	/*
	 * The most calls a run of each program file made, counted when it
	 * ended or exec'd (hashed by vm_space.image; a slot another file
	 * takes is forgotten): where the stub page pays (one_stop.c).
	 */
	struct {
		uint64_t image;
		unsigned calls;
	} image_calls[1 << SERVICE_IMAGE_BITS];
	struct stub_spares stub_spares;	/* stub pages to use again (stub.h) */
	unsigned long problems;	/* internal errors and --verify differences */
	/*
	 * mbind set a policy in shared memory, which other processes map
	 * too: from then on every address space follows numa_maps.
	 */
	int shared_policies;
	/*
	 * Replay: where the recording placed this call (0: it did not), asked
	 * once per call at its entry. NULL when not replaying.
	 */
	uint64_t (*recorded_address)(void *ctx, const struct tracee *tr);
	void *replay_ctx;
};

/*
 * At the seccomp stop, before the call runs. Returns 1 when memtrace
 * decided the call itself: the kernel skips it, its result is in tr->call
 * already, and there is no exit to service. Returns 0 when the kernel runs it.
 */
int service_entry(struct service *svc, struct tracee *tr);

/*
 * As the task resumes from its seccomp stop: sets the registers the call's
 * plan rewrote, and ip to resume at when not 0. Returns 0 or -errno.
 */
int service_send_registers(struct tracee *tr, uint64_t ip);

/* At the exit stop, once the kernel's result is in tr->call. */
void service_exit(struct service *svc, struct tracee *tr);

/*
 * For a call whose exit is serviced later, when the task has gone on:
 * reads now what the exit would read from the task (a file mapping's
 * backing, from an fd the program may close). Returns 0 or -errno.
 */
int service_prepare_late_commit(struct service *svc, struct tracee *tr);

/*
 * At a stop of tr, whose address space may hold calls whose --verify check
 * waits (committed before the kernel ran them, or beside other calls in
 * flight): checks the model now, if no call is in flight there.
 */
void service_verify_due(struct service *svc, struct tracee *tr);

/*
 * What tr's decoded call may change or depend on while in flight beside
 * other threads' calls (vm_space.h): the range of a munmap, mprotect or
 * madvise plus the mappings it may cut or merge with; everything for any
 * other call, and near max_map_count.
 */
void service_reach(const struct service *svc, const struct tracee *tr, struct call_reach *reach);

/*
 * What the model says of tr's mprotect or madvise, as its exit would
 * commit it, changing nothing: 0 or -errno.
 */
int service_change_verdict(const struct tracee *tr);

/* Drops what the call's plan holds, for a call whose exit is never serviced. */
void service_discard(struct tracee *tr);

#endif
