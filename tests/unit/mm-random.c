/* Randomized test: thousands of seeded random operations on a 64-page address
 * space, run on the model and on the page-array reference (ref_model.c),
 * comparing results and every page after each operation.
 *
 *   mm-random [SEEDS [OPS [FIRST_SEED]]]   defaults: 40 seeds from 1, 3000 ops
 *
 * A failure names the seed and operation number; `mm-random 1 OPS SEED`
 * replays just that seed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* MADV_* names */
#endif
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "harness.h"
#include "mm/address_space.h"
#include "mm/brk.h"
#include "mm/change.h"
#include "mm/remap.h"
#include "mm_test_util.h"
#include "ref_model.h"

struct fuzz {
	struct harness *h;
	uint64_t rng;
	struct address_space as;
	struct ref_model ref;
	struct mapping_path *paths[3];
	uint64_t next_file_id;   /* fresh shmem identities for shared anonymous memory */
	uint64_t seq;            /* operation number, also created_by */
	char what[160];          /* the operation in progress, for failure messages */
};

static uint64_t pick(struct fuzz *f, uint64_t bound)
{
	return test_rand(&f->rng) % bound;
}

/* A page address a little past both ends of the 64-page space. */
static uint64_t random_addr(struct fuzz *f)
{
	return pick(f, REF_PAGES + 3) * PAGE;
}

static uint64_t random_len(struct fuzz *f)
{
	return (1 + pick(f, pick(f, 4) ? 6 : 16)) * PAGE;
}

/* Attributes from a small palette, so that merges happen often. */
static struct mapping random_mapping(struct fuzz *f, uint64_t start, uint64_t end)
{
	struct mapping m = anon_mapping(start, end, PROT_READ | PROT_WRITE);
	uint64_t file = 0;

	switch (pick(f, 9)) {
	case 0:
		break;
	case 1:
		m.prot = PROT_READ;
		break;
	case 2:
		m.kind = MAPPING_KIND_HEAP;
		break;
	case 3:
		m.kind = MAPPING_KIND_STACK;
		m.flags |= MAPPING_GROWSDOWN;
		break;
	case 4:
		file = 1;
		m.prot = PROT_READ | PROT_EXEC;
		break;
	case 5:
		file = 1;
		m.prot = PROT_READ;
		break;
	case 6:
		file = 2;
		m.flags = MAPPING_SHARED;
		m.max_prot = PROT_READ | PROT_WRITE;
		break;
	case 7:
		/* A read-only fd mapped shared: no VM_MAYWRITE. */
		file = 3;
		m.prot = PROT_READ;
		m.flags = MAPPING_SHARED;
		m.max_prot = PROT_READ | PROT_EXEC;
		break;
	default:
		m.flags |= MAPPING_SHARED;
		m.backing.file_id = f->next_file_id++;
		break;
	}
	if (file) {
		m.flags &= ~MAPPING_ANON;
		m.kind = MAPPING_KIND_FILE;
		m.backing = (struct mapping_backing){ 8, 1, 100 + file, file, f->paths[file - 1] };
		/* Address-based offsets make neighbouring mappings continue. */
		m.offset = pick(f, 2) ? start : pick(f, 16) * PAGE;
	}
	if (pick(f, 10) == 0)
		m.flags |= MAPPING_LOCKED;
	if (pick(f, 20) == 0)
		m.flags |= MAPPING_DONTFORK;
	if (pick(f, 20) == 0)
		m.advice |= MAPPING_ADV_RANDOM;
	m.created_by = f->seq;
	return m;
}

static bool same_result(struct fuzz *f, int64_t model, int64_t ref, const char *what)
{
	if (model == ref)
		return true;
	printf("  %s: model %" PRId64 " (%#" PRIx64 "), reference %" PRId64 " (%#" PRIx64 ")\n",
	       what, model, (uint64_t)model, ref, (uint64_t)ref);
	return ASSERT(f->h, !"model and reference return the same");
}

