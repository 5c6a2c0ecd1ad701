#ifndef MEMTRACE_VM_SPACE_H
#define MEMTRACE_VM_SPACE_H

#include <stdint.h>
#include <sys/types.h>

#include "arch.h"
#include "mm/address_space.h"

struct stub;

/* Calls of one address space in flight at once, at most. */
#define VM_IN_FLIGHT_MAX 16

/*
 * One address space and memtrace's model of it. Threads and CLONE_VM
 * children share one (refcounted); fork copies it; exec replaces it.
 */
struct vm_space {
	unsigned refs;
	enum arch arch;			/* of the program image exec loaded */
	struct address_space as;
	int diverged;			/* --verify found a difference: said once */
	/*
	 * The kernel runs threads' calls in an order memtrace cannot see, so
	 * calls are in flight together only where no order between them can
	 * show: each one's reach (tracee.h) apart from the others', none
	 * exclusive. The others wait at their seccomp stop, in order, until
	 * they may go.
	 */
	struct tracee *in_flight[VM_IN_FLIGHT_MAX];
	unsigned in_flight_count;
	struct tracee *waiting_head, *waiting_tail;
	/* memtrace's page in the child (stub.h), once made; NULL before and without */
	struct stub *stub;
	int stub_refused;		/* making it failed: calls take two stops here */
	unsigned calls;			/* calls seen, to make the stub only where it pays */
	unsigned stub_after;		/* the call the stub is made at (one_stop.c); 0: not chosen yet */
	int interpreted;		/* exec mapped an interpreter (ld.so): many calls follow */
	uint64_t image;			/* exec's program file, device and inode mixed; 0: a fork's copy */
	int file_policies;		/* mbind set a policy in a tmpfs file (service.c) */
	/*
	 * The descriptor, file, mount and path of the last file mmap of a file
	 * with one name (service.c): ld.so maps each library four or five times
	 * through one descriptor, and the path costs a readlink of
	 * /proc/PID/fd each time.
	 */
	struct {
		int fd;
		uint32_t dev_major, dev_minor;
		uint64_t ino, mnt_id;
		struct mapping_path *path;	/* a reference, or NULL */
	} last_file;
	char verify_due[64];		/* --verify: the last call whose check waits (service_verify_due) */
};

/* A model of pid's address space as its exec left it. Returns NULL and sets *err. */
struct vm_space *vm_space_from_exec(pid_t pid, enum arch arch, uint64_t seq, int *err);
/* A copy for a forked child (MADV_DONTFORK ranges left out). NULL when out of memory. */
struct vm_space *vm_space_fork(const struct vm_space *parent);
struct vm_space *vm_space_get(struct vm_space *vm);
void vm_space_put(struct vm_space *vm);

/* Queues tr's call (its reach set) for a turn; vm_space_next says when it may go. */
void vm_space_queue(struct vm_space *vm, struct tracee *tr);
/*
 * The first queued call that may go now: in flight from here, to be
 * started. NULL when none may. A call goes when its reach meets that of no
 * call in flight and of no call queued before it.
 */
struct tracee *vm_space_next(struct vm_space *vm);
/* How many calls other than tr's are in flight. */
unsigned vm_space_others_in_flight(const struct vm_space *vm, const struct tracee *tr);
/* tr's call is over, or tr is gone: drops it from the calls in flight and the queue. */
void vm_space_end_turn(struct vm_space *vm, struct tracee *tr);

/*
 * Stacks grow by page faults, which memtrace does not see: takes the
 * kernel's extent of each growsdown mapping. Returns 1 if one grew, 0 if
 * none did, or -errno.
 */
int vm_space_follow_stack(struct vm_space *vm, pid_t pid);

/*
 * Rebuilds the mappings from the kernel's view, keeping the break: used
 * after calls whose effect the model does not compute itself. Returns 0 or -errno.
 */
int vm_space_resync(struct vm_space *vm, pid_t pid, uint64_t seq);

#endif
