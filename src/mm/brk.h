/* The program break on the model. */
#ifndef MEMTRACE_MM_BRK_H
#define MEMTRACE_MM_BRK_H

#include <stdint.h>

#include "address_space.h"

/* Sets the heap start and the break, as exec does. */
void as_set_brk_start(struct address_space *as, uint64_t brk_start);

/* brk(requested) as Linux carries it out, without RLIMIT_DATA (the caller
 * checks that first).  brk never fails with an error code: when Linux would
 * refuse (below the heap start, the new heap plus one page would come within
 * the guarded start of the next mapping, past task_size, or the map count is
 * already over the limit) *result is the unchanged break.  Growing maps
 * [PAGE_ALIGN(old), PAGE_ALIGN(new)) as private anonymous read-write heap
 * (plus def_flags) created by seq; shrinking unmaps [PAGE_ALIGN(new),
 * PAGE_ALIGN(old)) and always succeeds.  The break keeps the unaligned value.
 * Return 0 with *result set, or -ENOMEM when memtrace itself is out of memory
 * (the model is then unchanged). */
int as_brk(struct address_space *as, uint64_t requested, uint64_t seq, uint64_t *result);

#endif
