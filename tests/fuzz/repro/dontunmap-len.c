/* MREMAP_DONTUNMAP with old_len 3 pages and new_len 0x25ca (3 pages once rounded up). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#define PG 4096UL
static void try(const char *what, char *p, unsigned long old_len, unsigned long new_len, int flags, char *to)
{
	void *q = mremap(p, old_len, new_len, flags, to);

	printf("%s: %s\n", what, q == MAP_FAILED ? strerrorname_np(errno) : "ok");
}
int main(void)
{
	char *r = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	munmap(r + 12 * PG, 4 * PG);
	try("mapped, MAYMOVE|DONTUNMAP", r, 3 * PG, 0x25ca, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
	try("mapped, MAYMOVE|FIXED|DONTUNMAP", r, 3 * PG, 0x25ca, MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP, r + 8 * PG);
	try("unmapped, MAYMOVE|DONTUNMAP", r + 12 * PG, 3 * PG, 0x22f2, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
	try("mapped, MAYMOVE|DONTUNMAP, new_len 2 pages", r, 3 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
	return 0;
}
