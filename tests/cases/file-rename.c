/*
 * A mapped file renamed, or unlinked, by calls memtrace does not trap: its
 * mappings take the new name in /proc/PID/maps, and the model, which knows
 * the name they were made with, must not call that a difference (--verify)
 * nor refuse to merge a mapping made before the rename with one made after.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "maps.h"

/* The name /proc/self/maps gives the mapping at addr, or "". */
static const char *maps_name(unsigned long addr)
{
	static char name[256];
	char line[512];
	FILE *f = fopen("/proc/self/maps", "re");

	name[0] = 0;
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long a, b;
		int at = 0;

		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %n", &a, &b, &at) >= 2 && a <= addr &&
		    addr < b) {
			snprintf(name, sizeof(name), "%s", at ? line + at : "");
			name[strcspn(name, "\n")] = 0;
			break;
		}
	}
	if (f)
		fclose(f);
	return strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
}

int main(void)
{
	int fd = open("before", O_RDWR | O_CREAT | O_TRUNC, 0600);
	char *region, *p, *q;

	CHECK("a file of four pages", fd >= 0 && ftruncate(fd, 4 * PG) == 0);
	/* a place of four pages for the two halves */
	region = mmap(NULL, 4 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	p = mmap(region, 2 * PG, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
	CHECK("its first half mapped", p == region);
	printf("named: %s\n", maps_name((unsigned long)p));
	EXPECT("rename it", rename("before", "after"), "ok");
	printf("named now: %s\n", maps_name((unsigned long)p));
	/* a call memtrace checks after (--verify): the name differs, the file not */
	EXPECT("mprotect its first page", mprotect(p, PG, PROT_READ | PROT_WRITE), "ok");
	EXPECT("and back", mprotect(p, PG, PROT_READ), "ok");
	/* the second half, from the same open file: the kernel merges the two */
	q = mmap(region + 2 * PG, 2 * PG, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 2 * PG);
	CHECK("its second half mapped after the rename", q == region + 2 * PG);
	CHECK("one mapping of four pages", vmas((unsigned long)region, 4) == 1);
	EXPECT("unlink it", unlink("after"), "ok");
	printf("named at last: %s\n", maps_name((unsigned long)q));
	EXPECT("munmap the middle", munmap(region + PG, 2 * PG), "ok");
	CHECK("two mappings left", vmas((unsigned long)region, 4) == 2);
	EXPECT("munmap the rest", munmap(region, 4 * PG), "ok");
	close(fd);
	fflush(stdout);
	return failed;
}
