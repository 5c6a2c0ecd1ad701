/*
 * The wait loop: every stop of every traced task comes through here.
 *
 *   seccomp stop    a trapped call is entering: decode it, resume to its exit
 *   syscall-exit    the call returned: record and print it
 *   fork/clone      a new task: it is traced already (auto-attach)
 *   exec            the task runs a new program (perhaps of the other arch)
 *   exit            the task is about to exit: its stub calls are finished
 *   group-stop      PTRACE_LISTEN: stay stopped without eating SIGCONT
 *   signal          deliver it unchanged
 *
 * Calls that are not trapped never stop the task.
 */
#include <errno.h>
#include <linux/kcmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "diag.h"
#include "one_stop.h"
#include "stop_wait.h"
#include "supervisor.h"
#include "proc_maps.h"
#include "stub.h"
#include "vm_space.h"

/*
 * The program's pid, for the signal handler: the one piece of state a
 * handler can reach. Written before handlers are installed.
 */
static volatile pid_t forward_target;

static void forward_signal(int sig, siginfo_t *si, void *uctx)
{
	(void)uctx;
	/*
	 * A signal from the terminal (Ctrl-C) reaches the program's process
	 * group, which is ours, by itself; forward only those sent to us.
	 */
	if (si->si_code == SI_KERNEL)
		return;
	if (forward_target > 0)
		kill(forward_target, sig);
}

static void install_forwarding(pid_t pid)
{
	static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
	struct sigaction sa;

	forward_target = pid;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = forward_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaction(forwarded[i], &sa, NULL);
	/* A closed output pipe is reported as EPIPE, not a silent death. */
	signal(SIGPIPE, SIG_IGN);
}

static void resume(pid_t tid, int request, int sig)
{
	/* ESRCH: the task died meanwhile (SIGKILL); its exit comes next. */
	if (ptrace(request, tid, 0L, (long)sig) < 0 && errno != ESRCH)
		errno_msg(errno, "[pid %d] cannot resume", (int)tid);
}

static void output_broke(struct supervisor *sv, int err)
{
	/* Keep tracing: the program must run on unharmed. */
	errno_msg(-err, "cannot write the trace; the program continues untraced in output");
	sv->output_failed = 1;
}

static void emit(struct supervisor *sv, const struct syscall_event *ev)
{
	int err;

	if (sv->output_failed)
		return;
	err = print_event(&sv->printer, ev);
	if (err < 0)
		output_broke(sv, err);
}

static int get_syscall_info(pid_t tid, struct __ptrace_syscall_info *info)
{
	memset(info, 0, sizeof(*info));
	if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, (void *)sizeof(*info), info) < 0)
		return -errno;
	return 0;
}

/*
 * A call the filter sent to its bad-arch verdict (x32, or an unknown ABI):
 * it never runs; the program sees ENOSYS, as on kernels without x32.
 */
static void refuse_foreign_call(pid_t tid, const struct __ptrace_syscall_info *info)
{
	struct user_regs_struct regs;

	error_msg("[pid %d] refused syscall %#llx of an ABI memtrace does not trace "
		  "(arch %#x%s): it fails with ENOSYS",
		  (int)tid, (unsigned long long)info->seccomp.nr, info->arch,
		  info->seccomp.nr & 0x40000000 ? ", x32" : "");
	if (ptrace(PTRACE_GETREGS, tid, 0L, &regs) == 0) {
		regs.orig_rax = -1;	/* skip the call */
		regs.rax = -ENOSYS;
		ptrace(PTRACE_SETREGS, tid, 0L, &regs);
	}
	resume(tid, PTRACE_CONT, 0);
}

static void on_task_ended(struct supervisor *sv, pid_t tid, int status);

/* A stub call of tr's beside other tasks is over: the calls waiting on it may go (start_ready). */
static void end_stub_turn(struct tracee *tr)
{
	if (!tr->stub_turn)
		return;
	tr->stub_turn = 0;
	if (tr->vm)
		vm_space_end_turn(tr->vm, tr);
}

