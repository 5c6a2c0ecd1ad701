/*
 * The kernel's view of an address space: /proc/PID/maps, or smaps, which
 * also has each mapping's flags. memtrace reads smaps at each exec (the one
 * moment the kernel, not memtrace, placed mappings: the program, its
 * interpreter, the stack, vdso) and maps, under --verify, after every
 * serviced call to prove the model right.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <unistd.h>

#include "diag.h"
#include "mm/brk.h"
#include "numa_maps.h"
#include "proc_maps.h"
#include "proc_smaps.h"

/* Reads a whole /proc file; *len gets its size. Returns 0 or -errno. */
int proc_read_file(const char *path, char **text, size_t *len)
{
	size_t cap = 16384, used = 0;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0 || !buf) {
		int err = fd < 0 ? -errno : -ENOMEM;

		free(buf);
		if (fd >= 0)
			close(fd);
		return err;
	}
	while ((n = read(fd, buf + used, cap - used - 1)) > 0) {
		used += n;
		if (used + 1 == cap) {
			char *bigger = realloc(buf, cap * 2);

			if (!bigger) {
				n = -1;
				errno = ENOMEM;
				break;
			}
			buf = bigger;
			cap *= 2;
		}
	}
	close(fd);
	if (n < 0) {
		int err = -errno;

		free(buf);
		return err;
	}
	buf[used] = '\0';
	*text = buf;
	*len = used;
	return 0;
}

/* Returns 0 or -errno. */
char *proc_next_line(char *line)
{
	char *next = strchr(line, '\n');

	if (!next)
		return line + strlen(line);
	*next = '\0';
	return next + 1;
}

/* Whether a line of maps or smaps starts a mapping ("start-end perms ..."). */
static int entry_line(const char *line)
{
	const char *dash = line + strspn(line, "0123456789abcdef");

	return dash > line && *dash == '-';
}

/* Reads /proc/PID/file (maps or smaps) into maps. Returns 0 or -errno. */
static int read_entries(pid_t pid, const char *file, struct proc_maps *maps)
{
	int smaps = strcmp(file, "smaps") == 0;
	char path[64], *line, *next;
	size_t len, lines = 0;
	int err;

	memset(maps, 0, sizeof(*maps));
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	err = proc_read_file(path, &maps->text, &len);
	if (err < 0)
		return err;
	for (size_t i = 0; i < len; i++)
		if (i == 0 || maps->text[i - 1] == '\n')
			lines += entry_line(maps->text + i);
	maps->entries = calloc(lines + 1, sizeof(*maps->entries));
	if (smaps)
		maps->vm_flags = calloc(lines + 1, sizeof(*maps->vm_flags));
	if (!maps->entries || (smaps && !maps->vm_flags)) {
		proc_maps_free(maps);
		return -ENOMEM;
	}
	for (line = maps->text; *line; line = next) {
		next = proc_next_line(line);
		if (smaps && !entry_line(line)) {
			if (maps->count && strncmp(line, "VmFlags:", 8) == 0)
				maps->vm_flags[maps->count - 1] = line + 8;
			continue;
		}
		if (maps->count == lines || maps_parse_line(line, &maps->entries[maps->count]) < 0) {
			proc_maps_free(maps);
			return -EINVAL;
		}
		maps->count++;
	}
	return 0;
}

int proc_maps_read(pid_t pid, struct proc_maps *maps)
{
	return read_entries(pid, "maps", maps);
}

int proc_smaps_read(pid_t pid, struct proc_maps *maps)
{
	return read_entries(pid, "smaps", maps);
}

void proc_maps_free(struct proc_maps *maps)
{
	free(maps->text);
	free(maps->entries);
	free(maps->vm_flags);
	memset(maps, 0, sizeof(*maps));
}

static enum mapping_kind kind_of_entry(const struct maps_entry *e, const char *exe)
{
	static const struct {
		const char *name;
		enum mapping_kind kind;
	} special[] = {
		{ "[heap]", MAPPING_KIND_HEAP }, { "[stack]", MAPPING_KIND_STACK },
		{ "[vdso]", MAPPING_KIND_VDSO }, { "[vvar]", MAPPING_KIND_VVAR },
		{ "[vvar_vclock]", MAPPING_KIND_VVAR_VCLOCK },
		{ "[vsyscall]", MAPPING_KIND_VSYSCALL },
	};

	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++)
		if (strcmp(e->name, special[i].name) == 0)
			return special[i].kind;
	if (!e->name[0])
		return MAPPING_KIND_ANON;
	if (strcmp(e->name, exe) == 0)
		return MAPPING_KIND_EXE;
	/* System V segments: "/SYSV0000002a (deleted)", named by key */
	if (strncmp(e->name, "/SYSV", 5) == 0)
		return MAPPING_KIND_SHM;
	/* Everything else the kernel mapped before the first instruction is the interpreter. */
	return MAPPING_KIND_LIB;
}

