/*
 * Names of the memory syscalls' flags. The values are the kernel's UAPI
 * ones, written out so that the printer does not depend on how new the
 * build host's headers are.
 */
#include "flags.h"

const struct flag_name prot_names[] = {
	{ 0x1, "PROT_READ" }, { 0x2, "PROT_WRITE" }, { 0x4, "PROT_EXEC" }, { 0x8, "PROT_SEM" },
	{ 0x01000000, "PROT_GROWSDOWN" }, { 0x02000000, "PROT_GROWSUP" }, { 0, NULL },
};

/* The MAP_TYPE field (mask 0xf) holds a value, not bits. */
const struct flag_name mmap_type_names[] = {
	{ 0x1, "MAP_SHARED" }, { 0x2, "MAP_PRIVATE" }, { 0x3, "MAP_SHARED_VALIDATE" },
	{ 0x8, "MAP_DROPPABLE" }, { 0, NULL },
};

const struct flag_name mmap_flag_names[] = {
	{ 0x10, "MAP_FIXED" }, { 0x20, "MAP_ANONYMOUS" }, { 0x40, "MAP_32BIT" },
	{ 0x100, "MAP_GROWSDOWN" }, { 0x800, "MAP_DENYWRITE" }, { 0x1000, "MAP_EXECUTABLE" },
	{ 0x2000, "MAP_LOCKED" }, { 0x4000, "MAP_NORESERVE" }, { 0x8000, "MAP_POPULATE" },
	{ 0x10000, "MAP_NONBLOCK" }, { 0x20000, "MAP_STACK" }, { 0x40000, "MAP_HUGETLB" },
	{ 0x80000, "MAP_SYNC" }, { 0x100000, "MAP_FIXED_NOREPLACE" },
	{ 0x4000000, "MAP_UNINITIALIZED" }, { 0, NULL },
};

const struct flag_name mremap_flag_names[] = {
	{ 0x1, "MREMAP_MAYMOVE" }, { 0x2, "MREMAP_FIXED" }, { 0x4, "MREMAP_DONTUNMAP" }, { 0, NULL },
};

const struct flag_name madvice_names[] = {
	{ 0, "MADV_NORMAL" }, { 1, "MADV_RANDOM" }, { 2, "MADV_SEQUENTIAL" },
	{ 3, "MADV_WILLNEED" }, { 4, "MADV_DONTNEED" }, { 8, "MADV_FREE" },
	{ 9, "MADV_REMOVE" }, { 10, "MADV_DONTFORK" }, { 11, "MADV_DOFORK" },
	{ 12, "MADV_MERGEABLE" }, { 13, "MADV_UNMERGEABLE" }, { 14, "MADV_HUGEPAGE" },
	{ 15, "MADV_NOHUGEPAGE" }, { 16, "MADV_DONTDUMP" }, { 17, "MADV_DODUMP" },
	{ 18, "MADV_WIPEONFORK" }, { 19, "MADV_KEEPONFORK" }, { 20, "MADV_COLD" },
	{ 21, "MADV_PAGEOUT" }, { 22, "MADV_POPULATE_READ" }, { 23, "MADV_POPULATE_WRITE" },
	{ 24, "MADV_DONTNEED_LOCKED" }, { 25, "MADV_COLLAPSE" }, { 100, "MADV_HWPOISON" },
	{ 101, "MADV_SOFT_OFFLINE" }, { 0, NULL },
};

const struct flag_name msync_flag_names[] = {
	{ 0x1, "MS_ASYNC" }, { 0x2, "MS_INVALIDATE" }, { 0x4, "MS_SYNC" }, { 0, NULL },
};

const struct flag_name mlock2_flag_names[] = {
	{ 0x1, "MLOCK_ONFAULT" }, { 0, NULL },
};

const struct flag_name mlockall_flag_names[] = {
	{ 0x1, "MCL_CURRENT" }, { 0x2, "MCL_FUTURE" }, { 0x4, "MCL_ONFAULT" }, { 0, NULL },
};

const struct flag_name mpol_mode_names[] = {
	{ 0, "MPOL_DEFAULT" }, { 1, "MPOL_PREFERRED" }, { 2, "MPOL_BIND" },
	{ 3, "MPOL_INTERLEAVE" }, { 4, "MPOL_LOCAL" }, { 5, "MPOL_PREFERRED_MANY" },
	{ 6, "MPOL_WEIGHTED_INTERLEAVE" }, { 0, NULL },
};

const struct flag_name mpol_mode_flag_names[] = {
	{ 1u << 13, "MPOL_F_NUMA_BALANCING" }, { 1u << 14, "MPOL_F_RELATIVE_NODES" },
	{ 1u << 15, "MPOL_F_STATIC_NODES" }, { 0, NULL },
};

const struct flag_name mpol_flag_names[] = {
	{ 0x1, "MPOL_MF_STRICT" }, { 0x2, "MPOL_MF_MOVE" }, { 0x4, "MPOL_MF_MOVE_ALL" }, { 0, NULL },
};

const struct flag_name shm_flag_names[] = {
	{ 0x1000, "SHM_RDONLY" }, { 0x2000, "SHM_RND" }, { 0x4000, "SHM_REMAP" },
	{ 0x8000, "SHM_EXEC" }, { 0, NULL },
};

const struct flag_name ipc_call_names[] = {
	{ 21, "SHMAT" }, { 22, "SHMDT" }, { 0, NULL },
};

/* the arch_prctl options memtrace traps (the others run untraced) */
const struct flag_name arch_prctl_names[] = {
	{ 0x2001, "ARCH_MAP_VDSO_X32" }, { 0x2002, "ARCH_MAP_VDSO_32" },
	{ 0x2003, "ARCH_MAP_VDSO_64" }, { 0, NULL },
};

/* Appends "A|B|0x40" for the bits of value; zero_name (or "0") for 0. */
void format_flags(struct strbuf *sb, const struct flag_name *names, uint64_t value,
		  const char *zero_name)
{
	const char *sep = "";

	if (value == 0) {
		sb_printf(sb, "%s", zero_name ? zero_name : "0");
		return;
	}
	for (const struct flag_name *f = names; f->name; f++) {
		if (f->value && (value & f->value) == f->value) {
			sb_printf(sb, "%s%s", sep, f->name);
			value &= ~f->value;
			sep = "|";
		}
	}
	if (value)
		sb_printf(sb, "%s%#llx", sep, (unsigned long long)value);
}

/* Appends the name of value, or its number if it has none. */
void format_value(struct strbuf *sb, const struct flag_name *names, uint64_t value)
{
	for (const struct flag_name *f = names; f->name; f++) {
		if (f->value == value) {
			sb_printf(sb, "%s", f->name);
			return;
		}
	}
	sb_printf(sb, "%#llx", (unsigned long long)value);
}
