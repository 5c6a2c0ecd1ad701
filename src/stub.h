#ifndef MEMTRACE_STUB_H
#define MEMTRACE_STUB_H

#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/user.h>

#include "arch.h"
#include "stub_code.h"
#include "mm/address_space.h"
#include "mm/mapping.h"
#include "tracee.h"

struct vm_space;

/*
 * memtrace's page in the child: two pages of one memfd, mapped by memtrace
 * too, so that a call can finish without an exit stop.
 *
 * At a call's seccomp stop memtrace sets the task's ip to a slot's entry;
 * the kernel runs the call and returns there, and the slot's code stores
 * the result in the shared data page, puts back the argument registers
 * memtrace may have rewritten, and jumps to where the program's call
 * returns. memtrace reads the result later (at the task's next stop, or
 * when its wait is idle) and checks it against the model then.
 *
 *   code page (r-x)  STUB_SLOTS slots: [syscall insn][entry: store, restore, jump]
 *   data page (rw-)  per slot: result, return ip, six argument registers, state
 *
 * The syscall instruction before each entry is where the kernel restarts a
 * call (ip - 2): a restarted call traps again at that slot.
 */
#define STUB_ADDRESS	0x100000ull	/* below every program image, inside i386's 4 GiB */
#define STUB_PAGE	4096u
#define STUB_SLOTS	32u
#define STUB_SLOT_SIZE	128u
#define STUB_MEMFD_NAME	"memtrace-stub"

/*
 * Made stubs whose programs are done, kept for the next programs: their
 * memfd stays mapped in memtrace and open (memtrace's descriptor), and a
 * next program opens it through /proc/<memtrace>/fd instead of making a
 * memfd of its own, so that memtrace neither maps, writes and faults in
 * new pages nor unmaps old ones (each unmap costs a TLB shootdown) for
 * every program. At most STUB_KEPT_FDS descriptors are kept, by stubs in
 * use and spare, so that many programs at once do not use up memtrace's.
 */
#define STUB_SPARES	4u
#define STUB_KEPT_FDS	32u

struct stub;

struct stub_spares {
	struct stub *st[STUB_SPARES];
	unsigned count;
	unsigned kept;		/* descriptors kept, by stubs in use and spare */
};

/* A slot's state in the data page. */
enum stub_state {
	STUB_FREE = 0,		/* never issued, or handed back */
	STUB_ISSUED = 1,	/* memtrace sent a call through it */
	STUB_RETURNED = 2,	/* the call returned: the result is stored */
	STUB_LEFT = 3,		/* the task has left the slot's code */
};

/* A call that went through a slot, as memtrace knew it at the entry stop. */
struct stub_call {
	pid_t tid;
	int read_implies_exec;	/* the task's persona then (tracee.h) */
	struct syscall_event call;
	struct call_plan plan;
	struct call_stack stack;
};

struct stub_slot {
	int busy;		/* issued and not yet handed back */
	int settled;		/* its call has been finished (traced, committed) */
	int absorbed;		/* the model took the kernel's view over it */
	int printed;		/* its trace line is out already (an idle settle) */
	uint64_t order;		/* issue order, to settle oldest first */
	struct stub_call sc;
};

struct stub {
	uint64_t address;
	enum arch arch;
	volatile uint8_t *mem;		/* memtrace's mapping of both pages */
	struct mapping pages[2];	/* what the model holds for them */
	struct stat file;		/* the memfd's */
	struct stub_slot slots[STUB_SLOTS];
	unsigned busy;			/* slots issued and not handed back */
	struct stub_slot_layout layout;	/* of every slot's code */
	unsigned made_in;		/* the stops making it took, the call's rerun aside */
	struct stub_spares *spares;	/* where it goes once its program is done */
	int keep_fd;			/* memtrace's descriptor of the memfd, or -1 */
	int reusable;			/* made whole, and no program holds a descriptor of it */
	unsigned served;		/* the programs it was made for so far */
	/*
	 * Tasks whose slot was freed while they ran on (the slot's code said
	 * it was left): one may still be on its last instruction, the jump
	 * back, until memtrace sees it stopped.
	 */
	pid_t unseen[STUB_SLOTS];
	unsigned unseen_count;
	uint64_t issued;		/* calls sent through the stub so far */
};

