/*
 * mmfuzz: a differential fuzzer of the memory syscalls.
 *
 * The program makes seeded pseudo-random memory calls and prints, per call,
 * what it asked and what came back, then what it can see of the memory it
 * owns.  Run natively and under memtrace, the two outputs must be identical,
 * so nothing printed may depend on where a mapping was placed: addresses are
 * printed relative to "domains", ranges the program owns and whose contents
 * it knows in both runs:
 *
 *   A    the arena: a PROT_NONE reservation with two guard pages at each end
 *        that are never touched, so no call inside it depends on neighbours
 *   A32  x86_64 build: a second arena below 2 GiB (MAP_32BIT), for i386 calls
 *        made through int $0x80
 *   H    the heap: the 96 pages from the initial break (brk, and maps there)
 *   Z    the first 16 pages of the address space (NULL and just above it)
 *   Fn   a "floating" mapping the kernel (or memtrace) placed: only calls that
 *        stay inside it, since its neighbours differ from run to run
 *   stale  a floating domain after its last page was unmapped: its addresses
 *        are known to be free until the next call that places a mapping
 *
 * Before every call that may place a mapping, the holes in A, A32 and the
 * Fn are filled with PROT_NONE and the stale domains are forgotten, so the
 * placement cannot land on memory the program reasons about.
 */
#ifndef MMFUZZ_FUZZ_H
#define MMFUZZ_FUZZ_H

#include <stdint.h>
#include <stdio.h>

#define PG 4096UL
#define PAGES(n) ((unsigned long)(n) * PG)
#define MAX_DOMAINS 24
#define MAX_FLOATING 10
#define GUARD_PAGES 2
#define ARENA_PAGES 80
#define ARENA32_PAGES 40
#define HEAP_PAGES 96
#define LOW_PAGES 16
#define FILE_SIZE (3 * PG + PG / 2)	/* the last page is half past EOF */
#define DIGEST_MAX 4096

enum domain_kind { DOM_ARENA, DOM_HEAP, DOM_LOW, DOM_FLOATING, DOM_STALE };

struct domain {
	char name[8];
	enum domain_kind kind;
	unsigned long start;	/* inclusive */
	unsigned long end;	/* exclusive */
	unsigned long lo, hi;	/* [lo, hi): where calls may act (the arena less its guards) */
	int low4g;		/* reachable by i386 calls (every byte below 4 GiB) */
	char shown[DIGEST_MAX];	/* the digest last printed, to print only changes */
};

/* Known memtrace bugs the fuzzer can steer clear of (avoid.c, KNOWN-DIVERGENCES). */
enum avoid {
	AVOID_MADVISE_PAGE, AVOID_LOCK_LEN_WRAP, AVOID_LOCK_POPULATE, AVOID_SHMAT_REMAP_NULL,
	AVOID_DONTUNMAP_LEN, AVOID_SHM_EXEC, AVOID_BRK_SHRINK_HOLE, AVOID_PROT_EXTRA_BITS,
	AVOID_ZERO_SHARED, AVOID_DROPPABLE, AVOID_MREMAP_MULTI, AVOID_MREMAP_FIXED_LATE,
	AVOID_RFP_SHM, AVOID_NUMA_NAMES, AVOID_INT80_PLACE, AVOID_INT80_BRK, AVOID_MMAP_SYNC_FIXED,
	AVOID_SHMDT_FRAGMENTS, AVOID_MLOCKALL_FUTURE, AVOID_ZERO_PRIVATE,
	AVOID_MBIND_POLICY, AVOID_COUNT
};

/* One line of /proc/self/maps, as much as the digest needs. */
struct vma {
	unsigned long start, end;	/* [start, end) */
	unsigned long offset;
	char perms[5];
	char kind;	/* a anon, f our file, z /dev/zero, S SysV shm, h heap, o other */
};

struct maps {
	struct vma v[1024];
	unsigned n;
};

/* A syscall's outcome: the kernel's return value, error or not. */
struct result {
	long ret;
	int err;	/* errno, or 0 */
};

struct fuzz {
	uint64_t rng;
	unsigned index;		/* the number of the current call */
	int is_i386;		/* built -m32 */
	int int80;		/* x86_64 build: int $0x80 reaches the i386 ABI here */
	unsigned long min_addr;	/* vm.mmap_min_addr */
	struct domain dom[MAX_DOMAINS];
	unsigned ndom;
	unsigned next_floating;
	unsigned long brk_start, brk_cur;
	int fd_rw, fd_ro, fd_wo, fd_dir, fd_pipe, fd_zero, fd_closed;
	int shm_id;		/* -1 without SysV shm */
	int pkey;		/* -1 without protection keys */
	uint32_t *block;	/* below 4 GiB: old_mmap's argument block, ipc's result */
	unsigned long block_fault;	/* a PROT_NONE address below 4 GiB (the arena's guard) */
	struct maps maps;	/* the last snapshot of /proc/self/maps */
	char text[512];		/* the current call, as printed */
	char notes[512];	/* what the fuzzer did around it (holes filled) */
	uint64_t file_hash;	/* of the data file, last printed */
	int debug;		/* MMFUZZ_DEBUG=1: raw addresses on stderr */
	unsigned avoid;		/* bits of enum avoid */
	int freed_lazily;	/* an MADV_FREE succeeded: MADV_PAGEOUT is not made since */
};

