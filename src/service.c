/*
 * Servicing the memory calls against the model.
 *
 *   entry:  mmap/mmap2/old_mmap without MAP_FIXED  -> memtrace picks the
 *           address (as_get_unmapped_area) and rewrites the call to
 *           MAP_FIXED_NOREPLACE there (old_mmap becomes mmap2);
 *           mremap that must move                 -> memtrace picks the new
 *           place and rewrites it to MREMAP_FIXED.
 *   exit:   the argument registers are restored (the ABI promises the
 *           program they survive the call), the call's effect is applied to
 *           the model, and the model's own answer is checked against the
 *           kernel's: any disagreement is reported as an internal error.
 */
#include <errno.h>
#include <linux/magic.h>
#include <fcntl.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "diag.h"
#include "entry_check.h"
#include "mm/brk.h"
#include "mm/change.h"
#include "mm/remap.h"
#include "mm/seal.h"
#include "numa_maps.h"
#include "one_stop.h"
#include "proc_maps.h"
#include "service.h"
#include "service_internal.h"
#include "stub.h"
#include "vm_space.h"

#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x1000U	/* Linux 5.8 */
#endif

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x3
#endif
#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif
/* What MAP_SHARED_VALIDATE accepts besides MAP_SYNC (the kernel's LEGACY_MAP_MASK). */
#define LEGACY_MAP_MASK (MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | MAP_DENYWRITE | \
			 MAP_EXECUTABLE | 0x4000000 /* MAP_UNINITIALIZED */ | MAP_GROWSDOWN | \
			 MAP_LOCKED | MAP_NORESERVE | MAP_POPULATE | MAP_NONBLOCK | MAP_STACK | \
			 MAP_HUGETLB)
#define I386_NR_MMAP2 192
#define MAP_TYPE_DROPPABLE 0x08	/* Linux 6.11's MAP_DROPPABLE, a value of the type field */

void internal_error(struct service *svc, const struct tracee *tr, const char *what,
			   int64_t model, int64_t kernel)
{
	svc->problems++;
	error_msg("internal error: [pid %d] %s: the model says %#llx (%lld), the kernel %#llx (%lld)",
		  (int)tr->tid, what, (unsigned long long)model, (long long)model,
		  (unsigned long long)kernel, (long long)kernel);
}

/* Starts the rewrite of a call from the registers read at its stop. Returns 0. */
int begin_rewrite(struct tracee *tr, struct user_regs_struct *regs)
{
	*regs = tr->regs;
	tr->plan.regs = *regs;
	return 0;
}

void finish_rewrite(struct tracee *tr, struct user_regs_struct *regs)
{
	/* sent as the task resumes (service_send_registers): one SETREGS a stop */
	tr->plan.sent = *regs;
	tr->plan.rewritten = 1;
}

int service_send_registers(struct tracee *tr, uint64_t ip)
{
	long rc = 0;

	if (tr->plan.rewritten) {
		if (ip)
			tr->plan.sent.rip = ip;
		rc = ptrace(PTRACE_SETREGS, tr->tid, 0L, &tr->plan.sent);
	} else if (ip) {
		rc = ptrace(PTRACE_POKEUSER, tr->tid, offsetof(struct user, regs.rip), ip);
	}
	return rc < 0 ? -errno : 0;
}

/* A mapping of a file on tmpfs (or a memfd): shmem keeps mbind's policy in the file. */
static int file_on_shmem(const struct mapping *m)
{
	/* whether a device is tmpfs: asked once per device (every file mmap asks) */
	static struct { uint32_t major, minor; int tmpfs; } known[16];
	static unsigned nknown;
	struct statfs fs;
	int tmpfs;

	if (m->kind == MAPPING_KIND_ANON || m->kind == MAPPING_KIND_MEMTRACE_STUB ||
	    !m->backing.path || mapping_is_dev_zero(m))
		return 0;
	/*
	 * memfds, and the shmem file of shared anonymous memory and shared
	 * /dev/zero, as a resync finds it by name (with no flag saying so)
	 */
	if (strncmp(m->backing.path->name, "/memfd:", 7) == 0 ||
	    strcmp(m->backing.path->name, "/dev/zero (deleted)") == 0)
		return 1;
	for (unsigned i = 0; i < nknown && i < 16; i++)
		if (known[i].major == m->backing.dev_major && known[i].minor == m->backing.dev_minor)
			return known[i].tmpfs;
	if (statfs(m->backing.path->name, &fs) < 0)
		return 0;
	tmpfs = fs.f_type == TMPFS_MAGIC;
	known[nknown % 16].major = m->backing.dev_major;
	known[nknown % 16].minor = m->backing.dev_minor;
	known[nknown % 16].tmpfs = tmpfs;
	nknown++;
	return tmpfs;
}

/*
 * The path of the file (st) open on fd, whose /proc/PID/fd link is link: a
 * new reference in *path. The same file on the same descriptor and mount
 * as the last time keeps its path where it has one name (a hard link's
 * other name, a bind mount's other place, an unlinked file all show
 * otherwise). A file renamed in between keeps its old name, as the
 * mappings made of it before do. Returns 0 or -ENOMEM.
 */
static int file_path(struct vm_space *vm, const char *link, int fd, const struct statx *st,
		     struct mapping_path **path)
{
	char target[4096];
	ssize_t n;
	int one_name = st->stx_nlink == 1 && (st->stx_mask & STATX_MNT_ID);

	if (one_name && vm->last_file.path && vm->last_file.fd == fd &&
	    vm->last_file.dev_major == st->stx_dev_major &&
	    vm->last_file.dev_minor == st->stx_dev_minor && vm->last_file.ino == st->stx_ino &&
	    vm->last_file.mnt_id == st->stx_mnt_id) {
		*path = mapping_path_get(vm->last_file.path);
		return 0;
	}
	n = readlink(link, target, sizeof(target) - 1);
	target[n > 0 ? n : 0] = '\0';
	*path = mapping_path_new(target);
	if (!*path)
		return -ENOMEM;
	mapping_path_put(vm->last_file.path);
	vm->last_file.path = NULL;
	if (!one_name)
		return 0;
	vm->last_file.fd = fd;
	vm->last_file.dev_major = st->stx_dev_major;
	vm->last_file.dev_minor = st->stx_dev_minor;
	vm->last_file.ino = st->stx_ino;
	vm->last_file.mnt_id = st->stx_mnt_id;
	vm->last_file.path = mapping_path_get(*path);
	return 0;
}