/* A call went through the stub: what of it is due now (one_stop.h). */
static void finish_stub_call(void *ctx, struct tracee *t, unsigned what)
{
	struct supervisor *sv = ctx;
	struct tracee *owner;

	if (what & FINISH_COMMIT)
		service_exit(&sv->service, t);
	else if (what & FINISH_RECORD)
		service_discard(t);
	if (what & FINISH_PRINT)
		emit(sv, &t->call);
	if (what & FINISH_RECORD)
		recording_event(&sv->recording, t);
	/* the turn its task holds may be a later call's by now */
	owner = (what & FINISH_RECORD) ? tracee_find(&sv->tracees, t->tid) : NULL;
	if (owner && owner->vm == t->vm && owner->plan.seq == t->plan.seq)
		end_stub_turn(owner);
}

/* Finishes what tr's address space has pending, as when allows. */
static void settle(struct supervisor *sv, struct tracee *tr, enum settle_when when)
{
	if (when == SETTLE_GONE && tr->vm && tr->vm->refs == 1)
		tr->vm->verify_due[0] = 0;	/* the address space it was to be checked in is gone */
	one_stop_settle(&sv->service, tr->vm, when, when == SETTLE_IDLE ? 0 : tr->tid,
			finish_stub_call, sv);
	/*
	 * A check that waited runs once the calls the kernel has run since are
	 * in the model too: the task's own, through the stub, have.
	 */
	if (when == SETTLE_AT_STOP)
		service_verify_due(&sv->service, tr);
	/* stopped or gone, the task is out of its stub call, whatever became of it */
	if (when != SETTLE_IDLE) {
		end_stub_turn(tr);
		if (tr->vm && tr->vm->stub)
			stub_task_seen(tr->vm->stub, tr->tid);
	}
}

/*
 * A periodic SIGALRM (no SA_RESTART) wakes the wait so that calls read back
 * from the stub and gathered trace lines come out within 20 ms even when
 * the program makes no further call. Everything else memtrace waits on
 * retries on EINTR (trace and recording writes, injection waits).
 */
static volatile sig_atomic_t idle_tick;

static void on_tick(int sig)
{
	(void)sig;
	idle_tick = 1;
}

static void start_ticking(struct supervisor *sv)
{
	struct itimerval every = { { 0, 20000 }, { 0, 20000 } };
	struct sigaction sa;

	if (sv->ticking)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_tick;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &every, NULL);
	sv->ticking = 1;
}

static void start_ready(struct supervisor *sv, struct vm_space *vm);

static void on_idle(struct supervisor *sv)
{
	int err;

	for (size_t i = 0; i < sv->tracees.cap; i++) {
		struct tracee *tr = sv->tracees.slots[i];

		if (tr && tr->vm)
			settle(sv, tr, SETTLE_IDLE);
	}
	/*
	 * Calls may wait on stub calls that idle settling finished. start_ready
	 * may forget tasks of the address space it starts calls in (and free
	 * it), so the address spaces are gathered first; a reference taken on
	 * one would make a lone task look like one of several (refs).
	 */
	struct vm_space *waiting[16];
	unsigned n = 0;

	for (size_t i = 0; i < sv->tracees.cap && n < 16; i++) {
		struct tracee *tr = sv->tracees.slots[i];
		unsigned j = 0;

		while (tr && tr->vm && j < n && waiting[j] != tr->vm)
			j++;
		if (tr && tr->vm && tr->vm->waiting_head && j == n)
			waiting[n++] = tr->vm;
	}
	for (unsigned i = 0; i < n; i++)
		start_ready(sv, waiting[i]);
	err = sv->printer.gather && !sv->output_failed ? printer_flush(&sv->printer) : 0;
	if (err < 0)
		output_broke(sv, err);
}

static void on_stop(struct supervisor *sv, pid_t tid, int status);
static void on_task_ended(struct supervisor *sv, pid_t tid, int status);

/*
 * A remote call into tid ended without it (stub.h): it died (-ESRCH), or
 * another thread's execve took its tid (-EINTR), and status is that exec's
 * stop, handled here as the wait loop would have.
 */
