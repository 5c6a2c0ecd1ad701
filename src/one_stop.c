/*
 * One stop per call: sending calls through the stub page, and finishing
 * them afterwards.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/user.h>

#include "diag.h"
#include "inject.h"
#include "one_stop.h"
#include "stub.h"
#include "vm_space.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MREMAP_FIXED
#define MREMAP_FIXED 2
#endif

/*
 * Making the stub costs about eight stops, and each call before it one
 * more: where the image has no interpreter (a static program, or a fork's
 * child, which may exec at once), memtrace makes it once the calls have
 * cost what making it would, so that a short-lived process never pays
 * more than twice the least it could have (the ski-rental rule). A program
 * with an interpreter makes a dozen calls or more loading its libraries
 * (/bin/true 13, python3 -c 'import json' 50): the stub is made at its
 * first. What that costs and saves depends on the machine's load: on the
 * benchmark VM it cost 0.3 ms and saved 35 us a call one day, 0.6-1.0 ms
 * and 22 us another (break-even at 20 calls, or 60); docs/PERFORMANCE.md.
 */
#define CALLS_BEFORE_STUB 8

/*
 * Where the image's earlier processes made fewer calls than this (a shell
 * script's /bin/true made 13, gcc's driver 23), a program with an
 * interpreter makes the stub only once it has made this many calls itself:
 * what making it cost here (0.6-0.9 ms) over what it saves a call (25 us).
 */
#define STUB_PAYS_AFTER 32

/*
 * How far an mmap may reach: huge pages round the length up to one, and a
 * MAP_FIXED one unmaps all of that before the reservation that may still
 * fail. MAP_HUGETLB says so (the size: MAP_HUGE_*, else the system's
 * default, 2 MiB or 1 GiB); a file on hugetlbfs does not, so a file
 * mapping is taken to reach a whole 1 GiB page where it starts at 0, the
 * one address below the stub aligned to any huge page.
 */
static uint64_t mmap_reach(const uint64_t a[6])
{
	unsigned shift = (unsigned)(a[3] >> 26) & 0x3f;
	uint64_t huge = 1ull << (shift ? shift : 30);

	if (!a[0] && !(a[3] & MAP_ANONYMOUS) && a[1] < huge)
		return huge;
	if (!(a[3] & MAP_HUGETLB) || !a[1])
		return a[1];
	return (a[1] + huge - 1) & ~(huge - 1);
}

/* Whether the call could reach the stub's pages (then it takes two stops, and may remove them). */
static int may_touch_stub(const struct stub *st, const struct syscall_event *ev)
{
	uint64_t a[6];

	syscall_event_args(ev, a);
	switch (ev->row->family) {
	case FAMILY_BRK:
		return 0;	/* the heap lies above the program, far above the stub */
	case FAMILY_MMAP:
	case FAMILY_OLD_MMAP:
		return (a[3] & (MAP_FIXED | MAP_FIXED_NOREPLACE)) &&
		       stub_overlaps(st, a[0], mmap_reach(a));
	case FAMILY_MREMAP:
		return stub_overlaps(st, a[0], a[1]) ||
		       ((a[3] & MREMAP_FIXED) && stub_overlaps(st, a[4], a[2]));
	case FAMILY_MUNMAP:
	case FAMILY_MPROTECT:
	case FAMILY_MADVISE:
	case FAMILY_MSYNC:
		return stub_overlaps(st, a[0], a[1] + 4096);
	case FAMILY_MLOCK:
		/* mlockall and munlockall act on every mapping */
		return ev->row->args[0] != ARG_ADDR || stub_overlaps(st, a[0], a[1] + 4096);
	default:
		/* shm, mbind (its nodemask is read at commit), remap_file_pages */
		return 1;
	}
}

uint64_t one_stop_issue(struct service *svc, struct tracee *tr)
{
	struct vm_space *vm = tr->vm;

	/*
	 * Where other tasks share the address space, only a call whose reach
	 * keeps it apart from theirs: it stays in flight until its result is
	 * read, and the others' calls that meet it wait for that.
	 */
	if (!svc->one_stop || !vm || !vm->stub || vm->stub_refused ||
	    (vm->refs != 1 && tr->reach.exclusive) ||
	    tr->call.arch != vm->arch || tr->plan.decided || may_touch_stub(vm->stub, &tr->call))
		return 0;
	/* what the commit would read from the task later, it reads now */
	if (service_prepare_late_commit(svc, tr) < 0)
		return 0;
	return stub_issue(vm->stub, tr, tr->call.regs, tr->call.ip);
}

