/*
 * Benchmark workloads: loop.c MODE COUNT
 *   mmap     COUNT mmap+munmap pairs of one anonymous page (2 trapped calls each)
 *   getppid  COUNT getppid calls (never trapped: must run at native speed)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
	long count;

	if (argc != 3 || (count = strtol(argv[2], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: %s mmap|getppid COUNT\n", argv[0]);
		return 2;
	}
	if (strcmp(argv[1], "mmap") == 0) {
		for (long i = 0; i < count; i++) {
			void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED || munmap(p, 4096) < 0) {
				perror("mmap/munmap");
				return 1;
			}
		}
	} else if (strcmp(argv[1], "getppid") == 0) {
		for (long i = 0; i < count; i++)
			syscall(SYS_getppid);	/* not the libc wrapper: no caching */
	} else {
		fprintf(stderr, "unknown mode %s\n", argv[1]);
		return 2;
	}
	return 0;
}
