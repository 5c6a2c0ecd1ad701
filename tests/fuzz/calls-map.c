/*
 * The calls that create, move or remove mappings: mmap (mmap2 and old_mmap
 * in the i386 ABI), munmap, mremap, brk, shmat/shmdt (or i386's ipc) and
 * remap_file_pages.
 *
 * The rule for every address given: inside a domain, or a constant where no
 * call can act.  A call that may place a mapping first runs
 * prepare_placement(), telling it which free range the kernel will take
 * regardless of layout (a free hint, the room to grow in place).
 */
#include <limits.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>

#include "fuzz.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#ifndef SHM_REMAP
#define SHM_REMAP 040000
#endif
#ifndef SHM_EXEC
#define SHM_EXEC 0100000
#endif
#define MAP_32BIT_X86_64 0x40	/* placement below 2 GiB, for 64-bit calls only */
#define SHM_PAGES 4
#define IPC_SHMAT 21
#define IPC_SHMDT 22

static unsigned long page_align(unsigned long len)
{
	return (len + PG - 1) & ~(PG - 1);
}

/* Whether any page of [start, end) is mapped. */
static int range_mapped(const struct fuzz *f, unsigned long start, unsigned long end)
{
	for (unsigned long a = start; a < end; a += PG)
		if (maps_find(&f->maps, a))
			return 1;
	return 0;
}

static int pick_fd(struct fuzz *f)
{
	unsigned roll = rng_below(f, 100);

	if (roll < 60)
		return f->fd_rw;
	if (roll < 72)
		return f->fd_ro;
	if (roll < 77)
		return f->fd_wo;
	if (roll < 85)
		return f->fd_zero;
	if (roll < 89)
		return f->fd_dir;
	if (roll < 93)
		return f->fd_pipe;
	if (roll < 96)
		return f->fd_closed;
	return rng_percent(f, 50) ? -1 : 9999;
}

/* A file offset in bytes: mostly inside the file, sometimes past it or bad. */
static unsigned long pick_offset(struct fuzz *f, int abi32)
{
	unsigned roll = rng_below(f, 100);

	if (roll < 50)
		return 0;
	if (roll < 85)
		return PAGES(1 + rng_below(f, 5));
	if (roll < 90)
		return PAGES(20);
	if (roll < 95)
		return PAGES(rng_below(f, 2)) + 1 + rng_below(f, PG - 1);
	if (abi32)
		return 0xfffff000;
	return rng_percent(f, 50) ? (unsigned long)LONG_MAX / 2 & ~(PG - 1) : -PG;
}

/*
 * The free range a placing call with this hint gets whatever the layout:
 * the kernel rounds the hint down to a page (and up to mmap_min_addr) and
 * takes it when [hint, hint + len) is free.  Returns 0 when that range is
 * not known free, else sets *end.
 */
static unsigned long hint_keeps(struct fuzz *f, unsigned long hint, unsigned long len, unsigned long *end)
{
	unsigned long start = hint & ~(PG - 1);

	if (start && start < f->min_addr)
		start = page_align(f->min_addr);
	*end = start + page_align(len);
	if (!start || !len || !range_free(f, start, *end))
		return *end = 0;
	return start;
}

/* old_mmap's argument block: where it is, or somewhere that faults. */
static unsigned long old_mmap_block(struct fuzz *f, const unsigned long args[6], char *name, size_t size)
{
	static const char *const names[] = { "guard", "guard-8", "top-8", "kernel" };
	unsigned which = rng_below(f, 100) < 85 ? 4 : rng_below(f, 4);
	const struct domain *arena = domain_of(f, f->block_fault);
	unsigned long at[4] = { f->block_fault, f->block_fault + PAGES(GUARD_PAGES) - 8, arena->hi - 8,
				0xfffff000 };

	for (int i = 0; i < 6; i++)
		f->block[i] = (uint32_t)args[i];
	if (which == 4) {
		snprintf(name, size, "block");
		return (unsigned long)f->block;
	}
	/* In a PROT_NONE guard, across either edge of one, or in kernel space: all EFAULT. */
	snprintf(name, size, "%s", names[which]);
	return at[which];
}

