/*
 * The supervisor's side of --record. Stacks are captured at a call's entry
 * (the registers are the program's own then) and named against the model
 * as it was before the call; the event is written when the call is over,
 * with the model after it and the range it may have changed.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <unistd.h>

#include "diag.h"
#include "record/format.h"
#include "record/record.h"
#include "recording.h"
#include "stack/stack.h"
#include "vm_space.h"

int recording_start(struct recording *r, const char *path, char *const argv[], int verify)
{
	int argc = 0, err;

	memset(r, 0, sizeof(*r));
	while (argv[argc])
		argc++;
	err = stack_unwinder_new(&r->unwinder);
	if (err == 0)
		err = record_open(&r->rec, path, argc, argv);
	if (err < 0) {
		errno_msg(-err, "cannot record to %s", path);
		stack_unwinder_free(r->unwinder);
		r->unwinder = NULL;
		return err;
	}
	record_set_flags(r->rec, RECORD_HEADER_STACKS | (verify ? RECORD_HEADER_VERIFY : 0));
	return 0;
}

/* A write failed: the recording reported it; memtrace goes on tracing. */
static void check(struct recording *r, int err)
{
	if (err < 0)
		r->failed = 1;
}

void recording_exec(struct recording *r, struct tracee *tr)
{
	char link[64], path[PATH_MAX];
	ssize_t n;

	if (!r->rec)
		return;
	stack_forget_task(r->unwinder, tr->tid);
	snprintf(link, sizeof(link), "/proc/%d/exe", (int)tr->tid);
	n = readlink(link, path, sizeof(path) - 1);
	path[n > 0 ? n : 0] = '\0';
	if (tr->vm)
		check(r, record_exec(r->rec, tr->tid, tr->vm->arch, n > 0 ? path : NULL, &tr->vm->as));
}

void recording_task(struct recording *r, int event, pid_t parent, pid_t child, int shares_vm)
{
	enum record_task_kind kind = event == PTRACE_EVENT_FORK    ? RECORD_TASK_FORK
				     : event == PTRACE_EVENT_VFORK ? RECORD_TASK_VFORK
								   : RECORD_TASK_CLONE;

	if (r->rec)
		check(r, record_task(r->rec, kind, parent, child, shares_vm));
}

void recording_exit(struct recording *r, pid_t tid, int wait_status)
{
	if (!r->rec)
		return;
	stack_forget_task(r->unwinder, tid);
	check(r, record_exit(r->rec, tid, wait_status));
}

void recording_entry(struct recording *r, struct tracee *tr)
{
	uint64_t ips[RECORDING_MAX_FRAMES];
	const struct address_space *as = tr->vm ? &tr->vm->as : NULL;
	int n;

	tr->stack.nframes = 0;
	if (!r->rec)
		return;
	if (!tr->stack.frames) {
		tr->stack.frames = calloc(RECORDING_MAX_FRAMES, sizeof(*tr->stack.frames));
		if (!tr->stack.frames)
			return;
	}
	stack_forget_memory(r->unwinder, tr->tid);
	n = stack_capture(r->unwinder, tr->tid, tr->call.arch, &tr->regs, as, ips,
			  RECORDING_MAX_FRAMES);
	for (int i = 0; i < n; i++) {
		struct record_frame *f = &tr->stack.frames[tr->stack.nframes];
		struct stack_location loc;
		/* a return address may end its function: name the call instead */
		uint64_t ip = i ? ips[i] - 1 : ips[i];

		if (stack_locate(r->unwinder, tr->tid, as, ip, &loc) < 0) {
			memset(f, 0, sizeof(*f));
			f->module_offset = ips[i];
		} else {
			f->module = loc.module;
			f->module_offset = loc.module_offset + (ips[i] - ip);
			f->symbol = loc.symbol;
			f->symbol_offset = loc.symbol_offset + (ips[i] - ip);
		}
		tr->stack.nframes++;
	}
}