/* The model's mapping for an mmap the kernel is about to make. Returns 0 or -errno. */
static int mmap_proto(const struct tracee *tr, uint64_t start, uint64_t len, uint64_t prot,
		      uint64_t flags, int fd, uint64_t off_bytes, uint64_t seq, struct mapping *m)
{
	memset(m, 0, sizeof(*m));
	m->start = start;
	m->end = start + len;
	m->prot = prot & (PROT_READ | PROT_WRITE | PROT_EXEC);
	m->max_prot = PROT_READ | PROT_WRITE | PROT_EXEC;
	m->created_by = seq;
	m->flags = tr->vm->as.def_flags;
	if ((flags & 0xf) == MAP_SHARED || (flags & 0xf) == MAP_SHARED_VALIDATE)
		m->flags |= MAPPING_SHARED;	/* MAP_PRIVATE, MAP_DROPPABLE (6.11): private */
	/* pages that may go at any time: not reserved, not copied, not dumped */
	if ((flags & 0xf) == MAP_TYPE_DROPPABLE) {
		m->flags |= MAPPING_DROPPABLE | MAPPING_NORESERVE | MAPPING_WIPEONFORK |
			    MAPPING_DONTDUMP;
		m->flags &= ~MAPPING_LOCK_MASK;	/* not even under mlockall(MCL_FUTURE) */
	}
	if (flags & MAP_GROWSDOWN)
		m->flags |= MAPPING_GROWSDOWN;
	if (flags & MAP_LOCKED)
		m->flags |= MAPPING_LOCKED;
	if (flags & MAP_NORESERVE)
		m->flags |= MAPPING_NORESERVE;
	/*
	 * READ_IMPLIES_EXEC: do_mmap adds PROT_EXEC, except for a file that
	 * may not be executed (commit_mmap asks the kernel: rie_noexec)
	 */
	if (tr->vm->as.read_implies_exec && (prot & PROT_READ))
		m->prot |= PROT_EXEC;
	if (flags & MAP_ANONYMOUS) {
		m->flags |= MAPPING_ANON;
		m->kind = MAPPING_KIND_ANON;
		/* Linux backs each shared anonymous mapping with a file of its own. */
		if (m->flags & MAPPING_SHARED)
			m->backing.file_id = (1ull << 63) | seq;
		return 0;
	}

	char path[64], info[256];
	struct statx st;
	int err;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)tr->tid, fd);
	if (statx(AT_FDCWD, path, 0, STATX_INO | STATX_NLINK | STATX_MNT_ID, &st) < 0)
		return -errno;
	err = file_path(tr->vm, path, fd, &st, &m->backing.path);
	if (err < 0)
		return err;
	m->kind = MAPPING_KIND_FILE;
	m->offset = off_bytes;
	m->backing.dev_major = st.stx_dev_major;
	m->backing.dev_minor = st.stx_dev_minor;
	m->backing.inode = st.stx_ino;
	m->backing.file_id = st.stx_ino;
	/* A shared mapping of a file not open for writing may never become writable. */
	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int)tr->tid, fd);
	FILE *f = m->flags & MAPPING_SHARED ? fopen(path, "re") : NULL;
	if (f) {
		unsigned long fl;

		while (fgets(info, sizeof(info), f))
			if (sscanf(info, "flags: %lo", &fl) == 1 && (fl & O_ACCMODE) == O_RDONLY)
				m->max_prot &= ~PROT_WRITE;
		fclose(f);
	}
	return 0;
}

int choose_address(const struct tracee *tr, uint64_t hint, uint64_t len, uint64_t *chosen)
{
	uint64_t recorded = tr->plan.recorded;

	/*
	 * An i386 call from a 64-bit program (int $0x80) is placed below
	 * 4 GiB by the kernel's compat rules, which the model does not keep:
	 * the kernel places it, the model follows.
	 */
	if (tr->call.arch != tr->vm->arch)
		return -EOPNOTSUPP;

	if (recorded && mm_page_aligned(recorded) && recorded + len > recorded &&
	    recorded + len <= tr->vm->as.layout.task_size &&
	    as_range_is_free(&tr->vm->as, recorded, recorded + len)) {
		*chosen = recorded;
		return 0;
	}
	return as_get_unmapped_area(&tr->vm->as, hint, len, chosen);
}

/* An mmap's file offset in bytes (mmap2 gives it in pages). */
static uint64_t mmap_offset(const struct syscall_event *ev, const uint64_t a[6])
{
	return ev->nr == I386_NR_MMAP2 && ev->arch == ARCH_I386 ? a[5] << 12 : a[5];
}

static void plan_mmap(struct service *svc, struct tracee *tr)
{
	struct syscall_event *ev = &tr->call;
	int old_mmap = ev->row->family == FAMILY_OLD_MMAP;
	struct user_regs_struct regs;
	struct mapping proto;
	uint64_t a[6], len, off_bytes, chosen;

	syscall_event_args(ev, a);
	len = mm_page_align(a[1]);
	off_bytes = mmap_offset(ev, a);
	/*
	 * Leave to the kernel what memtrace does not place: fixed addresses
	 * (the model follows at exit), MAP_32BIT and huge pages (other
	 * placement rules), and calls that fail before placement.
	 */
	if ((a[3] & (MAP_FIXED | MAP_FIXED_NOREPLACE | MAP_32BIT | MAP_HUGETLB)) ||
	    (a[3] & 0xf) < MAP_SHARED || (a[3] & 0xf) > 3 || a[1] == 0 || len == 0 ||
	    (old_mmap && (ev->ind_fault || (a[5] & 0xfff))))
		return;
	/* MAP_SHARED_VALIDATE refuses MAP_FIXED_NOREPLACE; unknown flags are EOPNOTSUPP. */
	if ((a[3] & 0xf) == MAP_SHARED_VALIDATE && (a[3] & ~(LEGACY_MAP_MASK | MAP_SYNC)))
		return;
	if (choose_address(tr, a[0], len, &chosen) < 0)
		return;
	if (mmap_proto(tr, chosen, len, a[2], a[3], (int)a[4], off_bytes, svc->seq, &proto) < 0)
		return;	/* a bad fd: the kernel says EBADF */
	/* io_uring's rings refuse any address they are given (EINVAL): the kernel places them */
	if (proto.backing.path && strcmp(proto.backing.path->name, "anon_inode:[io_uring]") == 0)
		goto out;
	if (begin_rewrite(tr, &regs) < 0)
		goto out;
	if (old_mmap)
		regs.orig_rax = I386_NR_MMAP2;
	*arg_reg(&regs, ev->arch, 0) = chosen;
	*arg_reg(&regs, ev->arch, 1) = a[1];
	*arg_reg(&regs, ev->arch, 2) = a[2];
	/* The model knows the range is free, so MAP_FIXED there replaces nothing. */
	*arg_reg(&regs, ev->arch, 3) =
		a[3] | ((a[3] & 0xf) == MAP_SHARED_VALIDATE ? MAP_FIXED : MAP_FIXED_NOREPLACE);
	*arg_reg(&regs, ev->arch, 4) = a[4];
	*arg_reg(&regs, ev->arch, 5) = old_mmap ? a[5] >> 12 : a[5];
	finish_rewrite(tr, &regs);
	tr->plan.placed = 1;
	tr->plan.chosen = chosen;
	tr->plan.len = len;
	/* Reserve it now: another thread's call may be placed before this one returns. */
	tr->plan.reserved = as_insert(&tr->vm->as, &proto) == 0;
out:
	mapping_path_put(proto.backing.path);
}

/*
 * The old range must lie in one VMA. Where the model cuts it only by an
 * offset it cannot see (as_cut_by_offset_only), the kernel says whether it
 * is one; mremap runs alone, so nothing else changes it meanwhile.
 */
static void take_kernel_cut(struct tracee *tr, uint64_t addr, uint64_t len)
{
	uint64_t start, end;

	if (!mm_page_aligned(addr) || !len || !as_cut_by_offset_only(&tr->vm->as, addr, len) ||
	    proc_vma_at(tr->tid, addr, &start, &end) < 0 || end - addr < len)
		return;
	debug_msg("[pid %d] the kernel holds %#llx-%#llx as one VMA: the model joins it",
		  (int)tr->tid, (unsigned long long)addr, (unsigned long long)(addr + len));
	as_join_cut_by_offset(&tr->vm->as, addr, len);
}