void call_mmap(struct fuzz *f, int via80)
{
	static const char *const forms[] = { "mmap", "mmap2", "old_mmap" };
	static const unsigned long extra[] = {
		MAP_POPULATE, MAP_NORESERVE, MAP_LOCKED, MAP_GROWSDOWN, MAP_STACK, MAP_HUGETLB,
		MAP_NONBLOCK, MAP_SYNC, MAP_DENYWRITE, MAP_EXECUTABLE, 0x4000000 /* MAP_UNINITIALIZED */,
		MAP_32BIT_X86_64, 0x80 /* MAP_ABOVE4G */, 0x800000 /* no such flag */,
	};
	static const unsigned long bad_prot[] = { 0x8, 0x10, 0x01000000, 0x02000000, 0x80000000 };
	int abi32 = f->is_i386 || via80, low = via80 && !f->is_i386;
	int form = abi32 ? 1 + (int)rng_below(f, 2) : 0, fixed = 0, anon, fd;
	unsigned long addr = 0, len, prot, flags, off, keep_end, keep_start, ptr = 0;
	unsigned roll = rng_below(f, 100);
	struct domain *d = pick_domain(f, low);
	char where[48], block[16];
	struct result r;

	if (roll < 60) {
		fixed = roll < 45;
		addr = pick_addr(f, d, fixed ? 4 : 15);
		len = pick_len(f, d, addr);
	} else {
		addr = roll < 92 || low ? 0 : pick_kernel_addr(f, abi32);
		len = PAGES(1 + rng_below(f, rng_percent(f, 80) ? 8 : 32));
		if (rng_percent(f, 15))
			len -= 1 + rng_below(f, PG - 1);
	}
	if (rng_percent(f, 4))
		len = 0;
	else if (rng_percent(f, 4) && !low)
		len = pick_huge_len(f, abi32, 0) ?: len;

	roll = rng_below(f, 100);
	flags = roll < 65 ? MAP_PRIVATE : roll < 87 ? MAP_SHARED : roll < 92 ? MAP_SHARED_VALIDATE
									: rng_below(f, 16);
	anon = rng_percent(f, 60);
	if (anon) {
		flags |= MAP_ANONYMOUS;
		fd = rng_percent(f, 90) ? -1 : pick_fd(f);
		off = rng_percent(f, 90) ? 0 : pick_offset(f, abi32);
	} else {
		fd = pick_fd(f);
		off = pick_offset(f, abi32);
	}
	if (fixed)
		flags |= rng_percent(f, 40) ? MAP_FIXED_NOREPLACE : MAP_FIXED;
	if (rng_percent(f, 25))
		flags |= RNG_PICK(f, extra);
	prot = rng_below(f, 8);
	if (rng_percent(f, 5))
		prot |= RNG_PICK(f, bad_prot);
	if (avoiding(f, AVOID_DROPPABLE) && (flags & 0xf) == 0x8)
		flags = (flags & ~0xfUL) | MAP_PRIVATE;
	if (avoiding(f, AVOID_ZERO_SHARED) && fd == f->fd_zero && !(flags & MAP_ANONYMOUS))
		flags = (flags & ~0xfUL) | MAP_PRIVATE;
	if (avoiding(f, AVOID_ZERO_PRIVATE) && fd == f->fd_zero && (flags & 0xf) == MAP_PRIVATE)
		flags |= MAP_ANONYMOUS;
	if (avoiding(f, AVOID_MMAP_SYNC_FIXED) && fixed)
		flags &= ~(unsigned long)MAP_SYNC;
	if (form == 1)
		off = off % PG ? 0xffffffff : off / PG;	/* mmap2 counts pages */

	addr_name(f, addr, where, sizeof(where));
	if (form == 2) {
		unsigned long args[6] = { addr, len, prot, flags, (unsigned long)fd, off };

		ptr = old_mmap_block(f, args, block, sizeof(block));
		text_set(f, "%sold_mmap(*%s = {%s, %#lx, %#lx, %#lx, %s, %#lx})", via80 ? "int80 " : "", block,
			 where, len, prot, flags, fd_name(f, fd), off);
	} else {
		text_set(f, "%s%s(%s, %#lx, %#lx, %#lx, %s, %#lx)", via80 ? "int80 " : "", forms[form], where,
			 len, prot, flags, fd_name(f, fd), off);
	}
	if (!fixed) {
		keep_start = hint_keeps(f, addr, len, &keep_end);
		prepare_placement(f, keep_start, keep_end);
	}
	if (form == 0)
		r = issue(f, 0, SYS_mmap, 0, addr, len, prot, flags, (unsigned long)fd, off);
	else if (form == 1)
		r = issue(f, via80, NR32_MMAP2, NR32_MMAP2, addr, len, prot, flags, (unsigned long)fd, off);
	else
		r = issue(f, via80, NR32_OLD_MMAP, NR32_OLD_MMAP, ptr, 0, 0, 0, 0, 0);
	report_addr(f, r, len, abi32 || (!fixed && (flags & MAP_32BIT_X86_64)));
}