/*
 * Plain memory: anonymous (not hugetlb, which refuses unaligned cuts, nor a
 * special mapping, which Linux 6.15 may seal) or the heap.
 */
static int plain(const struct mapping *m)
{
	return (m->kind == MAPPING_KIND_ANON && !m->backing.path) || m->kind == MAPPING_KIND_HEAP;
}

/* Plain memory private to this address space, and no stack that grows. */
static int private_plain(const struct mapping *m)
{
	return plain(m) && !(m->flags & (MAPPING_SHARED | MAPPING_GROWSDOWN));
}

/* Whether every mapping in [start, start + len) is what ok says. */
static int all_mappings(const struct address_space *as, uint64_t start, uint64_t len,
			int (*ok)(const struct mapping *))
{
	uint64_t end = start + mm_page_align(len);

	for (const struct mapping *m = as_find(as, start); m && m->start < end; m = as_next(as, m))
		if (!ok(m))
			return 0;
	return 1;
}

/*
 * mprotect: the model decides where no mapping in the range gains
 * PROT_EXEC (PR_SET_MDWE, which memtrace does not see set, and an LSM's
 * execmem rule may refuse that) or PROT_WRITE (private memory made
 * writable becomes data: RLIMIT_DATA, which the program may change
 * unseen, and the commit limit may refuse it), and, on a program's or a
 * library's file pages, where protection is only dropped (RELRO): then no
 * file's or filesystem's rule applies either.
 */
static int protect_is_models(struct tracee *tr)
{
	const struct address_space *as = &tr->vm->as;
	const uint64_t *a = tr->call.args;
	uint64_t prot = a[2], end = a[0] + mm_page_align(a[1]);

	if (strcmp(tr->call.row->name, "mprotect") || (prot & ~7ull) || tr->read_implies_exec)
		return 0;
	for (const struct mapping *m = as_find(as, a[0]); m && m->start < end; m = as_next(as, m)) {
		int image = m->kind == MAPPING_KIND_EXE || m->kind == MAPPING_KIND_LIB;

		if ((m->flags & (MAPPING_SHARED | MAPPING_GROWSDOWN)) ||
		    (prot & (PROT_WRITE | PROT_EXEC) & ~(uint64_t)m->prot) ||
		    (!plain(m) && !(image && !(prot & ~(uint64_t)m->prot))))
			return 0;
	}
	/* the model's walk last: the mappings' test above turns most calls away */
	return service_change_verdict(tr) == 0;
}

/* madvise: advice whose only failures the model knows, on private plain memory. */
static int advice_is_models(struct tracee *tr)
{
	static const int advice[] = {
		MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_DONTNEED, MADV_FREE,
		MADV_DONTFORK, MADV_DOFORK, MADV_DONTDUMP, MADV_DODUMP, MADV_WIPEONFORK,
		MADV_KEEPONFORK,
	};
	const uint64_t *a = tr->call.args;
	size_t i;

	for (i = 0; i < sizeof(advice) / sizeof(advice[0]) && advice[i] != (int)a[2]; i++)
		;
	return i < sizeof(advice) / sizeof(advice[0]) && !(a[2] >> 32) &&
	       all_mappings(&tr->vm->as, a[0], a[1], private_plain) &&
	       service_change_verdict(tr) == 0;
}

/*
 * brk: a request below the heap's start only asks, and the answer is the
 * break. Any other is held to RLIMIT_DATA first, even one that shrinks the
 * heap, and the program may change that limit unseen: the kernel's to judge.
 */
static int brk_is_models(struct tracee *tr, int64_t *result)
{
	const struct address_space *as = &tr->vm->as;
	uint64_t requested = tr->call.args[0];

	*result = (int64_t)(as->brk_current & arch_infos[tr->call.arch].word_mask);
	return requested < as->layout.brk_start || mm_page_align(requested) < requested;
}

