/*
 * The advice that acts on pages only, on every kind of mapping: memtrace's
 * model must predict each result (run it under memtrace --verify).
 */
#include "common.h"
int main(void)
{
	static const int advice[] = { 3, 4, 8, 9, 20, 21, 22, 23, 24, 25, 102, 103 };
	static const char *kinds[] = { "anon rw", "anon none", "anon ro", "shared anon", "file priv", "file shared",
				       "file past EOF", "locked anon" };
	int fd = open("madv.dat", O_RDWR | O_CREAT | O_TRUNC, 0600);
	char buf[PG] = "x";

	if (write(fd, buf, PG) != PG)
		return 1;
	for (unsigned k = 0; k < 8; k++)
		for (unsigned a = 0; a < sizeof(advice) / sizeof(advice[0]); a++) {
			char *p;
			int r;

			switch (k) {
			case 0: p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0); break;
			case 1: p = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0); break;
			case 2: p = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0); break;
			case 3: p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0); break;
			case 4: p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0); break;
			case 5: p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0); break;
			case 6: p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 4 * PG); break;
			default: p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0); break;
			}
			r = madvise(p, PG, advice[a]);
			printf("%-14s madvise %3d: %s\n", kinds[k], advice[a], r ? strerrorname_np(errno) : "ok");
			fflush(stdout);
			munmap(p, PG);
		}
	return 0;
}