/*
 * Makes the stub in tid's address space (vm) by remote syscalls
 * (stub_install.c), at the seccomp stop of a call of arch: that call is
 * used for it and runs again (a new seccomp stop) once the task is
 * resumed. vm->stub is set where it was made; *err says why not. Returns
 * 1 when the call will run again, 0 when nothing was done (the task and
 * its call are as they were), -ESRCH when the task died meanwhile
 * (*status tells how), or -EINTR when another thread's exec took its tid
 * meanwhile (*status is that exec's stop, not yet handled).
 */
int stub_install(struct vm_space *vm, pid_t tid, enum arch arch, uint64_t seq,
		 struct stub_spares *spares, int *status, int *err);

/*
 * At a seccomp stop of tid in a call of arch (the stub's, or i386 through
 * int $0x80 in an x86_64 program): runs munmap of the stub's pages in
 * place of the task's call, by arch's numbers (its result in *result),
 * then puts the task back on its syscall instruction, so that its own call
 * runs again once resumed. Returns 0, -ESRCH when the task died meanwhile
 * (*status tells how), -EINTR as stub_install, or another -errno (the
 * task's call is left as it was).
 */
int stub_unmap_instead(const struct stub *st, pid_t tid, enum arch arch, int64_t *result,
		       int *status);

/* A zeroed stub (stub_install) that goes to spares once done with, or NULL. */
struct stub *stub_alloc(struct stub_spares *spares);

/*
 * A spare (its code page as its last program left it, its data page
 * zeroed, its memfd mapped and kept open), or NULL.
 */
struct stub *stub_spare_take(struct stub_spares *spares);

/*
 * Memtrace is done with st: a reusable one with a kept descriptor becomes
 * a spare where there is room; else memtrace's side is freed (its mapping,
 * its descriptor, the slots' stacks).
 */
void stub_free(struct stub *st);

/* Frees the spares, at the end. */
void stub_spares_free(struct stub_spares *spares);

/* Whether [start, start + len) touches the stub's pages. */
int stub_overlaps(const struct stub *st, uint64_t start, uint64_t len);

/*
 * Sends tr's planned call through a free slot: fills the slot's data
 * (return ip ret_ip, argument registers args) and moves tr's call, plan
 * and stack into it. Returns the entry address to set as the task's ip, or
 * 0 when every slot is busy.
 */
uint64_t stub_issue(struct stub *st, struct tracee *tr, const uint64_t args[6], uint64_t ret_ip);

/* The slot whose entry is ip (a restarted call traps there), or NULL. */
struct stub_slot *stub_slot_at(struct stub *st, uint64_t ip);

/* A slot's state as its code left it, and the result it stored. */
enum stub_state stub_slot_state(const struct stub *st, const struct stub_slot *slot);
int64_t stub_slot_result(const struct stub *st, const struct stub_slot *slot);

/*
 * The slot's call is finished: the slot is handed back once the task has
 * left its code, or at once when the task is gone. task_seen: the task is
 * stopped outside the code; else it goes on the unseen list.
 */
void stub_slot_release(struct stub *st, struct stub_slot *slot, int task_gone, int task_seen);

/* tid is stopped outside any slot's code, or gone (unseen). */
void stub_task_seen(struct stub *st, pid_t tid);

/*
 * tid, whose slot was freed while it ran on (unseen), is stopped with regs:
 * if on the last instruction of a slot's code, moves it past it as that
 * instruction would (the slot may serve another call already; its data is
 * not read). Returns 1 if moved, 0 if not there, or -errno.
 */
int stub_leave_jump(const struct stub *st, pid_t tid, struct user_regs_struct *regs);

/* The busy slot of tid's call, or NULL. */
struct stub_slot *stub_slot_of_task(struct stub *st, pid_t tid);

/*
 * The slot's task is stopped outside any syscall (an interrupt, or a
 * signal about to be delivered) with regs, maybe inside the slot's code:
 * does what the code has yet to do (store the result, put back the
 * arguments, return) in regs, and marks the slot left. Returns 1 when it
 * did (the caller sets regs), 0 when the task is not inside the code, -1
 * when its call is about to run again (the kernel restarts it).
 */
int stub_leave_slot(struct stub *st, struct stub_slot *slot, struct user_regs_struct *regs);

/* Whether the model still holds the stub's pages as memtrace made them. */
int stub_intact(const struct stub *st, const struct address_space *as);

/* Puts the stub's pages, just made, into the model. */
void stub_insert_in_model(struct stub *st, struct address_space *as);

/*
 * Gives the stub's pages their kind again in a model rebuilt from the
 * kernel's view, where that view still has them as memtrace made them:
 * 1 if so, else 0 (the model keeps what the kernel showed).
 */
int stub_restore_in_model(struct stub *st, struct address_space *as);

#endif
