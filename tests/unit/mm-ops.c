/* Targeted tests of the model's changes: MAP_FIXED splits, unmap, merges,
 * protection and attribute changes, mremap primitives, map counts, fork. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* MADV_* names */
#endif
#include <errno.h>
#include <sys/mman.h>

#include "harness.h"
#include "mm/address_space.h"
#include "mm/change.h"
#include "mm/remap.h"
#include "mm/seal.h"
#include "mm_test_util.h"

#define RW (PROT_READ | PROT_WRITE)
#define RO PROT_READ

static void test_insert_lookup_iterate(struct harness *h)
{
	struct address_space as;
	struct mapping a = anon_mapping(0x10000, 0x12000, RW);
	struct mapping b = anon_mapping(0x20000, 0x21000, RO);
	const struct mapping *m;

	init_x86_64(h, &as);
	ASSERT_EQ(h, as_insert(&as, &b), 0);
	ASSERT_EQ(h, as_insert(&as, &a), 0);
	ASSERT_EQ(h, as_map_count(&as), 2);
	ASSERT(h, as_lookup(&as, 0xffff) == NULL);
	ASSERT_EQ(h, as_lookup(&as, 0x10000)->start, 0x10000);
	ASSERT_EQ(h, as_lookup(&as, 0x11fff)->start, 0x10000);
	ASSERT(h, as_lookup(&as, 0x12000) == NULL);
	/* as_find is find_vma: the first mapping ending above the address. */
	ASSERT_EQ(h, as_find(&as, 0x12000)->start, 0x20000);
	ASSERT(h, as_find(&as, 0x21000) == NULL);
	ASSERT(h, as_range_is_free(&as, 0x12000, 0x20000));
	ASSERT(h, !as_range_is_free(&as, 0x12000, 0x20001));
	m = as_first(&as);
	ASSERT_EQ(h, m->start, 0x10000);
	m = as_next(&as, m);
	ASSERT_EQ(h, m->start, 0x20000);
	ASSERT(h, as_next(&as, m) == NULL);
	ASSERT_EQ(h, as_prev(&as, m)->start, 0x10000);
	ASSERT_EQ(h, as_last(&as)->start, 0x20000);
	/* Anonymous private memory gets vm_pgoff = its creation address. */
	ASSERT_EQ(h, as_first(&as)->offset, 0x10000);
	ASSERT_VALID(h, &as);
	as_destroy(&as);
}

static void test_insert_rejects_bad_ranges(struct harness *h)
{
	struct address_space as;
	struct mapping m = anon_mapping(0x10800, 0x12000, RW);

	init_x86_64(h, &as);
	ASSERT_EQ(h, as_insert(&as, &m), -EINVAL);
	m = anon_mapping(0x12000, 0x12000, RW);
	ASSERT_EQ(h, as_insert(&as, &m), -EINVAL);
	m = anon_mapping(0x7ffffffff000, 0x800000000000, RW);
	ASSERT_EQ(h, as_insert(&as, &m), -ENOMEM);
	m.kind = MAPPING_KIND_COUNT;
	ASSERT_EQ(h, as_insert(&as, &m), -EINVAL);
	ASSERT_EQ(h, as_map_count(&as), 0);
	as_destroy(&as);
}

/*   before: [ file rw, offset 0x3000 ..................... ]
 *   insert:              [ anon r-- ]
 *   after:  [ file rw   ][ anon r-- ][ file rw, offset 0x9000 ]
 */
static void test_fixed_splits_middle(struct harness *h)
{
	struct address_space as;
	struct mapping_path *path = mapping_path_new("/lib/libc.so.6");
	struct mapping file = file_mapping(0x10000, 0x20000, RW, path, 1, 0x3000);
	struct mapping hole = anon_mapping(0x14000, 0x16000, RO);
	const struct mapping *m;

	init_x86_64(h, &as);
	ASSERT_EQ(h, as_insert(&as, &file), 0);
	ASSERT_EQ(h, as_insert(&as, &hole), 0);
	ASSERT_LAYOUT(h, &as, "10000-14000 rw-p 14000-16000 r--p 16000-20000 rw-p");
	m = as_lookup(&as, 0x10000);
	ASSERT_EQ(h, m->offset, 0x3000);
	m = as_lookup(&as, 0x16000);
	ASSERT_EQ(h, m->offset, 0x3000 + 0x6000);
	/* Both pieces share the one path string. */
	ASSERT(h, m->backing.path == path);
	ASSERT_EQ(h, path->refs, 3);
	ASSERT_EQ(h, as_map_count(&as), 3);
	ASSERT_VALID(h, &as);

	/* Mapping the file back over the hole, at the matching offset, makes
	 * it one mapping again. */
	file = file_mapping(0x14000, 0x16000, RW, path, 1, 0x7000);
	ASSERT_EQ(h, as_insert(&as, &file), 0);
	ASSERT_LAYOUT(h, &as, "10000-20000 rw-p");
	ASSERT_EQ(h, path->refs, 2);
	ASSERT_VALID(h, &as);
	as_destroy(&as);
	ASSERT_EQ(h, path->refs, 1);
	mapping_path_put(path);
}

static void test_fixed_replaces_several(struct harness *h)
{
	struct address_space as;
	struct mapping m;
	uint64_t a;

	init_x86_64(h, &as);
	for (a = 0x10000; a < 0x20000; a += 0x2000) {
		m = anon_mapping(a, a + 0x1000, RO);
		ASSERT_EQ(h, as_insert(&as, &m), 0);
	}
	ASSERT_EQ(h, as_map_count(&as), 8);
	m = anon_mapping(0x12800 & ~0xfffULL, 0x17000, PROT_EXEC);
	ASSERT_EQ(h, as_insert(&as, &m), 0);
	ASSERT_LAYOUT(h, &as,
		      "10000-11000 r--p 12000-17000 --xp 18000-19000 r--p 1a000-1b000 r--p "
		      "1c000-1d000 r--p 1e000-1f000 r--p");
	ASSERT_VALID(h, &as);
	as_destroy(&as);
}

