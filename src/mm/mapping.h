/* One mapping of the shadow model: a page-aligned [start, end) range and the
 * attributes Linux keeps per VMA.  Plain data: no ptrace, no /proc.
 *
 * Addresses are uint64_t for every child (i386 ones included): the address
 * space's own task_size, not the host's word size, bounds them.
 */
#ifndef MEMTRACE_MM_MAPPING_H
#define MEMTRACE_MM_MAPPING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MM_PAGE_SIZE ((uint64_t)4096)
#define MM_PAGE_MASK (~(MM_PAGE_SIZE - 1))

static inline bool mm_page_aligned(uint64_t addr)
{
	return (addr & (MM_PAGE_SIZE - 1)) == 0;
}

/* Rounds up to a page; a value within a page of 2^64 wraps to 0, which
 * callers treat as "too long" (Linux: a length that aligns to 0 -> ENOMEM). */
static inline uint64_t mm_page_align(uint64_t addr)
{
	return (addr + MM_PAGE_SIZE - 1) & MM_PAGE_MASK;
}

/* What a mapping is, as /proc/PID/maps and memtrace's reports name it. */
enum mapping_kind {
	MAPPING_KIND_ANON = 0,      /* anonymous mmap (also thread stacks) */
	MAPPING_KIND_FILE,          /* file mmap that is not the program or a library */
	MAPPING_KIND_EXE,           /* a segment of the main program */
	MAPPING_KIND_LIB,           /* a segment of a shared object or ld.so */
	MAPPING_KIND_HEAP,          /* made by brk: [heap] */
	MAPPING_KIND_STACK,         /* the initial stack: [stack] */
	MAPPING_KIND_VDSO,          /* [vdso] */
	MAPPING_KIND_VVAR,          /* [vvar] */
	MAPPING_KIND_VVAR_VCLOCK,   /* [vvar_vclock] (Linux 6.13+ splits it from [vvar]) */
	MAPPING_KIND_VSYSCALL,      /* [vsyscall]: a gate page above task_size, not a VMA */
	MAPPING_KIND_SHM,           /* System V shared memory (shmat) */
	MAPPING_KIND_MEMTRACE_STUB, /* memtrace's own injection page */
	MAPPING_KIND_COUNT
};

/* Attribute bits (Linux vm_flags that matter to the model).  Two mappings
 * merge only when all of these are equal, as vma_merge requires. */
enum mapping_flag {
	MAPPING_SHARED     = 1u << 0, /* MAP_SHARED (VM_MAYSHARE); clear: private */
	MAPPING_ANON       = 1u << 1, /* no file behind it; clear: file backed */
	MAPPING_GROWSDOWN  = 1u << 2, /* VM_GROWSDOWN: keeps stack_guard_gap free below */
	MAPPING_LOCKED     = 1u << 3, /* VM_LOCKED: mlock, mlock2, mlockall */
	MAPPING_LOCKONFAULT = 1u << 4, /* VM_LOCKONFAULT: mlock2(MLOCK_ONFAULT) */
	MAPPING_DONTFORK   = 1u << 5, /* VM_DONTCOPY: MADV_DONTFORK */
	MAPPING_WIPEONFORK = 1u << 6, /* VM_WIPEONFORK: the child sees zeroes */
	MAPPING_DONTEXPAND = 1u << 7, /* VM_DONTEXPAND: mremap may not grow it (vdso, vvar) */
	MAPPING_DONTDUMP   = 1u << 8, /* VM_DONTDUMP: MADV_DONTDUMP */
	MAPPING_NORESERVE  = 1u << 9, /* VM_NORESERVE: MAP_NORESERVE */
	MAPPING_SEALED     = 1u << 10, /* VM_SEALED: mseal, for good (mm/seal.h) */
	MAPPING_DROPPABLE  = 1u << 11, /* VM_DROPPABLE: MAP_DROPPABLE (6.11), pages may go */
};
#define MAPPING_LOCK_MASK (MAPPING_LOCKED | MAPPING_LOCKONFAULT)

/* madvise hints that Linux keeps in vm_flags (and so in /proc/PID/smaps).
 * Hints that only act on the pages (MADV_DONTNEED, MADV_WILLNEED, ...) leave
 * no trace on the mapping.  Independent bits, as in the kernel: a mapping can
 * be both MADV_RANDOM and MADV_HUGEPAGE. */
enum mapping_advice {
	MAPPING_ADV_RANDOM     = 1u << 0, /* VM_RAND_READ */
	MAPPING_ADV_SEQUENTIAL = 1u << 1, /* VM_SEQ_READ */
	MAPPING_ADV_HUGEPAGE   = 1u << 2, /* VM_HUGEPAGE */
	MAPPING_ADV_NOHUGEPAGE = 1u << 3, /* VM_NOHUGEPAGE */
	MAPPING_ADV_MERGEABLE  = 1u << 4, /* VM_MERGEABLE (KSM) */
};

/* NUMA memory policy set by mbind (MPOL_* mode and its flags). */
struct mapping_policy {
	uint16_t mode;     /* MPOL_DEFAULT (0), MPOL_BIND, ... */
	uint16_t flags;    /* MPOL_F_STATIC_NODES, MPOL_F_RELATIVE_NODES, ... */
	uint64_t nodemask; /* nodes 0..63; bit n = node n */
};

/* A refcounted path string: splitting a mapping shares it, never copies. */
struct mapping_path {
	unsigned refs;
	size_t len;        /* strlen(name) */
	char name[];
};

