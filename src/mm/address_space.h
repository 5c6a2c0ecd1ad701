/* The shadow model of one child's address space.
 *
 * memtrace decides itself where every mapping goes and checks each memory
 * syscall against this model, reproducing the Linux rules that a program can
 * observe (placement, splitting, merging, map counts, partial effects).
 * Plain C: no ptrace, no /proc, no mm syscalls on the child (the node pool
 * only advises the kernel about its own chunks); see tests/unit/.
 *
 * Conventions: addresses and lengths are bytes in uint64_t; ranges are
 * [start, end) with start inclusive and end exclusive; functions that can fail
 * return 0 or -errno and change nothing when they fail unless their comment
 * says otherwise (mprotect-like changes apply in order, as Linux does).
 * Queries return pointers into the model that stay valid until the next call
 * that changes it; the caller must never write through them.
 */
#ifndef MEMTRACE_MM_ADDRESS_SPACE_H
#define MEMTRACE_MM_ADDRESS_SPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mapping.h"
#include "node_pool.h"
#include "tree.h"

enum as_arch {
	AS_ARCH_I386,   /* i386 child on an x86_64 kernel (compat task) */
	AS_ARCH_X86_64, /* x86_64 child, 4-level paging (47-bit user space) */
};

struct as_layout {
	uint64_t task_size;        /* end of user space (exclusive) */
	uint64_t mmap_min_addr;    /* vm.mmap_min_addr: lowest address mmap may pick (inclusive) */
	uint64_t mmap_base;        /* top-down placement starts below this (exclusive) */
	uint64_t mmap_legacy_base; /* bottom-up fallback starts here (inclusive): TASK_UNMAPPED_BASE */
	uint64_t stack_guard_gap;  /* bytes kept free below growsdown mappings when placing */
	uint64_t max_map_count;    /* vm.max_map_count */
	uint64_t brk_start;        /* start of the heap (inclusive); the break starts here */
};

struct address_space {
	struct mm_tree tree;       /* the mappings, sorted by start */
	struct as_layout layout;
	uint64_t brk_current;      /* the break as last set, unaligned as Linux keeps it */
	uint32_t def_flags;        /* MAPPING_* added to new brk memory (mlockall(MCL_FUTURE)) */
	/* The READ_IMPLIES_EXEC personality of the task whose call the model
	 * is carrying out (set at exec for i386 programs without PT_GNU_STACK,
	 * or by personality(2); Linux keeps it per task, and the caller sets
	 * it here before each call): PROT_READ brings PROT_EXEC to mmap, to
	 * mprotect where the mapping may execute, and to the heap. */
	bool read_implies_exec;
	/* How many MAPPING_KIND_VSYSCALL mappings the tree holds (Linux's gate
	 * page is not a VMA and not in map_count).  Kept by the model: insert
	 * the gate with as_insert, or leave it out; never adjust this. */
	size_t gate_count;
	struct node_pool pool;     /* where the tree's nodes come from */
};

/* Fills in Linux's layout for a child without address randomization:
 *   i386:   task_size 0xffffe000 (IA32_PAGE_OFFSET: a compat task on a 64-bit
 *           kernel ends two pages below 4 GiB), mmap_base 0xf7ffe000,
 *           legacy base 0x55555000;
 *   x86_64: task_size 0x7ffffffff000, mmap_base 0x7ffff7fff000,
 *           legacy base 0x2aaaaaaab000.
 * mmap_base is task_size minus the 128 MiB minimum stack gap (an 8 MiB stack
 * rlimit plus the guard gap stays under that minimum).  Both use
 * mmap_min_addr 0x10000, a 256-page stack guard gap and max_map_count 65530. */
void as_layout_default(struct as_layout *layout, enum as_arch arch);

/* Ends user space at task_size (i386 under the ADDR_LIMIT_3GB personality:
 * 0xc0000000), mmap_base and the legacy base following as above. */
void as_layout_end_at(struct as_layout *layout, uint64_t task_size);

/* Starts an empty model.  Returns 0, or -EINVAL for an inconsistent layout
 * (unaligned values, mmap_base above task_size, ...). */
int as_init(struct address_space *as, const struct as_layout *layout);

/* Frees every mapping; the model must be re-initialised before reuse. */
void as_destroy(struct address_space *as);

/* Returns the number of VMAs as Linux counts them for vm.max_map_count. */
size_t as_map_count(const struct address_space *as);

/* ---- queries, O(log n) ---- */

/* Returns the mapping containing addr, or NULL. */
const struct mapping *as_lookup(const struct address_space *as, uint64_t addr);

/* Returns the first mapping ending above addr (Linux find_vma), or NULL. */
const struct mapping *as_find(const struct address_space *as, uint64_t addr);

/* Returns true when no mapping overlaps [start, end). */
bool as_range_is_free(const struct address_space *as, uint64_t start, uint64_t end);