static void injection_lost(struct supervisor *sv, pid_t tid, int err, int status)
{
	if (err == -EINTR)
		on_stop(sv, tid, status);
	else
		on_task_ended(sv, tid, status);
}

/*
 * The decoded call of tr has its turn: plan it and let it run to its exit
 * stop, or through the stub. A call memtrace decides at entry is over at
 * once (one stop, not two), and its turn ends. Returns -ESRCH when tr died
 * meanwhile (it is forgotten, and its address space may be too) or another
 * thread's exec took its tid (its address space is gone), else 0.
 */
static int start_call(struct supervisor *sv, struct tracee *tr)
{
	int status = 0, made_way = one_stop_make_way(tr, &status);

	if (made_way < 0) {
		/* it died, or exec took its address space, while the stub made way */
		injection_lost(sv, tr->tid, made_way, status);
		return -ESRCH;
	}
	if (made_way) {
		/* its call comes back as a new seccomp stop */
		tr->in_syscall = 0;
		resume(tr->tid, PTRACE_CONT, 0);
		if (tr->vm)
			vm_space_end_turn(tr->vm, tr);
		return 0;
	}
	int decided = service_entry(&sv->service, tr) ||
		      one_stop_commit_at_entry(&sv->service, tr);

	sv->calls_at_entry += decided;
	uint64_t slot = decided ? 0 : one_stop_issue(&sv->service, tr);

	/* ESRCH: killed meanwhile; its exit finishes the call */
	if (!decided && service_send_registers(tr, slot) < 0 && errno != ESRCH)
		errno_msg(errno, "[pid %d] cannot set the call's registers", (int)tr->tid);
	if (!decided && !slot) {
		resume(tr->tid, PTRACE_SYSCALL, 0);
		return 0;
	}
	tr->in_syscall = 0;
	if (decided) {
		emit(sv, &tr->call);
		recording_event(&sv->recording, tr);
	} else {
		start_ticking(sv);
	}
	resume(tr->tid, PTRACE_CONT, 0);
	/* beside other tasks, a stub call keeps its turn until its result is read */
	if (!decided && tr->vm && tr->vm->refs > 1)
		tr->stub_turn = 1;
	else if (tr->vm)
		vm_space_end_turn(tr->vm, tr);
	return 0;
}

/*
 * Stops a task that runs on (PTRACE_INTERRUPT), once: at that stop its
 * stub call is finished and its slot left (on_event_stop), rather than at
 * its next call.
 */
static void interrupt_task(struct supervisor *sv, pid_t tid)
{
	struct tracee *tr = tracee_find(&sv->tracees, tid);

	if (!tr || tr->interrupted || tr->waiting || tr->in_syscall)
		return;
	if (ptrace(PTRACE_INTERRUPT, tr->tid, 0L, 0L) == 0)
		tr->interrupted = 1;
}

/*
 * Calls wait on stub calls in flight: their tasks are stopped. Only a task
 * still in its call or in the slot's code is stopped: one that
 * has left it may be in a blocking call, which a ptrace stop can end with
 * EINTR (signal(7)). Tasks that may be on a freed slot's last instruction
 * are stopped for a call that changes the stub.
 */
static void interrupt_stub_calls(struct supervisor *sv, struct vm_space *vm)
{
	const struct stub *st = vm->stub;
	int for_idle = 0;

	for (const struct tracee *q = vm->waiting_head; q; q = q->next_waiting)
		for_idle |= q->reach.needs_idle_stub;
	for (unsigned i = 0; st && st->busy && i < STUB_SLOTS; i++)
		if (st->slots[i].busy && stub_slot_state(st, &st->slots[i]) != STUB_LEFT)
			interrupt_task(sv, st->slots[i].sc.tid);
	for (unsigned i = 0; st && for_idle && i < st->unseen_count; i++)
		interrupt_task(sv, st->unseen[i]);
}

