/* Targeted tests of placement: layouts, top-down packing, hints, the guard
 * gap, limits of the i386 layout, alignment, the bottom-up fallback, brk. */
#include <errno.h>
#include <sys/mman.h>

#include "harness.h"
#include "mm/address_space.h"
#include "mm/brk.h"
#include "mm_test_util.h"

#define RW (PROT_READ | PROT_WRITE)

static void test_default_layouts(struct harness *h)
{
	struct as_layout l;

	as_layout_default(&l, AS_ARCH_I386);
	ASSERT_EQ(h, l.task_size, 0xffffe000);
	ASSERT_EQ(h, l.mmap_base, 0xf7ffe000);
	ASSERT_EQ(h, l.mmap_legacy_base, 0x55555000);
	ASSERT_EQ(h, l.mmap_min_addr, 0x10000);
	ASSERT_EQ(h, l.stack_guard_gap, 256 * PAGE);
	ASSERT_EQ(h, l.max_map_count, 65530);
	as_layout_default(&l, AS_ARCH_X86_64);
	ASSERT_EQ(h, l.task_size, 0x7ffffffff000);
	ASSERT_EQ(h, l.mmap_base, 0x7ffff7fff000);
	ASSERT_EQ(h, l.mmap_legacy_base, 0x2aaaaaaab000);
	l.mmap_base = l.task_size + PAGE;
	{
		struct address_space as;

		ASSERT_EQ(h, as_init(&as, &l), -EINVAL);
	}
}

/* New mappings go top-down, each flush against the one above:
 *
 *   0xf7ffe000  mmap_base
 *   0xf7ffd000  [ first, 1 page   ]
 *   0xf7ffa000  [ second, 3 pages ]
 */
static void test_topdown_packs_flush(struct harness *h)
{
	struct address_space as;
	struct mapping m;
	uint64_t addr;

	init_i386(h, &as);
	ASSERT_EQ(h, as_get_unmapped_area(&as, 0, PAGE, &addr), 0);
	ASSERT_EQ(h, addr, 0xf7ffd000);
	m = anon_mapping(addr, addr + PAGE, RW);
	ASSERT_EQ(h, as_insert(&as, &m), 0);
	ASSERT_EQ(h, as_get_unmapped_area(&as, 0, 3 * PAGE, &addr), 0);
	ASSERT_EQ(h, addr, 0xf7ffa000);
	m = anon_mapping(addr, addr + 3 * PAGE, PROT_READ);
	ASSERT_EQ(h, as_insert(&as, &m), 0);
	/* A one-page hole at the top takes one page, not two. */
	ASSERT_EQ(h, as_unmap(&as, 0xf7ffd000, PAGE), 0);
	ASSERT_EQ(h, as_get_unmapped_area(&as, 0, 2 * PAGE, &addr), 0);
	ASSERT_EQ(h, addr, 0xf7ff8000);
	ASSERT_EQ(h, as_get_unmapped_area(&as, 0, PAGE, &addr), 0);
	ASSERT_EQ(h, addr, 0xf7ffd000);
	ASSERT_EQ(h, as_get_unmapped_area(&as, 0, 0, &addr), -EINVAL);
	ASSERT_EQ(h, as_get_unmapped_area(&as, 0, 0x1001, &addr), -EINVAL);
	as_destroy(&as);
}