int one_stop_commit_at_entry(struct service *svc, struct tracee *tr)
{
	struct vm_space *vm = tr->vm;
	struct syscall_event *ev = &tr->call;
	int64_t result = 0;
	int models;

	/* numa_maps, read after a call that splits tmpfs memory, must see it done */
	if (!svc->one_stop || !vm || vm->refs != 1 || vm->file_policies || svc->shared_policies ||
	    ev->arch != vm->arch || tr->plan.decided || (vm->stub && may_touch_stub(vm->stub, ev)))
		return 0;
	switch (ev->row->family) {
	case FAMILY_MUNMAP:
		models = as_unmap_verdict(&vm->as, ev->args[0], ev->args[1]) == 0 &&
			 all_mappings(&vm->as, ev->args[0], ev->args[1], plain);
		break;
	case FAMILY_MPROTECT:
		models = protect_is_models(tr);
		break;
	case FAMILY_MADVISE:
		models = advice_is_models(tr);
		break;
	case FAMILY_BRK:
		models = brk_is_models(tr, &result);
		break;
	default:
		models = 0;
	}
	if (!models)
		return 0;
	ev->has_result = 1;
	ev->result = result;
	tr->plan.before_the_kernel = 1;
	service_exit(svc, tr);
	return 1;
}

int one_stop_is_restart(struct tracee *tr, uint64_t ip)
{
	struct stub_slot *slot;

	if (!tr->vm || !tr->vm->stub)
		return 0;
	slot = stub_slot_at(tr->vm->stub, ip);
	if (!slot || !slot->busy || slot->settled || slot->sc.tid != tr->tid)
		return 0;
	/*
	 * A view the model took while the call waited to restart (a handler
	 * ran in between) does not hold its effect yet: it is committed when
	 * it returns.
	 */
	slot->absorbed = 0;
	return 1;
}

/* The busy slots, oldest first. Returns how many. */
static unsigned busy_in_order(struct stub *st, struct stub_slot *out[STUB_SLOTS])
{
	unsigned n = 0;

	for (unsigned i = 0; i < STUB_SLOTS; i++) {
		struct stub_slot *s = &st->slots[i];
		unsigned j = n++;

		if (!s->busy) {
			n--;
			continue;
		}
		for (; j > 0 && out[j - 1]->order > s->order; j--)
			out[j] = out[j - 1];
		out[j] = s;
	}
	return n;
}

static void finish_slot(struct stub *st, struct vm_space *vm, struct stub_slot *slot,
			int has_result, unsigned what, one_stop_finish_fn finish, void *ctx)
{
	struct tracee t;

	if (slot->absorbed)
		what &= ~FINISH_COMMIT;
	if (slot->printed)
		what &= ~FINISH_PRINT;
	memset(&t, 0, sizeof(t));
	t.tid = slot->sc.tid;
	t.read_implies_exec = slot->sc.read_implies_exec;
	t.vm = vm;
	t.linked = 1;
	t.call = slot->sc.call;
	t.plan = slot->sc.plan;
	t.plan.rewritten = 0;	/* the stub put the registers back */
	t.stack = slot->sc.stack;
	t.call.has_result = has_result;
	if (has_result)
		t.call.result = stub_slot_result(st, slot);
	finish(ctx, &t, what);
	slot->sc.stack = t.stack;
	slot->sc.plan = t.plan;		/* what finish freed is gone from it */
	if (what & FINISH_PRINT)
		slot->printed = 1;
}

