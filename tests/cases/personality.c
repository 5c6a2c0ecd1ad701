/*
 * The READ_IMPLIES_EXEC personality (personality(2), or what exec gives
 * i386 programs without PT_GNU_STACK): PROT_READ brings PROT_EXEC to mmap,
 * shmat and the heap, and to mprotect where the mapping may execute
 * (whether it stays over exec is the kernel's: memtrace reads it there). On i386, ADDR_LIMIT_3GB (linux32 --3gb) ends the
 * address space at 3 GiB for the next exec. memtrace's model must follow
 * both (--verify compares it with /proc/PID/maps).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <pthread.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <unistd.h>

#include "check.h"
#include "maps.h"

#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define RW (PROT_READ | PROT_WRITE)

/* What PROT_READ gives: want is "x" under READ_IMPLIES_EXEC, else "-". */
static void check_prot(const char *when, const char *x)
{
	char what[128], want[8];
	long a, b, f, h, s;
	int fd, id;

	a = (long)mmap(NULL, PG, PROT_READ, ANON, -1, 0);
	snprintf(what, sizeof(what), "%s: mmap PROT_READ", when);
	snprintf(want, sizeof(want), "r-%sp", x);
	CHECK(what, !strcmp(perms(a), want));
	b = (long)mmap(NULL, PG, RW, ANON, -1, 0);
	snprintf(what, sizeof(what), "%s: mprotect PROT_READ", when);
	CHECK(what, mprotect((void *)b, PG, PROT_READ) == 0 && !strcmp(perms(b), want));
	fd = open("data", O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, PG) < 0)
		exit(1);
	f = (long)mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	snprintf(what, sizeof(what), "%s: a file PROT_READ", when);
	CHECK(what, !strcmp(perms(f), want));
	h = ((long)sbrk(0) + PG - 1) & ~(PG - 1);
	snprintf(what, sizeof(what), "%s: the heap grown", when);
	snprintf(want, sizeof(want), "rw%sp", x);
	CHECK(what, brk((void *)(h + PG)) == 0 && !strcmp(perms(h), want));
	id = shmget(IPC_PRIVATE, PG, IPC_CREAT | 0600);
	s = (long)shmat(id, NULL, 0);
	shmctl(id, IPC_RMID, NULL);
	snprintf(what, sizeof(what), "%s: shmat", when);
	snprintf(want, sizeof(want), "rw%ss", x);
	CHECK(what, !strcmp(perms(s), want));
	munmap((void *)a, PG);
	munmap((void *)b, PG);
	munmap((void *)f, PG);
	shmdt((void *)s);
}

/* A thread's personality is its own (Linux keeps one per task). */
static void *set_in_thread(void *arg)
{
	(void)arg;
	personality(personality(0xffffffff) | READ_IMPLIES_EXEC);
	return NULL;
}

static void exec_self(const char *stage)
{
	fflush(stdout);
	execl("/proc/self/exe", "personality", stage, (char *)NULL);
	printf("exec: %s\n", strerrorname_np(errno));
	exit(1);
}

int main(int argc, char **argv)
{
	const char *stage = argc > 1 ? argv[1] : "start";
	int persona = personality(0xffffffff);

	if (!strcmp(stage, "start")) {
		check_prot("plain", "-");
		EXPECT("personality(READ_IMPLIES_EXEC)", personality(persona | READ_IMPLIES_EXEC), "ok");
		check_prot("READ_IMPLIES_EXEC", "x");
		{
			long s = (long)mmap(NULL, 2 * PG, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

			EXPECT("remap_file_pages", remap_file_pages((void *)(s + PG), PG, 0, 0, 0), "ok");
			CHECK("the page it made is executable", !strcmp(perms(s + PG), "rwxs"));
			munmap((void *)s, 2 * PG);
		}
		{
			pthread_t t;
			long a;

			personality(persona);
			if (pthread_create(&t, NULL, set_in_thread, NULL) || pthread_join(t, NULL))
				return 1;
			a = (long)mmap(NULL, PG, PROT_READ, ANON, -1, 0);
			CHECK("a thread's READ_IMPLIES_EXEC is not the others'", !strcmp(perms(a), "r--p"));
			personality(persona | READ_IMPLIES_EXEC);
		}
		exec_self("exec");
	} else if (!strcmp(stage, "exec")) {
		/* x86_64's exec drops it; i386's keeps it (or sets it: no PT_GNU_STACK) */
		printf("after exec: %s\n", persona & READ_IMPLIES_EXEC ? "kept" : "dropped");
		check_prot("after exec", persona & READ_IMPLIES_EXEC ? "x" : "-");
		EXPECT("personality without it", personality(persona & ~READ_IMPLIES_EXEC), "ok");
		check_prot("without it again", "-");
		/* under PR_SET_MDWE (6.3), the PROT_EXEC that PROT_READ implies is refused */
		{
			long r = (long)mmap(NULL, PG, PROT_READ, ANON, -1, 0);

			personality((persona & ~READ_IMPLIES_EXEC) | READ_IMPLIES_EXEC);
			if (prctl(65 /* PR_SET_MDWE */, 1, 0, 0, 0) == 0)
				EXPECT("mprotect PROT_READ under PR_SET_MDWE",
				       mprotect((void *)r, PG, PROT_READ), "EACCES");
			personality(persona & ~READ_IMPLIES_EXEC);
		}
#ifdef __i386__
		EXPECT("personality(ADDR_LIMIT_3GB)", personality(persona & ~READ_IMPLIES_EXEC) |
		       personality((persona & ~READ_IMPLIES_EXEC) | ADDR_LIMIT_3GB), "ok");
		exec_self("3gb");
	} else if (!strcmp(stage, "3gb")) {
		long a = (long)mmap(NULL, 16 * PG, RW, ANON, -1, 0);
		long b = (long)mmap((void *)0xd0000000, PG, RW, ANON, -1, 0);

		CHECK("3 GiB: mmap places below it", a != -1 && (unsigned long)a + 16 * PG <= 0xc0000000ul);
		CHECK("3 GiB: a hint above it is not taken", b != -1 && (unsigned long)b < 0xc0000000ul);
		EXPECT("3 GiB: MAP_FIXED above it",
		       (long)mmap((void *)0xd0000000, PG, RW, ANON | MAP_FIXED, -1, 0), "ENOMEM");
		CHECK("3 GiB: the stack below it", (unsigned long)&a < 0xc0000000ul);
#endif
	}
	fflush(stdout);
	return failed;
}