/* Starts every queued call of vm that may go now. */
static void start_ready(struct supervisor *sv, struct vm_space *vm)
{
	struct tracee *tr;

	/*
	 * A task that died in start_call was forgotten, which started the
	 * calls its end let go; vm itself may be gone with it.
	 */
	for (;;) {
		/* calls committed since a call was queued may have moved what it reaches */
		for (tr = vm->waiting_head; tr; tr = tr->next_waiting)
			service_reach(&sv->service, tr, &tr->reach);
		tr = vm_space_next(vm);
		if (tr) {
			if (start_call(sv, tr) < 0)
				return;
			continue;
		}
		if (!vm->waiting_head)
			return;
		/* the calls in the way may have returned through the stub: finish those first */
		unsigned in_flight = vm->in_flight_count;

		if (vm->refs > 1 && vm->stub && vm->stub->busy) {
			one_stop_settle(&sv->service, vm, SETTLE_IDLE, 0, finish_stub_call, sv);
			if (vm->in_flight_count < in_flight)
				continue;
		}
		interrupt_stub_calls(sv, vm);
		return;
	}
}

/* tr's call is over (or tr is gone): the calls waiting on its address space may go. */
static void end_turn(struct supervisor *sv, struct tracee *tr)
{
	if (!tr->vm)
		return;
	vm_space_end_turn(tr->vm, tr);
	start_ready(sv, tr->vm);
}

static void forget_task(struct supervisor *sv, pid_t tid)
{
	struct tracee *tr = tracee_find(&sv->tracees, tid);

	if (!tr)
		return;
	end_turn(sv, tr);
	tracee_remove(&sv->tracees, tid);
}

/*
 * The registers of tr's call, and its arch: one GETREGS serves the decode,
 * a rewrite and the stack; GET_SYSCALL_INFO only where the registers
 * cannot tell the arch (arch_of_stop). Returns 0, or -1 when the stop is
 * dealt with (the task resumed).
 */
static int read_call(struct tracee *tr, enum arch *arch)
{
	struct __ptrace_syscall_info info;

	if (ptrace(PTRACE_GETREGS, tr->tid, 0L, &tr->regs) < 0) {
		resume(tr->tid, PTRACE_CONT, 0);
		return -1;
	}
	if (arch_of_stop(&tr->regs, arch) == 0)
		return 0;
	if (get_syscall_info(tr->tid, &info) < 0 || info.op != PTRACE_SYSCALL_INFO_SECCOMP) {
		resume(tr->tid, PTRACE_CONT, 0);
		return -1;
	}
	if (info.seccomp.ret_data == SECCOMP_DATA_BADARCH ||
	    arch_from_audit(info.arch, arch) < 0) {
		refuse_foreign_call(tr->tid, &info);
		return -1;
	}
	return 0;
}

/*
 * Reads a struct a call points to as the kernel will: where process_vm_readv
 * refuses memory the kernel can read (written, not readable), through
 * /proc/PID/mem. Returns 0 or -errno.
 */
static int read_call_struct(struct tracee *tr, uint64_t addr, void *buf, size_t len)
{
	int err = tracee_read(tr->tid, addr, buf, len);

	if (err == -EFAULT && tr->vm && addr + len > addr &&
	    as_range_kernel_readable(&tr->vm->as, addr, addr + len))
		err = tracee_read_forced(tr->tid, addr, buf, len);
	return err;
}

