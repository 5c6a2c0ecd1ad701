/*
 * Known memtrace bugs the fuzzer can steer clear of, by name, so that the
 * rest stays testable while they wait for a fix:
 *
 *     MMFUZZ_AVOID=madvise-page,lock-len-wrap mmfuzz SEED COUNT
 *
 * Each name is one line of KNOWN-DIVERGENCES.  Steering changes the calls
 * made (a seed fuzzes differently with and without it), never what is
 * printed about them.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static const char *const names[AVOID_COUNT] = {
	[AVOID_MADVISE_PAGE] = "madvise-page",
	[AVOID_LOCK_LEN_WRAP] = "lock-len-wrap",
	[AVOID_LOCK_POPULATE] = "lock-populate",
	[AVOID_SHMAT_REMAP_NULL] = "shmat-remap-null",
	[AVOID_DONTUNMAP_LEN] = "dontunmap-len",
	[AVOID_SHM_EXEC] = "shm-exec",
	[AVOID_BRK_SHRINK_HOLE] = "brk-shrink-hole",
	[AVOID_PROT_EXTRA_BITS] = "prot-extra-bits",
	[AVOID_ZERO_SHARED] = "zero-shared",
	[AVOID_DROPPABLE] = "droppable",
	[AVOID_MREMAP_MULTI] = "mremap-multi",
	[AVOID_MREMAP_FIXED_LATE] = "mremap-fixed-late",
	[AVOID_RFP_SHM] = "rfp-shm",
	[AVOID_NUMA_NAMES] = "numa-names",
	[AVOID_INT80_PLACE] = "int80-place",
	[AVOID_INT80_BRK] = "int80-brk",
	[AVOID_MMAP_SYNC_FIXED] = "mmap-sync-fixed",
	[AVOID_SHMDT_FRAGMENTS] = "shmdt-fragments",
	[AVOID_MLOCKALL_FUTURE] = "mlockall-future",
	[AVOID_ZERO_PRIVATE] = "zero-private",
	[AVOID_MBIND_POLICY] = "mbind-policy",
};

/* Parses a comma-separated list of names. Returns 0, or -1 naming the unknown one. */
int avoid_parse(struct fuzz *f, const char *list)
{
	char buf[512], *name, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", list);
	for (name = strtok_r(buf, ", ", &save); name; name = strtok_r(NULL, ", ", &save)) {
		unsigned i;

		for (i = 0; i < AVOID_COUNT && strcmp(name, names[i]) != 0; i++)
			;
		if (i == AVOID_COUNT) {
			fprintf(stderr, "mmfuzz: MMFUZZ_AVOID: no such divergence: %s\n", name);
			return -1;
		}
		f->avoid |= 1u << i;
	}
	return 0;
}

int avoiding(const struct fuzz *f, enum avoid which)
{
	return (f->avoid >> which) & 1;
}

/* Whether a mapping of this kind ('S', 'f', ...) lies in [addr, addr + len). */
int range_has_kind(const struct fuzz *f, unsigned long addr, unsigned long len, char kind)
{
	unsigned long end = addr + len > addr && len < 1UL << 31 ? addr + len : addr + PG;

	for (unsigned long a = addr & ~(PG - 1); a < end; a += PG) {
		const struct vma *v = maps_find(&f->maps, a);

		if (v && v->kind == kind)
			return 1;
	}
	return 0;
}

/*
 * Whether mlock can fault in every mapped page of the range: not a
 * PROT_NONE page, not a file page past the end of the file.
 */
int range_populates(const struct fuzz *f, unsigned long addr, unsigned long len)
{
	unsigned long end = addr + len > addr && len < 1UL << 31 ? addr + len : addr + PG;

	for (unsigned long a = addr & ~(PG - 1); a < end; a += PG) {
		const struct vma *v = maps_find(&f->maps, a);

		if (v && (strncmp(v->perms, "---", 3) == 0 ||
			  (v->kind == 'f' && v->offset + (a - v->start) >= FILE_SIZE)))
			return 0;
	}
	return 1;
}
