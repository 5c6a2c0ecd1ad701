/*
 * Making the stub page in a task, and giving it up, by remote syscalls.
 *
 * It takes the seccomp stop of one of the task's own calls, and that call
 * runs again afterwards:
 *
 *   1. the call becomes memfd_create (one stop: its exit);
 *   2. memtrace sizes the memfd, maps it, writes every slot's code, and
 *      over the first slots a bootstrap;
 *   3. the task's syscall instruction runs mmap of the code page, which
 *      returns into the bootstrap (one stop: its seccomp stop). Beside
 *      other tasks, which may put another file on the descriptor, or
 *      other filters, which may answer it without that stop, it returns
 *      to its exit stop instead (three stops), and memtrace reads the
 *      page back through the task before the task runs it;
 *   4. the task runs the bootstrap: mmap of the data page, close,
 *      madvise(MADV_DONTFORK), which memtrace's filter lets through
 *      untraced (filter.h), then a ud2 (one stop: its fault); memtrace
 *      reads the data page back the same way;
 *   5. the slots' code goes over the bootstrap, and the task's own call
 *      runs again (a seccomp stop of its own).
 *
 * Four stops in all with the rerun (else six), where five
 * remote calls as single injections would take thirteen. Signals stay
 * blocked in the task meanwhile (inject.h). A program with
 * seccomp filters of its own gets no stub: they may refuse these calls,
 * or kill it for them.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "diag.h"
#include "inject.h"
#include "proc_maps.h"
#include "stub.h"
#include "stub_code.h"
#include "syscall_event.h"
#include "tracee.h"
#include "vm_space.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

/* The calls the installation injects, in each ABI's numbering. */
struct install_numbers {
	long memfd_create, mmap, munmap, close, dup2, open;
};

static const struct install_numbers install_numbers[ARCH_COUNT] = {
	[ARCH_X86_64] = { 319, 9, 11, 3, 33, 2 },
	[ARCH_I386] = { 356, 192, 91, 6, 63, 5 },
};

/* Random bytes the pages carry while they are made: no other file has them. */
#define NONCE_SIZE 16
/* in the data page: the unused tail of slot 0's part */
#define DATA_NONCE_AT 96

_Static_assert(DATA_NONCE_AT >= STUB_DATA_STATE + 4 && DATA_NONCE_AT + NONCE_SIZE <= STUB_SLOT_SIZE,
	       "the data page's nonce lies outside slot 0's fields");

/* The slots whose code the bootstrap covers while it runs. */
#define BOOTSTRAP_SLOTS 2

struct install {
	struct stub *st;
	struct injection inj;
	int replaced;			/* the task's call became memfd_create */
	int64_t fd;			/* the task's descriptor of the memfd, or -1 */
	int fd_closed;			/* the bootstrap closed it */
	int code_mapped, data_mapped;	/* the task's mmap calls put a page there */
	int straight;			/* the code mmap returns into the bootstrap */
	struct stub_bootstrap boot;
	uint8_t nonce[2][NONCE_SIZE];	/* after the bootstrap; in the data page */
	int *status;
};

/*
 * The model's view of one stub page, as the kernel shows it (under
 * READ_IMPLIES_EXEC the data page is executable too). Returns 0 or -errno.
 */
static int page_proto(struct stub *st, int index, uint64_t seq, bool read_implies_exec)
{
	struct mapping *m = &st->pages[index];

	memset(m, 0, sizeof(*m));
	m->start = st->address + index * STUB_PAGE;
	m->end = m->start + STUB_PAGE;
	m->prot = index == 0 ? PROT_READ | PROT_EXEC : PROT_READ | PROT_WRITE;
	if (read_implies_exec)
		m->prot |= PROT_EXEC;
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
 * Whether the task's descriptor fd is still the memfd: beside other
 * threads, one may have closed it and opened a file of its own there,
 * which memtrace must not close.
 */
static int still_ours(const struct stub *st, pid_t tid, int64_t fd)
{
	char path[64];
	struct stat now;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)tid, (int)fd);
	return st->file.st_ino && stat(path, &now) == 0 && now.st_ino == st->file.st_ino &&
	       now.st_dev == st->file.st_dev;
}

