/*
 * VmFlags in /proc/PID/smaps: two-letter names of a VMA's vm_flags
 * (fs/proc/task_mmu.c, show_smap_vma_flags), e.g.
 *   VmFlags: rd wr mr mw me ac lo dc
 */
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "proc_maps.h"
#include "proc_smaps.h"

#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif

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
	/* special (vdso, vvar, AIO rings): mremap may not grow it, mlock skips it */
	{ "de", MAPPING_DONTEXPAND, 0, 0 },
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

int proc_smaps_names_lock_on_fault(void)
{
	static int named = -1;
	struct proc_maps maps;
	void *page;

	if (named >= 0)
		return named;
	named = 0;
	page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return named;
	if (syscall(SYS_mlock2, page, 4096, MLOCK_ONFAULT) == 0 &&
	    proc_smaps_read(getpid(), &maps) == 0) {
		for (size_t i = 0; i < maps.count; i++)
			if (maps.entries[i].start == (uint64_t)(uintptr_t)page && maps.vm_flags[i])
				named = strstr(maps.vm_flags[i], " lf") != NULL;
		proc_maps_free(&maps);
	}
	munmap(page, 4096);
	return named;
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
	 * Where Linux does not name VM_LOCKONFAULT (6.1), it is the "??" a
	 * locked mapping shows. Without it, the pieces mlock2(MLOCK_ONFAULT)
	 * and mlock left apart would be one mapping in the model.
	 */
	if ((flags & MAPPING_LOCKED) && unnamed && !(flags & MAPPING_LOCKONFAULT) &&
	    !proc_smaps_names_lock_on_fault())
		flags |= MAPPING_LOCKONFAULT;
	known_bits(&known_flags, &known_advice);
	m->flags = (m->flags & ~known_flags) | flags;
	m->advice = (m->advice & ~known_advice) | advice;
	m->max_prot = may | m->prot;
}
