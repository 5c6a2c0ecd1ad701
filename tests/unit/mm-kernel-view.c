/* The model built from the kernel's view (/proc/self/maps and smaps), as
 * memtrace takes it when it cannot follow a call: attributes that maps does
 * not show must survive it.  Runs on this test's own address space.
 *
 *   R: a reserved PROT_NONE region; its low part unmapped again
 *   R                                  R + 400 pages
 *   [ free ........................... ][ growsdown ]
 *   ^ brk_start here: growing the break to within stack_guard_gap of the
 *     growsdown mapping must be refused, as the kernel refuses it
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* MAP_GROWSDOWN, MAP_FIXED_NOREPLACE */
#endif
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "harness.h"
#include "mm/address_space.h"
#include "mm/brk.h"
#include "mm_test_util.h"
#include "proc_maps.h"
#include "proc_smaps.h"

#define REGION_PAGES 512
#define GD_AT_PAGE 400

static void test_growsdown_survives_the_kernel_view(struct harness *h)
{
	struct address_space as;
	const struct mapping *m;
	char *region, *gd;
	uint64_t base, brk;

	region = mmap(NULL, REGION_PAGES * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!ASSERT(h, region != MAP_FAILED))
		return;
	base = (uint64_t)(uintptr_t)region;
	gd = mmap(region + GD_AT_PAGE * PAGE, 4 * PAGE, PROT_READ,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN | MAP_FIXED, -1, 0);
	ASSERT(h, gd == region + GD_AT_PAGE * PAGE);
	munmap(region, GD_AT_PAGE * PAGE);

	if (!ASSERT_EQ(h, proc_maps_load(getpid(), AS_ARCH_X86_64, 1, &as), 0))
		goto out;
	m = as_lookup(&as, base + GD_AT_PAGE * PAGE);
	if (ASSERT(h, m != NULL))
		ASSERT(h, (m->flags & MAPPING_GROWSDOWN) != 0);
	/* What the flag is for: the guard gap below it, here as brk sees it. */
	as_set_brk_start(&as, base);
	ASSERT_EQ(h, as_brk(&as, base + 8 * PAGE, 2, &brk), 0);
	ASSERT_EQ(h, brk, base + 8 * PAGE);
	ASSERT_EQ(h, as_brk(&as, base + GD_AT_PAGE * PAGE - as.layout.stack_guard_gap, 3, &brk), 0);
	ASSERT_EQ(h, brk, base + 8 * PAGE);
	/* No as_validate here: proc_maps_load counts [vsyscall] in gate_count
	 * without linking a mapping for it, which validate reports. */
	as_destroy(&as);
out:
	munmap(region + GD_AT_PAGE * PAGE, (REGION_PAGES - GD_AT_PAGE) * PAGE);
}

/*
 * A System V segment attached here, as the kernel's view gives it: shared
 * memory named /SYSV<key>, never anonymous, even where its id (the inode
 * /proc/PID/maps shows) is 0, as the first segment of an IPC namespace has.
 */
static void check_segment_view(struct harness *h, int id)
{
	struct address_space as;
	const struct mapping *m;
	void *at = shmat(id, NULL, 0);

	shmctl(id, IPC_RMID, NULL);
	if (!ASSERT(h, at != (void *)-1))
		return;
	if (ASSERT_EQ(h, proc_maps_load(getpid(), AS_ARCH_X86_64, 1, &as), 0)) {
		m = as_lookup(&as, (uint64_t)(uintptr_t)at);
		if (ASSERT(h, m != NULL)) {
			ASSERT_EQ(h, m->kind, MAPPING_KIND_SHM);
			ASSERT_EQ(h, m->flags & MAPPING_ANON, 0);
			ASSERT(h, m->backing.path &&
					  strncmp(m->backing.path->name, "/SYSV", 5) == 0);
			ASSERT_EQ(h, m->backing.inode, (uint64_t)id);
		}
		as_destroy(&as);
	}
	shmdt(at);
}

static void test_segment_survives_the_kernel_view(struct harness *h)
{
	int id = shmget(IPC_PRIVATE, 4 * PAGE, IPC_CREAT | 0600);

	if (ASSERT(h, id >= 0))
		check_segment_view(h, id);
	/* id 0: the first segment of a new IPC namespace (where this may make one) */
	if (unshare(CLONE_NEWIPC) < 0) {
		printf("# no new IPC namespace here: the segment of id 0 is not checked\n");
		return;
	}
	id = shmget(IPC_PRIVATE, 4 * PAGE, IPC_CREAT | 0600);
	if (ASSERT_EQ(h, id, 0))
		check_segment_view(h, id);
}

/* A sealed mapping (mseal, Linux 6.10) stays sealed in the kernel's view. */
static void test_seal_survives_the_kernel_view(struct harness *h)
{
	struct address_space as;
	const struct mapping *m;
	char *p = mmap(NULL, 3 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t base = (uint64_t)(uintptr_t)p;

	if (!ASSERT(h, p != MAP_FAILED))
		return;
	if (syscall(462 /* mseal */, p + PAGE, PAGE, 0) != 0) {
		printf("  (no mseal here: nothing to check)\n");
		munmap(p, 3 * PAGE);
		return;
	}
	if (!ASSERT_EQ(h, proc_maps_load(getpid(), AS_ARCH_X86_64, 1, &as), 0))
		return;
	m = as_lookup(&as, base + PAGE);
	if (ASSERT(h, m != NULL))
		ASSERT(h, m->start == base + PAGE && m->end == base + 2 * PAGE &&
			  (m->flags & MAPPING_SEALED));
	m = as_lookup(&as, base);
	if (ASSERT(h, m != NULL))
		ASSERT(h, !(m->flags & MAPPING_SEALED));
	ASSERT_EQ(h, as_unmap(&as, base, 3 * PAGE), -EPERM);
	as_destroy(&as);
}

/* The lock flags of one VmFlags line. */
static uint32_t locks_of(const char *vm_flags)
{
	struct mapping m;

	memset(&m, 0, sizeof(m));
	m.prot = PROT_NONE;
	proc_smaps_flags(vm_flags, &m);
	return m.flags & (MAPPING_LOCKED | MAPPING_LOCKONFAULT);
}

/*
 * VM_LOCKONFAULT: "lf" where the kernel names it (6.18), else (6.1) the
 * unnamed "??" beside "lo", which on a kernel that names it is some other
 * flag.
 */
static void test_lock_on_fault_both_ways(struct harness *h)
{
	int named = proc_smaps_names_lock_on_fault();

	printf("  this kernel %s VM_LOCKONFAULT\n", named ? "names" : "does not name");
	ASSERT_EQ(h, locks_of(" mr mw me lo lf sd "), MAPPING_LOCKED | MAPPING_LOCKONFAULT);
	ASSERT_EQ(h, locks_of(" sh mr mw me ms lo ?? sd "),
		  named ? MAPPING_LOCKED : MAPPING_LOCKED | MAPPING_LOCKONFAULT);
	ASSERT_EQ(h, locks_of(" sh mr mw me ms lo sd "), MAPPING_LOCKED);
	ASSERT_EQ(h, locks_of(" rd wr mr mw me ?? sd "), 0);
}

int main(void)
{
	struct harness h;

	harness_init(&h);
	RUN_TEST(&h, test_growsdown_survives_the_kernel_view);
	RUN_TEST(&h, test_segment_survives_the_kernel_view);
	RUN_TEST(&h, test_seal_survives_the_kernel_view);
	RUN_TEST(&h, test_lock_on_fault_both_ways);
	return harness_summary(&h);
}
