#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "diag.h"
#include "mm/address_space.h"
#include "mm/remap.h"
#include "numa_maps.h"
#include "proc_maps.h"
#include "stub.h"
#include "tracee.h"
#include "vm_space.h"

static enum as_arch model_arch(enum arch arch)
{
	return arch == ARCH_I386 ? AS_ARCH_I386 : AS_ARCH_X86_64;
}

/* One number for a program file; 0 is kept for none. */
static uint64_t image_key(const struct mapping_backing *b)
{
	uint64_t key = b->inode * 0x9e3779b97f4a7c15ull ^ ((uint64_t)b->dev_major << 32 | b->dev_minor);

	return key ? key : 1;
}

struct vm_space *vm_space_from_exec(pid_t pid, enum arch arch, uint64_t seq, int *err)
{
	struct vm_space *vm = calloc(1, sizeof(*vm));

	if (!vm) {
		*err = -ENOMEM;
		return NULL;
	}
	*err = proc_maps_load(pid, model_arch(arch), seq, &vm->as);
	if (*err < 0) {
		free(vm);
		return NULL;
	}
	vm->refs = 1;
	vm->arch = arch;
	for (const struct mapping *m = as_first(&vm->as); m; m = as_next(&vm->as, m)) {
		if (m->kind == MAPPING_KIND_LIB)
			vm->interpreted = 1;
		if (m->kind == MAPPING_KIND_EXE && !vm->image)
			vm->image = image_key(&m->backing);
	}
	return vm;
}

struct vm_space *vm_space_fork(const struct vm_space *parent)
{
	struct vm_space *vm = calloc(1, sizeof(*vm));

	if (!vm)
		return NULL;
	if (as_fork(&vm->as, &parent->as) < 0) {
		free(vm);
		return NULL;
	}
	vm->refs = 1;
	vm->arch = parent->arch;
	vm->diverged = parent->diverged;
	vm->file_policies = parent->file_policies;
	return vm;
}

struct vm_space *vm_space_get(struct vm_space *vm)
{
	if (vm)
		vm->refs++;
	return vm;
}

void vm_space_put(struct vm_space *vm)
{
	if (!vm || --vm->refs)
		return;
	/* one the program changed may be another's no more */
	if (vm->stub && vm->stub_refused)
		vm->stub->reusable = 0;
	stub_free(vm->stub);
	mapping_path_put(vm->last_file.path);
	as_destroy(&vm->as);
	free(vm);
}

void vm_space_queue(struct vm_space *vm, struct tracee *tr)
{
	tr->waiting = 1;
	tr->next_waiting = NULL;
	if (vm->waiting_tail)
		vm->waiting_tail->next_waiting = tr;
	else
		vm->waiting_head = tr;
	vm->waiting_tail = tr;
}

static void unqueue(struct vm_space *vm, struct tracee *tr)
{
	struct tracee **link = &vm->waiting_head, *prev = NULL;

	while (*link && *link != tr) {
		prev = *link;
		link = &(*link)->next_waiting;
	}
	if (!*link)
		return;
	*link = tr->next_waiting;
	if (vm->waiting_tail == tr)
		vm->waiting_tail = prev;
	tr->next_waiting = NULL;
	tr->waiting = 0;
}

static bool reaches_meet(const struct call_reach *a, const struct call_reach *b)
{
	return a->exclusive || b->exclusive || (a->lo < b->hi && b->lo < a->hi);
}

/* Whether tr's call may go beside the calls in flight. */
static bool clear_of_flight(const struct vm_space *vm, const struct tracee *tr)
{
	if (vm->in_flight_count == VM_IN_FLIGHT_MAX)
		return false;
	if (tr->reach.needs_idle_stub && vm->stub && (vm->stub->busy || vm->stub->unseen_count))
		return false;
	for (unsigned i = 0; i < vm->in_flight_count; i++)
		if (reaches_meet(&vm->in_flight[i]->reach, &tr->reach))
			return false;
	return true;
}

struct tracee *vm_space_next(struct vm_space *vm)
{
	for (struct tracee *q = vm->waiting_head; q; q = q->next_waiting) {
		bool behind = false;

		/* a call overtakes no earlier one it meets: that one would wait for ever */
		for (struct tracee *p = vm->waiting_head; p != q && !behind; p = p->next_waiting)
			behind = reaches_meet(&p->reach, &q->reach);
		if (behind || !clear_of_flight(vm, q))
			continue;
		unqueue(vm, q);
		vm->in_flight[vm->in_flight_count++] = q;
		return q;
	}
	return NULL;
}