static void on_seccomp_stop(struct supervisor *sv, struct tracee *tr)
{
	struct syscall_event *ev = &tr->call;
	enum arch arch;
	int status = 0, used;

	if (read_call(tr, &arch) < 0)
		return;
	/* a stub call the kernel restarts traps again at its slot: it is planned already */
	if (one_stop_is_restart(tr, tr->regs.rip)) {
		resume(tr->tid, PTRACE_CONT, 0);
		return;
	}
	/* making the stub takes this stop; the call comes back as a new one */
	used = one_stop_make_stub(&sv->service, tr, arch, &status);
	if (used < 0) {
		injection_lost(sv, tr->tid, used, status);
		return;
	}
	if (used) {
		resume(tr->tid, PTRACE_CONT, 0);
		return;
	}
	settle(sv, tr, SETTLE_AT_STOP);
	sv->calls_seen++;
	memset(ev, 0, sizeof(*ev));
	ev->tid = tr->tid;
	ev->arch = arch;
	ev->nr = tr->regs.orig_rax;
	ev->ip = tr->regs.rip;
	ev->row = arch_lookup(arch, ev->nr);
	if (!ev->row) {
		error_msg("[pid %d] trapped %s syscall %llu has no handler; it runs untouched",
			  (int)tr->tid, arch_infos[arch].name, (unsigned long long)ev->nr);
		resume(tr->tid, PTRACE_CONT, 0);
		return;
	}
	for (int i = 0; i < 6; i++) {
		ev->regs[i] = *arg_reg(&tr->regs, arch, i);
		ev->args[i] = ev->regs[i] & arch_infos[arch].word_mask;
		if (arg_kind_is_c_int(ev->row->args[i]))
			ev->args[i] &= UINT32_MAX;
	}
	if (ev->row->args[0] == ARG_OLD_MMAP_ARGS)
		ev->ind_fault = read_call_struct(tr, ev->args[0], ev->ind_args,
						 sizeof(ev->ind_args)) < 0;
	tr->in_syscall = 1;
	recording_entry(&sv->recording, tr);
	/* msync changes no mapping and may write for long: it needs no turn. */
	if (!tr->vm || ev->row->family == FAMILY_MSYNC) {
		tr->reach = (struct call_reach){ .exclusive = 1 };
		start_call(sv, tr);
		return;
	}
	vm_space_queue(tr->vm, tr);
	start_ready(sv, tr->vm);
}

static void on_syscall_exit(struct supervisor *sv, struct tracee *tr)
{
	struct __ptrace_syscall_info info;
	struct syscall_event *ev = &tr->call;

	if (!tr->in_syscall) {
		resume(tr->tid, PTRACE_CONT, 0);
		return;
	}
	tr->in_syscall = 0;
	if (get_syscall_info(tr->tid, &info) == 0 && info.op == PTRACE_SYSCALL_INFO_EXIT) {
		ev->has_result = 1;
		ev->result = info.exit.rval;
		/* A successful i386 result is a 32-bit unsigned value. */
		if (!info.exit.is_error)
			ev->result = (int64_t)((uint64_t)ev->result & arch_infos[ev->arch].word_mask);
	}
	service_exit(&sv->service, tr);
	emit(sv, ev);
	recording_event(&sv->recording, tr);
	one_stop_check_stub(tr);
	resume(tr->tid, PTRACE_CONT, 0);
	end_turn(sv, tr);
}

/* Whether two tasks share one address space; event tells when kcmp cannot. */
static int shares_vm(pid_t a, pid_t b, int event)
{
	long same = syscall(SYS_kcmp, a, b, KCMP_VM, 0L, 0L);

	if (same >= 0)
		return same == 0;
	return event != PTRACE_EVENT_FORK;
}

static void on_new_task(struct supervisor *sv, struct tracee *tr, int event)
{
	unsigned long child_tid;
	struct tracee *child;

	/* the child starts from the parent's address space as it is now */
	settle(sv, tr, SETTLE_AT_STOP);
	if (ptrace(PTRACE_GETEVENTMSG, tr->tid, 0L, &child_tid) == 0) {
		child = tracee_add(&sv->tracees, child_tid);
		if (!child) {
			error_msg("out of memory tracking task %lu", child_tid);
		} else if (!child->linked) {
			int shared = shares_vm(tr->tid, child_tid, event);

			if (tr->vm)
				child->vm = shared ? vm_space_get(tr->vm) : vm_space_fork(tr->vm);
			child->read_implies_exec = tr->read_implies_exec;
			/*
			 * Other threads' calls may have run before the fork or
			 * not (one in flight when the kernel copied the address
			 * space may be committed before memtrace sees the fork):
			 * the model does not know which, the child's maps do (its
			 * own calls stop it before they change them).
			 */
			if (!shared && child->vm && tr->vm->refs > 1 &&
			    vm_space_resync(child->vm, (pid_t)child_tid, sv->service.seq) < 0)
				debug_msg("[pid %lu] cannot read its maps after the fork", child_tid);
			child->linked = 1;
			recording_task(&sv->recording, event, tr->tid, child_tid, shared);
			if (child->awaiting_parent) {
				child->awaiting_parent = 0;
				resume(child->tid, PTRACE_CONT, 0);
			}
		}
	}
	/* Once several tasks exist, every line says whose it is. */
	sv->printer.show_pid = 1;
	resume(tr->tid, PTRACE_CONT, 0);
}

