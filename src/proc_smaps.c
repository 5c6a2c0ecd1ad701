/*
 * VmFlags in /proc/PID/smaps: two-letter names of a VMA's vm_flags
 * (fs/proc/task_mmu.c, show_smap_vma_flags), e.g.
 *   VmFlags: rd wr mr mw me ac lo dc
 */
#include <string.h>
#include <sys/mman.h>

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
	{ "sl", MAPPING_SEALED, 0, 0 },
	{ "dp", MAPPING_DROPPABLE, 0, 0 },
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

void proc_smaps_flags(const char *line, struct mapping *m)
{
	uint32_t flags = 0, known_flags;
	uint16_t advice = 0, known_advice;
	uint8_t may = 0;
	int unnamed = 0;

	/* two-letter names separated by spaces */
	for (;;) {
		size_t n;

		line += strspn(line, " \t");
		n = strcspn(line, " \t\n");
		if (!n)
			break;
		unnamed |= n == 2 && memcmp(line, "??", 2) == 0;
		for (size_t i = 0; n == 2 && i < N_VM_FLAG_NAMES; i++) {
			if (memcmp(line, vm_flag_names[i].name, 2))
				continue;
			flags |= vm_flag_names[i].flag;
			advice |= vm_flag_names[i].advice;
			may |= vm_flag_names[i].may;
		}
		line += n;
	}
	/*
	 * Linux names VM_LOCKONFAULT "lf" from 6.2; 6.1 prints "??" for it,
	 * the one bit a locked mapping has there that the table leaves
	 * unnamed. Without it, the pieces mlock2(MLOCK_ONFAULT) and mlock
	 * left apart would be one mapping in the model.
	 */
	if ((flags & MAPPING_LOCKED) && unnamed)
		flags |= MAPPING_LOCKONFAULT;
	known_bits(&known_flags, &known_advice);
	m->flags = (m->flags & ~known_flags) | flags;
	m->advice = (m->advice & ~known_advice) | advice;
	m->max_prot = may | m->prot;
}