/* What stands behind a mapping.  Anonymous private mappings leave it all
 * zero.  Linux merges only mappings of the same open file (struct file), not
 * merely the same inode, so file_id names the open file description; Linux
 * also backs MAP_SHARED|MAP_ANONYMOUS and System V shm with a fresh shmem
 * file, so give each such mapping its own file_id: two of them never merge. */
struct mapping_backing {
	uint32_t dev_major, dev_minor;
	uint64_t inode;
	uint64_t file_id;          /* caller's identity of the open file; 0 = none */
	struct mapping_path *path; /* NULL or a reference owned by the mapping */
};

struct mapping {
	uint64_t start;            /* first byte (inclusive), page-aligned */
	uint64_t end;              /* one past the last byte (exclusive), page-aligned */
	/* Byte offset that `start` corresponds to: the file offset for file
	 * mappings.  For anonymous memory Linux keeps vm_pgoff = the address at
	 * creation; the model does the same (as_insert sets it), so a mapping
	 * moved by mremap keeps its old offset and, as in Linux, no longer merges
	 * with fresh neighbours.  /proc/PID/maps prints 0 for anonymous memory. */
	uint64_t offset;
	struct mapping_backing backing;
	struct mapping_policy policy;
	/* Sequence number of the event that created it; pieces of a split keep
	 * it, and of two merged mappings the lower one's survives. */
	uint64_t created_by;
	uint32_t flags;            /* MAPPING_* (enum mapping_flag) */
	uint16_t advice;           /* MAPPING_ADV_* (enum mapping_advice) */
	uint8_t prot;              /* PROT_READ | PROT_WRITE | PROT_EXEC */
	/* The most prot may become (VM_MAY*): mprotect beyond it is EACCES,
	 * e.g. PROT_WRITE on a shared mapping of a read-only fd. */
	uint8_t max_prot;
	uint8_t kind;              /* enum mapping_kind */
};

/* Length in bytes. */
static inline uint64_t mapping_len(const struct mapping *m)
{
	return m->end - m->start;
}

static inline bool mapping_contains(const struct mapping *m, uint64_t addr)
{
	return m->start <= addr && addr < m->end;
}

/* Returns true for kinds that never merge with a neighbour: the vdso, vvar
 * and vsyscall pages (VM_SPECIAL, which vma_merge refuses) and memtrace's
 * stub, which the model keeps apart from the program's memory. */
bool mapping_kind_never_merges(enum mapping_kind kind);

/* Returns true for what Linux marks VM_SPECIAL (VM_IO | VM_DONTEXPAND |
 * VM_PFNMAP | VM_MIXEDMAP): the vdso, vvar and vsyscall pages and anything
 * flagged MAPPING_DONTEXPAND.  mlock skips them, mremap may not grow them. */
bool mapping_is_vm_special(const struct mapping *m);

/* Returns true for the kernel's special mappings (vdso, vvar), whose
 * may_split refuses: a call that would cut one fails with EINVAL there. */
bool mapping_refuses_split(const struct mapping *m);

/* Returns true for what Linux marks VM_IO | VM_PFNMAP: of what the model
 * knows, [vvar] and [vvar_vclock] (the vdso is only VM_DONTEXPAND). */
bool mapping_is_io(const struct mapping *m);

/* Returns true for a mapping of /dev/zero. */
bool mapping_is_dev_zero(const struct mapping *m);

/* The length of name (len bytes) without the " (deleted)" Linux adds to an
 * unlinked file's: a mapping made after the unlink has it, an older one
 * not, and both are one file's. */
size_t mapping_name_undeleted_len(const char *name, size_t len);

/*
 * Whether names a and b (la and lb bytes) of mappings of one device and
 * inode name one file. A file with a path is named where it is now: a
 * rename or an unlink the model does not see changes the name of all its
 * mappings (" (deleted)" too), so its device and inode identify it. Files
 * without a path (anon_inode ones, which share one inode) and mappings
 * without an inode are told apart by name, less " (deleted)".
 */
bool mapping_names_match(uint64_t inode, const char *a, size_t la, const char *b, size_t lb);

/* Returns true for what Linux's vma_is_anonymous says of a private mapping:
 * anonymous memory (the heap and stack too) and private /dev/zero, which
 * Linux makes anonymous; not the vdso and vvar, nor anonymous huge pages
 * (they have vm_ops). */
bool mapping_is_private_anonymous(const struct mapping *m);

/* Name shown by /proc/PID/maps for a kind without a path ("[heap]", ...), or
 * "" for kinds that show nothing. */
const char *mapping_kind_maps_name(enum mapping_kind kind);

/* Short lowercase name for messages ("anon", "heap", "memtrace-stub"). */
const char *mapping_kind_name(enum mapping_kind kind);

/* Returns true when `lower` (ending where `upper` starts) and `upper` could be
 * one VMA: Linux's is_mergeable_vma + contiguous offsets + mpol_equal. */
bool mapping_can_merge(const struct mapping *lower, const struct mapping *upper);

/* Returns true when the two mappings have the same attributes, ignoring the
 * range, offset and created_by (used to skip no-op changes). */
bool mapping_same_attributes(const struct mapping *a, const struct mapping *b);

/* Returns a new path with one reference, or NULL when out of memory. */
struct mapping_path *mapping_path_new(const char *name);
/* Returns `path` with one more reference (NULL stays NULL). */
struct mapping_path *mapping_path_get(struct mapping_path *path);
/* Drops one reference, freeing the string with the last one. */
void mapping_path_put(struct mapping_path *path);

/* Returns the path's string, or NULL when the mapping has none. */
static inline const char *mapping_path_name(const struct mapping *m)
{
	return m->backing.path ? m->backing.path->name : NULL;
}

#endif