/* whole: a whole floating domain (to make room for more). */
void call_munmap(struct fuzz *f, int via80, int whole)
{
	unsigned long addr, len;
	char where[48];

	pick_range(f, via80, 0, &addr, &len);
	for (unsigned i = 0; whole && i < f->ndom; i++)
		if (f->dom[i].kind == DOM_FLOATING) {
			addr = f->dom[i].start;
			len = f->dom[i].end - addr;
			break;
		}
	text_set(f, "%smunmap(%s, %#lx)", via80 ? "int80 " : "", addr_name(f, addr, where, sizeof(where)), len);
	report(f, issue(f, via80, SYS_munmap, NR32_MUNMAP, addr, len, 0, 0, 0, 0), NULL);
}

/* A length for mremap: shrink, grow, same, 0 or (huge) one the kernel refuses. */
static unsigned long pick_new_len(struct fuzz *f, unsigned long old_len, int abi32, int low, int *huge)
{
	unsigned roll = rng_below(f, 100);
	unsigned long len;

	*huge = 0;
	if (roll < 35)
		len = old_len > PG ? PAGES(1 + rng_below(f, (unsigned)(old_len / PG) - 1)) : old_len;
	else if (roll < 75)
		len = page_align(old_len) + PAGES(1 + rng_below(f, 8));
	else if (roll < 88)
		len = old_len;
	else if (roll < 92 || low)
		len = 0;
	else
		*huge = (len = pick_huge_len(f, abi32, 0)) != 0;
	if (!*huge && len > PG && rng_percent(f, 15))
		len -= 1 + rng_below(f, PG - 1);
	return len;
}

/*
 * Whether mremap's source is one it accepts: mapped, inside one mapping,
 * and (MREMAP_DONTUNMAP before Linux 5.13) private anonymous memory.
 */
static int mremap_source_ok(const struct fuzz *f, unsigned long addr, unsigned long old_len,
			    unsigned long flags)
{
	const struct vma *v = maps_find(&f->maps, addr);

	if (!v || !old_len || old_len > v->end - addr || addr % PG)
		return 0;
	return !(flags & MREMAP_DONTUNMAP) || (v->kind == 'a' && v->perms[3] == 'p');
}

/*
 * The room a grow with MREMAP_MAYMOVE takes in place, whatever the layout:
 * when the old range ends its mapping and the pages above are free.
 * Returns 0 when not known, else sets *end.
 */
static unsigned long grow_keeps(struct fuzz *f, unsigned long addr, unsigned long old_len,
				unsigned long new_len, unsigned long *end)
{
	const struct vma *v = maps_find(&f->maps, addr);
	unsigned long start = addr + page_align(old_len);

	*end = addr + page_align(new_len);
	if (!v || v->end != start || !range_free(f, start, *end))
		return *end = 0;
	return start;
}