/* exec gave the task a fresh address space: model it from the kernel's view. */
static void attach_new_image(struct supervisor *sv, struct tracee *tr)
{
	struct user_regs_struct regs;
	enum arch arch = ARCH_X86_64;
	int err;

	/* The code segment tells which ABI the new image runs: 0x23 is 32-bit. */
	if (ptrace(PTRACE_GETREGS, tr->tid, 0L, &regs) == 0 && regs.cs == 0x23)
		arch = ARCH_I386;
	/* the old address space is gone: its calls are traced, not committed */
	if (tr->vm && tr->vm->refs == 1)
		settle(sv, tr, SETTLE_GONE);
	one_stop_image_done(&sv->service, tr->vm);
	vm_space_put(tr->vm);
	tr->vm = vm_space_from_exec(tr->tid, arch, sv->service.seq, &err);
	tr->linked = 1;
	/* what exec left the task's persona with, /proc told the model */
	tr->read_implies_exec = tr->vm && tr->vm->as.read_implies_exec;
	recording_exec(&sv->recording, tr);
	if (!tr->vm)
		errno_msg(-err, "[pid %d] cannot read the new program's address space; memtrace "
			  "only observes its calls", (int)tr->tid);
	else if (sv->service.verify && proc_maps_verify(tr->tid, &tr->vm->as, "exec") == 1)
		sv->service.problems++;
}

static void on_exec(struct supervisor *sv, struct tracee *tr)
{
	unsigned long former_tid;

	/*
	 * exec from a non-leader thread: the kernel gives the leader's tid to
	 * the exec'ing thread; the old tid is gone without an exit report.
	 */
	if (ptrace(PTRACE_GETEVENTMSG, tr->tid, 0L, &former_tid) == 0 &&
	    (pid_t)former_tid != tr->tid)
		forget_task(sv, (pid_t)former_tid);
	/*
	 * Its stub call, before execve, returned in the address space it
	 * leaves, which its maps no longer show: finished as if it were gone.
	 */
	if (tr->vm && tr->vm->refs > 1)
		settle(sv, tr, SETTLE_GONE);
	end_turn(sv, tr);
	tr->in_syscall = 0;
	attach_new_image(sv, tr);
	if (!sv->program_started && tr->tid == sv->program.pid) {
		sv->program_started = 1;
		spawn_collect_report(&sv->program);
	}
	resume(tr->tid, PTRACE_CONT, 0);
}

/*
 * tr stopped between calls (an interrupt, a signal about to be delivered):
 * its stub call, if it has one, is finished now, even inside the slot's
 * code, and the calls waiting on it may go.
 */
static void stopped_between_calls(struct supervisor *sv, struct tracee *tr)
{
	if (!tr->vm || tr->in_syscall || one_stop_leave_slot(tr->vm, tr->tid) < 0)
		return;
	settle(sv, tr, SETTLE_AT_STOP);
}

/* Whether tid has a signal pending that it does not block (/proc/PID/status). */
static int unblocked_signal_pending(pid_t tid)
{
	char path[64], *text, *line;
	unsigned long long pnd = 0, shd = 0, blk = 0;
	size_t len;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	if (proc_read_file(path, &text, &len) < 0)
		return 1;
	for (line = text; *line; line = proc_next_line(line)) {
		sscanf(line, "SigPnd: %llx", &pnd);
		sscanf(line, "ShdPnd: %llx", &shd);
		sscanf(line, "SigBlk: %llx", &blk);
	}
	free(text);
	return ((pnd | shd) & ~blk) != 0;
}

/*
 * memtrace's PTRACE_INTERRUPT may have ended a blocking call that fails
 * with EINTR rather than restart (epoll_wait, sigtimedwait, semop, ...:
 * signal(7)), where no signal came: it runs again, as the kernel restarts
 * the others. (A task is interrupted only while in a stub call, but it may
 * have left it just before.)
 */
