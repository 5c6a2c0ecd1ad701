/*
 * /proc/PID/maps does not show memory policies; numa_maps does, one line
 * per mapping: "7ffff7fc0000 bind:0 anon=1 ...". The names and node lists
 * follow mm/mempolicy.c's mpol_to_str.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "mm/change.h"
#include "numa_maps.h"

#define MPOL_F_STATIC_NODES (1 << 15)
#define MPOL_F_RELATIVE_NODES (1 << 14)

/* mpol_to_str's names, by MPOL_* mode */
static const char *const mode_names[] = {
	"default", "prefer", "bind", "interleave", "local", "prefer (many)", "weighted interleave",
};
#define N_MODE_NAMES (sizeof(mode_names) / sizeof(mode_names[0]))

void numa_policy_format(const struct mapping_policy *policy, char *buf, size_t size)
{
	unsigned mode = policy->mode;
	uint64_t nodes = policy->nodemask;
	size_t n;

	if (mode == 0 || mode == 4)
		nodes = 0;
	n = snprintf(buf, size, "%s", mode < N_MODE_NAMES ? mode_names[mode] : "?");
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

/* Parses "bind=static:0-2,5" back into a policy. Returns 0 or -EINVAL. */
static int parse_policy(const char *text, struct mapping_policy *policy)
{
	size_t len = strcspn(text, "=:");
	const char *p = text + len;

	memset(policy, 0, sizeof(*policy));
	policy->mode = 0xffff;
	/* a line's fields are split at spaces: names match by their first word */
	for (unsigned i = N_MODE_NAMES; i-- > 0;)
		if (strcspn(mode_names[i], " ") == len && strncmp(text, mode_names[i], len) == 0)
			policy->mode = i;
	if (policy->mode == 0xffff)
		return -EINVAL;
	if (strncmp(p, "=static", 7) == 0) {
		policy->flags = MPOL_F_STATIC_NODES;
		p += 7;
	} else if (strncmp(p, "=relative", 9) == 0) {
		policy->flags = MPOL_F_RELATIVE_NODES;
		p += 9;
	}
	if (*p++ != ':')
		return 0;
	while (*p) {
		char *end;
		unsigned long lo = strtoul(p, &end, 10), hi = lo;

		if (end == p)
			return -EINVAL;
		if (*end == '-')
			hi = strtoul(end + 1, &end, 10);
		for (unsigned long n = lo; n <= hi && n < 64; n++)
			policy->nodemask |= 1ull << n;
		p = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			break;
	}
	return 0;
}

/*
 * Sets policy on the model over one VMA: [start, the next VMA's start).
 * "default" is set only when exact.
 */
static void apply_policy(struct address_space *as, uint64_t start, uint64_t next_start,
			 const char *text, int exact)
{
	const struct mapping *m = as_lookup(as, start);
	struct mapping_policy policy;
	struct as_change chg;
	uint64_t end;

	if (!m || parse_policy(text, &policy) < 0 || (policy.mode == 0 && !exact))
		return;
	end = m->end < next_start ? m->end : next_start;
	as_change_for_mbind(&chg, &policy);
	chg.holes = AS_HOLES_SKIP;
	as_change_range(as, start, end - start, &chg, NULL);
}

/*
 * The policy a VMA without one of its own shows: the task's, which
 * set_mempolicy (numactl) may have set. The stack's line tells it (a
 * program hardly ever mbinds its stack), else the first line does (the
 * lowest mapping, which may have a policy of its own, when that is one
 * the fuzzer's low pages get). Leaves f at its start again.
 */
static void task_policy_text(FILE *f, char text[128])
{
	char line[1024], policy[128];
	unsigned long long start;

	text[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		int stack;

		if (sscanf(line, "%llx %127s", &start, policy) != 2)
			continue;
		stack = strstr(line, " stack ") || strstr(line, " stack\n");
		if (!text[0] || stack)
			snprintf(text, 128, "%s", policy);
		if (stack)
			break;
	}
	rewind(f);
}

/*
 * A line showing the task's policy may be a VMA without one: such lines
 * are left alone, unless exact and the task's is "default".
 */
static int read_policies(pid_t pid, struct address_space *as, int exact)
{
	char path[64], line[1024], text[128], prev_text[128] = "", first_line[128];
	unsigned long long start, prev_start = 0;
	int have_prev = 0, take_first;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/numa_maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	task_policy_text(f, first_line);
	take_first = exact && strcmp(first_line, "default") == 0;
	/* a line gives no end: each VMA is applied once the next one's start is known */
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %127s", &start, text) != 2)
			continue;
		if (have_prev && (take_first || strcmp(prev_text, first_line)))
			apply_policy(as, prev_start, start, prev_text, exact);
		prev_start = start;
		snprintf(prev_text, sizeof(prev_text), "%s", text);
		have_prev = 1;
	}
	if (have_prev && (take_first || strcmp(prev_text, first_line)))
		apply_policy(as, prev_start, UINT64_MAX, prev_text, exact);
	fclose(f);
	return 0;
}

int numa_maps_apply(pid_t pid, struct address_space *as)
{
	return read_policies(pid, as, 0);
}

int numa_maps_follow(pid_t pid, struct address_space *as)
{
	return read_policies(pid, as, 1);
}

int numa_maps_verify(pid_t pid, const struct address_space *as, const char *what)
{
	char path[64], line[1024], kernel[128], model[128], first_line[128];
	unsigned long long start;
	int differ = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/numa_maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;	/* a kernel without NUMA */
	task_policy_text(f, first_line);
	while (!differ && fgets(line, sizeof(line), f)) {
		const struct mapping *m;

		if (sscanf(line, "%llx %127s", &start, kernel) != 2)
			continue;
		m = as_lookup(as, start);
		if (!m)
			continue;
		numa_policy_format(&m->policy, model, sizeof(model));
		/* numa_maps separates fields by spaces, and "prefer (many)" has one */
		model[strcspn(model, " ")] = '\0';
		/*
		 * A mapping with no policy of its own shows the task's
		 * (task_policy_text).
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