void call_mremap(struct fuzz *f, int via80)
{
	static const unsigned long flag_sets[] = {
		0, 0, 0, MREMAP_MAYMOVE, MREMAP_MAYMOVE, MREMAP_MAYMOVE, MREMAP_MAYMOVE | MREMAP_FIXED,
		MREMAP_MAYMOVE | MREMAP_FIXED, MREMAP_MAYMOVE | MREMAP_DONTUNMAP,
		MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP, MREMAP_FIXED, MREMAP_DONTUNMAP,
	};
	static const unsigned long bad_flags[] = { 0x8, 0x100, 0x80000000 };
	int abi32 = f->is_i386 || via80, low = via80 && !f->is_i386, huge, renamed = 0;
	struct domain *d = pick_domain(f, low);
	unsigned long addr = pick_addr(f, d, 4), old_len = pick_len(f, d, addr), new_len, new_addr;
	unsigned long flags = RNG_PICK(f, flag_sets), keep_start = 0, keep_end = 0;
	int grows;
	char a_name[48], n_name[48];
	struct result r;

	if (rng_percent(f, 4))
		flags |= RNG_PICK(f, bad_flags);
	new_len = pick_new_len(f, old_len, abi32, low, &huge);
	if (avoiding(f, AVOID_DONTUNMAP_LEN) && (flags & MREMAP_DONTUNMAP) && !huge) {
		old_len = page_align(old_len);
		new_len = page_align(new_len);
	}
	if (!huge && rng_percent(f, 4) && pick_huge_len(f, abi32, 0)) {
		/* Shrinking unmaps old_len - new_len past addr: checked against TASK_SIZE. */
		old_len = pick_huge_len(f, abi32, 0);
		new_len = PAGES(1 + rng_below(f, 4));
		huge = 1;
	}
	if (avoiding(f, AVOID_MREMAP_MULTI) && (flags & MREMAP_FIXED) && !huge) {
		const struct vma *v = maps_find(&f->maps, addr);

		if (v && addr + old_len > v->end)
			old_len = v->end - addr;
	}
	grows = !huge && page_align(new_len) > page_align(old_len);

	/*
	 * Growing in place needs the pages above free: known in the stable
	 * domains (up to their end), unknown above a floating one.  So there a
	 * grow without MREMAP_MAYMOVE becomes a same-size call, and one with
	 * it acts on the whole domain, which then gets a new name wherever it
	 * ends up.
	 */
	if (grows && !(flags & MREMAP_FIXED) && d->kind == DOM_FLOATING) {
		if (!(flags & MREMAP_MAYMOVE)) {
			new_len = old_len;
		} else if (old_len && !(flags & MREMAP_DONTUNMAP)) {
			addr = d->start;
			old_len = d->end - d->start;
			new_len = old_len + PAGES(1 + rng_below(f, 8));
			renamed = 1;
		}
	} else if (grows && !(flags & MREMAP_FIXED) && d->kind != DOM_STALE) {
		if (addr + page_align(new_len) > d->hi)
			new_len = d->hi - addr;
		if (flags == MREMAP_MAYMOVE)
			keep_start = grow_keeps(f, addr, old_len, new_len, &keep_end);
	}

	if (flags & MREMAP_FIXED) {
		struct domain *to = pick_domain(f, low);

		new_addr = pick_addr(f, to, 4);
		if (!huge && new_addr + page_align(new_len) > to->hi)
			new_len = to->hi > new_addr ? to->hi - new_addr : 0;
		/* An unaligned destination fails before anything is unmapped. */
		if (avoiding(f, AVOID_MREMAP_FIXED_LATE) && !mremap_source_ok(f, addr, old_len, flags))
			new_addr |= 1;
	} else {
		new_addr = rng_percent(f, 60) ? 0 : low ? f->block_fault : pick_kernel_addr(f, abi32);
	}

	text_set(f, "%smremap(%s, %#lx, %#lx, %#lx, %s)", via80 ? "int80 " : "",
		 addr_name(f, addr, a_name, sizeof(a_name)), old_len, new_len, flags,
		 addr_name(f, new_addr, n_name, sizeof(n_name)));
	if ((flags & MREMAP_MAYMOVE) && !(flags & MREMAP_FIXED))
		prepare_placement(f, keep_start, keep_end);
	r = issue(f, via80, SYS_mremap, NR32_MREMAP, addr, old_len, new_len, flags, new_addr, 0);
	if (renamed && !r.err)
		/* prepare_placement() may have moved it in f->dom. */
		forget_domain(f, domain_of(f, addr));
	report_addr(f, r, new_len, abi32);
}

