/* Attributes of one mapping: names, merge rules, shared path strings. */
#include "mapping.h"

#include <stdlib.h>
#include <string.h>

struct kind_names {
	const char *name;      /* for memtrace's messages */
	const char *maps_name; /* what /proc/PID/maps shows when there is no path */
	bool never_merges;     /* kept apart from its neighbours */
	bool vm_special;       /* Linux gives it VM_IO / VM_PFNMAP / VM_DONTEXPAND */
};

static const struct kind_names kind_table[MAPPING_KIND_COUNT] = {
	[MAPPING_KIND_ANON]          = { "anon", "", false, false },
	[MAPPING_KIND_FILE]          = { "file", "", false, false },
	[MAPPING_KIND_EXE]           = { "exe", "", false, false },
	[MAPPING_KIND_LIB]           = { "lib", "", false, false },
	[MAPPING_KIND_HEAP]          = { "heap", "[heap]", false, false },
	[MAPPING_KIND_STACK]         = { "stack", "[stack]", false, false },
	[MAPPING_KIND_VDSO]          = { "vdso", "[vdso]", true, true },
	[MAPPING_KIND_VVAR]          = { "vvar", "[vvar]", true, true },
	[MAPPING_KIND_VVAR_VCLOCK]   = { "vvar-vclock", "[vvar_vclock]", true, true },
	[MAPPING_KIND_VSYSCALL]      = { "vsyscall", "[vsyscall]", true, true },
	[MAPPING_KIND_SHM]           = { "shm", "", false, false },
	/* The stub is a plain mmap in the kernel's eyes; the model keeps it apart
	 * so memtrace never merges its own page into the program's memory. */
	[MAPPING_KIND_MEMTRACE_STUB] = { "memtrace-stub", "", true, false },
};

static const struct kind_names *kind_lookup(enum mapping_kind kind)
{
	if ((unsigned)kind >= MAPPING_KIND_COUNT)
		return &kind_table[MAPPING_KIND_ANON];
	return &kind_table[kind];
}

bool mapping_kind_never_merges(enum mapping_kind kind)
{
	return kind_lookup(kind)->never_merges;
}

bool mapping_is_vm_special(const struct mapping *m)
{
	return (m->flags & MAPPING_DONTEXPAND) || kind_lookup(m->kind)->vm_special;
}

bool mapping_refuses_split(const struct mapping *m)
{
	return kind_lookup(m->kind)->vm_special;
}

bool mapping_is_io(const struct mapping *m)
{
	return m->kind == MAPPING_KIND_VVAR || m->kind == MAPPING_KIND_VVAR_VCLOCK;
}

bool mapping_is_dev_zero(const struct mapping *m)
{
	return m->backing.path && strcmp(m->backing.path->name, "/dev/zero") == 0;
}

bool mapping_is_private_anonymous(const struct mapping *m)
{
	/* anonymous memory with a name is a file of the kernel's (hugetlbfs) */
	return !(m->flags & MAPPING_SHARED) && !mapping_is_vm_special(m) &&
	       (((m->flags & MAPPING_ANON) && !m->backing.path) || mapping_is_dev_zero(m));
}

const char *mapping_kind_maps_name(enum mapping_kind kind)
{
	return kind_lookup(kind)->maps_name;
}

const char *mapping_kind_name(enum mapping_kind kind)
{
	return kind_lookup(kind)->name;
}

size_t mapping_name_undeleted_len(const char *name, size_t len)
{
	static const char deleted[] = " (deleted)";
	size_t d = sizeof(deleted) - 1;

	return len >= d && memcmp(name + len - d, deleted, d) == 0 ? len - d : len;
}

bool mapping_names_match(uint64_t inode, const char *a, size_t la, const char *b, size_t lb)
{
	size_t len;

	if (inode != 0 && la && lb && a[0] == '/' && b[0] == '/')
		return true;
	len = mapping_name_undeleted_len(a, la);
	return len == mapping_name_undeleted_len(b, lb) && memcmp(a, b, len) == 0;
}

/* Whether mappings a and b of one device and inode have one file's names. */
static bool same_path(const struct mapping *a, const struct mapping *b)
{
	const struct mapping_path *pa = a->backing.path, *pb = b->backing.path;

	if (pa == pb)
		return true;
	if (!pa || !pb)
		return false;
	return mapping_names_match(a->backing.inode, pa->name, pa->len, pb->name, pb->len);
}

static bool same_policy(const struct mapping_policy *a, const struct mapping_policy *b)
{
	return a->mode == b->mode && a->flags == b->flags && a->nodemask == b->nodemask;
}

bool mapping_same_attributes(const struct mapping *a, const struct mapping *b)
{
	return a->prot == b->prot && a->max_prot == b->max_prot &&
	       a->flags == b->flags && a->kind == b->kind &&
	       a->advice == b->advice &&
	       same_policy(&a->policy, &b->policy) &&
	       a->backing.dev_major == b->backing.dev_major &&
	       a->backing.dev_minor == b->backing.dev_minor &&
	       a->backing.inode == b->backing.inode &&
	       a->backing.file_id == b->backing.file_id &&
	       same_path(a, b);
}

bool mapping_can_merge(const struct mapping *lower, const struct mapping *upper)
{
	if (lower->end != upper->start)
		return false;
	if (mapping_kind_never_merges(lower->kind) || mapping_kind_never_merges(upper->kind))
		return false;
	if (!mapping_same_attributes(lower, upper))
		return false;
	/* Linux requires vm_pgoff to continue across the boundary, for files and
	 * (through the creation address kept in offset) for anonymous memory. */
	return upper->offset == lower->offset + mapping_len(lower);
}

struct mapping_path *mapping_path_new(const char *name)
{
	size_t len = strlen(name);
	struct mapping_path *path = malloc(sizeof(*path) + len + 1);

	if (!path)
		return NULL;
	path->refs = 1;
	path->len = len;
	memcpy(path->name, name, len + 1);
	return path;
}

struct mapping_path *mapping_path_get(struct mapping_path *path)
{
	if (path)
		path->refs++;
	return path;
}

void mapping_path_put(struct mapping_path *path)
{
	if (path && --path->refs == 0)
		free(path);
}
