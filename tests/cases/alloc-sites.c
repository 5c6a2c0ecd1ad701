/*
 * Memory from three call sites, for recording and replay (alloc-sites.sh):
 * a buffer, a guard page cut into it, and a table. Run as
 * `alloc-sites changed`, the table asks for three pages more: a replay of
 * the first run must catch that at the table's event, naming table_site.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "check.h"

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

__attribute__((noinline)) static char *buffer_site(void)
{
	return mmap(NULL, 16 * PG, RW, ANON, -1, 0);
}

__attribute__((noinline)) static int guard_site(char *buffer)
{
	return mprotect(buffer + 8 * PG, PG, PROT_NONE);
}

__attribute__((noinline)) static char *table_site(int changed)
{
	return mmap(NULL, (changed ? 7 : 4) * PG, RW, ANON, -1, 0);
}

int main(int argc, char *argv[])
{
	int changed = argc > 1 && strcmp(argv[1], "changed") == 0;
	char *buffer, *table;

	buffer = buffer_site();
	CHECK("the buffer", buffer != MAP_FAILED);
	EXPECT("the guard page", guard_site(buffer), "ok");
	table = table_site(changed);
	CHECK("the table", table != MAP_FAILED && memset(table, 't', 4 * PG));
	EXPECT("unmap the table", munmap(table, (changed ? 7 : 4) * PG), "ok");
	EXPECT("unmap the buffer", munmap(buffer, 16 * PG), "ok");
	fflush(stdout);
	return failed;
}
