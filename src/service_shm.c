/*
 * System V shared memory: shmat, shmdt, and i386's ipc(SHMAT/SHMDT).
 *
 *   shmat without an address: memtrace places the segment, as for mmap,
 *   and passes the chosen address to the kernel (the model knows the range
 *   is free, so no SHM_REMAP is needed).
 *   At exit the attach is added to the model, or shmdt's detach applied,
 *   and the model's verdict is compared with the kernel's.
 *
 * A segment's size belongs to the segment, not to the address space:
 * memtrace asks shmctl(IPC_STAT) for it before an attach, and where the
 * program is in another IPC namespace than memtrace (where the same id
 * names another segment, or none) lets the kernel place it; an attach the
 * model adds takes its size from the kernel's mapping. Linux numbers a
 * segment's file by its id (the inode /proc/PID/maps shows), which is how
 * shmdt finds it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>

#include "mm/address_space.h"
#include "numa_maps.h"
#include "service_internal.h"
#include "tracee.h"
#include "vm_space.h"

#define IPC_SHMAT 21
#define IPC_SHMDT 22

/* One shm call, whichever entry it came through. */
struct shm_call {
	int attach;		/* shmat, else shmdt */
	int id_arg, addr_arg;	/* which arguments hold the id and the address */
	int shmid;
	uint64_t addr;
	uint64_t flags;
	uint64_t result_ptr;	/* ipc(SHMAT): where the kernel stores the address */
};

/* Returns 0, or -EINVAL for an ipc sub-call or version memtrace does not service. */
static int decode(const struct syscall_event *ev, struct shm_call *c)
{
	const uint64_t *a = ev->args;

	memset(c, 0, sizeof(*c));
	if (strcmp(ev->row->name, "ipc") == 0) {
		if (a[0] >> 16)
			return -EINVAL;	/* a version the kernel refuses */
		c->attach = a[0] == IPC_SHMAT;
		c->id_arg = 1;
		c->addr_arg = 4;
		c->shmid = (int)a[1];
		c->flags = a[2];
		c->result_ptr = a[3];
		c->addr = a[4];
		return 0;
	}
	c->attach = strcmp(ev->row->name, "shmat") == 0;
	c->id_arg = 0;
	c->addr_arg = c->attach ? 1 : 0;
	c->shmid = (int)a[0];
	c->addr = c->attach ? a[1] : a[0];
	c->flags = c->attach ? a[2] : 0;
	return 0;
}