/* i386 syscall numbers, for int $0x80 from the x86_64 build */
enum {
	NR32_BRK = 45, NR32_OLD_MMAP = 90, NR32_MUNMAP = 91, NR32_IPC = 117, NR32_MPROTECT = 125,
	NR32_MSYNC = 144, NR32_MLOCK = 150, NR32_MUNLOCK = 151, NR32_MREMAP = 163, NR32_MMAP2 = 192,
	NR32_MADVISE = 219, NR32_SHMAT = 397, NR32_SHMDT = 398,
};

/* avoid.c */
int avoid_parse(struct fuzz *f, const char *list);
int avoiding(const struct fuzz *f, enum avoid which);
int range_has_kind(const struct fuzz *f, unsigned long addr, unsigned long len, char kind);
int range_populates(const struct fuzz *f, unsigned long addr, unsigned long len);

/* rng.c */
uint64_t rng_next(struct fuzz *f);
unsigned rng_below(struct fuzz *f, unsigned n);
int rng_percent(struct fuzz *f, unsigned pct);
unsigned long rng_pick(struct fuzz *f, const unsigned long *values, unsigned n);
#define RNG_PICK(f, array) rng_pick(f, array, sizeof(array) / sizeof(array[0]))

/* domains.c */
struct domain *domain_add(struct fuzz *f, enum domain_kind kind, const char *name,
			  unsigned long start, unsigned long len, int low4g);
struct domain *domain_of(struct fuzz *f, unsigned long addr);
const char *addr_name(struct fuzz *f, unsigned long addr, char *buf, size_t size);
struct domain *pick_domain(struct fuzz *f, int low4g);
unsigned long pick_addr(struct fuzz *f, const struct domain *d, int unaligned_pct);
unsigned long pick_len(struct fuzz *f, const struct domain *d, unsigned long addr);
unsigned long pick_huge_len(struct fuzz *f, int abi32, int walk_ok);
unsigned long pick_kernel_addr(struct fuzz *f, int abi32);
void pick_range(struct fuzz *f, int via80, int walk, unsigned long *addr, unsigned long *len);
void domains_update(struct fuzz *f);
void prepare_placement(struct fuzz *f, unsigned long keep_start, unsigned long keep_end);
int range_free(struct fuzz *f, unsigned long start, unsigned long end);
const char *name_result(struct fuzz *f, unsigned long addr, unsigned long len, int low4g,
			char *buf, size_t size);
void forget_domain(struct fuzz *f, struct domain *d);

/* digest.c */
int maps_read(struct maps *m);
const struct vma *maps_find(const struct maps *m, unsigned long addr);
void digest_print(struct fuzz *f, const char *prefix, int all);
int touch(volatile uint64_t *word, uint64_t value);
void probe_init(void);

/* sys.c */
struct result issue(struct fuzz *f, int via80, long nr, long nr32, unsigned long a1, unsigned long a2,
		    unsigned long a3, unsigned long a4, unsigned long a5, unsigned long a6);
int int80_works(void);
const char *fd_name(const struct fuzz *f, int fd);
void text_set(struct fuzz *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void note_add(struct fuzz *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void report(struct fuzz *f, struct result r, const char *ok);
void report_addr(struct fuzz *f, struct result r, unsigned long len, int low4g);

/* calls-map.c: calls that create, move or remove mappings */
void call_mmap(struct fuzz *f, int via80);
void call_munmap(struct fuzz *f, int via80, int whole);
void call_mremap(struct fuzz *f, int via80);
void call_brk(struct fuzz *f, int via80);
void call_shm(struct fuzz *f, int via80);
void call_remap_file_pages(struct fuzz *f);

/* calls-range.c: calls that change or query pages in place */
void call_mprotect(struct fuzz *f, int via80);
void call_madvise(struct fuzz *f, int via80);
void call_msync(struct fuzz *f, int via80);
void call_mseal(struct fuzz *f, int via80);
void call_mlock(struct fuzz *f, int via80);
void call_mbind(struct fuzz *f);
void call_fork(struct fuzz *f);

#endif