static bool op_insert(struct fuzz *f)
{
	uint64_t start = random_addr(f);
	struct mapping m = random_mapping(f, start, start + random_len(f));

	snprintf(f->what, sizeof(f->what), "insert [%#" PRIx64 ", %#" PRIx64 ") flags %#x",
		 m.start, m.end, m.flags);
	return same_result(f, as_insert(&f->as, &m), ref_insert(&f->ref, &m), "insert");
}

static bool op_unmap(struct fuzz *f)
{
	uint64_t start = random_addr(f), len = random_len(f);

	if (pick(f, 10) == 0)
		len = pick(f, 3) * 0x800; /* 0, unaligned */
	snprintf(f->what, sizeof(f->what), "unmap %#" PRIx64 " + %#" PRIx64, start, len);
	return same_result(f, as_unmap(&f->as, start, len), ref_unmap(&f->ref, start, len),
			   "unmap");
}

static const int advice_choices[] = {
	MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_DONTFORK, MADV_DOFORK, MADV_HUGEPAGE,
	MADV_NOHUGEPAGE, MADV_WIPEONFORK, MADV_KEEPONFORK, MADV_DONTNEED, MADV_MERGEABLE,
};

/* One attribute change, built for both sides from the same choice. */
static bool op_change(struct fuzz *f)
{
	uint64_t start = random_addr(f), len = random_len(f), done_model, done_ref;
	struct ref_op op = { 0 };
	struct as_change chg;
	int model, ref;

	switch (pick(f, 4)) {
	case 0:
		op.kind = REF_PROTECT;
		op.prot = (uint8_t)pick(f, 8);
		chg = (struct as_change){ .holes = AS_HOLES_STOP, .set_prot = true, .prot = op.prot };
		break;
	case 1:
		op.kind = REF_MLOCK;
		op.lock_flags = (uint32_t[]){ 0, MAPPING_LOCKED, MAPPING_LOCK_MASK }[pick(f, 3)];
		as_change_for_mlock(&chg, op.lock_flags);
		break;
	case 2:
		op.kind = REF_MADVISE;
		op.advice = advice_choices[pick(f, sizeof(advice_choices) / sizeof(int))];
		if (!ASSERT_EQ(f->h, as_change_for_madvise(&chg, op.advice), 0))
			return false;
		break;
	default:
		op.kind = REF_MBIND;
		op.policy.mode = (uint16_t)pick(f, 3);
		op.policy.nodemask = op.policy.mode ? 1 + pick(f, 2) : 0;
		as_change_for_mbind(&chg, &op.policy);
		break;
	}
	snprintf(f->what, sizeof(f->what), "change kind %d prot %x lock %x advice %d mode %d on %#"
		 PRIx64 " + %#" PRIx64, op.kind, op.prot, op.lock_flags, op.advice,
		 op.policy.mode, start, len);
	model = as_change_range(&f->as, start, len, &chg, &done_model);
	ref = ref_change(&f->ref, start, len, &op, &done_ref);
	return same_result(f, model, ref, "change") &&
	       same_result(f, (int64_t)done_model, (int64_t)done_ref, "done_until");
}

static bool op_find_hole(struct fuzz *f)
{
	struct mm_hole_request req = {
		.length = pick(f, 12) ? random_len(f) : 0,
		.low_limit = random_addr(f),
		.align_mask = (uint64_t[]){ 0, 0, 0x1fff, 0x3fff }[pick(f, 4)],
		.align_offset = pick(f, 3) ? 0 : PAGE,
	};
	bool topdown = pick(f, 2);
	uint64_t model_addr = 0, ref_addr = 0;
	int model, ref;

	req.high_limit = req.low_limit + pick(f, REF_PAGES + 4) * PAGE;
	snprintf(f->what, sizeof(f->what), "find hole %s len %#" PRIx64 " in [%#" PRIx64
		 ", %#" PRIx64 ") align %#" PRIx64 "+%#" PRIx64, topdown ? "top-down" : "bottom-up",
		 req.length, req.low_limit, req.high_limit, req.align_mask, req.align_offset);
	model = topdown ? as_find_hole_topdown(&f->as, &req, &model_addr)
			: as_find_hole_bottomup(&f->as, &req, &model_addr);
	ref = ref_find_hole(&f->ref, &req, topdown, &ref_addr);
	return same_result(f, model, ref, "find hole") &&
	       (model != 0 || same_result(f, (int64_t)model_addr, (int64_t)ref_addr, "hole"));
}