/* The range the call may have changed in the model (record_event widens it). */
static void changed_range(const struct tracee *tr, uint64_t *lo, uint64_t *hi)
{
	const struct syscall_event *ev = &tr->call;
	const uint64_t *a = ev->args;
	uint64_t result = (uint64_t)ev->result, brk_now, args[6];

	*lo = *hi = 0;
	if (tr->plan.decided || !ev->has_result)
		return;
	if (tr->plan.resynced || tr->plan.whole_window) {
		*hi = UINT64_MAX;
		return;
	}
	switch (ev->row->family) {
	case FAMILY_BRK:
		brk_now = tr->vm->as.brk_current;
		*lo = tr->plan.brk_before < brk_now ? tr->plan.brk_before : brk_now;
		*hi = tr->plan.brk_before < brk_now ? brk_now : tr->plan.brk_before;
		return;
	case FAMILY_MMAP:
	case FAMILY_OLD_MMAP:
		if (syscall_result_is_error(ev->result))
			return;
		*lo = result;
		syscall_event_args(ev, args);
		*hi = result + args[1];
		return;
	case FAMILY_MREMAP:
		if (syscall_result_is_error(ev->result))
			return;
		*lo = a[0] < result ? a[0] : result;
		*hi = a[0] + a[1] > result + a[2] ? a[0] + a[1] : result + a[2];
		return;
	case FAMILY_MLOCK:
		if (strcmp(ev->row->name, "mlockall") == 0 || strcmp(ev->row->name, "munlockall") == 0) {
			*hi = UINT64_MAX;
			return;
		}
		/* fall through */
	case FAMILY_MUNMAP:
	case FAMILY_MPROTECT:
	case FAMILY_MADVISE:
	case FAMILY_MBIND:
	case FAMILY_REMAP_FILE_PAGES:
	case FAMILY_MSEAL:
		*lo = a[0];
		*hi = a[0] + a[1];
		return;
	case FAMILY_SHM:
	case FAMILY_KERNEL_PLACED:
		*hi = UINT64_MAX;
		return;
	case FAMILY_MSYNC:
	case FAMILY_PERSONALITY:
		return;
	}
}

/*
 * Whether code may have gone, moved or appeared: the unwinder caches per
 * code address. (A mapping losing PROT_EXEC is rare enough to ignore.)
 */
static int may_change_code(const struct tracee *tr)
{
	const struct syscall_event *ev = &tr->call;
	uint64_t a[6];

	if (tr->plan.decided || syscall_result_is_error(ev->result))
		return 0;
	syscall_event_args(ev, a);
	switch (ev->row->family) {
	case FAMILY_MUNMAP:
	case FAMILY_MREMAP:
	case FAMILY_SHM:
	case FAMILY_REMAP_FILE_PAGES:
		return 1;
	case FAMILY_MMAP:
	case FAMILY_OLD_MMAP:
		return (a[3] & MAP_FIXED) != 0;
	case FAMILY_MPROTECT:
		return (ev->args[2] & PROT_EXEC) != 0;
	default:
		return tr->plan.resynced;
	}
}

void recording_event(struct recording *r, struct tracee *tr)
{
	struct record_decision d = { .seq = tr->plan.seq, .kind = RECORD_PASSED };
	uint64_t lo, hi;

	if (!r->rec)
		return;
	if (tr->plan.decided) {
		d.kind = RECORD_REFUSED;
		d.err = syscall_result_is_error(tr->call.result) ? (int)-tr->call.result : 0;
	} else if (tr->plan.placed) {
		d.kind = RECORD_PLACED;
		d.addr = tr->plan.chosen;
	} else if (tr->plan.resynced) {
		d.kind = RECORD_RESYNCED;
	}
	changed_range(tr, &lo, &hi);
	check(r, record_event(r->rec, &tr->call, &d, tr->stack.frames, tr->stack.nframes,
			      tr->vm ? &tr->vm->as : NULL, lo, hi));
	if (may_change_code(tr))
		stack_forget_task(r->unwinder, tr->tid);
}

int recording_stop(struct recording *r)
{
	int err;

	if (!r->rec)
		return 0;
	err = record_close(r->rec);
	stack_unwinder_free(r->unwinder);
	r->rec = NULL;
	r->unwinder = NULL;
	return err < 0 ? err : (r->failed ? -EIO : 0);
}