static void test_unmap(struct harness *h)
{
	struct address_space as;
	struct mapping a = anon_mapping(0x10000, 0x14000, RW);
	struct mapping b = anon_mapping(0x16000, 0x18000, RO);

	init_x86_64(h, &as);
	ASSERT_EQ(h, as_insert(&as, &a), 0);
	ASSERT_EQ(h, as_insert(&as, &b), 0);
	/* Nothing there: success. */
	ASSERT_EQ(h, as_unmap(&as, 0x30000, 0x5000), 0);
	/* Partial at both ends, across the hole between them. */
	ASSERT_EQ(h, as_unmap(&as, 0x13000, 0x4000), 0);
	ASSERT_LAYOUT(h, &as, "10000-13000 rw-p 17000-18000 r--p");
	ASSERT_EQ(h, as_lookup(&as, 0x17000)->offset, 0x17000);
	/* The middle of one mapping; the length is rounded up to a page. */
	ASSERT_EQ(h, as_unmap(&as, 0x11000, 1), 0);
	ASSERT_LAYOUT(h, &as, "10000-11000 rw-p 12000-13000 rw-p 17000-18000 r--p");
	ASSERT_EQ(h, as_unmap(&as, 0x11001, 0x1000), -EINVAL);
	ASSERT_EQ(h, as_unmap(&as, 0x11000, 0), -EINVAL);
	ASSERT_EQ(h, as_unmap(&as, 0x7ffffffff000, 0x2000), -EINVAL);
	ASSERT_EQ(h, as_unmap(&as, 0x1000, UINT64_MAX - 0x800), -EINVAL);
	ASSERT_EQ(h, as_unmap(&as, 0, 0x7ffffffff000), 0);
	ASSERT_EQ(h, as_map_count(&as), 0);
	ASSERT_VALID(h, &as);
	as_destroy(&as);
}

static void test_merge_rules(struct harness *h)
{
	struct address_space as;
	struct mapping_path *lib = mapping_path_new("/lib/x.so");
	struct mapping m;

	init_x86_64(h, &as);
	/* Anonymous private neighbours with equal attributes merge. */
	m = anon_mapping(0x10000, 0x11000, RW);
	ASSERT_EQ(h, as_insert(&as, &m), 0);
	m = anon_mapping(0x11000, 0x12000, RW);
	ASSERT_EQ(h, as_insert(&as, &m), 0);
	ASSERT_LAYOUT(h, &as, "10000-12000 rw-p");
	/* ... but not across a different prot, kind or policy. */
	m = anon_mapping(0x12000, 0x13000, RO);
	ASSERT_EQ(h, as_insert(&as, &m), 0);
	m = anon_mapping(0x13000, 0x14000, RO);
	m.kind = MAPPING_KIND_HEAP;
	ASSERT_EQ(h, as_insert(&as, &m), 0);
	m = anon_mapping(0x14000, 0x15000, RO);
	m.kind = MAPPING_KIND_HEAP;
	m.policy.mode = 2;
	m.policy.nodemask = 1;
	ASSERT_EQ(h, as_insert(&as, &m), 0);
	ASSERT_EQ(h, as_map_count(&as), 4);

	/* Files: same open file and contiguous offsets only. */
	m = file_mapping(0x20000, 0x21000, RO, lib, 7, 0);
	ASSERT_EQ(h, as_insert(&as, &m), 0);
	m = file_mapping(0x21000, 0x22000, RO, lib, 7, 0x1000);
	ASSERT_EQ(h, as_insert(&as, &m), 0);
	m = file_mapping(0x22000, 0x23000, RO, lib, 7, 0x5000);
	ASSERT_EQ(h, as_insert(&as, &m), 0);
	m = file_mapping(0x23000, 0x24000, RO, lib, 8, 0x6000);
	ASSERT_EQ(h, as_insert(&as, &m), 0);
	ASSERT_LAYOUT(h, &as,
		      "10000-12000 rw-p 12000-13000 r--p 13000-14000 r--p 14000-15000 r--p "
		      "20000-22000 r--p 22000-23000 r--p 23000-24000 r--p");

	/* Shared anonymous memory is a fresh shmem file each time. */
	m = anon_mapping(0x30000, 0x31000, RW);
	m.flags |= MAPPING_SHARED;
	m.backing.file_id = 100;
	ASSERT_EQ(h, as_insert(&as, &m), 0);
	m.start = 0x31000;
	m.end = 0x32000;
	m.backing.file_id = 101;
	ASSERT_EQ(h, as_insert(&as, &m), 0);
	/* Special mappings never merge. */
	m = anon_mapping(0x40000, 0x41000, RO);
	m.kind = MAPPING_KIND_VVAR;
	ASSERT_EQ(h, as_insert(&as, &m), 0);
	m.start = 0x41000;
	m.end = 0x42000;
	ASSERT_EQ(h, as_insert(&as, &m), 0);
	ASSERT_EQ(h, as_map_count(&as), 11);
	ASSERT_VALID(h, &as);

	/* mprotect splitting a mapping and a second one undoing it merge back. */
	ASSERT_EQ(h, as_protect(&as, 0x10000, 0x1000, RO, NULL), 0);
	ASSERT_EQ(h, as_map_count(&as), 12);
	ASSERT_LAYOUT(h, &as,
		      "10000-11000 r--p 11000-12000 rw-p 12000-13000 r--p 13000-14000 r--p "
		      "14000-15000 r--p 20000-22000 r--p 22000-23000 r--p 23000-24000 r--p "
		      "30000-31000 rw-s 31000-32000 rw-s 40000-41000 r--p 41000-42000 r--p");
	ASSERT_EQ(h, as_protect(&as, 0x10000, 0x1000, RW, NULL), 0);
	ASSERT_EQ(h, as_lookup(&as, 0x11000)->start, 0x10000);
	/* Making the anonymous r-- page rw joins it to the mapping below
	 * (its offset continues); the heap page above is another kind. */
	ASSERT_EQ(h, as_protect(&as, 0x12000, 0x1000, RW, NULL), 0);
	ASSERT_EQ(h, as_lookup(&as, 0x12000)->start, 0x10000);
	ASSERT_EQ(h, as_lookup(&as, 0x12000)->end, 0x13000);
	ASSERT_VALID(h, &as);
	as_destroy(&as);
	mapping_path_put(lib);
}

/*   [ A rw ]  hole  [ B rw ]      mprotect(A.start, through B) -> ENOMEM,
 *   [ A r- ]  hole  [ B rw ]      with A already changed, as Linux does. */
