/*
 * PR_SET_MDWE (Linux 6.3): once set, the kernel refuses memory that is
 * writable and executable, and mappings that gain PROT_EXEC: mmap and
 * mprotect fail with EACCES, mprotect after changing the mappings before
 * the refused one. memtrace does not see the prctl; it takes the
 * kernel's view where the model allowed what the kernel refused. Skipped
 * where the kernel has no PR_SET_MDWE.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "maps.h"

#define PR_SET_MDWE_ 65
#define REFUSE_EXEC_GAIN 1
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define RW (PROT_READ | PROT_WRITE)
#define RX (PROT_READ | PROT_EXEC)

int main(void)
{
	long a, x, b, m;
	int fd;
	pid_t pid;
	int st;

	/* made before: an executable page to stay executable */
	x = (long)mmap(NULL, 2 * PG, RX, ANON, -1, 0);
	a = (long)mmap(NULL, PG, RW, ANON, -1, 0);
	if (x == -1 || a == -1)
		return 1;
	if (prctl(PR_SET_MDWE_, REFUSE_EXEC_GAIN, 0, 0, 0) < 0) {
		printf("PR_SET_MDWE: %s\n", strerrorname_np(errno));
		return 77;
	}
	EXPECT("mmap writable and executable", (long)mmap(NULL, PG, RW | PROT_EXEC, ANON, -1, 0),
	       "EACCES");
	b = EXPECT("mmap executable", (long)mmap(NULL, PG, RX, ANON, -1, 0), "ok");
	EXPECT("mprotect a writable page to PROT_EXEC", mprotect((void *)a, PG, RX), "EACCES");
	EXPECT("mprotect an executable page to writable", mprotect((void *)x, PG, RW | PROT_EXEC),
	       "EACCES");
	EXPECT("mprotect it to PROT_READ", mprotect((void *)x, PG, PROT_READ), "ok");
	EXPECT("and back to PROT_EXEC (a gain)", mprotect((void *)x, PG, RX), "EACCES");
	LAYOUT("x", x, 2, "0-1 r--p, 1-2 r-xp");
	EXPECT("mprotect over [r--][r-x] to r-x", mprotect((void *)x, 2 * PG, RX), "EACCES");
	EXPECT("mprotect the r-x page to r-x", mprotect((void *)(x + PG), PG, RX), "ok");
	EXPECT("munmap the first", munmap((void *)x, PG), "ok");
	EXPECT("map a writable page below it",
	       (long)mmap((void *)x, PG, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0), "ok");
	EXPECT("mprotect [rw-][r-x] to r--", mprotect((void *)x, 2 * PG, PROT_READ), "ok");
	LAYOUT("both read-only now", x, 2, "0-2 r--p");
	/* the first keeps PROT_EXEC, so may change; the second would gain it */
	EXPECT("make the first execute-only", mprotect((void *)x, PG, PROT_EXEC), "EACCES");
	EXPECT("munmap both", munmap((void *)x, 2 * PG), "ok");
	x = (long)mmap(NULL, 2 * PG, PROT_EXEC, ANON, -1, 0);
	mprotect((void *)(x + PG), PG, PROT_READ);
	EXPECT("mprotect [--x][r--] to r-x", mprotect((void *)x, 2 * PG, RX), "EACCES");
	LAYOUT("the first changed, the second not", x, 2, "0-1 r-xp, 1-2 r--p");
	/* refused at the first, where the model would refuse only the second (its file) */
	fd = open("data", O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, PG) < 0)
		return 1;
	close(fd);
	fd = open("data", O_RDONLY);
	m = (long)mmap(NULL, 2 * PG, PROT_READ, ANON, -1, 0);
	if (fd < 0 || mmap((void *)(m + PG), PG, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED)
		return 1;
	EXPECT("mprotect [anon][read-only file] to rwx", mprotect((void *)m, 2 * PG, RW | PROT_EXEC),
	       "EACCES");
	LAYOUT("neither changed", m, 2, "0-1 r--p, 1-2 r--s");
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(mprotect((void *)a, PG, RX) == -1 && errno == EACCES ? 0 : 1);
	CHECK("a forked child is refused too", waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	      WEXITSTATUS(st) == 0);
	EXPECT("munmap the executable mapping", munmap((void *)b, PG), "ok");
	fflush(stdout);
	return failed;
}
