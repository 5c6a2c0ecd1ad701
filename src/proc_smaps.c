/*
 * VmFlags in /proc/PID/smaps: two-letter names of a VMA's vm_flags
 * (fs/proc/task_mmu.c, show_smap_vma_flags), e.g.
 *   VmFlags: rd wr mr mw me ac lo dc
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "proc_maps.h"
#include "proc_smaps.h"

struct vm_flag_name {
	char name[3];
	uint32_t flag;		/* MAPPING_* */
	uint16_t advice;	/* MAPPING_ADV_* */
	uint8_t may;		/* PROT_* for VM_MAY* */
};

static const struct vm_flag_name vm_flag_names[] = {
	/* maps shows no VM_GROWSDOWN: without it a resync would drop the guard
	 * gap that brk, mmap and mremap keep below such a mapping. */
	{ "gd", MAPPING_GROWSDOWN, 0, 0 },
	{ "lo", MAPPING_LOCKED, 0, 0 },
	{ "lf", MAPPING_LOCKONFAULT, 0, 0 },
	{ "dc", MAPPING_DONTFORK, 0, 0 },
	{ "wf", MAPPING_WIPEONFORK, 0, 0 },
	{ "dd", MAPPING_DONTDUMP, 0, 0 },
	{ "nr", MAPPING_NORESERVE, 0, 0 },
	{ "rr", 0, MAPPING_ADV_RANDOM, 0 },
	{ "sr", 0, MAPPING_ADV_SEQUENTIAL, 0 },
	{ "hg", 0, MAPPING_ADV_HUGEPAGE, 0 },
	{ "nh", 0, MAPPING_ADV_NOHUGEPAGE, 0 },
	{ "mg", 0, MAPPING_ADV_MERGEABLE, 0 },
	{ "mr", 0, 0, PROT_READ },
	{ "mw", 0, 0, PROT_WRITE },
	{ "me", 0, 0, PROT_EXEC },
};
#define N_VM_FLAG_NAMES (sizeof(vm_flag_names) / sizeof(vm_flag_names[0]))

/* The bits this file decides, whatever they were. */
static void known_bits(uint32_t *flags, uint16_t *advice)
{
	*flags = 0;
	*advice = 0;
	for (size_t i = 0; i < N_VM_FLAG_NAMES; i++) {
		*flags |= vm_flag_names[i].flag;
		*advice |= vm_flag_names[i].advice;
	}
}

/* Gives the model's mappings over [start, end) the attributes of one VmFlags line. */
static int apply_line(struct address_space *as, uint64_t start, uint64_t end, const char *line)
{
	uint32_t flags = 0, known_flags;
	uint16_t advice = 0, known_advice;
	uint8_t may = 0;
	int err = 0;

	/* two-letter names separated by spaces */
	for (;;) {
		size_t n;

		line += strspn(line, " \t");
		n = strcspn(line, " \t\n");
		if (!n)
			break;
		for (size_t i = 0; n == 2 && i < N_VM_FLAG_NAMES; i++) {
			if (memcmp(line, vm_flag_names[i].name, 2))
				continue;
			flags |= vm_flag_names[i].flag;
			advice |= vm_flag_names[i].advice;
			may |= vm_flag_names[i].may;
		}
		line += n;
	}
	known_bits(&known_flags, &known_advice);
	/* Re-inserted piece by piece: as_insert splits and merges as Linux would. */
	while (start < end && err == 0) {
		const struct mapping *m = as_lookup(as, start);
		struct mapping piece;

		if (!m)
			break;
		piece = *m;
		piece.start = start;
		piece.end = m->end < end ? m->end : end;
		piece.offset = m->offset + (start - m->start);
		piece.flags = (m->flags & ~known_flags) | flags;
		piece.advice = (m->advice & ~known_advice) | advice;
		piece.max_prot = may | m->prot;
		piece.backing.path = mapping_path_get(m->backing.path);
		start = piece.end;
		err = as_insert(as, &piece);
		mapping_path_put(piece.backing.path);
	}
	return err;
}

/* A mapping's first line in smaps ("start-end perms ..."): its range. */
static bool range_line(const char *line, unsigned long long *start, unsigned long long *end)
{
	char *after;

	if (!isxdigit((unsigned char)line[0]))
		return false;
	*start = strtoull(line, &after, 16);
	if (*after != '-')
		return false;
	*end = strtoull(after + 1, &after, 16);
	return *after == ' ';
}

int proc_smaps_apply_flags(pid_t pid, struct address_space *as)
{
	unsigned long long start = 0, end = 0, s, e;
	char path[64], *text, *line, *next;
	size_t len;
	int err;

	/* one read of the whole file: stdio took it 1 KiB a call */
	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	err = proc_read_file(path, &text, &len);
	if (err < 0)
		return err;
	for (line = text; *line; line = next) {
		next = proc_next_line(line);
		if (range_line(line, &s, &e)) {
			start = s;
			end = e;
		} else if (strncmp(line, "VmFlags:", 8) == 0 && end > start &&
			   as_lookup(as, start)) {
			apply_line(as, start, end, line + 8);
		}
	}
	free(text);
	return 0;
}