static void test_hint_honoured_or_ignored(struct harness *h)
{
	struct address_space as;
	struct mapping m = anon_mapping(0x40000000, 0x40010000, RW);
	struct mapping stack = anon_mapping(0x7ffffffde000, 0x7ffffffff000, RW);
	uint64_t addr, guarded;

	stack.flags |= MAPPING_GROWSDOWN;
	stack.kind = MAPPING_KIND_STACK;
	init_x86_64(h, &as);
	ASSERT_EQ(h, as_insert(&as, &m), 0);
	ASSERT_EQ(h, as_insert(&as, &stack), 0);
	guarded = stack.start - as.layout.stack_guard_gap;

	ASSERT_EQ(h, as_get_unmapped_area(&as, 0x50000000, PAGE, &addr), 0);
	ASSERT_EQ(h, addr, 0x50000000);
	/* Unaligned hints are rounded down, not refused. */
	ASSERT_EQ(h, as_get_unmapped_area(&as, 0x50000123, PAGE, &addr), 0);
	ASSERT_EQ(h, addr, 0x50000000);
	/* A hint overlapping a mapping is ignored, never clobbers. */
	ASSERT_EQ(h, as_get_unmapped_area(&as, 0x4000f000, 2 * PAGE, &addr), 0);
	ASSERT_EQ(h, addr, 0x7ffff7fff000 - 2 * PAGE);
	/* A hint ending right at a mapping is fine. */
	ASSERT_EQ(h, as_get_unmapped_area(&as, 0x3fffe000, 2 * PAGE, &addr), 0);
	ASSERT_EQ(h, addr, 0x3fffe000);
	/* Below mmap_min_addr: raised to it. */
	ASSERT_EQ(h, as_get_unmapped_area(&as, 0x1000, PAGE, &addr), 0);
	ASSERT_EQ(h, addr, 0x10000);
	/* Running past task_size: ignored. */
	ASSERT_EQ(h, as_get_unmapped_area(&as, 0x7ffffffff000 - PAGE, 2 * PAGE, &addr), 0);
	ASSERT_EQ(h, addr, 0x7ffff7fff000 - 2 * PAGE);
	/* Within the stack's guard gap: ignored; just below it: honoured. */
	ASSERT_EQ(h, as_get_unmapped_area(&as, stack.start - PAGE, PAGE, &addr), 0);
	ASSERT_EQ(h, addr, 0x7ffff7fff000 - PAGE);
	ASSERT_EQ(h, as_get_unmapped_area(&as, guarded - PAGE, PAGE, &addr), 0);
	ASSERT_EQ(h, addr, guarded - PAGE);
	as_destroy(&as);
}

/* i386 on a 64-bit kernel: user space ends at 0xffffe000, two pages short of
 * 4 GiB, and everything is computed in 64 bits without wrapping. */
static void test_i386_limits(struct harness *h)
{
	struct address_space as;
	struct mapping stack = anon_mapping(0xfffdd000, 0xffffe000, RW);
	struct mapping low = anon_mapping(0x10000, 0xf7ffe000, RW);
	struct mapping m;
	uint64_t addr;

	stack.flags |= MAPPING_GROWSDOWN;
	stack.kind = MAPPING_KIND_STACK;
	init_i386(h, &as);
	ASSERT_EQ(h, as_insert(&as, &stack), 0);
	m = anon_mapping(0xffffe000, 0xfffff000, RW);
	ASSERT_EQ(h, as_insert(&as, &m), -ENOMEM);
	m = anon_mapping(0xfffff000, 0x100000000, RW);
	ASSERT_EQ(h, as_insert(&as, &m), -ENOMEM);
	ASSERT_EQ(h, as_get_unmapped_area(&as, 0, 0xfffff000, &addr), -ENOMEM);
	ASSERT_EQ(h, as_get_unmapped_area(&as, 0xfffff000, PAGE, &addr), 0);
	ASSERT_EQ(h, addr, 0xf7ffd000);
	ASSERT_EQ(h, as_unmap(&as, 0xffffe000, PAGE), -EINVAL);

	/* Fill everything below mmap_base: the top-down search fails and Linux
	 * falls back to bottom-up from TASK_UNMAPPED_BASE, which finds the
	 * space between mmap_base and the stack's guard gap. */
	ASSERT_EQ(h, as_insert(&as, &low), 0);
	ASSERT_EQ(h, as_get_unmapped_area(&as, 0, PAGE, &addr), 0);
	ASSERT_EQ(h, addr, 0xf7ffe000);
	ASSERT_EQ(h, as_get_unmapped_area(&as, 0, 0xffedd000 - 0xf7ffe000, &addr), 0);
	ASSERT_EQ(h, addr, 0xf7ffe000);
	ASSERT_EQ(h, as_get_unmapped_area(&as, 0, 0xffedd000 - 0xf7ffe000 + PAGE, &addr), -ENOMEM);
	ASSERT_VALID(h, &as);
	as_destroy(&as);
}