/* Reads fields of /proc/PID/stat, numbered as in proc(5). Returns 0 or -errno. */
int proc_stat_fields(pid_t pid, const int *numbers, uint64_t *values, int count)
{
	char path[64], *text, *p;
	size_t len;
	int err, field, found = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	err = proc_read_file(path, &text, &len);
	if (err < 0)
		return err;
	/* The command name (field 2) may hold spaces and parentheses. */
	p = strrchr(text, ')');
	for (field = 2; p && *p && found < count; p++) {
		if (*p != ' ')
			continue;
		field++;
		for (int i = 0; i < count; i++)
			if (numbers[i] == field) {
				values[i] = strtoull(p + 1, NULL, 10);
				found++;
			}
	}
	free(text);
	return found == count ? 0 : -EINVAL;
}

/* Returns 0 or -errno. */
int proc_maps_entry_at(pid_t pid, uint64_t addr, struct maps_entry *entry, char *name,
		       size_t name_size)
{
	struct proc_maps maps;
	int err = proc_maps_read(pid, &maps);

	if (err < 0)
		return err;
	err = -ENOENT;
	for (size_t i = 0; i < maps.count; i++) {
		if (maps.entries[i].start <= addr && addr < maps.entries[i].end) {
			*entry = maps.entries[i];
			snprintf(name, name_size, "%s", entry->name);
			entry->name = name;
			err = 0;
			break;
		}
	}
	proc_maps_free(&maps);
	return err;
}

/* linux/fs.h from 6.11 on; declared here for older headers */
struct vma_query {
	uint64_t size, query_flags, query_addr;
	uint64_t vma_start, vma_end, vma_flags, vma_page_size, vma_offset, inode;
	uint32_t dev_major, dev_minor, vma_name_size, build_id_size;
	uint64_t vma_name_addr, build_id_addr;
};
#define VMA_QUERY_IOCTL 0xc0686611u	/* _IOWR(0x9f, 17, struct procmap_query) */

int proc_vma_at(pid_t pid, uint64_t addr, uint64_t *start, uint64_t *end)
{
	static int no_query;	/* the kernel said ENOTTY once */
	struct vma_query q = { .size = sizeof(q), .query_addr = addr };
	struct maps_entry e;
	char path[64], name[8];
	int fd, err = -ENOTTY;

	if (!no_query) {
		snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		err = ioctl(fd, VMA_QUERY_IOCTL, &q) < 0 ? -errno : 0;
		close(fd);
		if (err == 0) {
			*start = q.vma_start;
			*end = q.vma_end;
			return 0;
		}
		if (err != -ENOTTY)
			return err;
		no_query = 1;
	}
	err = proc_maps_entry_at(pid, addr, &e, name, sizeof(name));
	if (err == 0) {
		*start = e.start;
		*end = e.end;
	}
	return err;
}

#define I386_TASK_SIZE_3GB 0xc0000000ull

/* The task's personality (/proc/PID/personality, which its tracer may read), or 0. */
static unsigned long proc_personality(pid_t pid)
{
	char path[64], *text;
	unsigned long persona = 0;
	size_t len;

	snprintf(path, sizeof(path), "/proc/%d/personality", (int)pid);
	if (proc_read_file(path, &text, &len) < 0)
		return 0;
	persona = strtoul(text, NULL, 16);
	free(text);
	return persona;
}

