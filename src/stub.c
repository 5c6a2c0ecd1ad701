/*
 * The stub page: its code, its installation by remote syscalls, its slots.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "diag.h"
#include "inject.h"
#include "proc_maps.h"
#include "stub.h"
#include "vm_space.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

/* Where each field of a slot lives in the data page. */
enum {
	DATA_RESULT = 0,
	DATA_RETURN = 8,
	DATA_ARGS = 16,		/* six 8-byte registers */
	DATA_STATE = 64,	/* 32 bits */
};

/* The calls the installation injects, in each ABI's numbering. */
struct install_numbers {
	long memfd_create, mmap, madvise, munmap, close;
	int mmap_offset_shift;	/* mmap2 takes pages */
};

static const struct install_numbers install_numbers[ARCH_COUNT] = {
	[ARCH_X86_64] = { 319, 9, 28, 11, 3, 0 },
	[ARCH_I386] = { 356, 192, 219, 91, 6, 12 },
};

struct code_buffer {
	uint8_t *p;
	uint64_t at;	/* the child's address of p */
};

static void put_bytes(struct code_buffer *b, const uint8_t *bytes, size_t n)
{
	memcpy(b->p, bytes, n);
	b->p += n;
	b->at += n;
}

static void put_u32(struct code_buffer *b, uint32_t v)
{
	put_bytes(b, (const uint8_t *)&v, 4);
}

/*
 * An instruction whose memory operand is data (x86_64: rip-relative,
 * i386: absolute), with an optional 32-bit immediate after it.
 */
static void put_mem_insn(struct code_buffer *b, enum arch arch, const uint8_t *op, size_t oplen,
			 uint64_t data, int has_imm, uint32_t imm)
{
	put_bytes(b, op, oplen);
	/* rip-relative displacements count from the end of the instruction */
	if (arch == ARCH_X86_64)
		put_u32(b, (uint32_t)(data - (b->at + 4 + (has_imm ? 4 : 0))));
	else
		put_u32(b, (uint32_t)data);
	if (has_imm)
		put_u32(b, imm);
}

/*
 * One slot's code. Entered at +2 with the call's result in the accumulator;
 * uses no register the call's ABI promises to keep (x86_64: rcx, which the
 * syscall instruction clobbers; i386: none, the return ip goes on the stack
 * below esp, which the ABI leaves free), and no flags.
 */
static void write_slot_code(uint8_t *p, enum arch arch, uint64_t code, uint64_t data,
			    unsigned *pushed_at)
{
	/* mov reg, [data + DATA_ARGS + 8 * i], in the ABI's argument order */
	static const uint8_t load64[6][3] = {
		{ 0x48, 0x8b, 0x3d }, { 0x48, 0x8b, 0x35 }, { 0x48, 0x8b, 0x15 },
		{ 0x4c, 0x8b, 0x15 }, { 0x4c, 0x8b, 0x05 }, { 0x4c, 0x8b, 0x0d },
	};
	static const uint8_t load32[6][2] = {
		{ 0x8b, 0x1d }, { 0x8b, 0x0d }, { 0x8b, 0x15 },
		{ 0x8b, 0x35 }, { 0x8b, 0x3d }, { 0x8b, 0x2d },
	};
	static const uint8_t set_state[] = { 0xc7, 0x05 };	/* mov dword [m], imm32 */
	struct code_buffer b = { p, code };
	int x64 = arch == ARCH_X86_64;

	*pushed_at = STUB_SLOT_SIZE;

	if (x64) {
		put_bytes(&b, (const uint8_t[]){ 0x0f, 0x05 }, 2);			/* syscall */
		put_mem_insn(&b, arch, (const uint8_t[]){ 0x48, 0x89, 0x05 }, 3,	/* mov [m], rax */
			     data + DATA_RESULT, 0, 0);
	} else {
		put_bytes(&b, (const uint8_t[]){ 0xcd, 0x80 }, 2);			/* int $0x80 */
		put_bytes(&b, (const uint8_t[]){ 0xa3 }, 1);				/* mov [m], eax */
		put_u32(&b, (uint32_t)(data + DATA_RESULT));
	}
	put_mem_insn(&b, arch, set_state, 2, data + DATA_STATE, 1, STUB_RETURNED);
	for (int i = 0; i < 6; i++)
		put_mem_insn(&b, arch, x64 ? load64[i] : load32[i], x64 ? 3 : 2,
			     data + DATA_ARGS + 8 * i, 0, 0);
	if (x64) {
		put_mem_insn(&b, arch, (const uint8_t[]){ 0x48, 0x8b, 0x0d }, 3,	/* mov rcx, [m] */
			     data + DATA_RETURN, 0, 0);
		put_mem_insn(&b, arch, set_state, 2, data + DATA_STATE, 1, STUB_LEFT);
		put_bytes(&b, (const uint8_t[]){ 0xff, 0xe1 }, 2);			/* jmp rcx */
	} else {
		put_mem_insn(&b, arch, (const uint8_t[]){ 0xff, 0x35 }, 2,		/* push dword [m] */
			     data + DATA_RETURN, 0, 0);
		*pushed_at = (unsigned)(b.at - code);	/* the return ip is on the stack from here */
		put_mem_insn(&b, arch, set_state, 2, data + DATA_STATE, 1, STUB_LEFT);
		put_bytes(&b, (const uint8_t[]){ 0xc3 }, 1);				/* ret */
	}
}