void call_brk(struct fuzz *f, int via80)
{
	static const unsigned long low_targets[] = { 0, 0, PG, 0xfffff000, 0x7fffffff };
	static const unsigned long below[] = { 1, PG, 2 * PG, 16 * PG };
	unsigned long base = f->brk_start, target;
	unsigned roll = rng_below(f, 100);
	char where[48];
	struct result r;

	if (via80 && !f->is_i386)
		target = RNG_PICK(f, low_targets);	/* all below the heap: fail, return the break */
	else if (roll < 10)
		target = 0;
	else if (roll < 60)
		target = base + PAGES(rng_below(f, HEAP_PAGES - 4)) + (rng_percent(f, 30) ? rng_below(f, PG) : 0);
	else if (roll < 75)
		target = f->brk_cur + rng_below(f, 200) - 100;
	else if (roll < 85)
		target = base - RNG_PICK(f, below);
	else if (roll < 95)
		target = base + PAGES(HEAP_PAGES - 4 + rng_below(f, 4));
	else
		target = pick_kernel_addr(f, f->is_i386 || via80);

	if (avoiding(f, AVOID_BRK_SHRINK_HOLE) && target >= base && target < f->brk_cur &&
	    !range_mapped(f, page_align(target), page_align(f->brk_cur)))
		target = f->brk_cur;
	text_set(f, "%sbrk(%s)", via80 ? "int80 " : "", addr_name(f, target, where, sizeof(where)));
	r = issue(f, via80, SYS_brk, NR32_BRK, target, 0, 0, 0, 0, 0);
	if (!r.err) {
		f->brk_cur = (unsigned long)r.ret;
		report(f, r, addr_name(f, f->brk_cur, where, sizeof(where)));
	} else {
		report(f, r, NULL);
	}
}

static struct result shmat_call(struct fuzz *f, int via80, int use_ipc, int id, unsigned long addr,
				unsigned long flags, int bad_result_ptr)
{
	unsigned long result_at = bad_result_ptr ? f->block_fault : (unsigned long)f->block;
	struct result r;

	if (!use_ipc)
		return issue(f, via80, SYS_shmat, NR32_SHMAT, (unsigned long)id, addr, flags, 0, 0, 0);
	f->block[0] = 0;
	r = issue(f, via80, f->is_i386 ? NR32_IPC : 0, NR32_IPC, IPC_SHMAT, (unsigned long)id, flags, result_at,
		  addr, 0);
	if (!r.err)
		r.ret = (long)f->block[0];
	return r;
}

/* An address where a segment fits in a domain, or 0 (the kernel places it). */
static unsigned long shm_room(struct fuzz *f, int low, unsigned long flags)
{
	struct domain *d = pick_domain(f, low);
	unsigned long addr = pick_addr(f, d, 8), start = flags & SHM_RND ? addr & ~(PG - 1) : addr;

	if (start + PAGES(SHM_PAGES) <= d->hi)
		return addr;
	if (d->hi - d->lo >= PAGES(SHM_PAGES))
		return d->hi - PAGES(SHM_PAGES);
	return 0;
}

static unsigned long pick_shmdt_addr(struct fuzz *f, int low);

/*
 * Whether shmdt(addr) finds no shm pages, or one attachment in one piece:
 * what it detaches then does not depend on the segment's size.
 */
static int attachment_whole(const struct fuzz *f, unsigned long addr)
{
	const struct vma *first = maps_find(&f->maps, addr);

	for (unsigned i = 0; i < SHM_PAGES; i++) {
		const struct vma *v = maps_find(&f->maps, addr + PAGES(i));

		if (v && v->kind == 'S')
			return first && first->kind == 'S' && first->start == addr && first->offset == 0 &&
			       first->end >= addr + PAGES(SHM_PAGES);
	}
	return 1;
}

/*
 * shmdt unmaps the attachment starting at addr, or the first fragment of one
 * up to SHM_PAGES above it: so addr is at least that far below a domain's end.
 */
static unsigned long shmdt_addr(struct fuzz *f, int low)
{
	unsigned long addr = pick_shmdt_addr(f, low);

	/* Unaligned: EINVAL at once. */
	if (avoiding(f, AVOID_SHMDT_FRAGMENTS) && !attachment_whole(f, addr))
		addr |= 1;
	return addr;
}