static void test_protect_across_hole(struct harness *h)
{
	struct address_space as;
	struct mapping a = anon_mapping(0x10000, 0x13000, RW);
	struct mapping b = anon_mapping(0x14000, 0x16000, RW);
	uint64_t done = 0;

	init_x86_64(h, &as);
	ASSERT_EQ(h, as_insert(&as, &a), 0);
	ASSERT_EQ(h, as_insert(&as, &b), 0);
	ASSERT_EQ(h, as_protect(&as, 0x11000, 0x5000, RO, &done), -ENOMEM);
	ASSERT_EQ(h, done, 0x13000);
	ASSERT_LAYOUT(h, &as, "10000-11000 rw-p 11000-13000 r--p 14000-16000 rw-p");
	/* Starting in a hole changes nothing. */
	ASSERT_EQ(h, as_protect(&as, 0x13000, 0x2000, PROT_NONE, &done), -ENOMEM);
	ASSERT_EQ(h, done, 0x13000);
	ASSERT_LAYOUT(h, &as, "10000-11000 rw-p 11000-13000 r--p 14000-16000 rw-p");
	/* len 0 succeeds; an unaligned start or a wrapping length does not. */
	ASSERT_EQ(h, as_protect(&as, 0x13000, 0, RO, NULL), 0);
	ASSERT_EQ(h, as_protect(&as, 0x10010, 0x1000, RO, NULL), -EINVAL);
	ASSERT_EQ(h, as_protect(&as, 0x10000, UINT64_MAX - 0x800, RO, NULL), -EINVAL);
	ASSERT_EQ(h, as_protect(&as, 0x10000, UINT64_MAX - 0x8000, RO, NULL), -EINVAL);
	/* A hole at the end: the whole mapped part changes, then ENOMEM. */
	ASSERT_EQ(h, as_protect(&as, 0x14000, 0x3000, PROT_EXEC, &done), -ENOMEM);
	ASSERT_EQ(h, done, 0x16000);
	ASSERT_LAYOUT(h, &as, "10000-11000 rw-p 11000-13000 r--p 14000-16000 --xp");
	ASSERT_VALID(h, &as);
	as_destroy(&as);
}

static void test_protect_beyond_max_prot(struct harness *h)
{
	struct address_space as;
	struct mapping a = anon_mapping(0x10000, 0x12000, RO);
	struct mapping_path *path = mapping_path_new("/etc/passwd");
	/* A shared mapping of a read-only fd: VM_MAYWRITE is off. */
	struct mapping b = file_mapping(0x12000, 0x14000, RO, path, 3, 0);
	struct mapping c = anon_mapping(0x14000, 0x15000, RO);
	uint64_t done;

	b.flags |= MAPPING_SHARED;
	b.max_prot = PROT_READ | PROT_EXEC;
	init_x86_64(h, &as);
	ASSERT_EQ(h, as_insert(&as, &a), 0);
	ASSERT_EQ(h, as_insert(&as, &b), 0);
	ASSERT_EQ(h, as_insert(&as, &c), 0);
	ASSERT_EQ(h, as_protect(&as, 0x10000, 0x5000, RW, &done), -EACCES);
	ASSERT_EQ(h, done, 0x12000);
	ASSERT_LAYOUT(h, &as, "10000-12000 rw-p 12000-14000 r--s 14000-15000 r--p");
	ASSERT_VALID(h, &as);
	as_destroy(&as);
	mapping_path_put(path);
}

static void test_madvise(struct harness *h)
{
	struct address_space as;
	struct mapping_path *path = mapping_path_new("/data");
	struct mapping a = anon_mapping(0x10000, 0x14000, RW);
	struct mapping b = anon_mapping(0x15000, 0x17000, RW);
	struct mapping f = file_mapping(0x18000, 0x19000, RW, path, 4, 0);
	struct as_change chg;
	uint64_t done;

	init_x86_64(h, &as);
	ASSERT_EQ(h, as_insert(&as, &a), 0);
	ASSERT_EQ(h, as_insert(&as, &b), 0);
	ASSERT_EQ(h, as_insert(&as, &f), 0);

	ASSERT_EQ(h, as_change_for_madvise(&chg, 9999), -EINVAL);
	/* MADV_DONTFORK over a hole: every mapped part changes, then ENOMEM. */
	ASSERT_EQ(h, as_change_for_madvise(&chg, MADV_DONTFORK), 0);
	ASSERT_EQ(h, as_change_range(&as, 0x13000, 0x3000, &chg, &done), -ENOMEM);
	ASSERT_EQ(h, done, 0x16000);
	ASSERT(h, !(as_lookup(&as, 0x12000)->flags & MAPPING_DONTFORK));
	ASSERT(h, as_lookup(&as, 0x13000)->flags & MAPPING_DONTFORK);
	ASSERT(h, as_lookup(&as, 0x15000)->flags & MAPPING_DONTFORK);
	ASSERT(h, !(as_lookup(&as, 0x16000)->flags & MAPPING_DONTFORK));
	ASSERT_EQ(h, as_map_count(&as), 5);

	/* Access-pattern hints replace each other; THP hints are separate. */
	ASSERT_EQ(h, as_change_for_madvise(&chg, MADV_RANDOM), 0);
	ASSERT_EQ(h, as_change_range(&as, 0x10000, 0x1000, &chg, NULL), 0);
	ASSERT_EQ(h, as_change_for_madvise(&chg, MADV_HUGEPAGE), 0);
	ASSERT_EQ(h, as_change_range(&as, 0x10000, 0x1000, &chg, NULL), 0);
	ASSERT_EQ(h, as_lookup(&as, 0x10000)->advice, MAPPING_ADV_RANDOM | MAPPING_ADV_HUGEPAGE);
	ASSERT_EQ(h, as_change_for_madvise(&chg, MADV_SEQUENTIAL), 0);
	ASSERT_EQ(h, as_change_range(&as, 0x10000, 0x1000, &chg, NULL), 0);
	ASSERT_EQ(h, as_lookup(&as, 0x10000)->advice,
		  MAPPING_ADV_SEQUENTIAL | MAPPING_ADV_HUGEPAGE);
	ASSERT_EQ(h, as_change_for_madvise(&chg, MADV_NORMAL), 0);
	ASSERT_EQ(h, as_change_range(&as, 0x10000, 0x1000, &chg, NULL), 0);
	ASSERT_EQ(h, as_change_for_madvise(&chg, MADV_NOHUGEPAGE), 0);
	ASSERT_EQ(h, as_change_range(&as, 0x10000, 0x1000, &chg, NULL), 0);
	ASSERT_EQ(h, as_lookup(&as, 0x10000)->advice, MAPPING_ADV_NOHUGEPAGE);

	/* MADV_WIPEONFORK is for private anonymous memory: EINVAL at the file,
	 * after the anonymous mapping before it changed. */
	ASSERT_EQ(h, as_change_for_madvise(&chg, MADV_WIPEONFORK), 0);
	ASSERT_EQ(h, as_change_range(&as, 0x15000, 0x4000, &chg, &done), -EINVAL);
	ASSERT_EQ(h, done, 0x18000);
	ASSERT(h, as_lookup(&as, 0x16000)->flags & MAPPING_WIPEONFORK);

	/* Page-only advice changes nothing but still reports the hole. */
	ASSERT_EQ(h, as_change_for_madvise(&chg, MADV_DONTNEED), 0);
	ASSERT_EQ(h, as_change_range(&as, 0x14000, 0x1000, &chg, NULL), -ENOMEM);
	ASSERT_EQ(h, as_change_range(&as, 0x10000, 0x1000, &chg, NULL), 0);
	ASSERT_VALID(h, &as);
	as_destroy(&as);
	mapping_path_put(path);
}