static void plan_mremap(struct service *svc, struct tracee *tr)
{
	struct syscall_event *ev = &tr->call;
	uint64_t addr = ev->args[0], old_len = mm_page_align(ev->args[1]);
	uint64_t new_len = mm_page_align(ev->args[2]), flags = ev->args[3], chosen;
	struct user_regs_struct regs;

	(void)svc;
	take_kernel_cut(tr, addr, old_len);
	/* Only a move the kernel would place itself: MAYMOVE, not FIXED, growing. */
	if (flags != MREMAP_MAYMOVE || !new_len || new_len <= old_len || !mm_page_aligned(addr) ||
	    as_can_expand(&tr->vm->as, addr, old_len, new_len) != -ENOMEM)
		return;
	if (choose_address(tr, 0, new_len, &chosen) < 0 ||
	    begin_rewrite(tr, &regs) < 0)
		return;
	*arg_reg(&regs, ev->arch, 3) = flags | MREMAP_FIXED;
	*arg_reg(&regs, ev->arch, 4) = chosen;
	finish_rewrite(tr, &regs);
	tr->plan.placed = 1;
	tr->plan.chosen = chosen;
	tr->plan.len = new_len;
}

/* Makes the kernel skip the call, which returns result. Returns 0 or -errno. */
static int skip_call(struct tracee *tr, int64_t result)
{
	struct user_regs_struct regs = tr->regs;

	regs.orig_rax = -1;
	regs.rax = (uint64_t)result;
	if (ptrace(PTRACE_SETREGS, tr->tid, 0L, &regs) < 0)
		return -errno;
	return 0;
}

static void plan_mbind(struct service *svc, struct tracee *tr);

int service_entry(struct service *svc, struct tracee *tr)
{
	int64_t result;

	memset(&tr->plan, 0, sizeof(tr->plan));
	if (svc->recorded_address)
		tr->plan.recorded = svc->recorded_address(svc->replay_ctx, tr);
	if (!tr->vm)
		return 0;
	svc->seq++;
	tr->plan.seq = svc->seq;
	tr->plan.brk_before = tr->vm->as.brk_current;
	tr->vm->as.read_implies_exec = tr->read_implies_exec;
	if (entry_check(tr, &result) && skip_call(tr, result) == 0) {
		tr->call.has_result = 1;
		tr->call.result = result;
		tr->plan.decided = 1;
		debug_msg("[pid %d] %s decided at entry: %lld", (int)tr->tid, tr->call.row->name,
			  (long long)result);
		return 1;
	}
	switch (tr->call.row->family) {
	case FAMILY_MMAP:
	case FAMILY_OLD_MMAP:
		plan_mmap(svc, tr);
		break;
	case FAMILY_MREMAP:
		plan_mremap(svc, tr);
		break;
	case FAMILY_SHM:
		plan_shm(svc, tr);
		break;
	case FAMILY_MBIND:
		plan_mbind(svc, tr);
		break;
	default:
		break;
	}
	return 0;
}

int service_prepare_late_commit(struct service *svc, struct tracee *tr)
{
	const struct syscall_event *ev = &tr->call;
	struct mapping *m;
	uint64_t a[6];
	int err;

	tr->plan.late = 1;
	if ((ev->row->family != FAMILY_MMAP && ev->row->family != FAMILY_OLD_MMAP) ||
	    tr->plan.reserved)
		return 0;
	tr->vm->as.read_implies_exec = tr->read_implies_exec;
	syscall_event_args(ev, a);
	if (a[3] & MAP_ANONYMOUS)
		return 0;
	m = malloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	err = mmap_proto(tr, 0, mm_page_align(a[1]), a[2], a[3], (int)a[4], mmap_offset(ev, a),
			 svc->seq, m);
	if (err < 0) {
		mapping_path_put(m->backing.path);
		free(m);
		return err;
	}
	tr->plan.proto = m;
	return 0;
}

/*
 * Where a private anonymous mmap memtrace places would go, found as
 * plan_mmap will find it when the call starts (the model does not change
 * in between). Returns 0 and [*start, *end), or -1 when the call is not
 * such a placement (files, shared memory, fixed or huge-page calls,
 * replay's imposed addresses): it then runs alone.
 */
static int anon_placement(const struct service *svc, const struct tracee *tr, uint64_t *start,
			  uint64_t *end)
{
	const struct syscall_event *ev = &tr->call;
	uint64_t a[6], len, chosen;

	if (svc->recorded_address || ev->row->family != FAMILY_MMAP || ev->ind_fault)
		return -1;
	syscall_event_args(ev, a);
	len = mm_page_align(a[1]);
	if ((a[3] & 0xf) != MAP_PRIVATE || !(a[3] & MAP_ANONYMOUS) || !a[1] || !len ||
	    (a[3] & (MAP_FIXED | MAP_FIXED_NOREPLACE | MAP_32BIT | MAP_HUGETLB | MAP_GROWSDOWN |
		     MAP_LOCKED)) ||
	    /* one_stop_make_way unmaps the stub for a hint there, outside this reach */
	    (tr->vm->stub && !tr->vm->stub_refused && a[0] && stub_overlaps(tr->vm->stub, a[0], a[1])) ||
	    choose_address(tr, a[0], len, &chosen) < 0)
		return -1;
	*start = chosen;
	*end = chosen + len;
	return 0;
}

void service_reach(const struct service *svc, const struct tracee *tr, struct call_reach *reach)
{
	const struct syscall_event *ev = &tr->call;
	const struct address_space *as;
	const struct mapping *first, *last;
	uint64_t start = ev->args[0], len = mm_page_align(ev->args[1]), end = start + len;

	*reach = (struct call_reach){ .exclusive = 1 };
	/*
	 * A lone task has nothing in flight beside its call: no need to look
	 * (this is every call of most programs). numa_maps is read whole after
	 * each call once tmpfs policies are followed.
	 */
	if (!tr->vm || tr->vm->refs == 1)
		return;
	/* another task may be inside a slot's code: it runs alone, once none is */
	if (one_stop_needs_idle_stub(tr)) {
		reach->needs_idle_stub = 1;
		return;
	}
	if (tr->vm->file_policies || svc->shared_policies || ev->arch != tr->vm->arch)
		return;
	switch (ev->row->family) {
	case FAMILY_MUNMAP:
	case FAMILY_MADVISE:
		break;
	case FAMILY_MPROTECT:
		/* PROT_GROWSDOWN/UP: the kernel widens the range; the model resyncs */
		if (ev->args[2] & ~7ull)
			return;
		break;
	case FAMILY_MMAP:
		/* the place it will get is reserved in the model at its start */
		if (anon_placement(svc, tr, &start, &end) < 0)
			return;
		break;
	default:
		return;	/* brk, remaps, locks, shm, mbind: they read or change more */
	}
	as = &tr->vm->as;
	if (!mm_page_aligned(start) || start == end || end < start)
		return;
	/* near max_map_count, which of two splitting calls fails depends on their order */
	if (as_map_count(as) + 2 * VM_IN_FLIGHT_MAX >= as->layout.max_map_count)
		return;
	/* the mappings cut at either end, and the neighbours a change may merge with */
	first = as_find(as, start ? start - 1 : 0);
	last = as_find(as, end);
	reach->lo = first && first->start < start ? first->start : start;
	reach->hi = last && last->start <= end ? last->end : end;
	/* a stack grows by faults the model does not see, and keeps a gap below */
	for (const struct mapping *m = as_find(as, reach->lo); m && m->start < reach->hi;
	     m = as_next(as, m))
		if (m->flags & MAPPING_GROWSDOWN)
			return;
	reach->exclusive = 0;
}

