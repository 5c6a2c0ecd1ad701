#ifndef MEMTRACE_PROC_SMAPS_H
#define MEMTRACE_PROC_SMAPS_H

#include <sys/types.h>

#include "mm/address_space.h"

/*
 * Gives the model's mappings the attributes /proc/PID/maps does not show
 * and /proc/PID/smaps does, in its VmFlags lines: growsdown, locks, fork and
 * dump behaviour, access advice, VM_MAY* (the most prot may become).
 * Returns 0 or -errno (the model is left as it was for what was not read).
 */
int proc_smaps_apply_flags(pid_t pid, struct address_space *as);

#endif