static void test_mlock_and_mbind(struct harness *h)
{
	struct address_space as;
	struct mapping a = anon_mapping(0x10000, 0x14000, RW);
	struct mapping vdso = anon_mapping(0x14000, 0x16000, PROT_READ | PROT_EXEC);
	struct mapping_policy bind = { .mode = 2 /* MPOL_BIND */, .nodemask = 0x3 };
	struct as_change chg;
	uint64_t done;

	vdso.kind = MAPPING_KIND_VDSO;
	init_x86_64(h, &as);
	ASSERT_EQ(h, as_insert(&as, &a), 0);
	ASSERT_EQ(h, as_insert(&as, &vdso), 0);

	as_change_for_mlock(&chg, MAPPING_LOCKED);
	ASSERT_EQ(h, as_change_range(&as, 0x11000, 0x1000, &chg, NULL), 0);
	ASSERT_EQ(h, as_map_count(&as), 4);
	ASSERT(h, as_lookup(&as, 0x11000)->flags & MAPPING_LOCKED);
	/* The vdso is VM_SPECIAL: mlock passes over it without an error. */
	ASSERT_EQ(h, as_change_range(&as, 0x10000, 0x6000, &chg, NULL), 0);
	ASSERT(h, !(as_lookup(&as, 0x14000)->flags & MAPPING_LOCKED));
	ASSERT_EQ(h, as_map_count(&as), 2);
	/* mlock2(MLOCK_ONFAULT) replaces the lock mode. */
	as_change_for_mlock(&chg, MAPPING_LOCKED | MAPPING_LOCKONFAULT);
	ASSERT_EQ(h, as_change_range(&as, 0x10000, 0x1000, &chg, NULL), 0);
	ASSERT_EQ(h, as_lookup(&as, 0x10000)->flags & MAPPING_LOCK_MASK, MAPPING_LOCK_MASK);
	/* munlock over a hole stops there. */
	as_change_for_mlock(&chg, 0);
	ASSERT_EQ(h, as_change_range(&as, 0x10000, 0x7000, &chg, &done), -ENOMEM);
	ASSERT_EQ(h, done, 0x16000);
	ASSERT_EQ(h, as_map_count(&as), 2);

	/* mbind: a hole anywhere fails with EFAULT and changes nothing. */
	as_change_for_mbind(&chg, &bind);
	ASSERT_EQ(h, as_change_range(&as, 0x12000, 0x5000, &chg, NULL), -EFAULT);
	ASSERT_EQ(h, as_lookup(&as, 0x12000)->policy.mode, 0);
	ASSERT_EQ(h, as_change_range(&as, 0x12000, 0x1000, &chg, NULL), 0);
	ASSERT_EQ(h, as_lookup(&as, 0x12000)->policy.nodemask, 0x3);
	ASSERT_EQ(h, as_map_count(&as), 4);
	ASSERT_VALID(h, &as);
	as_destroy(&as);
}

static void test_expand_in_place(struct harness *h)
{
	struct address_space as;
	struct mapping a = anon_mapping(0x10000, 0x12000, RW);
	struct mapping b = anon_mapping(0x14000, 0x15000, RW);
	struct mapping vdso = anon_mapping(0x20000, 0x21000, PROT_READ | PROT_EXEC);

	vdso.kind = MAPPING_KIND_VDSO;
	init_x86_64(h, &as);
	ASSERT_EQ(h, as_insert(&as, &a), 0);
	ASSERT_EQ(h, as_insert(&as, &b), 0);
	ASSERT_EQ(h, as_insert(&as, &vdso), 0);
	/* Room for one more page above a, not two. */
	ASSERT_EQ(h, as_can_expand(&as, 0x10000, 0x2000, 0x3000), 0);
	ASSERT_EQ(h, as_can_expand(&as, 0x10000, 0x2000, 0x5000), -ENOMEM);
	/* The old range must end where its mapping ends ... */
	ASSERT_EQ(h, as_can_expand(&as, 0x10000, 0x1000, 0x2000), -ENOMEM);
	/* ... and lie inside one. */
	ASSERT_EQ(h, as_can_expand(&as, 0x10000, 0x3000, 0x4000), -EFAULT);
	ASSERT_EQ(h, as_can_expand(&as, 0x13000, 0x1000, 0x2000), -EFAULT);
	ASSERT_EQ(h, as_can_expand(&as, 0x20000, 0x1000, 0x2000), -EFAULT);
	ASSERT_EQ(h, as_expand(&as, 0x10000, 0x2000, 0x4000), 0);
	/* Touching b and equal to it in all but the offset rule: a was created
	 * at 0x10000, so its pages continue to b's creation address. */
	ASSERT_LAYOUT(h, &as, "10000-15000 rw-p 20000-21000 r-xp");
	ASSERT_EQ(h, as_map_count(&as), 2);
	ASSERT_VALID(h, &as);
	as_destroy(&as);

	init_i386(h, &as);
	a = anon_mapping(0xffff0000, 0xffffd000, RW);
	ASSERT_EQ(h, as_insert(&as, &a), 0);
	ASSERT_EQ(h, as_can_expand(&as, 0xffff0000, 0xd000, 0xe000), 0);
	ASSERT_EQ(h, as_can_expand(&as, 0xffff0000, 0xd000, 0xf000), -ENOMEM);
	as_destroy(&as);
}