/*
 * Runs nr(name, flags) in the task, name written below its stack pointer
 * (past x86_64's 128-byte red zone) for that moment: memory no code of the
 * program uses then, even where other threads run on. The first such call
 * takes the place of the task's own; a later one runs from the exit stop
 * the first left. *result: the call's. Returns 0 or -errno.
 */
static int call_with_name(struct install *in, long nr, const char *name, uint64_t flags,
			  int64_t *result)
{
	struct injection *inj = &in->inj;
	size_t len = strlen(name) + 1;
	uint64_t sp = ((inj->saved.rsp & arch_infos[inj->arch].word_mask) - 128 - len) &
		      ~(uint64_t)15;
	uint64_t args[6] = { sp, flags };
	char saved[64];
	int err;

	if (len > sizeof(saved))
		return -ENAMETOOLONG;
	err = tracee_read(inj->tid, sp, saved, len);
	if (err < 0)
		return err;
	err = tracee_write(inj->tid, sp, name, len);
	if (err < 0)
		return err;
	if (in->replaced) {
		err = inject_syscall(inj, nr, args, result, in->status);
	} else {
		err = inject_instead(inj, nr, args, result, in->status);
		in->replaced = err == 0;
	}
	if (inject_task_lost(err))
		return err;
	tracee_write(inj->tid, sp, saved, len);
	/* its own number back: a filter of the program's refused it with SIGSYS */
	if (err == 0 && inj->refusal_pending)
		err = -EPERM;
	return err;
}

/* The task's call becomes memfd_create. Returns 0 or -errno. */
static int create_memfd(struct install *in)
{
	int64_t fd;
	int err = call_with_name(in, install_numbers[in->inj.arch].memfd_create, STUB_MEMFD_NAME,
				 MFD_CLOEXEC, &fd);

	if (err == 0 && fd < 0)
		err = (int)fd;
	if (err == 0)
		in->fd = fd;
	return err;
}

/* Whether tid may read a byte at addr: something is mapped there. */
static int task_reads(pid_t tid, uint64_t addr)
{
	uint8_t byte;

	return tracee_read(tid, addr, &byte, 1) == 0;
}

/* Whether tid sees the same /proc as memtrace: its pid namespace is memtrace's. */
static int same_pid_namespace(pid_t tid)
{
	static struct stat own;	/* memtrace's, once */
	char path[64];
	struct stat its;

	if (!own.st_ino && stat("/proc/self/ns/pid", &own) < 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)tid);
	return stat(path, &its) == 0 && its.st_ino == own.st_ino && its.st_dev == own.st_dev;
}

/*
 * The task's call becomes open of a spare's memfd through memtrace's
 * /proc/PID/fd. Returns 0, -EAGAIN when the task could not open it (a
 * chroot, its credentials) or opened another file (closed again): the
 * task is at an exit stop, and the spare is as it was. Or another -errno.
 */
static int open_spare(struct install *in)
{
	const struct install_numbers *nr = &install_numbers[in->inj.arch];
	char path[64];
	int64_t fd, ignored;
	int err;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)getpid(), in->st->keep_fd);
	err = call_with_name(in, nr->open, path, O_RDWR | O_CLOEXEC | O_NOCTTY, &fd);
	if (err < 0)
		return in->replaced && !inject_task_lost(err) ? -EAGAIN : err;
	if (fd < 0)
		return -EAGAIN;
	/* alone in its address space (straight), the task holds fd for sure */
	if (!still_ours(in->st, in->inj.tid, fd)) {
		err = inject_syscall(&in->inj, nr->close, (uint64_t[6]){ (uint64_t)fd }, &ignored,
				     in->status);
		return inject_task_lost(err) ? err : -EAGAIN;
	}
	in->fd = fd;
	return 0;
}