void service_discard(struct tracee *tr)
{
	if (!tr->plan.proto)
		return;
	mapping_path_put(tr->plan.proto->backing.path);
	free(tr->plan.proto);
	tr->plan.proto = NULL;
}

/* Puts back the argument registers the call's rewrite changed, keeping its result. */
static void restore_registers(struct tracee *tr)
{
	struct user_regs_struct regs;

	if (!tr->plan.rewritten)
		return;
	/*
	 * A call changes no register but rax (rcx and r11 were set by the
	 * syscall instruction before the entry stop): the registers saved
	 * there plus the result are the registers to give back.
	 */
	if (tr->call.has_result) {
		regs = tr->plan.regs;
		regs.rax = (uint64_t)tr->call.result;
	} else if (ptrace(PTRACE_GETREGS, tr->tid, 0L, &regs) < 0) {
		return;
	}
	for (int i = 0; i < 6; i++)
		*arg_reg(&regs, tr->call.arch, i) = *arg_reg(&tr->plan.regs, tr->call.arch, i);
	regs.orig_rax = tr->plan.regs.orig_rax;
	if (ptrace(PTRACE_SETREGS, tr->tid, 0L, &regs) < 0 && errno != ESRCH)
		errno_msg(errno, "[pid %d] cannot restore registers", (int)tr->tid);
}

/*
 * Memory the kernel backs with a file of its own, whose inode only it
 * knows: shared anonymous memory and shared mappings of /dev/zero (shmem),
 * and anonymous huge pages (hugetlbfs, "/anon_hugepage (deleted)").
 */
static int kernel_backed(uint64_t flags, const struct mapping *m)
{
	if ((flags & MAP_ANONYMOUS) && (flags & MAP_HUGETLB))
		return 1;
	return (m->flags & MAPPING_SHARED) &&
	       ((flags & MAP_ANONYMOUS) || (m->kind == MAPPING_KIND_FILE && mapping_is_dev_zero(m)));
}

/*
 * The kernel backs shared anonymous memory with a file of its own
 * ("/dev/zero (deleted)" on shmem) whose inode only it knows: take it from
 * /proc once the mapping exists. Returns 0 or -errno.
 */
int take_kernel_backing(const struct tracee *tr, uint64_t addr, struct mapping *m, uint64_t *end)
{
	struct maps_entry e;
	char name[4096];
	int err = proc_maps_entry_at(tr->tid, addr, &e, name, sizeof(name));

	if (err < 0)
		return err;
	if (end)
		*end = e.end;
	m->backing.dev_major = e.dev_major;
	m->backing.dev_minor = e.dev_minor;
	m->backing.inode = e.inode;
	m->backing.file_id = e.inode;
	mapping_path_put(m->backing.path);
	m->backing.path = mapping_path_new(name);
	return m->backing.path ? 0 : -ENOMEM;
}

void take_kernel_view(struct service *svc, struct tracee *tr, const char *why)
{
	debug_msg("[pid %d] %s: memtrace takes the kernel's view", (int)tr->tid, why);
	vm_space_resync(tr->vm, tr->tid, svc->seq);
	tr->plan.resynced = 1;
}

/*
 * A new mapping of a tmpfs file may show a policy an earlier mbind set in
 * the file: numa_maps tells (once mbind has set one in this address space,
 * follow_file_policies reads it after every call anyway).
 */
static void take_file_policy(struct tracee *tr, const struct mapping *m)
{
	if (!tr->vm->file_policies && file_on_shmem(m))
		numa_maps_apply(tr->tid, &tr->vm->as);
}

/*
 * Under READ_IMPLIES_EXEC a file mapping gets PROT_EXEC unless the file may
 * not be executed, which takes more than its mount's noexec flag to tell
 * (memfd_secret, anonymous inodes since 6.15, mounts changed meanwhile):
 * the kernel's line for it says. Such a mapping may never execute.
 */
static void rie_noexec(struct tracee *tr, const uint64_t a[6], int64_t addr)
{
	const struct mapping *m;
	struct maps_entry e;
	struct mapping fixed;
	char name[4096];

	if (!tr->read_implies_exec || (a[3] & MAP_ANONYMOUS) || !(a[2] & PROT_READ) ||
	    (a[2] & PROT_EXEC) || !(m = as_lookup(&tr->vm->as, (uint64_t)addr)) ||
	    !(m->prot & PROT_EXEC) || proc_maps_entry_at(tr->tid, (uint64_t)addr, &e, name,
							  sizeof(name)) < 0 ||
	    (e.prot & PROT_EXEC))
		return;
	fixed = *m;
	fixed.start = (uint64_t)addr;
	fixed.end = (uint64_t)addr + mm_page_align(a[1]) < m->end ? (uint64_t)addr + mm_page_align(a[1])
								 : m->end;
	fixed.offset = m->offset + ((uint64_t)addr - m->start);
	fixed.prot &= (uint8_t)~PROT_EXEC;
	fixed.max_prot &= (uint8_t)~PROT_EXEC;
	as_insert(&tr->vm->as, &fixed);
}

static void commit_mmap(struct service *svc, struct tracee *tr, int64_t result)
{
	struct syscall_event *ev = &tr->call;
	struct call_plan *plan = &tr->plan;
	uint64_t a[6], len, kernel_end = 0;
	struct mapping proto;
	int err;

	if (syscall_result_is_error(result)) {
		if (plan->reserved)
			as_unmap(&tr->vm->as, plan->chosen, plan->len);
		if (result == -EEXIST && plan->placed) {
			/*
			 * Something memtrace does not trap mapped memory there
			 * (a uprobe's page, a shadow stack): this call fails as
			 * the program would never see natively; the next ones
			 * are placed from the kernel's view.
			 */
			internal_error(svc, tr, "mmap where a mapping the model does not know lies",
				       plan->chosen, result);
			take_kernel_view(svc, tr, "an mmap refused with EEXIST");
			return;
		}
		/*
		 * MAP_FIXED unmaps the range before the file's mmap can refuse
		 * (MAP_SYNC on a file without DAX: EOPNOTSUPP): the range may be gone.
		 */
		syscall_event_args(ev, a);
		/* a sealed mapping in the way refuses it before anything changes */
		if ((a[3] & MAP_FIXED) && result == -EPERM &&
		    as_range_has_sealed(&tr->vm->as, a[0], a[0] + mm_page_align(a[1])))
			return;
		if ((a[3] & MAP_FIXED) && result != -EINVAL && result != -EBADF)
			take_kernel_view(svc, tr, "a failed MAP_FIXED mmap");
		return;
	}
	syscall_event_args(ev, a);
	if (plan->placed && (uint64_t)result != plan->chosen)
		internal_error(svc, tr, "mmap placement", plan->chosen, result);
	/* The reservation made at entry is the mapping, unless the kernel named its backing. */
	if (plan->reserved) {
		const struct mapping *r = as_lookup(&tr->vm->as, result);

		if (r && !kernel_backed(a[3], r)) {
			take_file_policy(tr, r);
			rie_noexec(tr, a, result);
			return;
		}
	}
	len = mm_page_align(a[1]);
	if (as_range_has_sealed(&tr->vm->as, result, result + len))
		internal_error(svc, tr, "MAP_FIXED over memory the model holds sealed", -EPERM, result);
	if (plan->proto) {
		/* read at entry: the fd may be closed by now */
		proto = *plan->proto;
		proto.start = result;
		proto.end = result + len;
		proto.backing.path = mapping_path_get(proto.backing.path);
		err = 0;
	} else {
		err = mmap_proto(tr, result, len, a[2], a[3], (int)a[4], mmap_offset(ev, a), svc->seq,
				 &proto);
	}
	if (err == 0 && kernel_backed(a[3], &proto)) {
		/* /dev/zero keeps its offset; MAP_ANONYMOUS has none */
		if (a[3] & MAP_ANONYMOUS) {
			proto.flags |= MAPPING_ANON;
			proto.kind = MAPPING_KIND_ANON;
		}
		err = take_kernel_backing(tr, result, &proto, &kernel_end);
		/* huge pages: the length rounds up to the huge page, as the kernel says */
		if (err == 0 && (a[3] & MAP_HUGETLB) && kernel_end > proto.start)
			proto.end = kernel_end;
	}
	if (err < 0 || as_insert(&tr->vm->as, &proto) < 0)
		internal_error(svc, tr, "mmap cannot be added to the model", err, result);
	else
		take_file_policy(tr, &proto);
	mapping_path_put(proto.backing.path);
	rie_noexec(tr, a, result);
}