/* mmap without MAP_FIXED: place, then (usually) map there. */
static bool op_mmap_anywhere(struct fuzz *f)
{
	uint64_t hint = pick(f, 3) ? 0 : random_addr(f) + pick(f, 2) * 0x123;
	uint64_t len = pick(f, 15) ? random_len(f) : pick(f, 2) * 0x800;
	uint64_t model_addr = 0, ref_addr = 0;
	struct mapping m;
	int model, ref;

	snprintf(f->what, sizeof(f->what), "get_unmapped_area hint %#" PRIx64 " len %#" PRIx64,
		 hint, len);
	model = as_get_unmapped_area(&f->as, hint, len, &model_addr);
	ref = ref_get_unmapped_area(&f->ref, hint, len, &ref_addr);
	if (!same_result(f, model, ref, "get_unmapped_area"))
		return false;
	if (model != 0)
		return true;
	if (!same_result(f, (int64_t)model_addr, (int64_t)ref_addr, "placed at"))
		return false;
	m = random_mapping(f, model_addr, model_addr + len);
	return same_result(f, as_insert(&f->as, &m), ref_insert(&f->ref, &m), "insert placed");
}

static bool op_expand(struct fuzz *f)
{
	const struct mapping *m = as_lookup(&f->as, random_addr(f));
	uint64_t addr, old_len, new_len;
	int model, ref;

	if (!m)
		return true;
	/* Usually the tail of a mapping, sometimes a range that is not. */
	addr = m->start + pick(f, (m->end - m->start) / PAGE) * PAGE;
	old_len = pick(f, 4) ? m->end - addr : PAGE;
	new_len = old_len + random_len(f);
	snprintf(f->what, sizeof(f->what), "expand %#" PRIx64 " from %#" PRIx64 " to %#" PRIx64,
		 addr, old_len, new_len);
	model = as_can_expand(&f->as, addr, old_len, new_len);
	ref = ref_expand(&f->ref, addr, old_len, new_len, false);
	if (!same_result(f, model, ref, "can expand"))
		return false;
	if (model != 0 || pick(f, 4) == 0)
		return true;
	return same_result(f, as_expand(&f->as, addr, old_len, new_len),
			   ref_expand(&f->ref, addr, old_len, new_len, true), "expand");
}

static bool op_move(struct fuzz *f)
{
	uint64_t old_addr = random_addr(f), old_len = pick(f, 8) ? random_len(f) : 0;
	uint64_t new_addr = random_addr(f), new_len = pick(f, 2) ? old_len : random_len(f);
	bool keep_old = pick(f, 5) == 0;

	snprintf(f->what, sizeof(f->what), "move %#" PRIx64 "+%#" PRIx64 " to %#" PRIx64
		 "+%#" PRIx64 " keep %d", old_addr, old_len, new_addr, new_len, keep_old);
	return same_result(f,
			   as_move(&f->as, old_addr, old_len, new_addr, new_len,
				   keep_old ? AS_MOVE_KEEP_OLD : 0, f->seq),
			   ref_move(&f->ref, old_addr, old_len, new_addr, new_len, keep_old),
			   "move");
}

static bool op_grow_down(struct fuzz *f)
{
	uint64_t addr = random_addr(f) + pick(f, PAGE);

	snprintf(f->what, sizeof(f->what), "grow down to %#" PRIx64, addr);
	return same_result(f, as_grow_down(&f->as, addr), ref_grow_down(&f->ref, addr),
			   "grow down");
}