/* Slots [first, first + n): their code in the code page. */
static void write_slots(struct stub *st, unsigned first, unsigned n)
{
	for (unsigned i = first; i < first + n; i++)
		stub_code_slot((uint8_t *)st->mem + i * STUB_SLOT_SIZE, st->arch,
			       st->address + i * STUB_SLOT_SIZE,
			       st->address + STUB_PAGE + i * STUB_SLOT_SIZE, &st->layout);
}

/*
 * Whether fd is the memfd memtrace just had made: beside other threads,
 * one may have put a file of the program's on its number meanwhile, which
 * memtrace must not resize or write. An empty, unlinked file that takes
 * seals (only memfds do) by memtrace's name.
 */
static int is_new_memfd(int fd)
{
	static const char want[] = "/memfd:" STUB_MEMFD_NAME " (deleted)";
	char link[64], target[sizeof(want) + 1];
	struct stat now;
	ssize_t n;

	if (fstat(fd, &now) < 0 || now.st_size != 0 || now.st_nlink != 0 ||
	    fcntl(fd, F_GET_SEALS) < 0)
		return 0;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target));
	return n == (ssize_t)sizeof(want) - 1 && memcmp(target, want, (size_t)n) == 0;
}

/*
 * Writes the code: the slots', the bootstrap over the first ones, and a
 * nonce in each page. Returns 0 or -errno.
 */
static int write_code(struct install *in)
{
	struct stub *st = in->st;
	uint8_t *code = (uint8_t *)st->mem;
	int err;

	if (getrandom(in->nonce, sizeof(in->nonce), 0) != sizeof(in->nonce))
		return errno ? -errno : -EIO;
	write_slots(st, BOOTSTRAP_SLOTS, STUB_SLOTS - BOOTSTRAP_SLOTS);
	err = stub_code_bootstrap(code, st->arch, st->address, st->address + STUB_PAGE, &in->boot);
	if (err < 0)
		return err;
	if (in->boot.size + NONCE_SIZE > BOOTSTRAP_SLOTS * STUB_SLOT_SIZE)
		return -E2BIG;	/* the bootstrap outgrew the slots it borrows */
	memcpy(code + in->boot.size, in->nonce[0], NONCE_SIZE);
	memcpy((uint8_t *)st->mem + STUB_PAGE + DATA_NONCE_AT, in->nonce[1], NONCE_SIZE);
	return 0;
}

/*
 * Sizes the new memfd, maps it in memtrace too (keeping the descriptor,
 * where memtrace keeps few enough, for a next program: stub.h), and writes
 * the code. Returns 0 or -errno.
 */
static int map_here(struct install *in)
{
	struct stub *st = in->st;
	char path[64];
	void *mem;
	int fd, err = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)in->inj.tid, (int)in->fd);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (!is_new_memfd(fd))
		err = -EBADF;
	/* here rather than in the task: a remote call costs stops */
	if (!err && (ftruncate(fd, 2 * STUB_PAGE) < 0 || fstat(fd, &st->file) < 0))
		err = -errno;
	mem = err ? MAP_FAILED : mmap(NULL, 2 * STUB_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!err && mem == MAP_FAILED)
		err = -errno;
	/* above 2: with stderr closed, memtrace's own messages would go into it */
	if (!err && st->spares && st->spares->kept < STUB_KEPT_FDS) {
		st->keep_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		st->spares->kept += st->keep_fd >= 0;
	}
	close(fd);
	if (err)
		return err;
	st->mem = mem;
	return write_code(in);
}

/*
 * Whether the task sees, at at, the bytes memtrace wrote at mine: where
 * other threads run meanwhile, one may close the memfd's number or dup2
 * another file onto it before the task maps it. Returns 0 or -EBADF.
 */