/*
 * mremap gives a moved piece of anonymous memory never written to the new
 * address as its offset (copy_vma: no anon_vma yet), else keeps the old
 * one: page faults decide, which memtrace does not see. Private /dev/zero
 * is such memory whose maps line shows the offset: take the kernel's.
 */
static void take_moved_offset(struct tracee *tr, uint64_t addr, uint64_t len)
{
	struct address_space *as = &tr->vm->as;
	const struct mapping *m = as_lookup(as, addr);
	struct mapping proto;
	struct maps_entry e;
	char name[4096];
	uint64_t offset;

	if (!m || proc_maps_entry_at(tr->tid, addr, &e, name, sizeof(name)) < 0)
		return;
	offset = e.offset + (addr - e.start);
	if (offset == m->offset + (addr - m->start))
		return;
	proto = *m;
	proto.start = addr;
	proto.end = addr + len;
	proto.offset = offset;
	as_insert(as, &proto);
}

static void commit_mremap(struct service *svc, struct tracee *tr, int64_t result)
{
	struct address_space *as = &tr->vm->as;
	uint64_t addr = tr->call.args[0], old_len = mm_page_align(tr->call.args[1]);
	uint64_t new_len = mm_page_align(tr->call.args[2]), flags = tr->call.args[3];
	const struct mapping *m = as_lookup(as, addr);
	int zero_private = m && mapping_is_dev_zero(m) && !(m->flags & MAPPING_SHARED);
	int err = 0;

	/*
	 * MREMAP_FIXED unmaps the destination before the checks that can
	 * still fail (an old range past TASK_SIZE, a source that is not
	 * mapped): a failed one may have changed the address space.
	 */
	if (syscall_result_is_error(result)) {
		/*
		 * A sealed source refuses it before anything moves, and so
		 * does a sealed destination for a source of one mapping
		 * (Linux 6.17 moves several one by one, unmapping the
		 * destination piece by piece).
		 */
		if (result == -EPERM && m &&
		    ((m->flags & MAPPING_SEALED) ||
		     ((flags & MREMAP_FIXED) && addr + old_len <= m->end &&
		      as_range_has_sealed(as, tr->call.args[4], tr->call.args[4] + new_len))))
			return;
		if (flags & MREMAP_FIXED)
			take_kernel_view(svc, tr, "a failed MREMAP_FIXED");
		return;
	}
	if (m && (m->flags & MAPPING_SEALED))
		internal_error(svc, tr, "mremap of memory the model holds sealed", -EPERM, result);
	if (tr->plan.placed && (uint64_t)result != tr->plan.chosen)
		internal_error(svc, tr, "mremap placement", tr->plan.chosen, result);
	/* Linux 6.17 moves a range over several mappings; the model moves one. */
	if (m && addr + old_len > m->end && (uint64_t)result != addr) {
		take_kernel_view(svc, tr, "an mremap of several mappings");
		return;
	}
	if ((uint64_t)result == addr) {
		if (new_len < old_len)
			err = as_unmap(as, addr + new_len, old_len - new_len);
		else if (new_len > old_len)
			err = as_expand(as, addr, old_len, new_len);
	} else {
		err = as_move(as, addr, old_len, result, new_len,
			      flags & MREMAP_DONTUNMAP ? AS_MOVE_KEEP_OLD : 0, svc->seq);
		if (err == 0 && zero_private)
			take_moved_offset(tr, (uint64_t)result, new_len);
	}
	if (err < 0)
		internal_error(svc, tr, "mremap on the model", err, result);
}

/* Compares the model's verdict with the kernel's result (0 or -errno). */
void check_same(struct service *svc, struct tracee *tr, int model, int64_t kernel)
{
	if (model != (syscall_result_is_error(kernel) ? kernel : 0))
		internal_error(svc, tr, tr->call.row->name, model, kernel);
}

static int model_mlockall(struct address_space *as, uint64_t flags)
{
	struct as_change chg;

	if (!flags || (flags & ~7ull) || flags == MCL_ONFAULT)
		return -EINVAL;
	/* each mlockall sets MCL_FUTURE anew (apply_mlockall_flags) */
	as->def_flags &= ~MAPPING_LOCK_MASK;
	if (flags & MCL_FUTURE)
		as->def_flags |= MAPPING_LOCKED | (flags & MCL_ONFAULT ? MAPPING_LOCKONFAULT : 0);
	if (!(flags & MCL_CURRENT))
		return 0;
	as_change_for_mlock(&chg, MAPPING_LOCKED | (flags & MCL_ONFAULT ? MAPPING_LOCKONFAULT : 0));
	chg.holes = AS_HOLES_SKIP;
	as_change_range(as, 0, as->layout.task_size, &chg, NULL);
	return 0;
}

static int model_munlockall(struct address_space *as)
{
	struct as_change chg;

	as->def_flags &= ~MAPPING_LOCK_MASK;
	as_change_for_mlock(&chg, 0);
	chg.holes = AS_HOLES_SKIP;
	as_change_range(as, 0, as->layout.task_size, &chg, NULL);
	return 0;
}

/* mlock, mlock2, munlock: the start may be unaligned; the range widens to pages. */
static int model_mlock(struct address_space *as, const struct syscall_event *ev)
{
	uint64_t start = ev->args[0] & MM_PAGE_MASK;
	uint64_t len = mm_page_align(ev->args[1] + (ev->args[0] - start));
	uint32_t lock = strcmp(ev->row->name, "munlock") ? MAPPING_LOCKED : 0;
	struct as_change chg;

	if (strcmp(ev->row->name, "mlock2") == 0) {
		if (ev->args[2] & ~1ull)
			return -EINVAL;
		if (ev->args[2])
			lock |= MAPPING_LOCKONFAULT;
	}
	/* a length that page-aligns to 0 locks nothing, successfully (apply_vma_lock_flags) */
	as_change_for_mlock(&chg, lock);
	return as_change_range(as, start, len, &chg, NULL);
}

/*
 * Page-only advice that the kernel still refuses per mapping: what it may
 * not drop or age (VM_LOCKED, VM_PFNMAP), and MADV_FREE on anything but
 * private anonymous memory.
 */