static bool op_brk(struct fuzz *f)
{
	uint64_t requested = f->as.layout.brk_start - PAGE + pick(f, 24 * PAGE);
	uint64_t result = 0;

	if (pick(f, 10) == 0)
		requested = 0;
	snprintf(f->what, sizeof(f->what), "brk %#" PRIx64, requested);
	if (!ASSERT_EQ(f->h, as_brk(&f->as, requested, f->seq, &result), 0))
		return false;
	return same_result(f, (int64_t)result, (int64_t)ref_brk(&f->ref, requested), "brk");
}

static bool op_fork(struct fuzz *f)
{
	struct address_space child;
	struct ref_model ref_child;
	bool ok;

	snprintf(f->what, sizeof(f->what), "fork");
	if (!ASSERT_EQ(f->h, as_fork(&child, &f->as), 0))
		return false;
	ref_fork(&f->ref, &ref_child);
	ok = ref_matches(f->h, &ref_child, &child);
	as_destroy(&child);
	return ok;
}

static bool run_one_op(struct fuzz *f)
{
	uint64_t dice = pick(f, 100);

	if (dice < 25)
		return op_insert(f);
	if (dice < 37)
		return op_unmap(f);
	if (dice < 62)
		return op_change(f);
	if (dice < 70)
		return op_find_hole(f);
	if (dice < 78)
		return op_mmap_anywhere(f);
	if (dice < 83)
		return op_expand(f);
	if (dice < 89)
		return op_move(f);
	if (dice < 92)
		return op_grow_down(f);
	if (dice < 98)
		return op_brk(f);
	return op_fork(f);
}

static void run_seed(struct harness *h, uint64_t seed, unsigned ops)
{
	struct as_layout layout = {
		.task_size = REF_PAGES * PAGE,
		.mmap_min_addr = 3 * PAGE,
		.mmap_base = 56 * PAGE,
		.mmap_legacy_base = 16 * PAGE,
		/* A wide guard gap can hold holes besides the one right below
		 * a stack: a top-down search leaves them all out. */
		.stack_guard_gap = (seed / 4 % 2 ? 6 : 2) * PAGE,
		/* Some seeds run into the limit often, others never. */
		.max_map_count = (uint64_t[]){ 1000, 16, 1000, 8 }[seed % 4],
		.brk_start = 8 * PAGE,
	};
	struct fuzz f = { .h = h, .rng = seed * 0x9e3779b97f4a7c15ULL + 1, .next_file_id = 1000 };
	unsigned i;

	f.paths[0] = mapping_path_new("/lib/one.so");
	f.paths[1] = mapping_path_new("/data/shared");
	f.paths[2] = mapping_path_new("/etc/readonly");
	ASSERT_EQ(h, as_init(&f.as, &layout), 0);
	ref_init(&f.ref, &layout);
	for (i = 0; i < ops; i++) {
		f.seq = i + 1;
		/* the tree's own invariants too: summaries, balance, merges */
		if (!run_one_op(&f) || !ref_matches(h, &f.ref, &f.as) || !ASSERT_VALID(h, &f.as)) {
			printf("  seed %" PRIu64 ", operation %u: %s\n", seed, i + 1, f.what);
			break;
		}
	}
	as_destroy(&f.as);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(h, f.paths[i]->refs, 1);
		mapping_path_put(f.paths[i]);
	}
}

struct seed_run {
	uint64_t seed;
	unsigned ops;
};

static void test_random_seed(struct harness *h)
{
	const struct seed_run *run = h->arg;

	run_seed(h, run->seed, run->ops);
}

int main(int argc, char **argv)
{
	unsigned seeds = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 40;
	unsigned ops = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 0) : 3000;
	uint64_t first = argc > 3 ? strtoull(argv[3], NULL, 0) : 1;
	struct seed_run run = { 0, ops };
	struct harness h;
	char name[64];

	harness_init(&h);
	h.arg = &run;
	for (run.seed = first; run.seed < first + seeds; run.seed++) {
		snprintf(name, sizeof(name), "random ops, seed %" PRIu64, run.seed);
		harness_run(&h, name, test_random_seed);
	}
	return harness_summary(&h);
}