static void test_guard_gap_topdown(struct harness *h)
{
	struct as_layout layout;
	struct address_space as;
	struct mapping stack;
	uint64_t addr, top;

	as_layout_default(&layout, AS_ARCH_X86_64);
	layout.mmap_base = layout.task_size;
	top = layout.task_size;
	stack = anon_mapping(top - 0x21000, top, RW);
	stack.flags |= MAPPING_GROWSDOWN;

	ASSERT_EQ(h, as_init(&as, &layout), 0);
	ASSERT_EQ(h, as_insert(&as, &stack), 0);
	ASSERT_EQ(h, as_get_unmapped_area(&as, 0, PAGE, &addr), 0);
	ASSERT_EQ(h, addr, top - 0x21000 - layout.stack_guard_gap - PAGE);
	/* Dropping GROWSDOWN (a plain mapping there) removes the guard. */
	ASSERT_EQ(h, as_unmap(&as, top - 0x21000, 0x21000), 0);
	stack.flags &= ~MAPPING_GROWSDOWN;
	ASSERT_EQ(h, as_insert(&as, &stack), 0);
	ASSERT_EQ(h, as_get_unmapped_area(&as, 0, PAGE, &addr), 0);
	ASSERT_EQ(h, addr, top - 0x21000 - PAGE);
	ASSERT_VALID(h, &as);
	as_destroy(&as);

	/* A layout without a guard gap places flush against the stack. */
	layout.stack_guard_gap = 0;
	stack.flags |= MAPPING_GROWSDOWN;
	ASSERT_EQ(h, as_init(&as, &layout), 0);
	ASSERT_EQ(h, as_insert(&as, &stack), 0);
	ASSERT_EQ(h, as_get_unmapped_area(&as, 0, PAGE, &addr), 0);
	ASSERT_EQ(h, addr, top - 0x21000 - PAGE);
	as_destroy(&as);
}

static void test_alignment(struct harness *h)
{
	struct address_space as;
	struct mm_hole_request req = {
		.length = PAGE,
		.low_limit = 0x10000,
		.high_limit = 0x7ffff7fff000,
		.align_mask = 0x1fffff,
	};
	struct mapping a = anon_mapping(0x10000, 0x200000, RW);
	struct mapping b = anon_mapping(0x400000, 0x600000, RW);
	uint64_t addr;

	init_x86_64(h, &as);
	ASSERT_EQ(h, as_find_hole_topdown(&as, &req, &addr), 0);
	ASSERT_EQ(h, addr, 0x7ffff7e00000);
	ASSERT_EQ(h, as_find_hole_bottomup(&as, &req, &addr), 0);
	ASSERT_EQ(h, addr, 0x200000);
	req.align_offset = PAGE;
	ASSERT_EQ(h, as_find_hole_bottomup(&as, &req, &addr), 0);
	ASSERT_EQ(h, addr, 0x201000);
	/* Linux asks a gap for length + align_mask bytes, so an aligned 2 MiB
	 * hole does not serve an aligned 2 MiB request. */
	ASSERT_EQ(h, as_insert(&as, &a), 0);
	ASSERT_EQ(h, as_insert(&as, &b), 0);
	req.align_offset = 0;
	req.length = 0x200000;
	req.high_limit = 0x600000;
	ASSERT_EQ(h, as_find_hole_bottomup(&as, &req, &addr), -ENOMEM);
	req.align_mask = 0;
	ASSERT_EQ(h, as_find_hole_bottomup(&as, &req, &addr), 0);
	ASSERT_EQ(h, addr, 0x200000);
	req.length = 0;
	ASSERT_EQ(h, as_find_hole_topdown(&as, &req, &addr), -EINVAL);
	req.length = PAGE;
	req.align_mask = UINT64_MAX;
	ASSERT_EQ(h, as_find_hole_topdown(&as, &req, &addr), -ENOMEM);
	as_destroy(&as);
}

