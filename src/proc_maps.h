#ifndef MEMTRACE_PROC_MAPS_H
#define MEMTRACE_PROC_MAPS_H

#include <stdint.h>
#include <sys/types.h>

#include "mm/address_space.h"
#include "mm/maps_format.h"

/* One snapshot of /proc/PID/maps: entries point into text. */
struct proc_maps {
	char *text;
	struct maps_entry *entries;
	const char **vm_flags;	/* from smaps: each entry's VmFlags (or NULL); else NULL */
	size_t count;
};

/* Reads and parses /proc/PID/maps. Returns 0 or -errno. */
int proc_maps_read(pid_t pid, struct proc_maps *maps);

/*
 * Reads and parses /proc/PID/smaps: the same entries, each with the text
 * of its VmFlags line (proc_smaps.h). Returns 0 or -errno.
 */
int proc_smaps_read(pid_t pid, struct proc_maps *maps);
void proc_maps_free(struct proc_maps *maps);

/*
 * Builds a fresh model of pid's address space from the kernel's view, as
 * exec leaves it: mappings from /proc/PID/maps, the heap start from
 * /proc/PID/stat. Returns 0 or -errno.
 */
int proc_maps_load(pid_t pid, enum as_arch arch, uint64_t seq, struct address_space *as);

/*
 * Reads a whole /proc file into *text (malloc'd, NUL-terminated, *len
 * bytes) in as few read calls as its size allows. Returns 0 or -errno.
 */
int proc_read_file(const char *path, char **text, size_t *len);
/* Ends the line that starts at line (in proc_read_file's text) and returns the next one. */
char *proc_next_line(char *line);

/* Reads fields of /proc/PID/stat, numbered as in proc(5). Returns 0 or -errno. */
int proc_stat_fields(pid_t pid, const int *numbers, uint64_t *values, int count);

/*
 * The bounds of the kernel's VMA holding addr: with the PROCMAP_QUERY ioctl
 * where the kernel has it (6.11), else from the whole of /proc/PID/maps.
 * Returns 0, -ENOENT, or another -errno.
 */
int proc_vma_at(pid_t pid, uint64_t addr, uint64_t *start, uint64_t *end);

/*
 * The kernel's entry for the mapping holding addr; its name is copied into
 * name. Returns 0, -ENOENT, or another -errno.
 */
int proc_maps_entry_at(pid_t pid, uint64_t addr, struct maps_entry *entry, char *name,
		       size_t name_size);

/*
 * Compares the model with /proc/PID/maps. Returns 0 when they agree, 1 when
 * they differ (both views are then printed on stderr, headed by what), or
 * -errno when the kernel's view cannot be read.
 */
int proc_maps_verify(pid_t pid, const struct address_space *as, const char *what);

#endif