static uint64_t slot_code(const struct stub *st, unsigned i)
{
	return st->address + i * STUB_SLOT_SIZE;
}

static volatile uint8_t *slot_data(const struct stub *st, const struct stub_slot *slot)
{
	return st->mem + STUB_PAGE + (size_t)(slot - st->slots) * STUB_SLOT_SIZE;
}

/* The model's view of one stub page, as the kernel shows it. Returns 0 or -errno. */
static int page_proto(struct stub *st, int index, uint64_t seq)
{
	struct mapping *m = &st->pages[index];

	memset(m, 0, sizeof(*m));
	m->start = st->address + index * STUB_PAGE;
	m->end = m->start + STUB_PAGE;
	m->prot = index == 0 ? PROT_READ | PROT_EXEC : PROT_READ | PROT_WRITE;
	m->max_prot = PROT_READ | PROT_WRITE | PROT_EXEC;
	m->flags = MAPPING_SHARED | MAPPING_DONTFORK;
	m->kind = MAPPING_KIND_MEMTRACE_STUB;
	m->offset = index * STUB_PAGE;
	m->created_by = seq;
	m->backing.dev_major = major(st->file.st_dev);
	m->backing.dev_minor = minor(st->file.st_dev);
	m->backing.inode = st->file.st_ino;
	m->backing.file_id = st->file.st_ino;
	/* the name /proc/PID/maps gives a memfd, which is never linked */
	m->backing.path = mapping_path_new("/memfd:" STUB_MEMFD_NAME " (deleted)");
	return m->backing.path ? 0 : -ENOMEM;
}

/*
 * The memfd's name, written below the task's stack pointer (past x86_64's
 * 128-byte red zone) for the call that reads it: memory no code of the
 * program uses at that moment, even where other threads run on.
 */
static int create_memfd(struct injection *inj, const struct install_numbers *nr, int64_t *fd,
			int *status)
{
	static const char name[] = STUB_MEMFD_NAME;
	uint64_t sp = ((inj->saved.rsp & arch_infos[inj->arch].word_mask) - 128 - sizeof(name)) &
		      ~(uint64_t)15;
	uint64_t args[6] = { sp, MFD_CLOEXEC };
	char saved[sizeof(name)];
	int err;

	err = tracee_read(inj->tid, sp, saved, sizeof(saved));
	if (err < 0)
		return err;
	err = tracee_write(inj->tid, sp, name, sizeof(name));
	if (err < 0)
		return err;
	err = inject_syscall(inj, nr->memfd_create, args, fd, status);
	if (err == -ESRCH)
		return err;
	tracee_write(inj->tid, sp, saved, sizeof(saved));
	if (err == 0 && *fd < 0)
		err = (int)*fd;
	return err;
}

/* Sizes the memfd and maps it in memtrace too. Returns 0 or -errno. */
static int map_here(struct stub *st, pid_t tid, int64_t child_fd)
{
	char path[64];
	void *mem;
	int fd, err = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)tid, (int)child_fd);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* here rather than in the task: a remote call costs two stops */
	if (ftruncate(fd, 2 * STUB_PAGE) < 0 || fstat(fd, &st->file) < 0)
		err = -errno;
	mem = err ? MAP_FAILED : mmap(NULL, 2 * STUB_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!err && mem == MAP_FAILED)
		err = -errno;
	close(fd);
	if (err)
		return err;
	st->mem = mem;
	for (unsigned i = 0; i < STUB_SLOTS; i++)
		write_slot_code((uint8_t *)mem + i * STUB_SLOT_SIZE, st->arch, slot_code(st, i),
				st->address + STUB_PAGE + i * STUB_SLOT_SIZE, &st->pushed_at);
	return 0;
}

/* One injected call that must return want (want < 0: any non-error). Returns 0 or -errno. */
static int expect(struct injection *inj, long nr, const uint64_t args[6], int64_t want, int *status)
{
	int64_t got;
	int err = inject_syscall(inj, nr, args, &got, status);

	if (err < 0)
		return err;
	if (got < 0 && got >= -4095)
		return (int)got;
	return want >= 0 && got != want ? -EEXIST : 0;
}

