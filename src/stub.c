/*
 * The stub page's slots: issuing calls through them, their states, and
 * leaving one where memtrace stops a task inside its code; and stubs kept
 * for the next programs (stub_spares).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "stub.h"
#include "stub_code.h"
#include "tracee.h"

static uint64_t slot_code(const struct stub *st, unsigned i)
{
	return st->address + i * STUB_SLOT_SIZE;
}

static volatile uint8_t *slot_data(const struct stub *st, const struct stub_slot *slot)
{
	return st->mem + STUB_PAGE + (size_t)(slot - st->slots) * STUB_SLOT_SIZE;
}

struct stub *stub_alloc(struct stub_spares *spares)
{
	/*
	 * Pages of zeros that fault in as slots are first used (calloc cleared
	 * all 24 KiB at once: 0.1 ms of page faults on this VM).
	 */
	struct stub *st = mmap(NULL, sizeof(struct stub), PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (st == MAP_FAILED)
		return NULL;
	st->spares = spares;
	st->keep_fd = -1;
	return st;
}

struct stub *stub_spare_take(struct stub_spares *spares)
{
	return spares && spares->count ? spares->st[--spares->count] : NULL;
}

/* What the slots and the model's pages hold of their own. */
static void free_parts(struct stub *st)
{
	for (unsigned i = 0; i < STUB_SLOTS; i++)
		free(st->slots[i].sc.stack.frames);
	for (int i = 0; i < 2; i++)
		mapping_path_put(st->pages[i].backing.path);
}

/* Zeroed but for its memfd, which keeps its code page; its data page zeroed. */
static void make_spare(struct stub *st)
{
	struct stub_spares *spares = st->spares;
	volatile uint8_t *mem = st->mem;
	struct stat file = st->file;
	int fd = st->keep_fd;
	unsigned served = st->served;

	free_parts(st);
	memset(st, 0, sizeof(*st));
	st->served = served;
	st->spares = spares;
	st->mem = mem;
	st->file = file;
	st->keep_fd = fd;
	memset((void *)(mem + STUB_PAGE), 0, STUB_PAGE);
	spares->st[spares->count++] = st;
}

void stub_free(struct stub *st)
{
	if (!st)
		return;
	if (st->reusable && st->keep_fd >= 0 && st->mem && st->spares &&
	    st->spares->count < STUB_SPARES) {
		make_spare(st);
		return;
	}
	if (st->keep_fd >= 0) {
		close(st->keep_fd);
		st->spares->kept--;
	}
	if (st->mem)
		munmap((void *)st->mem, 2 * STUB_PAGE);
	free_parts(st);
	munmap(st, sizeof(*st));
}

void stub_spares_free(struct stub_spares *spares)
{
	while (spares->count) {
		struct stub *st = spares->st[--spares->count];

		st->reusable = 0;
		stub_free(st);
	}
}

int stub_overlaps(const struct stub *st, uint64_t start, uint64_t len)
{
	uint64_t end = start + len;

	/* a wrapping range touches everything */
	return end < start || (start < st->address + 2 * STUB_PAGE && end > st->address);
}

uint64_t stub_issue(struct stub *st, struct tracee *tr, const uint64_t args[6], uint64_t ret_ip)
{
	struct stub_slot *slot = NULL;
	volatile uint8_t *d;
	struct call_stack swap;

	/* the lowest free: a program of one task uses slot 0 only, and one page of st */
	for (unsigned i = 0; i < STUB_SLOTS && !slot; i++)
		if (!st->slots[i].busy)
			slot = &st->slots[i];
	if (!slot)
		return 0;
	d = slot_data(st, slot);
	memcpy((void *)(d + STUB_DATA_RETURN), &ret_ip, 8);
	memcpy((void *)(d + STUB_DATA_ARGS), args, 6 * 8);
	__atomic_store_n((uint32_t *)(d + STUB_DATA_STATE), STUB_ISSUED, __ATOMIC_RELEASE);
	slot->busy = 1;
	slot->settled = 0;
	slot->absorbed = 0;
	slot->printed = 0;
	slot->order = st->issued++;
	slot->sc.tid = tr->tid;
	slot->sc.read_implies_exec = tr->read_implies_exec;
	slot->sc.call = tr->call;
	slot->sc.plan = tr->plan;
	/* the stack's frame buffer goes with the call; the task takes the slot's old one */
	swap = slot->sc.stack;
	slot->sc.stack = tr->stack;
	tr->stack = swap;
	st->busy++;
	return slot_code(st, (unsigned)(slot - st->slots)) + 2;
}

struct stub_slot *stub_slot_at(struct stub *st, uint64_t ip)
{
	if (ip < st->address + 2 || ip >= st->address + STUB_PAGE ||
	    (ip - st->address) % STUB_SLOT_SIZE != 2)
		return NULL;
	return &st->slots[(ip - st->address) / STUB_SLOT_SIZE];
}

enum stub_state stub_slot_state(const struct stub *st, const struct stub_slot *slot)
{
	return __atomic_load_n((const uint32_t *)(slot_data(st, slot) + STUB_DATA_STATE),
			       __ATOMIC_ACQUIRE);
}

int64_t stub_slot_result(const struct stub *st, const struct stub_slot *slot)
{
	volatile uint8_t *d = slot_data(st, slot);
	uint64_t v;

	memcpy(&v, (const void *)(d + STUB_DATA_RESULT), 8);
	return arch_syscall_result(st->arch, v);
}

void stub_task_seen(struct stub *st, pid_t tid)
{
	for (unsigned i = 0; i < st->unseen_count; i++)
		if (st->unseen[i] == tid)
			st->unseen[i--] = st->unseen[--st->unseen_count];
}