static void test_move(struct harness *h)
{
	struct address_space as;
	struct mapping_path *path = mapping_path_new("/lib/big.so");
	struct mapping f = file_mapping(0x10000, 0x18000, RO, path, 9, 0x100000);
	struct mapping a = anon_mapping(0x30000, 0x32000, RW);
	struct mapping shared = anon_mapping(0x50000, 0x51000, RW);
	const struct mapping *m;

	shared.flags |= MAPPING_SHARED;
	shared.backing.file_id = 55;
	init_x86_64(h, &as);
	ASSERT_EQ(h, as_insert(&as, &f), 0);
	ASSERT_EQ(h, as_insert(&as, &a), 0);
	ASSERT_EQ(h, as_insert(&as, &shared), 0);

	/* Move the middle of the file mapping, growing it, over part of a. */
	ASSERT_EQ(h, as_move(&as, 0x12000, 0x2000, 0x31000, 0x3000, 0, 77), 0);
	ASSERT_LAYOUT(h, &as,
		      "10000-12000 r--p 14000-18000 r--p 30000-31000 rw-p 31000-34000 r--p "
		      "50000-51000 rw-s");
	m = as_lookup(&as, 0x31000);
	ASSERT_EQ(h, m->offset, 0x102000);
	ASSERT_EQ(h, m->created_by, 77);
	ASSERT(h, m->backing.path == path);
	ASSERT_EQ(h, as_lookup(&as, 0x14000)->offset, 0x104000);

	/* Moving it back where it came from rejoins the file mapping. */
	ASSERT_EQ(h, as_move(&as, 0x31000, 0x2000, 0x12000, 0x2000, 0, 78), 0);
	ASSERT_EQ(h, as_lookup(&as, 0x12000)->start, 0x10000);
	ASSERT_EQ(h, as_lookup(&as, 0x12000)->end, 0x18000);

	/* A moved anonymous mapping keeps its vm_pgoff, so it does not merge
	 * with fresh anonymous memory at its new place. */
	a = anon_mapping(0x40000, 0x41000, RW);
	ASSERT_EQ(h, as_insert(&as, &a), 0);
	ASSERT_EQ(h, as_move(&as, 0x30000, 0x1000, 0x41000, 0x1000, 0, 79), 0);
	ASSERT_EQ(h, as_lookup(&as, 0x41000)->start, 0x41000);

	/* Errors: ranges overlap; old range not in one mapping; old_len 0 on
	 * private memory; past task_size. */
	ASSERT_EQ(h, as_move(&as, 0x10000, 0x2000, 0x11000, 0x2000, 0, 80), -EINVAL);
	ASSERT_EQ(h, as_move(&as, 0x17000, 0x2000, 0x60000, 0x2000, 0, 80), -EFAULT);
	ASSERT_EQ(h, as_move(&as, 0x10000, 0, 0x60000, 0x1000, 0, 80), -EINVAL);
	ASSERT_EQ(h, as_move(&as, 0x10000, 0x1000, 0x7ffffffff000, 0x2000, 0, 80), -ENOMEM);

	/* old_len 0 on shared memory duplicates it. */
	ASSERT_EQ(h, as_move(&as, 0x50000, 0, 0x60000, 0x1000, 0, 81), 0);
	ASSERT(h, as_lookup(&as, 0x50000) != NULL);
	ASSERT_EQ(h, as_lookup(&as, 0x60000)->backing.file_id, 55);
	ASSERT_VALID(h, &as);
	as_destroy(&as);
	mapping_path_put(path);
}

/* Pieces apart only by their offset are joined when the kernel says so;
 * pieces apart for anything else, or not covering the range, are not. */
static void test_join_cut_by_offset(struct harness *h)
{
	struct address_space as;
	struct mapping fresh = anon_mapping(0x40000, 0x42000, RW);
	struct mapping moved = anon_mapping(0x10000, 0x12000, RW);
	struct mapping ro = anon_mapping(0x44000, 0x45000, RO);

	init_x86_64(h, &as);
	ASSERT_EQ(h, as_insert(&as, &moved), 0);
	ASSERT_EQ(h, as_move(&as, 0x10000, 0x2000, 0x42000, 0x2000, 0, 2), 0);
	ASSERT_EQ(h, as_insert(&as, &fresh), 0);
	ASSERT_EQ(h, as_insert(&as, &ro), 0);
	ASSERT_LAYOUT(h, &as, "40000-42000 rw-p 42000-44000 rw-p 44000-45000 r--p");
	ASSERT(h, !as_cut_by_offset_only(&as, 0x40000, 0x2000));	/* one piece */
	ASSERT(h, !as_cut_by_offset_only(&as, 0x41000, 0x4000));	/* prot differs */
	ASSERT(h, !as_cut_by_offset_only(&as, 0x3f000, 0x2000));	/* starts in a hole */
	ASSERT(h, as_cut_by_offset_only(&as, 0x41000, 0x2000));
	as_join_cut_by_offset(&as, 0x41000, 0x2000);
	ASSERT_LAYOUT(h, &as, "40000-44000 rw-p 44000-45000 r--p");
	ASSERT_EQ(h, as_lookup(&as, 0x43000)->offset, 0x40000);
	ASSERT_EQ(h, as_lookup(&as, 0x43000)->start, 0x40000);
	/* the joined mapping merges like fresh memory again */
	fresh = anon_mapping(0x3f000, 0x40000, RW);
	ASSERT_EQ(h, as_insert(&as, &fresh), 0);
	ASSERT_EQ(h, as_lookup(&as, 0x43000)->start, 0x3f000);
	ASSERT_VALID(h, &as);
	as_destroy(&as);
}