static unsigned long pick_shmdt_addr(struct fuzz *f, int low)
{
	unsigned long found[16];
	unsigned n = 0;
	struct domain *d;

	for (unsigned i = 0; i < f->maps.n && n < 16; i++)
		if (f->maps.v[i].kind == 'S' && domain_of(f, f->maps.v[i].start))
			found[n++] = f->maps.v[i].start - f->maps.v[i].offset;
	if (n && rng_percent(f, 75)) {
		unsigned long addr = found[rng_below(f, n)];

		d = domain_of(f, addr);
		if (d && (!low || d->low4g) && addr >= d->lo && addr + PAGES(SHM_PAGES) <= d->hi)
			return addr;
	}
	d = pick_domain(f, low);
	if (d->hi - d->lo < PAGES(SHM_PAGES))
		return d->lo + 1;	/* unaligned: EINVAL */
	return d->lo + PAGES(rng_below(f, (unsigned)((d->hi - d->lo) / PG) - SHM_PAGES + 1)) +
	       (rng_percent(f, 5) ? 8 : 0);
}

void call_shm(struct fuzz *f, int via80)
{
	static const unsigned long shm_flags[] = {
		0, 0, SHM_RDONLY, SHM_REMAP, SHM_EXEC, SHM_RND, SHM_RDONLY | SHM_REMAP, SHM_REMAP | SHM_RND,
	};
	int low = via80 && !f->is_i386, use_ipc = low || (f->is_i386 && rng_percent(f, 50)), id = f->shm_id;
	unsigned long addr = 0, flags = RNG_PICK(f, shm_flags);
	unsigned roll = rng_below(f, 100);
	const char *how = use_ipc ? "ipc " : "";
	int bad_ptr = 0;
	char where[48];
	struct result r;

	if (rng_percent(f, 45)) {
		addr = shmdt_addr(f, low);
		text_set(f, "%s%sshmdt(%s)", via80 ? "int80 " : "", how, addr_name(f, addr, where, sizeof(where)));
		if (use_ipc)
			r = issue(f, via80, f->is_i386 ? NR32_IPC : 0, NR32_IPC, IPC_SHMDT, 0, 0, 0, addr, 0);
		else
			r = issue(f, via80, SYS_shmdt, NR32_SHMDT, addr, 0, 0, 0, 0, 0);
		report(f, r, NULL);
		return;
	}
	if (roll < 50)
		addr = shm_room(f, low, flags);
	else if (roll < 55 && !low)
		addr = pick_kernel_addr(f, f->is_i386 || via80);
	else if (roll < 60)
		id = rng_percent(f, 50) ? -1 : 0x7fffffff;
	if (!addr && avoiding(f, AVOID_SHMAT_REMAP_NULL))
		flags &= ~(unsigned long)SHM_REMAP;
	/* ipc stores the address after attaching: a bad pointer loses it, so only where it is known. */
	bad_ptr = use_ipc && addr && rng_percent(f, 10);
	text_set(f, "%s%sshmat(%s, %s, %#lx)%s", via80 ? "int80 " : "", how, id == f->shm_id ? "seg" : "badid",
		 addr_name(f, addr, where, sizeof(where)), flags, bad_ptr ? " -> guard" : "");
	if (!addr)
		prepare_placement(f, 0, 0);
	r = shmat_call(f, via80, use_ipc, id, addr, flags, bad_ptr);
	report_addr(f, r, PAGES(SHM_PAGES), f->is_i386 || via80);
}

void call_remap_file_pages(struct fuzz *f)
{
	static const unsigned long pgoffs[] = { 0, 1, 2, 3, 5, 0xfffff, ~0UL };
	static const unsigned long rfp_flags[] = { 0, 0, 0, MAP_NONBLOCK, MAP_FIXED, 0x1 };
	unsigned long addr, size, pgoff = RNG_PICK(f, pgoffs), flags = RNG_PICK(f, rfp_flags);
	unsigned long prot = rng_percent(f, 90) ? 0 : PROT_READ;
	char where[48];

	/* It acts inside one shared file mapping, or fails. */
	pick_range(f, 0, 0, &addr, &size);
	if (avoiding(f, AVOID_RFP_SHM) && range_has_kind(f, addr, size, 'S'))
		size = 0;
	text_set(f, "remap_file_pages(%s, %#lx, %#lx, %#lx, %#lx)", addr_name(f, addr, where, sizeof(where)), size,
		 prot, pgoff, flags);
	report(f, issue(f, 0, SYS_remap_file_pages, 0, addr, size, prot, pgoff, flags, 0), NULL);
}