int stub_leave_jump(const struct stub *st, pid_t tid, struct user_regs_struct *regs)
{
	uint32_t ret;
	int unseen = 0;

	for (unsigned i = 0; i < st->unseen_count; i++)
		unseen |= st->unseen[i] == tid;
	if (!unseen || regs->rip < st->address || regs->rip >= st->address + STUB_PAGE ||
	    (regs->rip - st->address) % STUB_SLOT_SIZE != st->layout.jump_at)
		return 0;
	if (st->arch == ARCH_X86_64) {
		regs->rip = regs->rcx;	/* jmp rcx */
		return 1;
	}
	/* ret: the return ip the slot pushed */
	if (tracee_read(tid, regs->rsp & UINT32_MAX, &ret, sizeof(ret)) < 0)
		return -EFAULT;
	regs->rip = ret;
	regs->rsp += 4;
	return 1;
}

struct stub_slot *stub_slot_of_task(struct stub *st, pid_t tid)
{
	for (unsigned i = 0; i < STUB_SLOTS; i++)
		if (st->slots[i].busy && st->slots[i].sc.tid == tid)
			return &st->slots[i];
	return NULL;
}

/* -ERESTARTSYS .. -ERESTART_RESTARTBLOCK: the kernel will run the call again */
static int restarting(enum arch arch, uint64_t acc)
{
	int64_t v = arch == ARCH_I386 ? (int32_t)acc : (int64_t)acc;

	return v <= -512 && v >= -516;
}

int stub_leave_slot(struct stub *st, struct stub_slot *slot, struct user_regs_struct *regs)
{
	uint64_t code = slot_code(st, (unsigned)(slot - st->slots)), ret, arg;
	volatile uint8_t *d = slot_data(st, slot);
	enum stub_state state = stub_slot_state(st, slot);

	/* at the syscall instruction the call restarts; past the code the task has left */
	if (regs->rip < code + 2 || regs->rip >= code + STUB_SLOT_SIZE || state == STUB_FREE)
		return 0;
	memcpy(&ret, (const void *)(d + STUB_DATA_RETURN), 8);
	/* on the code's last instruction (the jump back) the registers are the program's already */
	if (state == STUB_LEFT) {
		if (st->arch == ARCH_I386)
			regs->rsp += 4;	/* the return ip ret would pop */
		regs->rip = ret;
		return 1;
	}
	if (state == STUB_ISSUED) {
		if (regs->rip == code + 2 && restarting(st->arch, regs->rax))
			return -1;
		/* the slot's code never changes the accumulator: it holds the result */
		memcpy((void *)(d + STUB_DATA_RESULT), &regs->rax, 8);
	}
	for (int i = 0; i < 6; i++) {
		memcpy(&arg, (const void *)(d + STUB_DATA_ARGS + 8 * i), 8);
		*arg_reg(regs, st->arch, i) = arg;
	}
	if (st->arch == ARCH_X86_64)
		regs->rcx = ret;	/* as the syscall instruction and the slot's jump leave it */
	else if (regs->rip - code >= st->layout.pushed_at)
		regs->rsp += 4;		/* the return ip the slot pushed */
	regs->rip = ret;
	__atomic_store_n((uint32_t *)(d + STUB_DATA_STATE), STUB_LEFT, __ATOMIC_RELEASE);
	return 1;
}

void stub_slot_release(struct stub *st, struct stub_slot *slot, int task_gone, int task_seen)
{
	slot->settled = 1;
	if (!task_gone && stub_slot_state(st, slot) != STUB_LEFT)
		return;
	/* it may still be on the code's last instruction: not out until seen stopped */
	if (!task_gone && !task_seen && st->unseen_count < STUB_SLOTS) {
		unsigned i = 0;

		while (i < st->unseen_count && st->unseen[i] != slot->sc.tid)
			i++;
		if (i == st->unseen_count)
			st->unseen[st->unseen_count++] = slot->sc.tid;
	}
	slot->busy = 0;
	st->busy--;
	__atomic_store_n((uint32_t *)(slot_data(st, slot) + STUB_DATA_STATE), STUB_FREE, __ATOMIC_RELEASE);
}

void stub_insert_in_model(struct stub *st, struct address_space *as)
{
	for (int i = 0; i < 2; i++)
		as_insert(as, &st->pages[i]);
}

/*
 * Whether m is the stub's page as memtrace made it, as far as /proc can
 * tell: not inherited by fork (MADV_DOFORK over it would give a child the
 * file, which then may serve no other program).
 */
static int page_as_made(const struct mapping *m, const struct mapping *page)
{
	return m && m->start == page->start && m->end == page->end && m->prot == page->prot &&
	       (m->flags & MAPPING_DONTFORK) &&
	       m->backing.inode == page->backing.inode &&
	       m->backing.dev_major == page->backing.dev_major &&
	       m->backing.dev_minor == page->backing.dev_minor;
}

int stub_restore_in_model(struct stub *st, struct address_space *as)
{
	/* a failed MAP_FIXED (huge pages) may have unmapped them unseen */
	for (int i = 0; i < 2; i++)
		if (!page_as_made(as_lookup(as, st->pages[i].start), &st->pages[i]))
			return 0;
	stub_insert_in_model(st, as);
	return 1;
}

int stub_intact(const struct stub *st, const struct address_space *as)
{
	for (int i = 0; i < 2; i++) {
		const struct mapping *m = as_lookup(as, st->pages[i].start);

		if (!page_as_made(m, &st->pages[i]) || m->kind != MAPPING_KIND_MEMTRACE_STUB)
			return 0;
	}
	return 1;
}