static void test_move_keep_old(struct harness *h)
{
	struct address_space as;
	struct mapping a = anon_mapping(0x10000, 0x14000, RW);
	struct as_change lock;

	init_x86_64(h, &as);
	ASSERT_EQ(h, as_insert(&as, &a), 0);
	as_change_for_mlock(&lock, MAPPING_LOCKED);
	ASSERT_EQ(h, as_change_range(&as, 0x10000, 0x4000, &lock, NULL), 0);
	ASSERT_EQ(h, as_move(&as, 0x11000, 0x1000, 0x30000, 0x1000, AS_MOVE_KEEP_OLD, 5), 0);
	/* MREMAP_DONTUNMAP: the old VMA stays, unlocked as a whole; the moved
	 * copy keeps the lock. */
	ASSERT_LAYOUT(h, &as, "10000-14000 rw-p 30000-31000 rw-p");
	ASSERT_EQ(h, as_lookup(&as, 0x13000)->flags & MAPPING_LOCKED, 0);
	ASSERT_EQ(h, as_lookup(&as, 0x30000)->flags & MAPPING_LOCKED, MAPPING_LOCKED);
	ASSERT_VALID(h, &as);
	as_destroy(&as);
}

/* vm.max_map_count as Linux applies it, on a limit of 4. */
static void test_max_map_count(struct harness *h)
{
	struct address_space as;
	struct as_layout layout;
	struct mapping m;
	uint64_t i;

	as_layout_default(&layout, AS_ARCH_X86_64);
	layout.max_map_count = 4;
	ASSERT_EQ(h, as_init(&as, &layout), 0);
	for (i = 0; i < 4; i++) {
		m = anon_mapping(0x10000 + i * 0x10000, 0x14000 + i * 0x10000, RW);
		ASSERT_EQ(h, as_insert(&as, &m), 0);
	}
	/* Splitting one mapping in two needs count < max: nothing changes. */
	ASSERT_EQ(h, as_unmap(&as, 0x11000, 0x1000), -ENOMEM);
	m = anon_mapping(0x11000, 0x12000, RO);
	ASSERT_EQ(h, as_insert(&as, &m), -ENOMEM);
	ASSERT_EQ(h, as_protect(&as, 0x11000, 0x1000, RO, NULL), -ENOMEM);
	ASSERT_EQ(h, as_protect(&as, 0x10000, 0x1000, RO, NULL), -ENOMEM);
	ASSERT_EQ(h, as_move(&as, 0x10000, 0x1000, 0x60000, 0x1000, 0, 1), -ENOMEM);
	ASSERT_LAYOUT(h, &as,
		      "10000-14000 rw-p 20000-24000 rw-p 30000-34000 rw-p 40000-44000 rw-p");
	/* Trimming an end, or a change a merge absorbs, needs no new VMA. */
	ASSERT_EQ(h, as_unmap(&as, 0x13000, 0x1000), 0);
	m = anon_mapping(0x14000, 0x15000, RO);
	/* do_mmap refuses only past the limit: at it, one more is allowed. */
	ASSERT_EQ(h, as_insert(&as, &m), 0);
	ASSERT_EQ(h, as_map_count(&as), 5);
	m = anon_mapping(0x50000, 0x51000, RO);
	ASSERT_EQ(h, as_insert(&as, &m), -ENOMEM);
	/* mprotect of the tail of 0x10000-0x13000 to r--: the piece would join
	 * nothing (0x13000 is free), so it needs a split: refused.  Unmapping
	 * that tail needs none. */
	ASSERT_EQ(h, as_protect(&as, 0x12000, 0x1000, RO, NULL), -ENOMEM);
	ASSERT_EQ(h, as_unmap(&as, 0x14000, 0x1000), 0);
	ASSERT_EQ(h, as_unmap(&as, 0x40000, 0x4000), 0);
	ASSERT_EQ(h, as_map_count(&as), 3);
	/* Now 0x12000 turned r-- needs one split (count 3 + 1 <= 4). */
	ASSERT_EQ(h, as_protect(&as, 0x12000, 0x1000, RO, NULL), 0);
	ASSERT_EQ(h, as_map_count(&as), 4);
	/* At the limit, protecting the head of 0x20000-0x24000 like ... no
	 * neighbour below, so the split is counted and refused ... */
	ASSERT_EQ(h, as_protect(&as, 0x20000, 0x1000, RO, NULL), -ENOMEM);
	/* ... while the tail of 0x10000-0x12000 can join the r-- piece above:
	 * Linux's vma_merge moves the boundary without a split. */
	ASSERT_EQ(h, as_protect(&as, 0x11000, 0x1000, RO, NULL), 0);
	ASSERT_LAYOUT(h, &as, "10000-11000 rw-p 11000-13000 r--p 20000-24000 rw-p 30000-34000 rw-p");
	ASSERT_VALID(h, &as);
	as_destroy(&as);
}

/*  parent: [ plain ][ dontfork ][ wipeonfork ]  [ locked ][ unlocked ]
 *  child:  [ plain ]            [ wipeonfork ]  [ one unlocked mapping ] */
static void test_fork(struct harness *h)
{
	struct address_space parent, child;
	struct mapping_path *path = mapping_path_new("/bin/prog");
	struct mapping m;
	struct as_change chg;

	init_x86_64(h, &parent);
	m = file_mapping(0x10000, 0x13000, RO, path, 1, 0);
	m.kind = MAPPING_KIND_EXE;
	ASSERT_EQ(h, as_insert(&parent, &m), 0);
	m = anon_mapping(0x20000, 0x26000, RW);
	ASSERT_EQ(h, as_insert(&parent, &m), 0);
	ASSERT_EQ(h, as_change_for_madvise(&chg, MADV_DONTFORK), 0);
	ASSERT_EQ(h, as_change_range(&parent, 0x22000, 0x2000, &chg, NULL), 0);
	ASSERT_EQ(h, as_change_for_madvise(&chg, MADV_WIPEONFORK), 0);
	ASSERT_EQ(h, as_change_range(&parent, 0x24000, 0x2000, &chg, NULL), 0);
	m = anon_mapping(0x30000, 0x34000, RW);
	ASSERT_EQ(h, as_insert(&parent, &m), 0);
	as_change_for_mlock(&chg, MAPPING_LOCKED);
	ASSERT_EQ(h, as_change_range(&parent, 0x30000, 0x2000, &chg, NULL), 0);
	parent.brk_current = 0x1234567;
	ASSERT_EQ(h, as_map_count(&parent), 6);

	ASSERT_EQ(h, as_fork(&child, &parent), 0);
	ASSERT_VALID(h, &child);
	ASSERT_LAYOUT(h, &child, "10000-13000 r--p 20000-22000 rw-p 24000-26000 rw-p 30000-34000 rw-p");
	ASSERT(h, as_lookup(&child, 0x24000)->flags & MAPPING_WIPEONFORK);
	ASSERT_EQ(h, as_lookup(&child, 0x30000)->flags & MAPPING_LOCKED, 0);
	ASSERT_EQ(h, child.brk_current, 0x1234567);
	ASSERT_EQ(h, path->refs, 3);
	/* The copies are independent. */
	ASSERT_EQ(h, as_unmap(&child, 0x10000, 0x3000), 0);
	ASSERT_EQ(h, as_lookup(&parent, 0x10000)->end, 0x13000);
	ASSERT_EQ(h, as_map_count(&parent), 6);
	ASSERT_VALID(h, &parent);
	as_destroy(&child);
	as_destroy(&parent);
	ASSERT_EQ(h, path->refs, 1);
	mapping_path_put(path);
}