static void undo_interrupt_eintr(struct tracee *tr)
{
	struct user_regs_struct regs;
	int64_t rax;

	if (tr->in_syscall || ptrace(PTRACE_GETREGS, tr->tid, 0L, &regs) < 0 ||
	    (int64_t)regs.orig_rax < 0)
		return;
	/* a stub call's own result is the call's (stub_leave_slot) */
	if (tr->vm && tr->vm->stub && regs.rip >= tr->vm->stub->address &&
	    regs.rip < tr->vm->stub->address + STUB_PAGE)
		return;
	rax = regs.cs == 0x23 ? (int64_t)(int32_t)regs.rax : (int64_t)regs.rax;
	if (rax != -EINTR || unblocked_signal_pending(tr->tid))
		return;
	regs.rax = regs.orig_rax;
	regs.rip -= 2;
	ptrace(PTRACE_SETREGS, tr->tid, 0L, &regs);
}

static void on_event_stop(struct supervisor *sv, struct tracee *tr, int sig)
{
	int ours = tr->interrupted;

	tr->interrupted = 0;	/* whatever this stop is, a later interrupt may be needed */
	/*
	 * A new task can report its first stop before its parent's clone
	 * event: hold it until that event says whose address space it has.
	 */
	if (!tr->linked && sig == SIGTRAP) {
		tr->awaiting_parent = 1;
		return;
	}
	switch (sig) {
	case SIGSTOP:
	case SIGTSTP:
	case SIGTTIN:
	case SIGTTOU:
		/* group-stop: stay stopped, and let SIGCONT wake the task normally */
		resume(tr->tid, PTRACE_LISTEN, 0);
		break;
	default:
		/* a new task's first stop, or a PTRACE_INTERRUPT (interrupt_stub_calls) */
		if (ours && sig == SIGTRAP)
			undo_interrupt_eintr(tr);
		stopped_between_calls(sv, tr);
		resume(tr->tid, tr->in_syscall ? PTRACE_SYSCALL : PTRACE_CONT, 0);
		if (tr->vm && tr->vm->waiting_head)
			start_ready(sv, tr->vm);
	}
}

static void on_task_ended(struct supervisor *sv, pid_t tid, int status)
{
	struct tracee *tr = tracee_find(&sv->tracees, tid);

	/* Killed inside a trapped call: print it unfinished ("= ?"). */
	if (tr && tr->in_syscall) {
		emit(sv, &tr->call);
		recording_event(&sv->recording, tr);
	}
	if (tr && tr->vm)
		settle(sv, tr, SETTLE_GONE);
	if (tr)
		one_stop_image_done(&sv->service, tr->vm);
	recording_exit(&sv->recording, tid, status);
	forget_task(sv, tid);
	if (tid == sv->program.pid) {
		sv->program_ended = 1;
		sv->program_status = status;
		if (!sv->program_started)
			sv->exit_code = spawn_collect_report(&sv->program);
	}
}

static void on_stop(struct supervisor *sv, pid_t tid, int status)
{
	struct tracee *tr = tracee_add(&sv->tracees, tid);
	int sig = WSTOPSIG(status);

	if (!tr) {
		error_msg("out of memory tracking task %d", (int)tid);
		resume(tid, PTRACE_CONT, 0);
		return;
	}
	if (sig == (SIGTRAP | 0x80)) {
		on_syscall_exit(sv, tr);
		return;
	}
	switch ((unsigned)status >> 16) {
	case PTRACE_EVENT_SECCOMP:
		on_seccomp_stop(sv, tr);
		break;
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
	case PTRACE_EVENT_CLONE:
		on_new_task(sv, tr, (unsigned)status >> 16);
		break;
	case PTRACE_EVENT_EXEC:
		on_exec(sv, tr);
		break;
	case PTRACE_EVENT_EXIT:
		/*
		 * The address space still exists: its last calls can be
		 * committed. A thread's own call is finished when its end is
		 * reported (exec may be taking the address space from it).
		 */
		if (tr->vm && tr->vm->refs == 1)
			settle(sv, tr, SETTLE_AT_STOP);
		resume(tid, PTRACE_CONT, 0);
		break;
	case PTRACE_EVENT_STOP:
		on_event_stop(sv, tr, sig);
		break;
	case 0:
		/* signal-delivery-stop: the handler runs before a slot's code would */
		stopped_between_calls(sv, tr);
		resume(tid, PTRACE_CONT, sig);
		if (tr->vm && tr->vm->waiting_head)
			start_ready(sv, tr->vm);
		break;
	default:
		resume(tid, PTRACE_CONT, 0);
	}
}