unsigned vm_space_others_in_flight(const struct vm_space *vm, const struct tracee *tr)
{
	unsigned others = 0;

	for (unsigned i = 0; i < vm->in_flight_count; i++)
		others += vm->in_flight[i] != tr;
	return others;
}

void vm_space_end_turn(struct vm_space *vm, struct tracee *tr)
{
	if (tr->waiting) {
		unqueue(vm, tr);
		return;
	}
	for (unsigned i = 0; i < vm->in_flight_count; i++) {
		if (vm->in_flight[i] == tr) {
			vm->in_flight[i] = vm->in_flight[--vm->in_flight_count];
			return;
		}
	}
}

int vm_space_follow_stack(struct vm_space *vm, pid_t pid)
{
	int grew = 0;

	for (const struct mapping *m = as_first(&vm->as); m; m = as_next(&vm->as, m)) {
		struct maps_entry e;
		char name[64];
		uint64_t start = m->start;
		int err;

		if (!(m->flags & MAPPING_GROWSDOWN))
			continue;
		err = proc_maps_entry_at(pid, start, &e, name, sizeof(name));
		if (err < 0)
			return err == -ENOENT ? grew : err;
		if (e.start >= start)
			continue;
		err = as_grow_down(&vm->as, e.start);
		if (err < 0)
			return err;
		grew = 1;
		/* the tree changed: look again from the grown mapping */
		m = as_find(&vm->as, start);
		if (!m)
			break;
	}
	return grew;
}

/*
 * What /proc does not show of a named mapping, the model kept: its kind
 * (a library or a file mmap; System V memory), whether it is anonymous
 * memory with a kernel file behind it (shared anonymous memory, huge
 * pages: "/dev/zero (deleted)"), and which open file or attach maps it,
 * which shmdt and merging go by. The pieces of fresh that the old model
 * held with the same backing at the same offsets keep all three; each is
 * put in again with them (and merged where Linux would).
 */
static void keep_hidden_attributes(struct address_space *fresh, const struct address_space *old)
{
	for (const struct mapping *o = as_first(old); o; o = as_next(old, o)) {
		const struct mapping *f;
		struct mapping piece;

		if (!o->backing.path || o->kind == MAPPING_KIND_MEMTRACE_STUB)
			continue;
		f = as_lookup(fresh, o->start);
		if (!f || !f->backing.path || f->backing.inode != o->backing.inode ||
		    f->backing.dev_major != o->backing.dev_major ||
		    f->backing.dev_minor != o->backing.dev_minor ||
		    f->offset + (o->start - f->start) != o->offset ||
		    (f->kind == o->kind && f->backing.file_id == o->backing.file_id &&
		     (f->flags & MAPPING_ANON) == (o->flags & MAPPING_ANON)))
			continue;
		piece = *f;
		piece.offset = o->offset;
		piece.start = o->start;
		piece.end = o->end < f->end ? o->end : f->end;
		piece.kind = o->kind;
		piece.flags = (f->flags & ~MAPPING_ANON) | (o->flags & MAPPING_ANON);
		piece.backing.file_id = o->backing.file_id;
		as_insert(fresh, &piece);
	}
}

/* Returns 0 or -errno. */
int vm_space_resync(struct vm_space *vm, pid_t pid, uint64_t seq)
{
	struct address_space fresh;
	int err = proc_maps_load(pid, model_arch(vm->arch), seq, &fresh);

	if (err < 0)
		return err;
	/* Memory policies are only in numa_maps. */
	numa_maps_apply(pid, &fresh);
	/* /proc shows no break: keep the one the model knows. */
	fresh.layout.brk_start = vm->as.layout.brk_start;
	fresh.brk_current = vm->as.brk_current;
	fresh.def_flags = vm->as.def_flags;
	keep_hidden_attributes(&fresh, &vm->as);
	as_destroy(&vm->as);
	vm->as = fresh;
	if (vm->stub && !vm->stub_refused && !stub_restore_in_model(vm->stub, &vm->as)) {
		vm->stub_refused = 1;
		debug_msg("[pid %d] memtrace's stub page is gone: every call takes two stops from "
			  "here", (int)pid);
	}
	return 0;
}