static int task_sees(const struct install *in, uint64_t at, const volatile uint8_t *mine,
		     size_t len)
{
	uint8_t seen[256];

	if (len > sizeof(seen) || tracee_read(in->inj.tid, at, seen, len) < 0)
		return -EBADF;
	return memcmp(seen, (const void *)mine, len) == 0 ? 0 : -EBADF;
}

/* A remote call that must return want. Returns 0 or -errno. */
static int run_expecting(struct install *in, long nr, const uint64_t args[6], int64_t want)
{
	int64_t got;
	int err = inject_syscall(&in->inj, nr, args, &got, in->status);

	if (err < 0)
		return err;
	if (syscall_result_is_error(got))
		return (int)got;
	return got != want ? -EEXIST : 0;
}

/*
 * Maps the code page and runs the bootstrap. Straight: the mmap returns
 * into it; at its seccomp stop the descriptor is checked to be the memfd
 * still (no other task may use it then, but a process sharing the
 * descriptor table). Otherwise the page is checked through the task
 * before the task runs it. Returns 0 or -errno.
 */
static int map_in_task(struct install *in)
{
	const struct install_numbers *nr = &install_numbers[in->inj.arch];
	struct stub *st = in->st;
	const uint64_t args[6] = { st->address, STUB_PAGE, PROT_READ | PROT_EXEC,
				   MAP_SHARED | MAP_FIXED_NOREPLACE, (uint64_t)in->fd, 0 };
	struct user_regs_struct regs;
	struct stub_bootstrap_results res;
	int err;

	if (in->straight) {
		err = inject_syscall_to_seccomp_stop(&in->inj, nr->mmap, args, in->status);
		/* the task runs the page at once: it must be memtrace's */
		if (err == 0 && !still_ours(st, in->inj.tid, in->fd)) {
			err = inject_skip_call(&in->inj, in->status);
			return err < 0 ? err : -EBADF;
		}
		if (err == 0)
			err = inject_return_into_code(&in->inj, st->address, in->boot.end, &regs,
						      in->status);
		/* the fault on its first instruction: the page is not there */
		if (err == -EFAULT && regs.rip == st->address) {
			int64_t got = arch_syscall_result(in->inj.arch, regs.rax);

			return syscall_result_is_error(got) ? (int)got : -EEXIST;
		}
		in->code_mapped = !inject_task_lost(err);
	} else {
		err = run_expecting(in, nr->mmap, args, (int64_t)st->address);
		in->code_mapped = err == 0;
		if (err == 0)
			/* the task runs these bytes next: they must be memtrace's */
			err = task_sees(in, st->address, st->mem, in->boot.size + NONCE_SIZE);
		if (err < 0)
			return err;
		regs = in->inj.saved;
		stub_bootstrap_enter(&regs, st->arch, st->address, in->fd);
		err = inject_run_code(&in->inj, &regs, in->boot.end, in->status);
	}
	if (err < 0)
		return err;
	stub_bootstrap_results(&regs, st->arch, &res);
	/*
	 * EBADF: a thread closed it first. Anything else leaves it open: an
	 * error, or the call's own number, which a filter of the program's
	 * that refused the call with SIGSYS leaves in the register.
	 */
	in->fd_closed = res.close_fd == 0 || res.close_fd == -EBADF;
	/* MAP_FIXED_NOREPLACE: the page is there, or nowhere */
	if (res.map_data != (int64_t)(st->address + STUB_PAGE))
		return syscall_result_is_error(res.map_data) ? (int)res.map_data : -EPERM;
	in->data_mapped = 1;
	if (res.dontfork != 0)
		return syscall_result_is_error(res.dontfork) ? (int)res.dontfork : -EPERM;
	return task_sees(in, st->address + STUB_PAGE + DATA_NONCE_AT,
			 st->mem + STUB_PAGE + DATA_NONCE_AT, NONCE_SIZE);
}