void one_stop_settle(struct service *svc, struct vm_space *vm, enum settle_when when, pid_t tid,
		     one_stop_finish_fn finish, void *ctx)
{
	struct stub *st = vm ? vm->stub : NULL;
	struct stub_slot *order[STUB_SLOTS];
	int shared = vm && vm->refs > 1;
	unsigned n;

	if (!st || !st->busy)
		return;
	n = busy_in_order(st, order);
	for (unsigned i = 0; i < n; i++) {
		struct stub_slot *slot = order[i];
		enum stub_state state = stub_slot_state(st, slot);
		int returned = state == STUB_RETURNED || state == STUB_LEFT;
		int own = slot->sc.tid == tid;

		if (slot->settled) {
			/* finished already; waiting for the task to leave its code */
		} else if (when == SETTLE_IDLE && !shared) {
			if (returned && !slot->printed)
				finish_slot(st, vm, slot, 1, FINISH_PRINT, finish, ctx);
			continue;
		} else if (when == SETTLE_GONE && shared && !own) {
			continue;	/* another task's: the address space lives on */
		} else if (returned) {
			/* beside other tasks, a returned call is the model's at once: others wait on it */
			finish_slot(st, vm, slot, 1,
				    FINISH_PRINT | FINISH_RECORD |
					    (when == SETTLE_GONE && !shared ? 0 : FINISH_COMMIT),
				    finish, ctx);
		} else if (when == SETTLE_GONE) {
			/* it never came back: killed inside the call, or exec replaced its code */
			finish_slot(st, vm, slot, 0, FINISH_PRINT | FINISH_RECORD, finish, ctx);
		} else if (!own) {
			continue;	/* another task's: in the kernel, or not yet back in the slot */
		} else {
			/*
			 * The task stopped elsewhere, so the call returned, but a
			 * signal handler ran before the slot's code stored the
			 * result: the model takes the kernel's view; the call is
			 * traced when its result arrives.
			 */
			if (!slot->absorbed) {
				slot->absorbed = 1;
				svc->seq++;
				vm_space_resync(vm, slot->sc.tid, svc->seq);
				debug_msg("[pid %d] a signal handler ran before the stub stored a "
					  "result: memtrace takes the kernel's view", (int)slot->sc.tid);
			}
			continue;
		}
		/* with the task gone, nothing runs the slot's code any more */
		stub_slot_release(st, slot, when == SETTLE_GONE && (own || !shared),
				  own && when == SETTLE_AT_STOP);
	}
}

int one_stop_leave_slot(struct vm_space *vm, pid_t tid)
{
	struct stub *st = vm ? vm->stub : NULL;
	struct stub_slot *slot = st && st->busy ? stub_slot_of_task(st, tid) : NULL;
	struct user_regs_struct regs;
	int left;

	/* one whose slot was freed may be stopped on its jump back still */
	if (!slot && (!st || !st->unseen_count))
		return 0;
	if (ptrace(PTRACE_GETREGS, tid, 0L, &regs) < 0)
		return 0;
	left = slot ? stub_leave_slot(st, slot, &regs) : stub_leave_jump(st, tid, &regs);
	if (left <= 0)
		return left;
	return ptrace(PTRACE_SETREGS, tid, 0L, &regs) == 0;
}

/* What a vDSO with its [vvar] pages takes (8 pages in 6.18), with room. */
#define VDSO_REACH (32 * 4096u)

/*
 * Whether the call asks for the stub's addresses where Linux would give
 * them: MAP_FIXED_NOREPLACE, or a hint (a plain MAP_FIXED replaces the
 * stub as in Linux and needs nothing); or seals them, where Linux would
 * find a hole (and the stub could never go again).
 */
static int wants_stub_range(const struct vm_space *vm, const struct syscall_event *ev)
{
	uint64_t a[6];

	/* an i386 call of an x86_64 program (int $0x80) too: the stub lies below 4 GiB */
	if (ev->ind_fault)
		return 0;
	syscall_event_args(ev, a);
	if (ev->row->family == FAMILY_MSEAL)
		return a[1] && stub_overlaps(vm->stub, a[0], a[1]);
	/* arch_prctl(ARCH_MAP_VDSO_*): the vDSO and its [vvar] pages, near the hint */
	if (ev->row->family == FAMILY_KERNEL_PLACED && ev->row->args[0] == ARG_ARCH_PRCTL)
		return a[1] && stub_overlaps(vm->stub, a[1], VDSO_REACH);
	if (ev->row->family != FAMILY_MMAP && ev->row->family != FAMILY_OLD_MMAP)
		return 0;
	a[1] = mmap_reach(a);
	/* MAP_FIXED_NOREPLACE takes even address 0 as it is */
	if (a[3] & MAP_FIXED_NOREPLACE)
		return a[1] && stub_overlaps(vm->stub, a[0], a[1]);
	return !(a[3] & MAP_FIXED) && a[0] && a[1] && stub_overlaps(vm->stub, a[0], a[1]);
}

int one_stop_needs_idle_stub(const struct tracee *tr)
{
	const struct vm_space *vm = tr->vm;

	return vm && vm->stub && !vm->stub_refused &&
	       (may_touch_stub(vm->stub, &tr->call) || wants_stub_range(vm, &tr->call));
}