/*
 * A fault the tests ask for by name in MEMTRACE_FAULT: the task killed in the
 * middle of the sequence must leave memtrace sane and nothing behind, and a
 * signal sent in the middle must be delivered afterwards, not lost.
 */
static int fault_wanted(const char *name)
{
	const char *fault = getenv("MEMTRACE_FAULT");

	return fault && strcmp(fault, name) == 0;
}

/*
 * Where other threads run meanwhile, one may close the memfd's number or
 * dup2 another file onto it before the task maps it: both pages must be
 * the memfd's (one read of /proc/PID/maps). Returns 0 or -EBADF.
 */
static int mapped_ours(const struct stub *st, pid_t tid)
{
	struct proc_maps maps;
	uint64_t ours = 0;

	if (proc_maps_read(tid, &maps) < 0)
		return -EBADF;
	for (size_t i = 0; i < maps.count; i++) {
		const struct maps_entry *e = &maps.entries[i];

		if (e->start >= st->address && e->end <= st->address + 2 * STUB_PAGE &&
		    e->inode == st->file.st_ino && e->dev_major == major(st->file.st_dev) &&
		    e->dev_minor == minor(st->file.st_dev))
			ours += e->end - e->start;
	}
	proc_maps_free(&maps);
	return ours == 2 * STUB_PAGE ? 0 : -EBADF;
}

static int run_install(struct stub *st, struct injection *inj, int beside_others, int *status,
		       int64_t *fd)
{
	const struct install_numbers *nr = &install_numbers[st->arch];
	uint64_t a = st->address;
	int err;

	err = create_memfd(inj, nr, fd, status);
	if (err < 0)
		return err;
	if (fault_wanted("kill-while-making-stub"))
		kill(inj->tid, SIGKILL);
	/* a signal that arrives meanwhile must reach the program once it runs again */
	if (err == 0 && fault_wanted("signal-while-making-stub"))
		syscall(SYS_tkill, inj->tid, SIGUSR1);
	if (err == 0)
		err = map_here(st, inj->tid, *fd);
	if (err == 0)
		err = expect(inj, nr->mmap,
			     (uint64_t[6]){ a, STUB_PAGE, PROT_READ | PROT_EXEC,
					    MAP_SHARED | MAP_FIXED_NOREPLACE, *fd, 0 }, a, status);
	if (err == 0)
		err = expect(inj, nr->mmap,
			     (uint64_t[6]){ a + STUB_PAGE, STUB_PAGE, PROT_READ | PROT_WRITE,
					    MAP_SHARED | MAP_FIXED_NOREPLACE, *fd,
					    STUB_PAGE >> nr->mmap_offset_shift }, a + STUB_PAGE, status);
	/* A fork's child gets no stub: it would share this one's slots. */
	if (err == 0)
		err = expect(inj, nr->madvise, (uint64_t[6]){ a, 2 * STUB_PAGE, MADV_DONTFORK }, 0,
			     status);
	if (err == 0 && beside_others)
		err = mapped_ours(st, inj->tid);
	return err;
}

/*
 * Whether the task's descriptor fd is still the memfd: beside other
 * threads, one may have closed it and opened a file of its own there,
 * which memtrace must not close.
 */
static int still_ours(const struct stub *st, pid_t tid, int64_t fd, int beside_others)
{
	char path[64];
	struct stat now;

	if (!beside_others)
		return 1;
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)tid, (int)fd);
	return st->file.st_ino && stat(path, &now) == 0 && now.st_ino == st->file.st_ino &&
	       now.st_dev == st->file.st_dev;
}

int stub_install(struct vm_space *vm, pid_t tid, enum arch arch, uint64_t seq, int *status)
{
	const struct install_numbers *nr = &install_numbers[arch];
	struct stub *st;
	struct injection inj;
	int64_t fd = -1, ignored;
	int err;

	if (!as_range_is_free(&vm->as, STUB_ADDRESS, STUB_ADDRESS + 2 * STUB_PAGE))
		return -EEXIST;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->address = STUB_ADDRESS;
	st->arch = arch;
	err = inject_begin(&inj, tid, arch);
	if (err == 0) {
		err = run_install(st, &inj, vm->refs > 1, status, &fd);
		if (err == -ESRCH)
			goto out;
		if (err < 0)
			inject_syscall(&inj, nr->munmap, (uint64_t[6]){ st->address, 2 * STUB_PAGE },
				       &ignored, status);
		if (fd >= 0 && still_ours(st, tid, fd, vm->refs > 1) &&
		    inject_syscall(&inj, nr->close, (uint64_t[6]){ fd }, &ignored, status) == -ESRCH)
			err = -ESRCH;
		else
			inject_end(&inj);
	}
	if (err == 0)
		err = page_proto(st, 0, seq);
	if (err == 0)
		err = page_proto(st, 1, seq);
	if (err == 0) {
		stub_restore_in_model(st, &vm->as);
		vm->stub = st;
		return 0;
	}
out:
	stub_free(st);
	return err;
}