/* Brute force over the gaps, for comparison: the highest (or lowest) fit. */
static int scan_for_hole(const struct address_space *as, uint64_t len, uint64_t low,
			 uint64_t high, bool topdown, uint64_t *addr)
{
	const struct mapping *m;
	uint64_t gap_start = 0;
	bool found = false;

	for (m = as_first(as);; m = as_next(as, m)) {
		uint64_t gap_end = m ? m->start : UINT64_MAX;
		uint64_t lo = gap_start > low ? gap_start : low;
		uint64_t hi = gap_end < high ? gap_end : high;

		if (hi > lo && hi - lo >= len) {
			*addr = topdown ? hi - len : lo;
			found = true;
			if (!topdown)
				break;
		}
		if (!m)
			break;
		gap_start = m->end;
	}
	return found ? 0 : -ENOMEM;
}

/*   one-page mappings with one-page gaps, one three-page gap in the middle:
 *   ... [m][ ][m][ ][m][       ][m][ ][m] ...                               */
static void test_hole_search_many(struct harness *h)
{
	struct address_space as;
	struct mm_hole_request req = { .low_limit = 0x10000, .high_limit = 0x100000 + 2000 * PAGE };
	uint64_t i, addr = 0, want = 0, gap3 = 0x100000 + 499 * 2 * PAGE + PAGE;
	uint64_t seed = 1;

	init_x86_64(h, &as);
	for (i = 0; i < 1000; i++) {
		struct mapping m = anon_mapping(0x100000 + i * 2 * PAGE, 0x100000 + i * 2 * PAGE + PAGE,
						i % 2 ? RW : PROT_READ);

		if (i != 500 && !ASSERT_EQ(h, as_insert(&as, &m), 0))
			return;
	}
	ASSERT_EQ(h, as_map_count(&as), 999);
	req.length = 3 * PAGE;
	ASSERT_EQ(h, as_find_hole_topdown(&as, &req, &addr), 0);
	ASSERT_EQ(h, addr, gap3);
	/* Bottom-up from the lowest mapping, or the space below it wins. */
	req.low_limit = 0x100000;
	ASSERT_EQ(h, as_find_hole_bottomup(&as, &req, &addr), 0);
	ASSERT_EQ(h, addr, gap3);
	req.low_limit = 0x10000;
	req.length = 2 * PAGE;
	ASSERT_EQ(h, as_find_hole_topdown(&as, &req, &addr), 0);
	ASSERT_EQ(h, addr, gap3 + PAGE);
	req.length = 4 * PAGE;
	ASSERT_EQ(h, as_find_hole_topdown(&as, &req, &addr), 0);
	ASSERT_EQ(h, addr, 0x100000 - 4 * PAGE);

	/* Random limits and lengths against a brute-force scan. */
	for (i = 0; i < 2000; i++) {
		uint64_t low = 0x100000 + (test_rand(&seed) % 2100) * PAGE;
		uint64_t high = low + (test_rand(&seed) % 200) * PAGE;
		uint64_t len = (1 + test_rand(&seed) % 4) * PAGE;
		bool topdown = test_rand(&seed) % 2;
		int want_err, err;

		req = (struct mm_hole_request){ .length = len, .low_limit = low, .high_limit = high };
		want_err = scan_for_hole(&as, len, low, high, topdown, &want);
		err = topdown ? as_find_hole_topdown(&as, &req, &addr)
			      : as_find_hole_bottomup(&as, &req, &addr);
		if (!ASSERT_EQ(h, err, want_err) || (err == 0 && !ASSERT_EQ(h, addr, want)))
			break;
	}
	ASSERT_VALID(h, &as);
	as_destroy(&as);
}

/*   brk_start                        the unaligned break
 *   [ heap ............................|...]                                */