static int final_status(struct supervisor *sv)
{
	int st = sv->program_status;

	if (sv->exit_code)
		return sv->exit_code;
	if (!sv->program_ended)
		return 1;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st)) {
		int sig = WTERMSIG(st);

		notice_msg("%s killed by SIG%s%s", sv->program.path, sigabbrev_np(sig) ?: "?",
			   WCOREDUMP(st) ? " (core dumped)" : "");
		return 128 + sig;
	}
	return 1;
}

/* Returns memtrace's exit status. */
int supervisor_run(struct supervisor *sv, char *const argv[])
{
	struct seccomp_program filter;
	int err;

	tracee_table_init(&sv->tracees);
	err = arch_tables_init();
	if (err < 0) {
		error_msg("the syscall tables built in (seccomp/compiled.c) are corrupt");
		return 1;
	}
	err = seccomp_program_build(&filter);
	if (err < 0) {
		errno_msg(-err, "cannot build the seccomp filter");
		return 1;
	}
	if (sv->record_path &&
	    recording_start(&sv->recording, sv->record_path, argv, sv->service.verify) < 0) {
		seccomp_program_free(&filter);
		return 1;
	}
	err = spawn_traced(argv, &filter, &sv->program);
	seccomp_program_free(&filter);
	if (err) {
		recording_stop(&sv->recording);
		return err;
	}
	install_forwarding(sv->program.pid);
	printer_start(&sv->printer);
	if (sv->printer.gather)
		start_ticking(sv);
	struct tracee *main_task = tracee_add(&sv->tracees, sv->program.pid);
	if (!main_task) {
		error_msg("out of memory");
		return 1;
	}
	/* Its address space is modelled at its exec. */
	main_task->linked = 1;

	for (;;) {
		int status;
		pid_t tid;

		tid = idle_tick ? -1 : stop_wait(&sv->waiter, -1, &status, &idle_tick);
		if (tid < 0 && (idle_tick || errno == EINTR)) {
			idle_tick = 0;
			on_idle(sv);
			continue;
		}
		if (tid < 0) {
			if (errno != ECHILD)
				errno_msg(errno, "waitpid");
			break;
		}
		if (WIFSTOPPED(status)) {
			sv->stops_seen++;
			on_stop(sv, tid, status);
		}
		else if (WIFEXITED(status) || WIFSIGNALED(status))
			on_task_ended(sv, tid, status);
	}
	forward_target = 0;
	if (sv->ticking)
		setitimer(ITIMER_REAL, &(struct itimerval){ { 0, 0 }, { 0, 0 } }, NULL);
	err = printer_finish(&sv->printer);
	if (err < 0 && !sv->output_failed)
		output_broke(sv, err);
	tracee_table_destroy(&sv->tracees);
	stub_spares_free(&sv->service.stub_spares);
	recording_stop(&sv->recording);
	if (sv->service.problems)
		error_msg("%lu internal error(s) or --verify difference(s): see above",
			  sv->service.problems);
	/* injected calls (the stub's making) stop without passing here */
	debug_msg("%lu calls trapped, %lu stops, %lu finished at entry", sv->calls_seen,
		  sv->stops_seen, sv->calls_at_entry);
	debug_msg("waits for a stop: %lu polled until it came, %lu polled then slept, %lu slept; "
		  "every CPU wanted at %lu of %lu looks", sv->waiter.polls_hit,
		  sv->waiter.polls_missed, sv->waiter.slept, sv->waiter.looks_busy, sv->waiter.looks);
	return final_status(sv);
}