int stub_unmap_instead(const struct stub *st, pid_t tid, int64_t *result, int *status)
{
	struct injection inj;
	int err = inject_begin(&inj, tid, st->arch);

	if (err < 0)
		return err;
	err = inject_instead(&inj, install_numbers[st->arch].munmap,
			     (uint64_t[6]){ st->address, 2 * STUB_PAGE }, result, status);
	if (err == -ESRCH)
		return err;
	if (err < 0) {
		inject_end(&inj);	/* the task's own call goes on as it was */
		return err;
	}
	return inject_end_rerun(&inj);
}

void stub_free(struct stub *st)
{
	if (!st)
		return;
	if (st->mem)
		munmap((void *)st->mem, 2 * STUB_PAGE);
	for (unsigned i = 0; i < STUB_SLOTS; i++)
		free(st->slots[i].sc.stack.frames);
	for (int i = 0; i < 2; i++)
		mapping_path_put(st->pages[i].backing.path);
	free(st);
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

	for (unsigned i = 0; i < STUB_SLOTS && !slot; i++)
		if (!st->slots[(st->issued + i) % STUB_SLOTS].busy)
			slot = &st->slots[(st->issued + i) % STUB_SLOTS];
	if (!slot)
		return 0;
	d = slot_data(st, slot);
	memcpy((void *)(d + DATA_RETURN), &ret_ip, 8);
	memcpy((void *)(d + DATA_ARGS), args, 6 * 8);
	__atomic_store_n((uint32_t *)(d + DATA_STATE), STUB_ISSUED, __ATOMIC_RELEASE);
	slot->busy = 1;
	slot->settled = 0;
	slot->absorbed = 0;
	slot->printed = 0;
	slot->order = st->issued++;
	slot->sc.tid = tr->tid;
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
	return __atomic_load_n((const uint32_t *)(slot_data(st, slot) + DATA_STATE),
			       __ATOMIC_ACQUIRE);
}

int64_t stub_slot_result(const struct stub *st, const struct stub_slot *slot)
{
	volatile uint8_t *d = slot_data(st, slot);
	uint64_t v;

	memcpy(&v, (const void *)(d + DATA_RESULT), 8);
	if (st->arch == ARCH_I386)
		/* eax: errors are -4095..-1 as 32 bits, values are unsigned */
		return (uint32_t)v >= (uint32_t)-4095 ? (int64_t)(int32_t)v : (int64_t)(uint32_t)v;
	return (int64_t)v;
}

void stub_task_seen(struct stub *st, pid_t tid)
{
	for (unsigned i = 0; i < st->unseen_count; i++)
		if (st->unseen[i] == tid)
			st->unseen[i--] = st->unseen[--st->unseen_count];
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
	memcpy(&ret, (const void *)(d + DATA_RETURN), 8);
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
		memcpy((void *)(d + DATA_RESULT), &regs->rax, 8);
	}
	for (int i = 0; i < 6; i++) {
		memcpy(&arg, (const void *)(d + DATA_ARGS + 8 * i), 8);
		*arg_reg(regs, st->arch, i) = arg;
	}
	if (st->arch == ARCH_X86_64)
		regs->rcx = ret;	/* as the syscall instruction and the slot's jump leave it */
	else if (regs->rip - code >= st->pushed_at)
		regs->rsp += 4;		/* the return ip the slot pushed */
	regs->rip = ret;
	__atomic_store_n((uint32_t *)(d + DATA_STATE), STUB_LEFT, __ATOMIC_RELEASE);
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
	__atomic_store_n((uint32_t *)(slot_data(st, slot) + DATA_STATE), STUB_FREE, __ATOMIC_RELEASE);
}

void stub_restore_in_model(struct stub *st, struct address_space *as)
{
	for (int i = 0; i < 2; i++)
		as_insert(as, &st->pages[i]);
}

int stub_intact(const struct stub *st, const struct address_space *as)
{
	for (int i = 0; i < 2; i++) {
		const struct mapping *m = as_lookup(as, st->pages[i].start);

		if (!m || m->kind != MAPPING_KIND_MEMTRACE_STUB || m->start != st->pages[i].start ||
		    m->end != st->pages[i].end || m->prot != st->pages[i].prot)
			return 0;
	}
	return 1;
}