static int check_lru_advice(const struct mapping *current, const struct mapping *proposed,
			    void *ctx)
{
	int advice = (int)(intptr_t)ctx;

	(void)proposed;
	if (current->flags & MAPPING_LOCKED || mapping_is_io(current))
		return -EINVAL;
	if (advice == MADV_FREE && !mapping_is_private_anonymous(current))
		return -EINVAL;
	return AS_CHECK_APPLY;
}

/*
 * MADV_REMOVE frees a shared file's pages: EINVAL on locked memory and
 * where no file stands behind (anonymous memory, the vdso), EACCES where
 * the mapping may not write the file (private, or a read-only descriptor).
 * Sealed memory refuses it before that (seal.h).
 */
static int check_remove(const struct mapping *current, const struct mapping *proposed, void *ctx)
{
	(void)proposed;
	(void)ctx;
	if ((current->flags & MAPPING_LOCKED) || mapping_is_vm_special(current) ||
	    (current->flags & (MAPPING_ANON | MAPPING_SHARED)) == MAPPING_ANON)
		return -EINVAL;
	if (!(current->flags & MAPPING_SHARED) || !(current->max_prot & PROT_WRITE))
		return -EACCES;
	return AS_CHECK_APPLY;
}

static void add_madvise_page_checks(struct as_change *chg, int advice)
{
	if (chg->check)
		return;
	if (advice == MADV_DONTNEED || advice == MADV_FREE || advice == MADV_COLD ||
	    advice == MADV_PAGEOUT) {
		chg->check = check_lru_advice;
		chg->check_ctx = (void *)(intptr_t)advice;
	} else if (advice == MADV_REMOVE) {
		chg->check = check_remove;
	}
}

int service_change_verdict(const struct tracee *tr)
{
	const struct syscall_event *ev = &tr->call;
	struct as_change chg;
	int err;

	if (ev->row->family == FAMILY_MPROTECT) {
		as_change_for_mprotect(&chg, ev->args[2] & 7, tr->read_implies_exec);
	} else {
		err = as_change_for_madvise(&chg, (int)ev->args[2]);
		if (err)
			return err;
		add_madvise_page_checks(&chg, (int)ev->args[2]);
	}
	return as_change_verdict(&tr->vm->as, ev->args[0], ev->args[1], &chg);
}

/* Whether [start, start + len) holds a mapping with a file behind it (any name). */
static int range_has_file_memory(const struct address_space *as, uint64_t start, uint64_t len)
{
	uint64_t end = start + mm_page_align(len);

	for (const struct mapping *m = as_find(as, start); m && m->start < end; m = as_next(as, m))
		if (m->backing.path)
			return 1;
	return 0;
}

static void commit_change(struct service *svc, struct tracee *tr, int64_t result)
{
	struct address_space *as = &tr->vm->as;
	const struct syscall_event *ev = &tr->call;
	const char *name = ev->row->name;
	struct as_change chg;
	int model, page_only;

	switch (ev->row->family) {
	case FAMILY_MUNMAP:
		model = as_unmap(as, ev->args[0], ev->args[1]);
		break;
	case FAMILY_MPROTECT:
		model = mprotect_precheck(ev->args[0], ev->args[1], ev->args[2]);
		if (model <= 0)
			break;
		if (ev->args[2] & ~(7ull | 0x8 /* PROT_SEM: accepted, ignored */)) {
			/*
			 * PROT_GROWSDOWN/GROWSUP: the kernel widens the range,
			 * and may fail past what it changed (ENOMEM, EACCES);
			 * EINVAL (not a growsdown mapping) changes nothing.
			 */
			if (result != -EINVAL)
				take_kernel_view(svc, tr, "PROT_GROWSDOWN/PROT_GROWSUP");
			return;
		}
		/* A pkey_mprotect refused for its key changes nothing. */
		if (strcmp(name, "pkey_mprotect") == 0 && syscall_result_is_error(result) &&
		    result != -ENOMEM && result != -EACCES && result != -EPERM)
			return;
		model = as_protect(as, ev->args[0], ev->args[1], ev->args[2] & 7, NULL);
		/*
		 * Executable memory is also the kernel's policy to refuse
		 * (PR_SET_MDWE, which memtrace does not see set; an LSM's
		 * execmem rule), mapping by mapping: where it refused one,
		 * even where the model refused a later one for its file, the
		 * model may have changed mappings the kernel did not: take
		 * its view.
		 */
		if (result == -EACCES && ((ev->args[2] & PROT_EXEC) ||
					  (tr->read_implies_exec && (ev->args[2] & PROT_READ)))) {
			take_kernel_view(svc, tr, "PROT_EXEC refused by the kernel's policy");
			return;
		}
		/*
		 * Private memory made writable becomes data: RLIMIT_DATA and
		 * the commit limit may refuse it (ENOMEM), mapping by
		 * mapping, after the ones below it changed.
		 */
		if (result == -ENOMEM && (ev->args[2] & PROT_WRITE) && model != result) {
			take_kernel_view(svc, tr, "memory made writable refused by the kernel's limits");
			return;
		}
		/*
		 * The PROT_EXEC READ_IMPLIES_EXEC adds depends on VM_MAYEXEC,
		 * which a file's mount or filesystem may deny in ways the
		 * model only learns from the kernel: ask it where file memory
		 * was in the range.
		 */
		if (model == 0 && result == 0 && tr->read_implies_exec &&
		    (ev->args[2] & (PROT_READ | PROT_EXEC)) == PROT_READ &&
		    range_has_file_memory(as, ev->args[0], ev->args[1])) {
			take_kernel_view(svc, tr, "READ_IMPLIES_EXEC over file memory");
			return;
		}
		break;
	case FAMILY_MADVISE:
		model = as_change_for_madvise(&chg, (int)ev->args[2]);
		page_only = model == 0 && !chg.flags_clear && !chg.flags_set && !chg.advice_clear &&
			    !chg.advice_set;
		if (model == 0) {
			add_madvise_page_checks(&chg, (int)ev->args[2]);
			model = as_change_range(as, ev->args[0], ev->args[1], &chg, NULL);
		}
		/*
		 * Advice that acts on pages only may fail on the pages
		 * themselves (EFAULT, EACCES, EPERM, EIO, EAGAIN, EINVAL for
		 * pages it will not drop), and the newest advice is EINVAL
		 * to older kernels; the mappings are untouched either way,
		 * so the kernel's verdict stands (an EPERM too: a memfd's
		 * F_SEAL_FUTURE_WRITE, a key that denies writing). Holes
		 * (ENOMEM) are the model's, and so is a success.
		 */
		if (page_only && syscall_result_is_error(result) && result != -ENOMEM &&
		    model != result) {
			debug_msg("[pid %d] madvise: the kernel says %lld about the pages", (int)tr->tid,
				  (long long)result);
			return;
		}
		break;
	case FAMILY_MLOCK:
		if (strcmp(name, "mlockall") == 0)
			model = model_mlockall(as, ev->args[0]);
		else if (strcmp(name, "munlockall") == 0)
			model = model_munlockall(as);
		else
			model = model_mlock(as, ev);
		/*
		 * RLIMIT_MEMLOCK and CAP_IPC_LOCK are the kernel's to judge
		 * (ENOMEM, EPERM, EAGAIN): where it refused what the model
		 * allowed, take its view.
		 */
		if (model == 0 && syscall_result_is_error(result)) {
			take_kernel_view(svc, tr, "a lock the kernel's limits refused");
			return;
		}
		break;
	default:
		return;
	}
	check_same(svc, tr, model, result);
}