/*
 * A fault the tests ask for by name in MEMTRACE_FAULT: the task killed in the
 * middle of the sequence must leave memtrace sane and nothing behind, a
 * signal sent in the middle must be delivered afterwards, not lost,
 * another file put on the memfd's descriptor (here the program's stdin,
 * as a thread's dup2 could) must be found and left alone, and a call a
 * filter of the program's refuses (made beside its filters on purpose:
 * stub-beside-filters) must leave the program as it was.
 */
static int fault_wanted(const char *name)
{
	const char *fault = getenv("MEMTRACE_FAULT");

	return fault && strcmp(fault, name) == 0;
}

/* The seccomp filters /proc/PID/status counts (Linux 5.9), or -1. */
static long filters_of(const char *status_path)
{
	static const char field[] = "\nSeccomp_filters:";
	char *text, *at;
	size_t len;
	long count = -1;

	if (proc_read_file(status_path, &text, &len) < 0)
		return -1;
	at = strstr(text, field);
	if (at)
		count = strtol(at + strlen(field), NULL, 10);
	free(text);
	return count;
}

/*
 * How many seccomp filters the task runs under besides memtrace's one, or
 * -1 where the kernel does not say (before 5.9); *inherited: how many of
 * them memtrace runs under itself (a container's, which let memtrace's
 * own calls through). The others are the program's: they may answer
 * memtrace's remote calls with an error, SIGSYS, or by killing the
 * program, which memtrace cannot tell beforehand.
 */
static long other_filters(pid_t tid, long *inherited)
{
	static long own = -2;	/* memtrace's count, once */
	char path[64];
	long count;

	if (own == -2)
		own = filters_of("/proc/self/status");
	*inherited = own;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	count = filters_of(path);
	return own >= 0 && count > 0 ? count - 1 : -1;
}

/*
 * Takes back what a failed installation left in the task: only the pages
 * its own calls mapped (another may lie where one failed). Returns 0,
 * -ESRCH or -EINTR (inject.h).
 */
static int undo(struct install *in)
{
	const struct install_numbers *nr = &install_numbers[in->inj.arch];
	/* the data page is mapped only after the code page */
	uint64_t len = (uint64_t)(in->code_mapped + in->data_mapped) * STUB_PAGE;
	int64_t ignored;
	int err = 0;

	if (len)
		err = inject_syscall(&in->inj, nr->munmap, (uint64_t[6]){ in->st->address, len },
				     &ignored, in->status);
	if (!inject_task_lost(err) && in->fd >= 0 && !in->fd_closed &&
	    still_ours(in->st, in->inj.tid, in->fd))
		err = inject_syscall(&in->inj, nr->close, (uint64_t[6]){ (uint64_t)in->fd },
				     &ignored, in->status);
	return inject_task_lost(err) ? err : 0;
}

int stub_install(struct vm_space *vm, pid_t tid, enum arch arch, uint64_t seq,
		 struct stub_spares *spares, int *status, int *err_out)
{
	struct install in = { .fd = -1, .status = status };
	long others, inherited;
	int err;