static void test_brk(struct harness *h)
{
	struct address_space as;
	struct mapping other = anon_mapping(0x56560000, 0x56561000, RW);
	const struct mapping *heap;
	uint64_t brk;

	init_i386(h, &as);
	as_set_brk_start(&as, 0x5655a000);
	ASSERT_EQ(h, as_brk(&as, 0, 1, &brk), 0);
	ASSERT_EQ(h, brk, 0x5655a000);
	ASSERT_EQ(h, as_brk(&as, 0x5655a123, 2, &brk), 0);
	ASSERT_EQ(h, brk, 0x5655a123);
	ASSERT_EQ(h, as.brk_current, 0x5655a123);
	heap = as_lookup(&as, 0x5655a000);
	ASSERT(h, heap && heap->kind == MAPPING_KIND_HEAP && heap->end == 0x5655b000);
	ASSERT_EQ(h, heap->created_by, 2);
	/* Inside the same page: only the break moves. */
	ASSERT_EQ(h, as_brk(&as, 0x5655a800, 3, &brk), 0);
	ASSERT_EQ(h, brk, 0x5655a800);
	ASSERT_EQ(h, as_map_count(&as), 1);
	/* Growing extends the one heap mapping. */
	ASSERT_EQ(h, as_brk(&as, 0x5657a000, 4, &brk), 0);
	ASSERT_EQ(h, as_map_count(&as), 1);
	ASSERT_EQ(h, as_lookup(&as, 0x5655a000)->end, 0x5657a000);
	/* Below the heap start: refused, the answer is the current break. */
	ASSERT_EQ(h, as_brk(&as, 0x56559000, 5, &brk), 0);
	ASSERT_EQ(h, brk, 0x5657a000);
	/* Shrinking unmaps whole pages above the new break. */
	ASSERT_EQ(h, as_brk(&as, 0x5655b000, 6, &brk), 0);
	ASSERT_EQ(h, brk, 0x5655b000);
	ASSERT_EQ(h, as_lookup(&as, 0x5655a000)->end, 0x5655b000);

	/* The heap must stay a page short of the next mapping. */
	ASSERT_EQ(h, as_insert(&as, &other), 0);
	ASSERT_EQ(h, as_brk(&as, 0x5655f000, 7, &brk), 0);
	ASSERT_EQ(h, brk, 0x5655f000);
	ASSERT_EQ(h, as_brk(&as, 0x5655f001, 8, &brk), 0);
	ASSERT_EQ(h, brk, 0x5655f000);
	ASSERT_EQ(h, as_brk(&as, 0x5655c010, 9, &brk), 0);
	ASSERT_EQ(h, brk, 0x5655c010);
	ASSERT_EQ(h, as_lookup(&as, 0x5655a000)->end, 0x5655d000);
	ASSERT_VALID(h, &as);

	/* A growsdown mapping above claims its guard gap too. */
	ASSERT_EQ(h, as_unmap(&as, 0x56560000, PAGE), 0);
	other = anon_mapping(0x56700000, 0x56710000, RW);
	other.flags |= MAPPING_GROWSDOWN;
	ASSERT_EQ(h, as_insert(&as, &other), 0);
	ASSERT_EQ(h, as_brk(&as, 0x56700000 - as.layout.stack_guard_gap - PAGE, 10, &brk), 0);
	ASSERT_EQ(h, brk, 0x56700000 - as.layout.stack_guard_gap - PAGE);
	ASSERT_EQ(h, as_brk(&as, 0x56700000 - as.layout.stack_guard_gap, 11, &brk), 0);
	ASSERT_EQ(h, brk, 0x56700000 - as.layout.stack_guard_gap - PAGE);
	ASSERT_VALID(h, &as);
	as_destroy(&as);
}

int main(void)
{
	struct harness h;

	harness_init(&h);
	RUN_TEST(&h, test_default_layouts);
	RUN_TEST(&h, test_topdown_packs_flush);
	RUN_TEST(&h, test_hint_honoured_or_ignored);
	RUN_TEST(&h, test_i386_limits);
	RUN_TEST(&h, test_guard_gap_topdown);
	RUN_TEST(&h, test_alignment);
	RUN_TEST(&h, test_hole_search_many);
	RUN_TEST(&h, test_brk);
	return harness_summary(&h);
}