/*
 * Memory whose policy lives in its shmem file: System V and shared
 * anonymous memory, and any mapping (shared or private) of a tmpfs file,
 * whose vm_ops set and read the file's shared policy.
 */
static int shmem_backed(const struct mapping *m)
{
	return m->kind == MAPPING_KIND_SHM ||
	       ((m->flags & MAPPING_SHARED) && (m->flags & MAPPING_ANON)) || file_on_shmem(m);
}

/*
 * Two mappings of one file (the policy belongs to the inode, whichever
 * open file or attach maps it): inode numbers repeat across filesystems.
 */
static int same_file(const struct mapping *a, const struct mapping *b)
{
	return a->backing.inode == b->backing.inode &&
	       a->backing.dev_major == b->backing.dev_major &&
	       a->backing.dev_minor == b->backing.dev_minor;
}

/*
 * mbind on shared memory sets the file's shared policy: every other
 * mapping of that file whose first page it covers shows it too
 * (numa_maps reads the policy at a mapping's first page).
 */
static void share_policy(struct address_space *as, uint64_t start, uint64_t end,
			 const struct as_change *chg)
{
	struct { uint64_t start, end; } others[16];
	size_t n = 0;

	for (const struct mapping *m = as_find(as, start); m && m->start < end; m = as_next(as, m)) {
		uint64_t lo, hi;

		if (!shmem_backed(m))
			continue;
		lo = m->offset + ((start > m->start ? start : m->start) - m->start);
		hi = m->offset + ((end < m->end ? end : m->end) - m->start);
		for (const struct mapping *o = as_first(as); o && n < 16; o = as_next(as, o))
			if (shmem_backed(o) && same_file(o, m) &&
			    (o->end <= start || o->start >= end) && o->offset >= lo && o->offset < hi) {
				others[n].start = o->start;
				others[n++].end = o->end;
			}
	}
	/* applied once the walk is over: a change may split and merge mappings */
	for (size_t i = 0; i < n; i++)
		as_change_range(as, others[i].start, others[i].end - others[i].start, chg, NULL);
}

/*
 * An mbind on shared memory: from its entry on, every address space
 * follows numa_maps, since another process's calls may be committed after
 * the kernel ran this one and before memtrace sees its exit.
 */
static void plan_mbind(struct service *svc, struct tracee *tr)
{
	uint64_t start = tr->call.args[0] & MM_PAGE_MASK;
	uint64_t end = start + mm_page_align(tr->call.args[1] + (tr->call.args[0] & ~MM_PAGE_MASK));

	for (const struct mapping *m = as_find(&tr->vm->as, start); m && m->start < end;
	     m = as_next(&tr->vm->as, m))
		if (shmem_backed(m))
			tr->vm->file_policies = svc->shared_policies = 1;
}

/*
 * The policy mbind set, on the mapped parts of the range (6.1 and later
 * apply it around holes; a range with no mapping at all is EFAULT).
 * Nodes past 63 are not modelled.
 */
static void commit_mbind(struct tracee *tr, int64_t result)
{
	const uint64_t *a = tr->call.args;
	struct mapping_policy policy = { 0 };
	struct as_change chg;
	uint64_t mask = 0, bits, start, len;
	size_t bytes;

	if (result != 0)
		return;
	policy.mode = a[2] & 0xff;
	policy.flags = a[2] & 0xff00;
	/* maxnode counts one more than the last node, rounded up to C longs */
	bits = tr->call.arch == ARCH_I386 ? 32 : 64;
	bytes = a[4] > 1 ? (a[4] - 1 + bits - 1) / bits * (bits / 8) : 0;
	if (a[3] && bytes)
		tracee_read(tr->tid, a[3], &mask, bytes < sizeof(mask) ? bytes : sizeof(mask));
	if (a[4] > 1 && a[4] - 1 < 64)
		mask &= (1ull << (a[4] - 1)) - 1;
	policy.nodemask = mask;
	/* mpol_new keeps MPOL_PREFERRED with an empty nodemask as MPOL_LOCAL */
	if (policy.mode == 1 && !mask)
		policy.mode = 4;
	as_change_for_mbind(&chg, &policy);
	chg.holes = AS_HOLES_SKIP;
	start = a[0] & MM_PAGE_MASK;
	len = mm_page_align(a[1] + (a[0] & ~MM_PAGE_MASK));
	as_change_range(&tr->vm->as, start, len, &chg, NULL);
	share_policy(&tr->vm->as, start, start + len, &chg);
}

/*
 * A tmpfs file's policy is kept per range of the file, and numa_maps shows,
 * for each piece of each mapping of it, the policy at the piece's first
 * page: a split (mprotect, madvise, munmap, mremap) can change what a piece
 * shows. The model does not keep the file's ranges; once mbind has set
 * one in this address space, it takes the policies from numa_maps after
 * every call that may split or make mappings.
 */
static void follow_file_policies(const struct service *svc, struct tracee *tr)
{
	/* msync and brk split nothing of this address space's; another process may have */
	int may_split = tr->call.row->family != FAMILY_MSYNC && tr->call.row->family != FAMILY_BRK;

	if (svc->shared_policies || (may_split && tr->vm->file_policies))
		numa_maps_follow(tr->tid, &tr->vm->as);
}

/*
 * remap_file_pages is an mmap of the same file over part of a shared
 * mapping, at another offset, with the mapping's permissions and lock
 * (mm/mmap.c): a fresh mapping, so advice and policy start anew.
 */
static void commit_remap_file_pages(struct service *svc, struct tracee *tr, int64_t result)
{
	const uint64_t *a = tr->call.args;
	uint64_t start = a[0] & MM_PAGE_MASK, size = a[1] & MM_PAGE_MASK;
	const struct mapping *old = as_lookup(&tr->vm->as, start);
	struct mapping m;
	uint8_t old_prot = 0;

	if (result != 0 || !old) {
		if (result == 0)
			internal_error(svc, tr, "remap_file_pages outside any mapping", -EINVAL, 0);
		/* on System V memory the kernel unmaps the range, then fails */
		else if (old && old->kind == MAPPING_KIND_SHM)
			take_kernel_view(svc, tr, "remap_file_pages on shm");
		return;
	}
	if (as_range_has_sealed(&tr->vm->as, start, start + size))
		internal_error(svc, tr, "remap_file_pages over memory the model holds sealed", -EPERM,
			       result);
	memset(&m, 0, sizeof(m));
	m.start = start;
	m.end = start + size;
	m.offset = a[3] << 12;
	old_prot = old->prot;
	m.prot = old->prot;
	/* the kernel redoes the mmap, READ_IMPLIES_EXEC and all (not where it may not execute) */
	if (tr->read_implies_exec && (m.prot & PROT_READ) && (old->max_prot & PROT_EXEC))
		m.prot |= PROT_EXEC;
	m.max_prot = old->max_prot;
	m.kind = old->kind;
	/* MAPPING_ANON says what backs it (shared anonymous memory's file), not a vm_flag */
	m.flags = (old->flags & (MAPPING_SHARED | MAPPING_ANON | MAPPING_LOCKED | MAPPING_LOCKONFAULT)) |
		  tr->vm->as.def_flags;
	m.backing = old->backing;
	m.created_by = svc->seq;
	if (as_insert(&tr->vm->as, &m) < 0)
		internal_error(svc, tr, "remap_file_pages on the model", -ENOMEM, result);
	/* whether the file may execute, the kernel knows (see commit_change) */
	if (m.prot & PROT_EXEC & ~old_prot)
		take_kernel_view(svc, tr, "READ_IMPLIES_EXEC over file memory");
}