	*err_out = 0;
	if (!as_range_is_free(&vm->as, STUB_ADDRESS, STUB_ADDRESS + 2 * STUB_PAGE)) {
		*err_out = -EEXIST;
		return 0;
	}
	others = other_filters(tid, &inherited);
	/* the tests make it all the same, to see a refusal handled */
	if (others > inherited && !fault_wanted("stub-beside-filters")) {
		*err_out = -ENOTSUP;
		return 0;
	}
	/*
	 * No other task to put a file on the descriptor meanwhile, no filter
	 * but memtrace's to answer the code mmap without its stop, and nothing
	 * the task could read at the address (the model says so; should it be
	 * wrong, the task would run that there).
	 */
	in.straight = vm->refs == 1 && others == 0 && !task_reads(tid, STUB_ADDRESS);
	/* a spare's memfd, opened by the task through memtrace's /proc/PID/fd */
	if (in.straight && same_pid_namespace(tid))
		in.st = stub_spare_take(spares);
	if (!in.st)
		in.st = stub_alloc(spares);
	if (!in.st) {
		*err_out = -ENOMEM;
		return 0;
	}
	err = inject_begin(&in.inj, tid, arch);
	if (err < 0) {
		stub_free(in.st);
		*err_out = err;
		return 0;
	}
	err = in.st->keep_fd >= 0 ? open_spare(&in) : create_memfd(&in);
	/* the spare would not do: back with the spares, and a memfd of its own */
	if (err == -EAGAIN) {
		in.st->reusable = 1;
		stub_free(in.st);
		in.st = stub_alloc(spares);
		err = in.st ? create_memfd(&in) : -ENOMEM;
	}
	/* the call was not used (its name could not be written below sp): it goes on as it was */
	if (!in.replaced) {
		if (!inject_task_lost(err))
			inject_end(&in.inj);
		stub_free(in.st);
		*err_out = err;
		return inject_task_lost(err) ? err : 0;
	}
	if (err == 0 && fault_wanted("kill-while-making-stub"))
		kill(tid, SIGKILL);
	/* a signal that arrives meanwhile must reach the program once it runs again */
	if (err == 0 && fault_wanted("signal-while-making-stub"))
		syscall(SYS_tkill, tid, SIGUSR1);
	if (err == 0) {
		in.st->address = STUB_ADDRESS;
		in.st->arch = arch;
		err = in.st->mem ? write_code(&in) : map_here(&in);
	}
	if (err == 0 && fault_wanted("foreign-file-while-making-stub")) {
		int64_t ignored;

		err = inject_syscall(&in.inj, install_numbers[arch].dup2,
				     (uint64_t[6]){ 0, (uint64_t)in.fd }, &ignored, status);
	}
	/* the model's view of the pages first: past map_in_task nothing may fail */
	if (err == 0)
		err = page_proto(in.st, 0, seq, vm->as.read_implies_exec);
	if (err == 0)
		err = page_proto(in.st, 1, seq, vm->as.read_implies_exec);
	if (err == 0)
		err = map_in_task(&in);
	if (err < 0 && !inject_task_lost(err)) {
		int undone = undo(&in);

		err = undone < 0 ? undone : err;
	}
	/* -ESRCH: the task died; -EINTR: another thread's exec replaced the address space */
	if (inject_task_lost(err)) {
		stub_free(in.st);
		*err_out = err;
		return err;
	}
	/* made: the slots the bootstrap borrowed get their own code */
	if (err == 0) {
		write_slots(in.st, 0, BOOTSTRAP_SLOTS);
		memset((uint8_t *)in.st->mem + STUB_PAGE + DATA_NONCE_AT, 0, NONCE_SIZE);
	}
	/* the task's own call runs again when it is resumed */
	if (inject_end_rerun(&in.inj) < 0 && err == 0)
		err = -ESRCH;
	if (err == 0) {
		in.st->made_in = in.inj.stops;
		in.st->served++;
		/*
		 * No program holds a descriptor of the memfd: it may serve a
		 * next one. Beside other tasks, one may have forked while the
		 * descriptor was open.
		 */
		in.st->reusable = in.fd_closed && in.straight;
		stub_insert_in_model(in.st, &vm->as);
		vm->stub = in.st;
	} else {
		stub_free(in.st);
	}
	*err_out = err;
	return 1;
}

int stub_unmap_instead(const struct stub *st, pid_t tid, enum arch arch, int64_t *result,
		       int *status)
{
	struct injection inj;
	int err = inject_begin(&inj, tid, arch);

	if (err < 0)
		return err;
	/* the kernel runs the changed call through the entry the task took */
	err = inject_instead(&inj, install_numbers[arch].munmap,
			     (uint64_t[6]){ st->address, 2 * STUB_PAGE }, result, status);
	if (inject_task_lost(err))
		return err;
	if (err < 0) {
		inject_end(&inj);	/* the task's own call goes on as it was */
		return err;
	}
	return inject_end_rerun(&inj);
}