static void test_grow_down(struct harness *h)
{
	struct address_space as;
	struct mapping below = anon_mapping(0x100000, 0x101000, RW);
	struct mapping stack = anon_mapping(0x300000, 0x310000, RW);
	uint64_t guard;

	stack.flags |= MAPPING_GROWSDOWN;
	stack.kind = MAPPING_KIND_STACK;
	init_x86_64(h, &as);
	guard = as.layout.stack_guard_gap;
	ASSERT_EQ(h, as_insert(&as, &below), 0);
	ASSERT_EQ(h, as_insert(&as, &stack), 0);
	ASSERT_EQ(h, as_grow_down(&as, 0x2ff123), 0);
	ASSERT_EQ(h, as_lookup(&as, 0x2ff000)->start, 0x2ff000);
	ASSERT_EQ(h, as_lookup(&as, 0x2ff000)->offset, 0x2ff000);
	ASSERT_EQ(h, as_grow_down(&as, 0x305000), 0);
	/* Not within stack_guard_gap of an accessible mapping ... */
	ASSERT_EQ(h, as_grow_down(&as, 0x101000 + guard - PAGE), -ENOMEM);
	ASSERT_EQ(h, as_grow_down(&as, 0x101000 + guard), 0);
	/* ... unless it is PROT_NONE. */
	ASSERT_EQ(h, as_protect(&as, 0x100000, 0x1000, PROT_NONE, NULL), 0);
	ASSERT_EQ(h, as_grow_down(&as, 0x101000), 0);
	ASSERT_EQ(h, as_grow_down(&as, 0x0fffff), -EFAULT);
	ASSERT_VALID(h, &as);
	as_destroy(&as);
}

/* as_validate must notice what a buggy change could leave behind. */
static void test_validate_catches_corruption(struct harness *h)
{
	struct address_space as;
	struct mapping a = anon_mapping(0x10000, 0x12000, RW);
	struct mapping b = anon_mapping(0x12000, 0x14000, RO);
	struct mm_node *node;
	char msg[200];

	init_x86_64(h, &as);
	ASSERT_EQ(h, as_insert(&as, &a), 0);
	ASSERT_EQ(h, as_insert(&as, &b), 0);
	ASSERT_VALID(h, &as);
	node = mm_node_of(as_lookup(&as, 0x12000));

	node->map.prot = RW; /* now mergeable with the mapping below */
	ASSERT_EQ(h, as_validate(&as, msg, sizeof(msg)), -EINVAL);
	node->map.prot = RO;
	node->sub_gap_pages++;
	ASSERT_EQ(h, as_validate(&as, msg, sizeof(msg)), -EINVAL);
	node->sub_gap_pages--;
	node->map.start -= PAGE; /* overlaps the mapping below */
	ASSERT_EQ(h, as_validate(&as, msg, sizeof(msg)), -EINVAL);
	node->map.start += PAGE;
	node->map.end += 0x800;
	ASSERT_EQ(h, as_validate(&as, msg, sizeof(msg)), -EINVAL);
	node->map.end -= 0x800;
	as.tree.count++;
	ASSERT_EQ(h, as_validate(&as, msg, sizeof(msg)), -EINVAL);
	as.tree.count--;
	ASSERT_VALID(h, &as);
	as_destroy(&as);
}

