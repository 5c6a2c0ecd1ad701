/* Scale check: the model at 1,000, 10,000 and 65,530 mappings.  Prints
 * ns/op for insert, lookup, hole search and split (timings are printed, never
 * asserted) and the memory each mapping costs; asserts only correctness.
 *
 * Layout: N three-page mappings, each followed by a one-page hole, inserted
 * in shuffled order:
 *
 *   base: [ m0 m0 m0 ][ ][ m1 m1 m1 ][ ] ... [ mN-1 ... ][ ]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* clock_gettime */
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "mm/address_space.h"
#include "mm/change.h"
#include "mm_test_util.h"

#define BASE 0x100000000ULL
#define SLOT (4 * PAGE)
#define LOOKUPS 1000000
#define SEARCHES 200000
#define SPLITS 100000

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Resident memory, from /proc/self/statm: what the nodes really cost, the
 * pool's 2 MiB huge pages and its 64-byte node stride included (malloc's
 * own counters miss chunks it mmaps and count memalign's slack).  Memory a
 * previous, smaller run freed and this one reuses is not counted again. */
static size_t resident_bytes(void)
{
	unsigned long size, resident = 0;
	FILE *f = fopen("/proc/self/statm", "re");

	if (!f)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &resident) != 2)
		resident = 0;
	fclose(f);
	return resident * (size_t)sysconf(_SC_PAGESIZE);
}

static void shuffle(uint64_t *v, size_t n, uint64_t *rng)
{
	size_t i;

	for (i = n; i > 1; i--) {
		size_t j = test_rand(rng) % i;
		uint64_t t = v[i - 1];

		v[i - 1] = v[j];
		v[j] = t;
	}
}

static void run_scale(struct harness *h, size_t n)
{
	struct address_space as;
	struct as_layout layout;
	uint64_t *order = malloc(n * sizeof(*order));
	uint64_t rng = 42, sink = 0, addr, i;
	size_t rss_before, rss_after;
	double t0, insert_ns, lookup_ns, fit_ns, nofit_ns, split_ns;
	struct mm_hole_request req = { .low_limit = BASE, .high_limit = BASE + n * SLOT };

	if (!ASSERT(h, order != NULL))
		return;
	as_layout_default(&layout, AS_ARCH_X86_64);
	/* Room for the two extra VMAs one split-and-merge makes at a time. */
	layout.max_map_count = n + 2;
	ASSERT_EQ(h, as_init(&as, &layout), 0);
	for (i = 0; i < n; i++)
		order[i] = i;
	shuffle(order, n, &rng);

	rss_before = resident_bytes();
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		struct mapping m = anon_mapping(BASE + order[i] * SLOT, BASE + order[i] * SLOT + 3 * PAGE,
						PROT_READ | PROT_WRITE);

		if (as_insert(&as, &m) != 0)
			break;
	}
	insert_ns = (now_ns() - t0) / n;
	rss_after = resident_bytes();
	if (!ASSERT_EQ(h, as_map_count(&as), n))
		goto out;

	t0 = now_ns();
	for (i = 0; i < LOOKUPS; i++)
		sink += as_lookup(&as, BASE + (test_rand(&rng) % (n * 4)) * PAGE) != NULL;
	lookup_ns = (now_ns() - t0) / LOOKUPS;
	ASSERT(h, sink > LOOKUPS / 2);

	/* Every hole inside is one page: a one-page request under a random
	 * limit fits at once, a two-page one must prune its way to failure. */
	t0 = now_ns();
	for (i = 0; i < SEARCHES; i++) {
		req.length = PAGE;
		req.high_limit = BASE + (1 + test_rand(&rng) % n) * SLOT;
		sink += as_find_hole_topdown(&as, &req, &addr) == 0;
	}
	fit_ns = (now_ns() - t0) / SEARCHES;
	ASSERT_EQ(h, as_find_hole_topdown(&as, &req, &addr), 0);
	ASSERT_EQ(h, addr, req.high_limit - PAGE);

	/* Unmapping the middle mapping leaves one five-page hole, so the root
	 * summary promises a two-page fit: a search below that hole must
	 * descend along its limit and prune everything else. */
	ASSERT_EQ(h, as_unmap(&as, BASE + (n / 2) * SLOT, 3 * PAGE), 0);
	req.length = 2 * PAGE;
	t0 = now_ns();
	for (i = 0; i < SEARCHES; i++) {
		req.high_limit = BASE + (1 + test_rand(&rng) % (n / 2 - 1)) * SLOT;
		sink += as_find_hole_topdown(&as, &req, &addr) == -ENOMEM;
	}
	nofit_ns = (now_ns() - t0) / SEARCHES;
	ASSERT_EQ(h, as_find_hole_topdown(&as, &req, &addr), -ENOMEM);
	req.high_limit = BASE + n * SLOT;
	ASSERT_EQ(h, as_find_hole_topdown(&as, &req, &addr), 0);
	ASSERT_EQ(h, addr, BASE + (n / 2) * SLOT + 2 * PAGE);
	{
		struct mapping m = anon_mapping(BASE + (n / 2) * SLOT, BASE + (n / 2) * SLOT + 3 * PAGE,
						PROT_READ | PROT_WRITE);

		ASSERT_EQ(h, as_insert(&as, &m), 0);
	}

	/* mprotect of a middle page splits its mapping in three; mprotect back
	 * merges it again.  Timed per call. */
	t0 = now_ns();
	for (i = 0; i < SPLITS; i++) {
		uint64_t page = BASE + (test_rand(&rng) % n) * SLOT + PAGE;

		if (as_protect(&as, page, PAGE, PROT_READ, NULL) != 0 ||
		    as_protect(&as, page, PAGE, PROT_READ | PROT_WRITE, NULL) != 0)
			break;
	}
	split_ns = (now_ns() - t0) / (2.0 * SPLITS);
	ASSERT_EQ(h, i, SPLITS);
	ASSERT_EQ(h, as_map_count(&as), n);
	ASSERT_VALID(h, &as);

	printf("  %6zu mappings: insert %4.0f  lookup %4.0f  hole-fit %4.0f  hole-pruned %4.0f  "
	       "split/merge %4.0f ns/op; %zu bytes/mapping resident (node %zu)\n",
	       n, insert_ns, lookup_ns, fit_ns, nofit_ns, split_ns,
	       rss_after > rss_before ? (rss_after - rss_before) / n : 0,
	       sizeof(struct mm_node));
	(void)sink;
out:
	as_destroy(&as);
	free(order);
}

static void test_scale_1k(struct harness *h)
{
	run_scale(h, 1000);
}

static void test_scale_10k(struct harness *h)
{
	run_scale(h, 10000);
}

static void test_scale_65530(struct harness *h)
{
	run_scale(h, 65530);
}

int main(void)
{
	struct harness h;

	harness_init(&h);
	RUN_TEST(&h, test_scale_1k);
	RUN_TEST(&h, test_scale_10k);
	RUN_TEST(&h, test_scale_65530);
	return harness_summary(&h);
}
