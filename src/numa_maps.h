#ifndef MEMTRACE_NUMA_MAPS_H
#define MEMTRACE_NUMA_MAPS_H

#include <stddef.h>
#include <sys/types.h>

#include "mm/address_space.h"

/* Writes a policy as /proc/PID/numa_maps shows it ("bind:0-1", "default"). */
void numa_policy_format(const struct mapping_policy *policy, char *buf, size_t size);

/*
 * Sets the policies numa_maps shows (those other than the first line's,
 * which may be the task's own) on the model's mappings: after the model
 * took the kernel's view. Returns 0 or -errno.
 */
int numa_maps_apply(pid_t pid, struct address_space *as);

/*
 * Makes the model's policies those numa_maps shows, "default" included
 * (unless the task has a policy of its own). Returns 0 or -errno.
 */
int numa_maps_follow(pid_t pid, struct address_space *as);

/*
 * Compares the memory policies of the model (mbind's) with
 * /proc/PID/numa_maps. Returns 0 (same, or no NUMA), 1 (different:
 * reported, naming what), or -errno.
 */
int numa_maps_verify(pid_t pid, const struct address_space *as, const char *what);

#endif