/*
 * Linux's check_data_rlimit, made before brk grows or shrinks: the heap plus
 * the data segment may not pass RLIMIT_DATA.
 */
static int brk_over_data_limit(const struct tracee *tr, uint64_t requested)
{
	static const int data_fields[] = { 45, 46 };	/* start_data, end_data */
	const struct address_space *as = &tr->vm->as;
	uint64_t data[2];
	struct rlimit lim;

	if (requested < as->layout.brk_start || prlimit(tr->tid, RLIMIT_DATA, NULL, &lim) < 0 ||
	    lim.rlim_cur == RLIM_INFINITY ||
	    proc_stat_fields(tr->tid, data_fields, data, 2) < 0)
		return 0;
	return (requested - as->layout.brk_start) + (data[1] - data[0]) > lim.rlim_cur;
}

/*
 * A call on memory just below a stack may be on pages the stack grew into
 * by faults since the model last looked: learn the stack's extent first.
 */
static void follow_stack_below(struct tracee *tr)
{
	const struct mapping *m;

	if (tr->call.row->family == FAMILY_BRK || tr->call.row->family == FAMILY_SHM)
		return;
	m = as_find(&tr->vm->as, tr->call.args[0]);
	if (m && m->start > tr->call.args[0] && (m->flags & MAPPING_GROWSDOWN) &&
	    vm_space_follow_stack(tr->vm, tr->tid) == 1)
		tr->plan.whole_window = 1;
}

/* --verify: the model of tr's address space against /proc/PID/maps. */
static void verify_vm(struct service *svc, struct tracee *tr, const char *what)
{
	/*
	 * Policies another process may set in shared memory at any time are
	 * followed, not foreseen: follow them from as near the check as can be.
	 */
	if (svc->shared_policies)
		numa_maps_follow(tr->tid, &tr->vm->as);
	if (proc_maps_verify(tr->tid, &tr->vm->as, what) != 1)
		return;
	svc->problems++;
	/* One report per address space; the model follows the kernel from here. */
	tr->vm->diverged = 1;
	take_kernel_view(svc, tr, "--verify found a difference");
}

void service_verify_due(struct service *svc, struct tracee *tr)
{
	struct vm_space *vm = tr->vm;

	if (!vm || !vm->verify_due[0] || vm->in_flight_count)
		return;
	if (!vm->diverged) {
		vm_space_follow_stack(vm, tr->tid);
		verify_vm(svc, tr, vm->verify_due);
	}
	vm->verify_due[0] = 0;
}

static void commit_call(struct service *svc, struct tracee *tr);

void service_exit(struct service *svc, struct tracee *tr)
{
	restore_registers(tr);
	if (tr->vm && tr->call.has_result)
		commit_call(svc, tr);
	service_discard(tr);
}

/*
 * Whether the kernel seals for memtrace's programs: Linux 6.10 and later,
 * 64-bit, and no filter memtrace runs under itself (a container's, which
 * its programs run under too) refusing mseal. Asked once, sealing nothing.
 */
static int kernel_seals(void)
{
	static int known = -1;

	if (known < 0) {
		long nr = arch_syscall_number(ARCH_X86_64, "mseal");

		known = nr >= 0 && syscall(nr, 0L, 0L, 0L) == 0;
	}
	return known;
}

static void commit_mseal(struct service *svc, struct tracee *tr, int64_t result)
{
	const uint64_t *a = tr->call.args;

	/* without mseal the kernel's refusal (ENOSYS, a filter's EPERM) stands */
	if (!kernel_seals()) {
		if (!syscall_result_is_error(result))
			take_kernel_view(svc, tr, "an mseal memtrace's own test of it refused");
		return;
	}
	check_same(svc, tr, as_seal(&tr->vm->as, a[0], a[1], a[2]), result);
}

/* The call's effect on the model, checked against the kernel's result. */
static void commit_call(struct service *svc, struct tracee *tr)
{
	struct syscall_event *ev = &tr->call;
	int64_t result = ev->result;

	follow_stack_below(tr);
	tr->vm->as.read_implies_exec = tr->read_implies_exec;
	switch (ev->row->family) {
	case FAMILY_BRK: {
		uint64_t model = tr->vm->as.brk_current;
		/*
		 * RLIMIT_DATA is read only when the kernel kept the old break,
		 * so that a granted brk costs no prlimit. A late commit reads
		 * it after the call, and the program may have raised the limit
		 * since (untrapped): there the kernel's refusal stands, as
		 * mlock's limits do.
		 */
		int refused = (uint64_t)result == (model & arch_infos[ev->arch].word_mask) &&
			      ev->args[0] != model;
		int over = refused && (brk_over_data_limit(tr, ev->args[0]) || tr->plan.late);

		if (!over &&
		    as_brk(&tr->vm->as, ev->args[0], svc->seq, &model) < 0)
			break;
		/* an int $0x80 brk of a 64-bit program gets the low 32 bits */
		model &= arch_infos[ev->arch].word_mask;
		if (model != (uint64_t)result)
			internal_error(svc, tr, "brk", model, result);
		break;
	}
	case FAMILY_MMAP:
	case FAMILY_OLD_MMAP:
		commit_mmap(svc, tr, result);
		break;
	case FAMILY_MREMAP:
		commit_mremap(svc, tr, result);
		break;
	case FAMILY_MUNMAP:
	case FAMILY_MPROTECT:
	case FAMILY_MADVISE:
	case FAMILY_MLOCK:
		commit_change(svc, tr, result);
		break;
	case FAMILY_MSYNC:
		/* no change to what /proc/PID/maps shows */
		break;
	case FAMILY_MBIND:
		commit_mbind(tr, result);
		break;
	case FAMILY_SHM:
		commit_shm(svc, tr, result);
		break;
	case FAMILY_REMAP_FILE_PAGES:
		commit_remap_file_pages(svc, tr, result);
		break;
	case FAMILY_MSEAL:
		commit_mseal(svc, tr, result);
		break;
	case FAMILY_KERNEL_PLACED:
		/*
		 * The kernel placed (or unmapped) the AIO ring or the vDSO
		 * itself, top-down like an mmap: rare enough to read /proc
		 * for, and the model follows where it is.
		 */
		if (!syscall_result_is_error(result))
			take_kernel_view(svc, tr, ev->row->name);
		break;
	case FAMILY_PERSONALITY:
		/* 0xffffffff only asks; anything else becomes the task's persona */
		if (!syscall_result_is_error(result) && (uint32_t)ev->args[0] != 0xffffffffu)
			tr->read_implies_exec = (ev->args[0] & READ_IMPLIES_EXEC) != 0;
		break;
	}
	follow_file_policies(svc, tr);
	if (svc->verify && !tr->vm->diverged) {
		char what[sizeof(tr->vm->verify_due)];

		snprintf(what, sizeof(what), "%s (event %llu)", ev->row->name,
			 (unsigned long long)svc->seq);
		/*
		 * The kernel has yet to run it, or other threads' calls are in
		 * flight: the model is checked when the address space is quiet.
		 */
		if (tr->plan.before_the_kernel || vm_space_others_in_flight(tr->vm, tr)) {
			memcpy(tr->vm->verify_due, what, sizeof(what));
			return;
		}
		tr->vm->verify_due[0] = 0;
		if (vm_space_follow_stack(tr->vm, tr->tid) == 1)
			tr->plan.whole_window = 1;
		verify_vm(svc, tr, what);
	}
}
