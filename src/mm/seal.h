/* mseal: sealed mappings, and what other calls may no longer do to them.
 *
 * A sealed mapping (MAPPING_SEALED, Linux's VM_SEALED) may not be unmapped,
 * moved, resized, replaced (MAP_FIXED, remap_file_pages) or given other
 * protections; nor may madvise discard its pages (MADV_DONTNEED, ...) where
 * it is private anonymous memory the program cannot write.  Those calls
 * fail with EPERM.  Sealing is for good: no call takes it off, fork copies
 * it, and it ends with the address space (exec, exit).  mlock, mbind, msync
 * and the other advice still work, and split sealed mappings like others.
 *
 * Linux 6.10 brought mseal (64-bit kernels, for i386 programs too); these
 * are the rules of 6.18, where mprotect and madvise check each mapping as
 * they reach it, so that the mappings before a sealed one are changed
 * (6.10 to 6.14 checked the whole range first).
 */
#ifndef MEMTRACE_MM_SEAL_H
#define MEMTRACE_MM_SEAL_H

#include <stdbool.h>
#include <stdint.h>

#include "address_space.h"

/* mseal(start, len, flags) on the model, in do_mseal's order: EINVAL for any
 * flag, an unaligned start or a length that wraps; 0 for a length that
 * rounds to nothing; ENOMEM when a page of the range is unmapped (nothing
 * is sealed then), or for the map count.  Sealing a sealed mapping again
 * is no error.  Return 0 or -errno. */
int as_seal(struct address_space *as, uint64_t start, uint64_t len, uint64_t flags);

/* Whether a mapping overlapping [start, end) is sealed: munmap, MAP_FIXED,
 * mremap's destination and brk's shrinking fail over it. */
bool as_range_has_sealed(const struct address_space *as, uint64_t start, uint64_t end);

/* Whether madvise(advice) discards pages (Linux's is_discard). */
bool madvise_discards(int advice);

/* Whether sealing keeps such advice off m: private anonymous memory the
 * program cannot write (PROT_WRITE; memory protection keys are not
 * modelled). */
bool seal_refuses_discard(const struct mapping *m);

#endif
