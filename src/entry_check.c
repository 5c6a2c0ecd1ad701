/*
 * Deciding a call at its entry. Only what Linux checks before it changes
 * anything, in Linux's order (mm/mmap.c, mm/mremap.c, mm/madvise.c,
 * mm/msync.c, mm/mprotect.c of 6.1), is decided here: a later check could
 * fail after part of the work is done (mprotect over a hole), and those
 * calls go to the kernel, with the model checking the result at exit.
 *
 * Compat (i386) calls run on a 64-bit kernel: their arguments arrive
 * zero-extended and the kernel's arithmetic is 64-bit, so it is here too.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "entry_check.h"
#include "mm/address_space.h"
#include "vm_space.h"

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

int mprotect_precheck(uint64_t start, uint64_t len, uint64_t prot)
{
	uint64_t grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);

	if (grows == (PROT_GROWSDOWN | PROT_GROWSUP) || !mm_page_aligned(start))
		return -EINVAL;
	if (!len)
		return 0;
	len = mm_page_align(len);
	if (!len || start + len <= start)
		return -ENOMEM;
	if (prot & ~(uint64_t)(PROT_READ | PROT_WRITE | PROT_EXEC | 0x8 /* PROT_SEM */ |
			       PROT_GROWSDOWN | PROT_GROWSUP))
		return -EINVAL;
	return 1;
}

/*
 * mmap, mmap2, old_mmap. The fd is looked up before len is checked, and
 * another thread may close or open fds meanwhile: only anonymous calls are
 * decided past the offset checks.
 */
static int check_mmap(const struct syscall_event *ev, int64_t *result)
{
	uint64_t a[6];

	syscall_event_args(ev, a);
	if (ev->row->family == FAMILY_OLD_MMAP) {
		if (ev->ind_fault) {
			*result = -EFAULT;
			return 1;
		}
		if (a[5] & ~MM_PAGE_MASK) {
			*result = -EINVAL;
			return 1;
		}
	} else if (ev->arch == ARCH_X86_64 && (a[5] & ~MM_PAGE_MASK)) {
		*result = -EINVAL;	/* x86_64 mmap: the byte offset comes first */
		return 1;
	}
	/* MAP_HUGETLB sets up its file before len is looked at */
	if (!(a[3] & MAP_ANONYMOUS) || (a[3] & MAP_HUGETLB))
		return 0;
	if (a[1] == 0) {
		*result = -EINVAL;
		return 1;
	}
	if (mm_page_align(a[1]) == 0) {
		*result = -ENOMEM;
		return 1;
	}
	return 0;
}

static int check_munmap(const struct tracee *tr, int64_t *result)
{
	uint64_t start = tr->call.args[0], len = tr->call.args[1];
	uint64_t task_size = tr->vm->as.layout.task_size;

	if (!mm_page_aligned(start) || start > task_size || len > task_size - start ||
	    mm_page_align(len) == 0) {
		*result = -EINVAL;
		return 1;
	}
	return 0;
}

static int check_mprotect(const struct tracee *tr, int64_t *result)
{
	const uint64_t *a = tr->call.args;
	const struct mapping *m;
	int verdict;

	/* pkey_mprotect checks its key first, under the lock: the kernel's */
	if (strcmp(tr->call.row->name, "mprotect"))
		return 0;
	verdict = mprotect_precheck(a[0], a[1], a[2]);
	if (verdict <= 0) {
		*result = verdict;
		return 1;
	}
	if (a[2] & (PROT_GROWSDOWN | PROT_GROWSUP))
		return 0;
	/*
	 * A range starting in a hole fails before any mapping is touched;
	 * not below a stack, which may have grown there unseen.
	 */
	m = as_find(&tr->vm->as, a[0]);
	if (m && (m->start <= a[0] || (m->flags & MAPPING_GROWSDOWN)))
		return 0;
	*result = -ENOMEM;
	return 1;
}

static int check_mremap(const struct syscall_event *ev, int64_t *result)
{
	uint64_t addr = ev->args[0], new_len = ev->args[2];
	uint64_t flags = ev->args[3];

	if ((flags & ~(uint64_t)(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)) ||
	    ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE)) ||
	    ((flags & MREMAP_DONTUNMAP) && !(flags & MREMAP_MAYMOVE)) ||
	    !mm_page_aligned(addr) || mm_page_align(new_len) == 0) {
		*result = -EINVAL;
		return 1;
	}
	return 0;
}

/* Whatever the advice, these are EINVAL (an unknown advice is EINVAL too). */
static int check_madvise(const struct syscall_event *ev, int64_t *result)
{
	uint64_t start = ev->args[0], len = ev->args[1], aligned = mm_page_align(len);

	if (!mm_page_aligned(start) || (len && !aligned) || start + aligned < start) {
		*result = -EINVAL;
		return 1;
	}
	return 0;
}

static int check_msync(const struct syscall_event *ev, int64_t *result)
{
	uint64_t start = ev->args[0], len = mm_page_align(ev->args[1]), flags = ev->args[2];

	if ((flags & ~(uint64_t)(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) || !mm_page_aligned(start) ||
	    ((flags & MS_ASYNC) && (flags & MS_SYNC)))
		*result = -EINVAL;
	else if (start + len < start)
		*result = -ENOMEM;
	else if (start + len == start)
		*result = 0;
	else
		return 0;
	return 1;
}

/*
 * remap_file_pages (an mmap over part of a shared file mapping since Linux
 * 4.0): every error is EINVAL, all decided before anything changes.
 */
static int check_remap_file_pages(const struct tracee *tr, int64_t *result)
{
	const uint64_t *a = tr->call.args;
	uint64_t start = a[0] & MM_PAGE_MASK, size = a[1] & MM_PAGE_MASK, pgoff = a[3];
	const struct mapping *m = as_lookup(&tr->vm->as, start), *next;

	if (a[2] || start + size <= start || pgoff + (size >> 12) < pgoff || !m ||
	    !(m->flags & MAPPING_SHARED)) {
		*result = -EINVAL;
		return 1;
	}
	/* past its mapping, the range may go on over neighbours of the same file and flags */
	for (const struct mapping *prev = m; start + size > prev->end; prev = next) {
		next = as_next(&tr->vm->as, prev);
		if (!next || next->start != prev->end || next->backing.file_id != m->backing.file_id ||
		    next->flags != m->flags || next->prot != m->prot) {
			*result = -EINVAL;
			return 1;
		}
	}
	return 0;
}

int entry_check(const struct tracee *tr, int64_t *result)
{
	const struct syscall_event *ev = &tr->call;

	if (!tr->vm)
		return 0;
	switch (ev->row->family) {
	case FAMILY_MMAP:
	case FAMILY_OLD_MMAP:
		return check_mmap(ev, result);
	case FAMILY_MUNMAP:
		return check_munmap(tr, result);
	case FAMILY_MPROTECT:
		return check_mprotect(tr, result);
	case FAMILY_MREMAP:
		return check_mremap(ev, result);
	case FAMILY_MADVISE:
		return check_madvise(ev, result);
	case FAMILY_MSYNC:
		return check_msync(ev, result);
	case FAMILY_REMAP_FILE_PAGES:
		return check_remap_file_pages(tr, result);
	default:
		return 0;
	}
}