int one_stop_make_way(struct tracee *tr, int *status)
{
	struct vm_space *vm = tr->vm;
	int64_t result = -1;
	int err;

	if (!vm || !vm->stub || vm->stub_refused || !wants_stub_range(vm, &tr->call))
		return 0;
	err = stub_unmap_instead(vm->stub, tr->tid, tr->call.arch, &result, status);
	if (inject_task_lost(err))
		return err;
	if (err < 0)
		return 0;
	vm->stub_refused = 1;
	if (result == 0)
		as_unmap(&vm->as, vm->stub->address, 2 * STUB_PAGE);
	debug_msg("[pid %d] the program asks for the stub page's addresses: memtrace gives "
		  "them up (%lld)", (int)tr->tid, (long long)result);
	return 1;
}

void one_stop_check_stub(struct tracee *tr)
{
	struct vm_space *vm = tr->vm;

	/* the program mapped, unmapped or changed something over the pages */
	if (vm && vm->stub && !vm->stub_refused && !stub_intact(vm->stub, &vm->as)) {
		vm->stub_refused = 1;
		debug_msg("[pid %d] the program changed memtrace's stub page: every call takes "
			  "two stops from here", (int)tr->tid);
	}
}

/* The history slot of an image (vm_space.image): the hash's top bits. */
static unsigned image_slot(uint64_t image)
{
	return (unsigned)(image >> (64 - SERVICE_IMAGE_BITS));
}

/*
 * Counts a call of vm's, and says at which of its calls the stub pays:
 * chosen at its first call, from what earlier runs of its image did.
 */
static unsigned count_call(struct service *svc, struct vm_space *vm)
{
	if (!vm->stub_after) {
		unsigned slot = image_slot(vm->image);

		if (!vm->interpreted)
			vm->stub_after = CALLS_BEFORE_STUB;
		else if (vm->image && svc->image_calls[slot].image == vm->image &&
			 svc->image_calls[slot].calls < STUB_PAYS_AFTER)
			vm->stub_after = STUB_PAYS_AFTER;
		else
			vm->stub_after = 1;
	}
	vm->calls++;
	return vm->stub_after;
}

void one_stop_image_done(struct service *svc, const struct vm_space *vm)
{
	unsigned slot;

	/* a thread's end, or a vfork child's exec, is not the run's */
	if (!vm || !vm->image || vm->refs != 1)
		return;
	slot = image_slot(vm->image);
	if (svc->image_calls[slot].image != vm->image) {
		svc->image_calls[slot].image = vm->image;
		svc->image_calls[slot].calls = 0;
	}
	if (svc->image_calls[slot].calls < vm->calls)
		svc->image_calls[slot].calls = vm->calls;
}

int one_stop_make_stub(struct service *svc, struct tracee *tr, enum arch arch, int *status)
{
	struct vm_space *vm = tr->vm;
	unsigned stub_after;
	int used, err;

	if (!svc->one_stop || !vm || arch != vm->arch)
		return 0;
	stub_after = count_call(svc, vm);
	if (svc->one_stop == ONE_STOP_WHERE_IT_PAYS && vm->calls < stub_after)
		return 0;
	if (vm->stub || vm->stub_refused)
		return 0;
	/* beside other tasks, only while no other call is in flight or waiting */
	if (vm->refs != 1 && (vm->in_flight_count || vm->waiting_head))
		return 0;
	vm->as.read_implies_exec = tr->read_implies_exec;
	used = stub_install(vm, tr->tid, vm->arch, svc->seq, &svc->stub_spares, status, &err);
	if (used < 0)
		return used;
	if (err < 0) {
		vm->stub_refused = 1;
		debug_msg("[pid %d] no stub page (%s): every call takes two stops", (int)tr->tid,
			  err == -ENOTSUP ? "the program has seccomp filters of its own, which "
					    "memtrace's remote calls could meet"
					  : strerror(-err));
	} else {
		debug_msg("[pid %d] stub page at %#llx, made in %u stops and the call's rerun%s",
			  (int)tr->tid, (unsigned long long)STUB_ADDRESS, vm->stub->made_in,
			  vm->stub->served > 1 ? ", from a spare" : "");
	}
	return used;
}
