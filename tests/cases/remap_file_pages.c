/*
 * remap_file_pages on a MAP_SHARED file mapping: a page of the mapping then
 * shows another page of the file (Linux emulates this with a new mapping
 * since 4.0). Errors (EINVAL): a private mapping, prot other than 0, size
 * 0, a range past the mapping, an unmapped start. Unknown flags are
 * ignored; an unaligned start or size is rounded down.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"
#include "maps.h"

#define RW (PROT_READ | PROT_WRITE)


/* Prints the file page each of n mapped pages shows, e.g. "ABCD". */
static void check_pages(int line, const char *what, long m, unsigned n, const char *want)
{
	char got[16];

	for (unsigned i = 0; i < n && i < sizeof(got) - 1; i++)
		got[i] = ((const char *)m)[i * PG];
	got[n] = 0;
	printf("%s: %s\n", what, got);
	if (strcmp(got, want))
		mark_failure(line);
}
#define PAGES(what, m, n, want) check_pages(__LINE__, what, m, n, want)

static long rfp(long start, unsigned long size, int prot, unsigned long pgoff, int flags)
{
	return syscall(SYS_remap_file_pages, start, size, prot, pgoff, flags);
}

int main(void)
{
	static char page[PG];
	long m, p;
	int fd;

	/* data: 4 pages of 'A', 'B', 'C', 'D' */
	fd = open("data", O_RDWR | O_CREAT | O_TRUNC, 0600);
	for (int i = 0; i < 4; i++) {
		memset(page, 'A' + i, PG);
		if (fd < 0 || write(fd, page, PG) != PG)
			return 1;
	}
	m = EXPECT("map the file MAP_SHARED", mmap(NULL, 4 * PG, RW, MAP_SHARED, fd, 0), "ok");
	p = EXPECT("map the file MAP_PRIVATE", mmap(NULL, 4 * PG, RW, MAP_PRIVATE, fd, 0), "ok");
	if (m == -1 || p == -1)
		return 1;
	PAGES("pages", m, 4, "ABCD");

	EXPECT("page 0 shows file page 2", rfp(m, PG, 0, 2, 0), "ok");
	PAGES("pages", m, 4, "CBCD");
	EXPECT("an unaligned start and size are rounded down: page 1 shows file page 3",
	       rfp(m + PG + 5, PG + 5, 0, 3, 0), "ok");
	PAGES("pages", m, 4, "CDCD");
	EXPECT("pages 2-3 show file pages 0-1, MAP_NONBLOCK", rfp(m + 2 * PG, 2 * PG, 0, 0, MAP_NONBLOCK), "ok");
	PAGES("pages", m, 4, "CDAB");
	((char *)m)[2 * PG] = 'a';
	PAGES("writes go to the file page shown", m, 4, "CDaB");
	if (pread(fd, page, 1, 0) != 1)
		page[0] = 0;
	PAGES("the file holds them", (long)page, 1, "a");

	EXPECT("a private mapping", rfp(p, PG, 0, 2, 0), "EINVAL");
	EXPECT("prot other than 0", rfp(m, PG, PROT_READ, 2, 0), "EINVAL");
	EXPECT("an unknown flag is ignored", rfp(m, PG, 0, 2, 0x8), "ok");
	EXPECT("size 0", rfp(m, 0, 0, 2, 0), "EINVAL");
	EXPECT("beyond the mapping's end", rfp(m + 3 * PG, 2 * PG, 0, 0, 0), "EINVAL");
	munmap((void *)(m + 3 * PG), PG);
	EXPECT("an unmapped start", rfp(m + 3 * PG, PG, 0, 0, 0), "EINVAL");
	PAGES("pages", m, 3, "CDa");
	munmap((void *)m, 3 * PG);
	munmap((void *)p, 4 * PG);

	/* shared anonymous memory: a page remapped at its own offset joins its neighbours again */
	m = (long)mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	EXPECT("remap_file_pages of shared anonymous memory, same offset",
	       rfp(m + PG, PG, 0, 1, 0), "ok");
	CHECK("one mapping again", vmas(m, 3) == 1);
	EXPECT("remap_file_pages over all of it", rfp(m, 3 * PG, 0, 0, 0), "ok");
	munmap((void *)m, 3 * PG);

	fflush(stdout);
	return failed;
}
