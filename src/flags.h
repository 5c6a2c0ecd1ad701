#ifndef MEMTRACE_FLAGS_H
#define MEMTRACE_FLAGS_H

#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

/* One named value or bit of a syscall argument. */
struct flag_name {
	uint64_t value;
	const char *name;
};

/* A set of names, ended by a NULL name. */
extern const struct flag_name prot_names[], mmap_type_names[], mmap_flag_names[],
	mremap_flag_names[], madvice_names[], msync_flag_names[], mlock2_flag_names[],
	mlockall_flag_names[], mpol_mode_names[], mpol_mode_flag_names[], mpol_flag_names[],
	shm_flag_names[], ipc_call_names[], arch_prctl_names[];

/* Appends "A|B|0x40" for the bits of value; zero_name (or "0") for 0. */
void format_flags(struct strbuf *sb, const struct flag_name *names, uint64_t value,
		  const char *zero_name);

/* Appends the name of value, or its number if it has none. */
void format_value(struct strbuf *sb, const struct flag_name *names, uint64_t value);

#endif
