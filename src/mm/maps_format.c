/* /proc/PID/maps lines: print, parse, normalise, compare (see maps_format.h). */
#include "maps_format.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* show_vma_header_prefix pads to 25 + 6 * sizeof(void *) - 1 on the 64-bit
 * kernel, for i386 children too, then one space: names start at column 73. */
#define MAPS_NAME_COLUMN 73

void maps_entry_from_mapping(const struct mapping *m, struct maps_entry *e)
{
	const char *path = mapping_path_name(m);
	bool anonymous = (m->flags & MAPPING_ANON) && !path;

	e->start = m->start;
	e->end = m->end;
	e->prot = m->prot & (PROT_READ | PROT_WRITE | PROT_EXEC);
	e->shared = (m->flags & MAPPING_SHARED) != 0;
	/* The kernel prints vm_pgoff only for file-backed memory. */
	e->offset = anonymous ? 0 : m->offset;
	e->dev_major = m->backing.dev_major;
	e->dev_minor = m->backing.dev_minor;
	e->inode = m->backing.inode;
	e->name = path ? path : mapping_kind_maps_name(m->kind);
}

int maps_format_line(const struct maps_entry *e, char *buf, size_t size)
{
	int prefix, total;

	prefix = snprintf(buf, size, "%08" PRIx64 "-%08" PRIx64 " %c%c%c%c %08" PRIx64
			  " %02x:%02x %" PRIu64 " ",
			  e->start, e->end, e->prot & PROT_READ ? 'r' : '-',
			  e->prot & PROT_WRITE ? 'w' : '-', e->prot & PROT_EXEC ? 'x' : '-',
			  e->shared ? 's' : 'p', e->offset, e->dev_major, e->dev_minor, e->inode);
	if (prefix < 0 || (size_t)prefix >= size)
		return -ENOSPC;
	if (e->name[0] == '\0')
		total = snprintf(buf + prefix, size - prefix, "\n");
	else
		total = snprintf(buf + prefix, size - prefix, "%*s%s\n",
				 prefix < MAPS_NAME_COLUMN ? MAPS_NAME_COLUMN - prefix : 1, "",
				 e->name);
	if (total < 0 || (size_t)total >= size - prefix)
		return -ENOSPC;
	return 0;
}

int as_format_maps(const struct address_space *as, FILE *out)
{
	const struct mapping *m;
	char *line = NULL;
	size_t line_size = 0;
	int err = 0;

	for (m = as_first(as); m; m = as_next(as, m)) {
		struct maps_entry e;
		size_t wanted;

		maps_entry_from_mapping(m, &e);
		wanted = MAPS_LINE_MAX(strlen(e.name));
		if (wanted > line_size) {
			char *bigger = realloc(line, wanted);

			if (!bigger) {
				err = -ENOMEM;
				goto out;
			}
			line = bigger;
			line_size = wanted;
		}
		err = maps_format_line(&e, line, line_size);
		if (err)
			goto out;
		if (fputs(line, out) == EOF) {
			err = -EIO;
			goto out;
		}
	}
out:
	free(line);
	return err;
}

int maps_parse_line(char *line, struct maps_entry *e)
{
	char perms[5];
	int name_at = -1;
	size_t len = strlen(line);

	if (len > 0 && line[len - 1] == '\n')
		line[--len] = '\0';
	if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %" SCNx64 " %x:%x %" SCNu64 " %n", &e->start,
		   &e->end, perms, &e->offset, &e->dev_major, &e->dev_minor, &e->inode,
		   &name_at) != 7 || name_at < 0)
		return -EINVAL;
	if (strlen(perms) != 4 || e->start >= e->end)
		return -EINVAL;
	e->prot = (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) |
		  (perms[2] == 'x' ? PROT_EXEC : 0);
	e->shared = perms[3] == 's';
	e->name = line + name_at;
	return 0;
}

/* Whether two entries of one device and inode name one file (mapping.h). */
static bool names_match(const struct maps_entry *a, const struct maps_entry *b)
{
	return mapping_names_match(a->inode, a->name, strlen(a->name), b->name, strlen(b->name));
}

/* Could /proc/PID/maps show lower and upper as one line? */
static bool entries_join(const struct maps_entry *lower, const struct maps_entry *upper)
{
	if (lower->end != upper->start || lower->prot != upper->prot ||
	    lower->shared != upper->shared || lower->dev_major != upper->dev_major ||
	    lower->dev_minor != upper->dev_minor || lower->inode != upper->inode ||
	    !names_match(lower, upper))
		return false;
	/* Anonymous memory prints offset 0 everywhere. */
	if (lower->inode == 0 && lower->offset == 0 && upper->offset == 0)
		return true;
	return upper->offset == lower->offset + (lower->end - lower->start);
}

size_t maps_coalesce(struct maps_entry *entries, size_t count)
{
	size_t kept = 0, i;

	for (i = 0; i < count; i++) {
		if (kept > 0 && entries_join(&entries[kept - 1], &entries[i]))
			entries[kept - 1].end = entries[i].end;
		else
			entries[kept++] = entries[i];
	}
	return kept;
}

/* Reads the next coalesced run of list starting at *index into run; returns
 * false at the end, or when the list is unsorted (*bad set). */
static bool next_run(const struct maps_entry *list, size_t count, size_t *index,
		     struct maps_entry *run, bool *bad)
{
	if (*index >= count)
		return false;
	*run = list[(*index)++];
	while (*index < count && entries_join(run, &list[*index]))
		run->end = list[(*index)++].end;
	if (*index < count && list[*index].start < run->end)
		*bad = true;
	return true;
}

static const char *attribute_difference(const struct maps_entry *a, const struct maps_entry *b)
{
	if (a->prot != b->prot)
		return "prot";
	if (a->shared != b->shared)
		return "shared/private";
	if (a->offset != b->offset)
		return "offset";
	if (a->dev_major != b->dev_major || a->dev_minor != b->dev_minor)
		return "device";
	if (a->inode != b->inode)
		return "inode";
	if (!names_match(a, b))
		return "name";
	if (a->end != b->end)
		return "end";
	return NULL;
}

int maps_compare(const struct maps_entry *first, size_t first_count,
		 const struct maps_entry *second, size_t second_count,
		 struct maps_difference *diff)
{
	static const struct maps_entry none = { .name = "" };
	size_t i = 0, j = 0;
	bool bad = false;

	for (;;) {
		struct maps_entry a = none, b = none;
		bool have_a = next_run(first, first_count, &i, &a, &bad);
		bool have_b = next_run(second, second_count, &j, &b, &bad);
		const char *what = NULL;
		uint64_t addr = 0;

		if (bad)
			return -EINVAL;
		if (!have_a && !have_b)
			return 0;
		if (!have_b || (have_a && a.start < b.start)) {
			what = "only in first";
			addr = a.start;
		} else if (!have_a || b.start < a.start) {
			what = "only in second";
			addr = b.start;
		} else {
			what = attribute_difference(&a, &b);
			addr = a.start;
			/* Same start and attributes, different ends: they part
			 * where the shorter one stops. */
			if (what && strcmp(what, "end") == 0)
				addr = a.end < b.end ? a.end : b.end;
		}
		if (what) {
			diff->addr = addr;
			diff->what = what;
			diff->first = a;
			diff->second = b;
			return 1;
		}
	}
}
