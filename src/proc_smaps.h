#ifndef MEMTRACE_PROC_SMAPS_H
#define MEMTRACE_PROC_SMAPS_H

#include "mm/mapping.h"

/*
 * Gives m, built from a maps entry, the attributes /proc/PID/maps does not
 * show and /proc/PID/smaps does, in the entry's VmFlags line (its text
 * after "VmFlags:"): growsdown, locks, fork and dump behaviour, access
 * advice, VM_MAY* (the most prot may become).
 */
void proc_smaps_flags(const char *vm_flags, struct mapping *m);

/*
 * Whether this kernel names VM_LOCKONFAULT in VmFlags ("lf"; 6.1 prints
 * the "??" of a bit without a name): memtrace locks a page of its own on
 * fault, once, and looks. Where it cannot, the answer is no.
 */
int proc_smaps_names_lock_on_fault(void);

#endif