/* Returns 0 or -errno. */
int proc_maps_load(pid_t pid, enum as_arch arch, uint64_t seq, struct address_space *as)
{
	struct as_layout layout;
	struct proc_maps maps;
	char exe_link[64], exe[4096];
	ssize_t n;
	uint64_t start_brk;
	unsigned long persona;
	int err;

	snprintf(exe_link, sizeof(exe_link), "/proc/%d/exe", (int)pid);
	n = readlink(exe_link, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	static const int start_brk_field[] = { 47 };

	err = proc_stat_fields(pid, start_brk_field, &start_brk, 1);
	if (err < 0)
		return err;
	/* smaps: the entries of maps and, in VmFlags, what maps does not show */
	err = proc_smaps_read(pid, &maps);
	if (err < 0)
		err = proc_maps_read(pid, &maps);
	if (err < 0)
		return err;
	as_layout_default(&layout, arch);
	layout.brk_start = start_brk;
	persona = proc_personality(pid);
	/* linux32 --3gb: an i386 program's address space ends at 3 GiB */
	if (arch == AS_ARCH_I386 && (persona & ADDR_LIMIT_3GB))
		as_layout_end_at(&layout, I386_TASK_SIZE_3GB);
	err = as_init(as, &layout);
	if (err < 0)
		goto out;
	as->read_implies_exec = (persona & READ_IMPLIES_EXEC) != 0;
	as_set_brk_start(as, start_brk);
	for (size_t i = 0; i < maps.count; i++) {
		const struct maps_entry *e = &maps.entries[i];
		struct mapping m;

		memset(&m, 0, sizeof(m));
		m.kind = kind_of_entry(e, exe);
		if (m.kind == MAPPING_KIND_VSYSCALL) {
			/* A gate page above task_size, not a VMA: only counted. */
			as->gate_count++;
			continue;
		}
		m.start = e->start;
		m.end = e->end;
		m.prot = e->prot;
		m.max_prot = PROT_READ | PROT_WRITE | PROT_EXEC;
		m.offset = e->offset;
		m.created_by = seq;
		if (e->shared)
			m.flags |= MAPPING_SHARED;
		/* a System V segment's inode is its id, which may be 0 */
		if (e->inode == 0 && m.kind != MAPPING_KIND_SHM)
			m.flags |= MAPPING_ANON;
		if (m.kind == MAPPING_KIND_STACK)
			m.flags |= MAPPING_GROWSDOWN;
		if (m.kind == MAPPING_KIND_VDSO || m.kind == MAPPING_KIND_VVAR ||
		    m.kind == MAPPING_KIND_VVAR_VCLOCK)
			m.flags |= MAPPING_DONTEXPAND;
		m.backing.dev_major = e->dev_major;
		m.backing.dev_minor = e->dev_minor;
		m.backing.inode = e->inode;
		m.backing.file_id = e->inode;
		/* locks, advice, VM_MAY* (without smaps: the defaults) */
		if (maps.vm_flags && maps.vm_flags[i])
			proc_smaps_flags(maps.vm_flags[i], &m);
		if (e->inode || m.kind == MAPPING_KIND_SHM) {
			m.backing.path = mapping_path_new(e->name);
			if (!m.backing.path) {
				err = -ENOMEM;
				goto fail;
			}
		}
		err = as_insert(as, &m);
		mapping_path_put(m.backing.path);
		if (err < 0)
			goto fail;
	}
	goto out;
fail:
	as_destroy(as);
out:
	proc_maps_free(&maps);
	return err;
}

/*
 * Linux names anonymous memory "[heap]" by where it lies against the break,
 * and the rule changed between kernels (6.1 and 6.18 disagree on the .bss
 * page next to the heap): compare heap and plain anonymous memory alike.
 */
static void forget_heap_names(struct maps_entry *entries, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (strcmp(entries[i].name, "[heap]") == 0)
			entries[i].name = "";
}

static void print_entries(const char *title, const struct maps_entry *entries, size_t count)
{
	char line[MAPS_LINE_MAX(4096)];

	fprintf(stderr, "  %s:\n", title);
	for (size_t i = 0; i < count; i++) {
		maps_format_line(&entries[i], line, sizeof(line));
		fprintf(stderr, "    %s", line);
	}
}

/* Returns 0 (same), 1 (different, reported) or -errno. */
int proc_maps_verify(pid_t pid, const struct address_space *as, const char *what)
{
	struct proc_maps kernel;
	struct maps_entry *model = NULL;
	struct maps_difference diff;
	size_t count = 0, cap = as_map_count(as) + 1;
	int err;

	err = proc_maps_read(pid, &kernel);
	if (err < 0)
		return err;
	/* No mappings at all: the task is exiting (killed by a sibling's exec or exit). */
	if (!kernel.count) {
		proc_maps_free(&kernel);
		return -ESRCH;
	}
	model = calloc(cap, sizeof(*model));
	if (!model) {
		proc_maps_free(&kernel);
		return -ENOMEM;
	}
	for (const struct mapping *m = as_first(as); m && count < cap; m = as_next(as, m))
		maps_entry_from_mapping(m, &model[count++]);
	/* The vsyscall page is a gate above task_size, not part of the model. */
	if (kernel.count && strcmp(kernel.entries[kernel.count - 1].name, "[vsyscall]") == 0)
		kernel.count--;
	forget_heap_names(model, count);
	forget_heap_names(kernel.entries, kernel.count);
	err = maps_compare(model, count, kernel.entries, kernel.count, &diff);
	if (err == 0)
		err = numa_maps_verify(pid, as, what) == 1;
	else if (err == 1) {
		error_msg("--verify: after %s, the model of pid %d differs from the kernel at "
			  "%#llx (%s)", what, (int)pid, (unsigned long long)diff.addr, diff.what);
		print_entries("memtrace's model", model, count);
		print_entries("the kernel (/proc/PID/maps)", kernel.entries, kernel.count);
	}
	free(model);
	proc_maps_free(&kernel);
	return err;
}