/* Whether task tid is in memtrace's own IPC namespace, where shmctl asks. */
static int in_our_ipc_namespace(pid_t tid)
{
	static struct stat ours;	/* memtrace's: the same for every task */
	struct stat theirs;
	char path[64];

	if (!ours.st_ino && stat("/proc/self/ns/ipc", &ours) < 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/ns/ipc", (int)tid);
	return stat(path, &theirs) == 0 && theirs.st_ino == ours.st_ino &&
	       theirs.st_dev == ours.st_dev;
}

/* The page-aligned size of segment shmid as task tid sees it. Returns 0 or -errno. */
static int segment_size(pid_t tid, int shmid, uint64_t *len)
{
	struct shmid_ds ds;

	if (!in_our_ipc_namespace(tid))
		return -EXDEV;
	if (shmctl(shmid, IPC_STAT, &ds) < 0)
		return -errno;
	*len = mm_page_align(ds.shm_segsz);
	return *len ? 0 : -EINVAL;
}

void plan_shm(struct service *svc, struct tracee *tr)
{
	struct user_regs_struct regs;
	struct shm_call c;
	uint64_t len = 0, chosen;

	(void)svc;
	/* SHM_REMAP without an address is EINVAL: the kernel says so */
	if (decode(&tr->call, &c) < 0 || !c.attach || c.addr || (c.flags & SHM_REMAP) ||
	    segment_size(tr->tid, c.shmid, &len) < 0 ||
	    choose_address(tr, 0, len, &chosen) < 0 || begin_rewrite(tr, &regs) < 0)
		return;
	*arg_reg(&regs, tr->call.arch, c.addr_arg) = chosen;
	finish_rewrite(tr, &regs);
	tr->plan.placed = 1;
	tr->plan.chosen = chosen;
	tr->plan.len = len;
}

/* Marks the file_id of an attach the model made (model_attach) from a segment's id (the inode). */
#define ATTACH_ID (1ull << 62)

/* The attach the kernel made at addr, added to the model. Returns 0 or -errno. */
static int model_attach(struct tracee *tr, const struct shm_call *c, uint64_t addr, uint64_t seq)
{
	struct mapping m;
	uint64_t end = 0;
	int err;

	memset(&m, 0, sizeof(m));
	m.start = addr;
	m.prot = c->flags & SHM_RDONLY ? PROT_READ : PROT_READ | PROT_WRITE;
	/* READ_IMPLIES_EXEC reaches shmat through do_mmap */
	if ((c->flags & SHM_EXEC) || tr->vm->as.read_implies_exec)
		m.prot |= PROT_EXEC;
	/* do_shmat maps with VM_MAYEXEC always, VM_MAYWRITE unless read-only */
	m.max_prot = PROT_READ | PROT_EXEC | (c->flags & SHM_RDONLY ? 0 : PROT_WRITE);
	m.flags = tr->vm->as.def_flags | MAPPING_SHARED;
	m.kind = MAPPING_KIND_SHM;
	m.created_by = seq;
	/* the kernel's mapping holds the whole segment: its size, in any namespace */
	err = take_kernel_backing(tr, addr, &m, &end);
	/*
	 * Each attach is a struct file of its own on the segment: Linux
	 * merges its pieces, and shmdt detaches them, by that file, not by
	 * the segment (whose id the inode still is).
	 */
	m.backing.file_id = ATTACH_ID | seq;
	m.end = end;
	if (err == 0 && end <= addr)
		err = -EINVAL;
	if (err == 0)
		err = as_insert(&tr->vm->as, &m);
	mapping_path_put(m.backing.path);
	return err;
}

/* The file_id of the attach that made a piece (model_attach), or 0 where the model does not know. */
static uint64_t attach_of(const struct mapping *m)
{
	return m->backing.file_id & ATTACH_ID ? m->backing.file_id : 0;
}

/*
 * shmdt as Linux does it: the first shm mapping at or above addr whose
 * offset says it was attached at addr, then the rest of that segment's
 * mappings within its size. Returns 0 or -EINVAL, or 1 where the pieces
 * it would take are not all known to the model by their attach (/proc
 * does not tell it after memtrace took the kernel's view): the detach is
 * then the kernel's to say, and the model is left as it was.
 */
static int model_detach(struct address_space *as, pid_t tid, uint64_t addr)
{
	const struct mapping *m;
	uint64_t file_id = 0, len = 0, next;

	if (!mm_page_aligned(addr))
		return -EINVAL;
	for (m = as_find(as, addr); m; m = as_next(as, m))
		if (m->kind == MAPPING_KIND_SHM && m->start - addr == m->offset)
			break;
	if (!m)
		return -EINVAL;
	file_id = m->backing.file_id;
	/*
	 * removed (IPC_RMID) segments, or those of another namespace, cannot be
	 * asked: every fragment of it past addr goes
	 */
	if (segment_size(tid, (int)m->backing.inode, &len) < 0)
		len = UINT64_MAX - addr;
	if (!attach_of(m))
		return 1;
	for (const struct mapping *p = as_next(as, m); p && p->end - addr <= len; p = as_next(as, p))
		if (p->kind == MAPPING_KIND_SHM && !attach_of(p) && p->start - addr == p->offset &&
		    p->backing.inode == m->backing.inode)
			return 1;
	/* that first one goes whole, even grown past the segment by mremap */
	next = m->end;
	as_unmap(as, m->start, mapping_len(m));
	m = as_find(as, next);
	while (m && m->end - addr <= len) {
		next = m->end;
		if (m->kind == MAPPING_KIND_SHM && m->backing.file_id == file_id &&
		    m->start - addr == m->offset)
			as_unmap(as, m->start, mapping_len(m));
		m = as_find(as, next);
	}
	return 0;
}

void commit_shm(struct service *svc, struct tracee *tr, int64_t result)
{
	struct shm_call c;
	uint32_t stored;
	uint64_t addr;
	int err;

	if (decode(&tr->call, &c) < 0)
		return;
	if (!c.attach) {
		err = model_detach(&tr->vm->as, tr->tid, c.addr);
		if (err == 1 && result == 0)
			take_kernel_view(svc, tr, "a detach of pieces whose attach /proc did not tell");
		else
			check_same(svc, tr, err == 1 ? 0 : err, result);
		return;
	}
	if (tr->plan.placed)
		addr = tr->plan.chosen;
	else if (c.result_ptr && result == 0 && tracee_read(tr->tid, c.result_ptr, &stored, 4) == 0)
		addr = stored;
	else if (!c.result_ptr && !syscall_result_is_error(result))
		addr = (uint64_t)result;
	else
		addr = c.flags & SHM_RND ? c.addr & ~(uint64_t)(SHMLBA - 1) : c.addr;
	/*
	 * ipc(SHMAT) attaches first and fails with EFAULT if it cannot store
	 * the address: the segment is mapped all the same.
	 */
	if (syscall_result_is_error(result) && !(c.result_ptr && result == -EFAULT))
		return;
	if (tr->plan.placed && !c.result_ptr && (uint64_t)result != addr)
		internal_error(svc, tr, "shmat placement", addr, result);
	err = model_attach(tr, &c, addr, svc->seq);
	/* the segment keeps the policies mbind gave it: the new attach shows them */
	if (err == 0)
		err = numa_maps_apply(tr->tid, &tr->vm->as);
	/* the segment vanished (IPC_RMID and last detach), or an odd case */
	if (err < 0)
		take_kernel_view(svc, tr, "an attach the model cannot add");
}
