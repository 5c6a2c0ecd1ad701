#ifndef MEMTRACE_ENTRY_CHECK_H
#define MEMTRACE_ENTRY_CHECK_H

#include <stdint.h>

#include "tracee.h"

/*
 * The calls whose result memtrace knows at their entry, from the arguments
 * and the model alone, with nothing changed: these never reach the kernel.
 * Returns 1 and sets *result (0 or -errno) when the call is decided, 0 when
 * the kernel must run it.
 */
int entry_check(const struct tracee *tr, int64_t *result);

/*
 * mprotect's checks before it looks at any mapping, in the kernel's order.
 * Returns -errno, 0 for a successful no-op (len 0), or 1 to go on.
 */
int mprotect_precheck(uint64_t start, uint64_t len, uint64_t prot);

#endif
