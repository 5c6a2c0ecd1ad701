/*
 * /proc/PID/maps does not show memory policies; numa_maps does, one line
 * per mapping: "7ffff7fc0000 bind:0 anon=1 ...". The names and node lists
 * follow mm/mempolicy.c's mpol_to_str.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "numa_maps.h"

#define MPOL_F_STATIC_NODES (1 << 15)
#define MPOL_F_RELATIVE_NODES (1 << 14)

void numa_policy_format(const struct mapping_policy *policy, char *buf, size_t size)
{
	static const char *const modes[] = {
		"default", "prefer", "bind", "interleave", "local", "prefer (many)",
		"weighted interleave",
	};
	unsigned mode = policy->mode;
	uint64_t nodes = policy->nodemask;
	size_t n;

	/* MPOL_PREFERRED without nodes is kept as MPOL_LOCAL */
	if (mode == 1 && !nodes)
		mode = 4;
	if (mode == 0 || mode == 4)
		nodes = 0;
	n = snprintf(buf, size, "%s", mode < sizeof(modes) / sizeof(modes[0]) ? modes[mode] : "?");
	if (policy->flags & (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES))
		n += snprintf(buf + n, n < size ? size - n : 0, "=%s",
			      policy->flags & MPOL_F_STATIC_NODES ? "static" : "relative");
	/* the node list as ranges: "0-3,5" */
	for (int node = 0, first = 1; node < 64 && n < size; node++) {
		int last = node;

		if (!(nodes >> node & 1))
			continue;
		while (last < 63 && (nodes >> (last + 1) & 1))
			last++;
		n += snprintf(buf + n, size - n, last > node ? "%s%d-%d" : "%s%d", first ? ":" : ",",
			      node, last);
		first = 0;
		node = last;
	}
}

int numa_maps_verify(pid_t pid, const struct address_space *as, const char *what)
{
	char path[64], line[1024], kernel[128], model[128], first_line[128] = "";
	unsigned long long start;
	int differ = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/numa_maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;	/* a kernel without NUMA */
	while (!differ && fgets(line, sizeof(line), f)) {
		const struct mapping *m;

		if (sscanf(line, "%llx %127s", &start, kernel) != 2)
			continue;
		if (!first_line[0])
			snprintf(first_line, sizeof(first_line), "%s", kernel);
		m = as_lookup(as, start);
		if (!m)
			continue;
		numa_policy_format(&m->policy, model, sizeof(model));
		/* numa_maps separates fields by spaces, and "prefer (many)" has one */
		model[strcspn(model, " ")] = '\0';
		/*
		 * A mapping with no policy of its own shows the task's, which
		 * set_mempolicy (numactl) may have set: the first line's.
		 */
		if (strcmp(model, kernel) == 0 ||
		    (strcmp(model, "default") == 0 && strcmp(kernel, first_line) == 0))
			continue;
		error_msg("--verify: after %s, the memory policy of pid %d at %#llx is %s in the "
			  "model, %s in the kernel (/proc/PID/numa_maps)",
			  what, (int)pid, start, model, kernel);
		differ = 1;
	}
	fclose(f);
	return differ;
}
