/* The model in /proc/PID/maps terms: printing, parsing, and comparing two
 * lists after normalisation.
 *
 * Linux and the model may cut the same memory into VMAs differently (an
 * anon_vma the model cannot see keeps two VMAs apart; a moved mapping may or
 * may not merge), so comparisons first coalesce adjacent entries that
 * /proc/PID/maps could not tell apart.
 */
#ifndef MEMTRACE_MM_MAPS_FORMAT_H
#define MEMTRACE_MM_MAPS_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "address_space.h"

/* What one /proc/PID/maps line says. */
struct maps_entry {
	uint64_t start;          /* inclusive */
	uint64_t end;            /* exclusive */
	uint8_t prot;            /* PROT_READ | PROT_WRITE | PROT_EXEC */
	bool shared;             /* 's' (VM_MAYSHARE) rather than 'p' */
	uint64_t offset;         /* file offset of start; 0 for anonymous memory */
	uint32_t dev_major, dev_minor;
	uint64_t inode;
	const char *name;        /* path, "[heap]"-style name, or "" (never NULL) */
};

/* Longest line maps_format_line writes for a path of path_len bytes. */
#define MAPS_LINE_MAX(path_len) (128 + (path_len))

/* Describes m as /proc/PID/maps would: the path if there is one, otherwise
 * the kind's name ([heap], [stack], [vdso], ...).  e->name points into m. */
void maps_entry_from_mapping(const struct mapping *m, struct maps_entry *e);

/* Writes e as one line in the kernel's layout (hex range, perms, offset,
 * dev, inode, name padded to column 73), with a newline.
 * Return 0, or -ENOSPC when buf is too small (buf then holds a truncated,
 * NUL-terminated line). */
int maps_format_line(const struct maps_entry *e, char *buf, size_t size);

/* Prints the whole model in /proc/PID/maps syntax.  Return 0 or -EIO. */
int as_format_maps(const struct address_space *as, FILE *out);

/* Parses one /proc/PID/maps line (a trailing newline is removed in place;
 * e->name points into line).  Return 0, or -EINVAL for a malformed line. */
int maps_parse_line(char *line, struct maps_entry *e);

/* Merges, in place, adjacent entries that /proc/PID/maps cannot tell apart:
 * touching, same perms, dev, inode and name, and offsets that continue for
 * file-backed memory.  Returns the new number of entries. */
size_t maps_coalesce(struct maps_entry *entries, size_t count);

struct maps_difference {
	uint64_t addr;             /* first address where the lists disagree */
	const char *what;          /* "only in first", "prot", "offset", ... */
	struct maps_entry first;   /* the coalesced entries compared there; */
	struct maps_entry second;  /* start == end when a list has none */
};

/* Compares two sorted lists after coalescing each (without changing them);
 * second's name may add " (deleted)" to first's (a file unlinked since).
 * Returns 0 when they describe the same memory, 1 when they differ (*diff
 * then describes the first difference), -EINVAL when a list is unsorted or
 * overlapping. */
int maps_compare(const struct maps_entry *first, size_t first_count,
		 const struct maps_entry *second, size_t second_count,
		 struct maps_difference *diff);

#endif
