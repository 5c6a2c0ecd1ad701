/*
 * What the scenario programs look at in their own address space: whether a
 * page is mapped, what it holds, and the permissions /proc/self/maps shows.
 * Needs check.h (for PG, and LAYOUT is a check).
 */
#ifndef MEMTRACE_TESTS_MAPS_H
#define MEMTRACE_TESTS_MAPS_H

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/* Whether the page at addr is mapped (mincore fails with ENOMEM on a hole). */
static inline int mapped(unsigned long addr)
{
	unsigned char v;

	return mincore((void *)addr, PG, &v) == 0;
}

/* Whether len bytes at addr all hold c (addr -1, a failed mmap, never does). */
static inline int all_bytes(long addr, size_t len, int c)
{
	const unsigned char *p = (const unsigned char *)addr;

	if (addr == -1)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (p[i] != c)
			return 0;
	return 1;
}

/* What a forked child finds in len bytes at addr: 0 nothing mapped, 1
 * zeroes, 2 all c, 3 anything else; -1 when the fork fails. */
static inline int child_finds(long addr, size_t len, int c)
{
	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(!mapped(addr) ? 0 : all_bytes(addr, len, 0) ? 1 : all_bytes(addr, len, c) ? 2 : 3);
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* The permissions of the mapping holding addr, "hole" if none. */
static inline const char *perms(long addr)
{
	static char out[8];
	char line[512];
	unsigned long lo, hi;
	FILE *f = fopen("/proc/self/maps", "r");

	strcpy(out, "hole");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, out) == 3 && (unsigned long)addr >= lo &&
		    (unsigned long)addr < hi)
			break;
		else
			strcpy(out, "hole");
	if (f)
		fclose(f);
	return out;
}

/* The mappings over n pages from base, as "0-2 r--p, 2-3 hole, 3-8 rw-p". */
static inline const char *layout(unsigned long base, unsigned n)
{
	static char out[1024];
	char kind[64][8], line[512], perm[8];
	unsigned long lo, hi;
	size_t o = 0;
	FILE *f;

	for (unsigned i = 0; i < n && i < 64; i++)
		strcpy(kind[i], "hole");
	f = fopen("/proc/self/maps", "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perm) != 3)
			continue;
		for (unsigned i = 0; i < n && i < 64; i++)
			if (base + i * PG >= lo && base + i * PG < hi)
				strcpy(kind[i], perm);
	}
	if (f)
		fclose(f);
	out[0] = 0;
	for (unsigned i = 0, j; i < n && i < 64; i = j) {
		for (j = i; j < n && j < 64 && !strcmp(kind[j], kind[i]); j++)
			;
		o += snprintf(out + o, sizeof(out) - o, "%s%u-%u %s", i ? ", " : "", i, j, kind[i]);
	}
	return out;
}

/* How many lines of /proc/self/maps (VMAs) cover part of n pages from base. */
static inline int vmas(unsigned long base, unsigned n)
{
	char line[512];
	unsigned long lo, hi;
	int count = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && lo < base + n * PG && hi > base)
			count++;
	if (f)
		fclose(f);
	return count;
}

static inline void check_layout(int line, const char *what, unsigned long base, unsigned n,
				const char *want)
{
	const char *got = layout(base, n);

	printf("%s: %s\n", what, got);
	if (strcmp(got, want))
		mark_failure(line);
}
#define LAYOUT(what, base, n, want) check_layout(__LINE__, what, base, n, want)

#endif