/*
 * Whether the kernel can read [start, end) for a call (copy_from_user):
 * mapped throughout, by mappings with any access at all. x86 pages that
 * may be written or executed may be read too; only protection keys (not
 * modelled) make execute-only pages.
 */
bool as_range_kernel_readable(const struct address_space *as, uint64_t start, uint64_t end);

/* In-order iteration: for (m = as_first(as); m; m = as_next(as, m)).
 * Each returns NULL past the ends; O(1) amortised. */
const struct mapping *as_first(const struct address_space *as);
const struct mapping *as_last(const struct address_space *as);
const struct mapping *as_next(const struct address_space *as, const struct mapping *m);
const struct mapping *as_prev(const struct address_space *as, const struct mapping *m);

/* ---- placement (holes.c) ---- */

/* Highest / lowest start for the request (see struct mm_hole_request), with
 * stack_guard_gap kept below growsdown mappings.  O(log n).
 * Return 0 with *addr set, -EINVAL for a zero length, -ENOMEM when no hole fits. */
int as_find_hole_topdown(const struct address_space *as, const struct mm_hole_request *req,
			 uint64_t *addr);
int as_find_hole_bottomup(const struct address_space *as, const struct mm_hole_request *req,
			  uint64_t *addr);

/* Where Linux's get_unmapped_area (x86, top-down layout) would place a
 * non-MAP_FIXED mapping of len bytes: the hint when [hint, hint+len) is free
 * (guard gap included) and inside user space, else top-down below mmap_base
 * and above max(PAGE_SIZE, mmap_min_addr), else bottom-up from
 * mmap_legacy_base.  hint 0 means none; a hint is rounded down to a page and
 * raised to mmap_min_addr first, as do_mmap does.
 * Return 0 with *addr set, -EINVAL for len 0 or unaligned, -ENOMEM when
 * len > task_size or nothing fits. */
int as_get_unmapped_area(const struct address_space *as, uint64_t hint, uint64_t len,
			 uint64_t *addr);

/* ---- changes (address_space.c) ---- */

/* Maps proto's [start, end) with its attributes, replacing whatever overlaps
 * (MAP_FIXED: partial overlaps are split), then merges with compatible
 * neighbours.  The model takes its own reference on proto's path, which may
 * be borrowed from a mapping the insert replaces.  For
 * private anonymous memory the offset is set as Linux sets vm_pgoff (start);
 * memory with a kernel file behind it keeps proto's (0 when fresh).  Linux's map-count rules (do_mmap, then munmap's split check):
 * -ENOMEM when map_count > max_map_count, or == max_map_count and the range
 * lies strictly inside one mapping.
 * Return 0, -EINVAL (unaligned, empty, or a bad kind), -ENOMEM (past
 * task_size, map count, or out of memory). */
int as_insert(struct address_space *as, const struct mapping *proto);

/* Unmaps [start, start + len), splitting partial overlaps; a range with
 * nothing in it succeeds.  len is rounded up to pages.  -ENOMEM when the range
 * lies strictly inside one mapping and map_count >= max_map_count (Linux's
 * munmap check).  Return 0, -EINVAL (unaligned start, len 0 or wrapping),
 * -ENOMEM, -EPERM (a sealed mapping in the range: nothing is unmapped),
 * -EINVAL (the range cuts the vdso or vvar, which Linux never splits). */
int as_unmap(struct address_space *as, uint64_t start, uint64_t len);
/* What as_unmap would return, changing nothing (memtrace's own allocation aside). */
int as_unmap_verdict(const struct address_space *as, uint64_t start, uint64_t len);
/* Removes whatever lies in [start, end), whatever munmap would say (sealed
 * memory, the vdso, the map count): memtrace's own bookkeeping, as when a
 * recording's reader replaces a window.  Return 0, -EINVAL (unaligned, or
 * past task_size), -ENOMEM (out of memory). */
int as_clear(struct address_space *as, uint64_t start, uint64_t end);

/* Forks: initialises child as a copy of parent without MAPPING_DONTFORK
 * mappings and with mlock flags cleared (neither is inherited in Linux).
 * MAPPING_WIPEONFORK mappings are copied with the flag kept, as Linux keeps
 * VM_WIPEONFORK: in the child their contents read as zeroes.  Neighbours that
 * become compatible (a locked and an unlocked one) are merged.  O(n).
 * Return 0, or -ENOMEM with child left empty (as_destroy is still safe). */
int as_fork(struct address_space *child, const struct address_space *parent);

/* ---- invariants (validate.c) ---- */

/* Checks sorted, non-overlapping, page-aligned, start < end, within
 * task_size, gap summaries, balance, map count, and that no two adjacent
 * mappings should have merged.  Return 0, or -EINVAL with a message in msg. */
int as_validate(const struct address_space *as, char *msg, size_t msg_size);

#endif