/* mseal's argument rules, and what sealed mappings refuse (Linux 6.18). */
static void test_seal(struct harness *h)
{
	struct address_space as, child;
	struct mapping a = anon_mapping(0x10000, 0x13000, RW);
	struct mapping r = anon_mapping(0x20000, 0x23000, RO);
	struct as_change chg;
	uint64_t done;

	init_x86_64(h, &as);
	ASSERT_EQ(h, as_insert(&as, &a), 0);
	ASSERT_EQ(h, as_insert(&as, &r), 0);
	ASSERT_EQ(h, as_seal(&as, 0x10000, 0x1000, 1), -EINVAL);
	ASSERT_EQ(h, as_seal(&as, 0x10001, 0x1000, 0), -EINVAL);
	ASSERT_EQ(h, as_seal(&as, 0x10000, ~0ull, 0), -EINVAL);
	ASSERT_EQ(h, as_seal(&as, 0x10000, 0, 0), 0);
	/* a hole anywhere: ENOMEM, and nothing sealed */
	ASSERT_EQ(h, as_seal(&as, 0x12000, 0x2000, 0), -ENOMEM);
	ASSERT(h, !(as_lookup(&as, 0x12000)->flags & MAPPING_SEALED));
	ASSERT_EQ(h, as_map_count(&as), 2);

	/* the middle page: three mappings that merge no more */
	ASSERT_EQ(h, as_seal(&as, 0x11000, 10, 0), 0);
	ASSERT_EQ(h, as_map_count(&as), 4);
	ASSERT(h, as_range_has_sealed(&as, 0x10000, 0x11001));
	ASSERT(h, !as_range_has_sealed(&as, 0x10000, 0x11000));
	ASSERT_EQ(h, as_unmap(&as, 0x11000, 0x1000), -EPERM);
	ASSERT_EQ(h, as_unmap(&as, 0x10000, 0x3000), -EPERM);
	ASSERT_EQ(h, as_map_count(&as), 4);
	/* mprotect: the mapping below changes, then EPERM, even for no change */
	ASSERT_EQ(h, as_protect(&as, 0x10000, 0x3000, RO, &done), -EPERM);
	ASSERT_EQ(h, done, 0x11000);
	ASSERT_EQ(h, as_lookup(&as, 0x10000)->prot, RO);
	ASSERT_EQ(h, as_lookup(&as, 0x12000)->prot, RW);
	ASSERT_EQ(h, as_protect(&as, 0x11000, 0x1000, RW, NULL), -EPERM);
	/* locking, and advice that discards nothing, work */
	as_change_for_mlock(&chg, MAPPING_LOCKED);
	ASSERT_EQ(h, as_change_range(&as, 0x10000, 0x3000, &chg, NULL), 0);
	ASSERT_EQ(h, as_lookup(&as, 0x11000)->flags, MAPPING_ANON | MAPPING_SEALED | MAPPING_LOCKED);
	as_change_for_mlock(&chg, 0);
	ASSERT_EQ(h, as_change_range(&as, 0x10000, 0x3000, &chg, NULL), 0);
	/* discarding writable memory is allowed; read-only is not */
	ASSERT_EQ(h, as_change_for_madvise(&chg, MADV_DONTNEED), 0);
	ASSERT_EQ(h, as_change_range(&as, 0x11000, 0x1000, &chg, NULL), 0);
	ASSERT_EQ(h, as_seal(&as, 0x21000, 0x1000, 0), 0);
	ASSERT_EQ(h, as_change_range(&as, 0x21000, 0x1000, &chg, NULL), -EPERM);
	ASSERT_EQ(h, as_change_for_madvise(&chg, MADV_DONTFORK), 0);
	ASSERT_EQ(h, as_change_range(&as, 0x20000, 0x3000, &chg, &done), -EPERM);
	ASSERT_EQ(h, done, 0x21000);
	ASSERT(h, as_lookup(&as, 0x20000)->flags & MAPPING_DONTFORK);
	ASSERT(h, !(as_lookup(&as, 0x22000)->flags & MAPPING_DONTFORK));
	ASSERT_EQ(h, as_change_for_madvise(&chg, MADV_DONTDUMP), 0);
	ASSERT_EQ(h, as_change_range(&as, 0x20000, 0x3000, &chg, NULL), 0);
	ASSERT_VALID(h, &as);

	/* a fork's copy is sealed too */
	ASSERT_EQ(h, as_fork(&child, &as), 0);
	ASSERT_EQ(h, as_unmap(&child, 0x11000, 0x1000), -EPERM);
	as_destroy(&child);

	/* sealed neighbours merge; sealing all joins them */
	ASSERT_EQ(h, as_unmap(&as, 0x10000, 0x1000), 0);
	ASSERT_EQ(h, as_unmap(&as, 0x12000, 0x1000), 0);
	a = anon_mapping(0x12000, 0x13000, RW);
	ASSERT_EQ(h, as_insert(&as, &a), 0);
	ASSERT_EQ(h, as_seal(&as, 0x12000, 0x1000, 0), 0);
	ASSERT_LAYOUT(h, &as, "11000-13000 rw-p 20000-21000 r--p 21000-22000 r--p 22000-23000 r--p");
	ASSERT_EQ(h, as_lookup(&as, 0x11000)->flags, MAPPING_ANON | MAPPING_SEALED);
	ASSERT_VALID(h, &as);
	as_destroy(&as);
}

/* The vdso and vvar refuse to be split (special_mapping_split): EINVAL. */
static void test_special_never_split(struct harness *h)
{
	struct address_space as;
	struct mapping v = anon_mapping(0x30000, 0x32000, PROT_READ | PROT_EXEC);
	struct as_change chg;

	v.kind = MAPPING_KIND_VDSO;
	v.flags |= MAPPING_DONTEXPAND;
	init_x86_64(h, &as);
	ASSERT_EQ(h, as_insert(&as, &v), 0);
	ASSERT_EQ(h, as_protect(&as, 0x30000, 0x1000, RO, NULL), -EINVAL);
	ASSERT_EQ(h, as_protect(&as, 0x30000, 0x2000, PROT_READ | PROT_EXEC, NULL), 0);
	ASSERT_EQ(h, as_unmap(&as, 0x31000, 0x1000), -EINVAL);
	ASSERT_EQ(h, as_seal(&as, 0x30000, 0x1000, 0), -EINVAL);
	ASSERT_EQ(h, as_change_for_madvise(&chg, MADV_DONTFORK), 0);
	ASSERT_EQ(h, as_change_range(&as, 0x30000, 0x1000, &chg, NULL), -EINVAL);
	ASSERT_EQ(h, as_change_range(&as, 0x30000, 0x2000, &chg, NULL), 0);
	ASSERT_EQ(h, as_map_count(&as), 1);
	ASSERT_EQ(h, as_unmap(&as, 0x30000, 0x2000), 0);
	ASSERT_VALID(h, &as);
	as_destroy(&as);
}

int main(void)
{
	struct harness h;

	harness_init(&h);
	RUN_TEST(&h, test_insert_lookup_iterate);
	RUN_TEST(&h, test_insert_rejects_bad_ranges);
	RUN_TEST(&h, test_fixed_splits_middle);
	RUN_TEST(&h, test_fixed_replaces_several);
	RUN_TEST(&h, test_unmap);
	RUN_TEST(&h, test_merge_rules);
	RUN_TEST(&h, test_protect_across_hole);
	RUN_TEST(&h, test_protect_beyond_max_prot);
	RUN_TEST(&h, test_madvise);
	RUN_TEST(&h, test_mlock_and_mbind);
	RUN_TEST(&h, test_expand_in_place);
	RUN_TEST(&h, test_move);
	RUN_TEST(&h, test_join_cut_by_offset);
	RUN_TEST(&h, test_move_keep_old);
	RUN_TEST(&h, test_max_map_count);
	RUN_TEST(&h, test_fork);
	RUN_TEST(&h, test_grow_down);
	RUN_TEST(&h, test_validate_catches_corruption);
	RUN_TEST(&h, test_seal);
	RUN_TEST(&h, test_special_never_split);
	return harness_summary(&h);
}
