/*
 * i386 calls through int $0x80: mmap2 (#192), old_mmap (#90, its argument
 * struct below 4 GiB) and munmap (#91). In the x86_64 build these are i386
 * calls from a 64-bit program, which memtrace must decode by the i386 table
 * (mmap2 and old_mmap, not the x86_64 calls #192 and #90 name); the kernel
 * places such mappings below 4 GiB. The i386 build makes the same calls
 * the same way.
 *
 * A kernel without i386 emulation faults on int $0x80 (SIGSEGV): then the
 * scenario is skipped (exit 77).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#include "check.h"




/* An i386 syscall through int $0x80, the sixth argument (ebp) 0. */
static long int80(long nr, long a1, long a2, long a3, long a4, long a5)
{
	long ret;

#ifdef __x86_64__
	/* Step over the red zone before pushing; r8-r11 may be clobbered by old kernels. */
	__asm__ volatile("sub $128, %%rsp\n\t"
			 "push %%rbp\n\t"
			 "xor %%ebp, %%ebp\n\t"
			 "int $0x80\n\t"
			 "pop %%rbp\n\t"
			 "add $128, %%rsp"
			 : "=a"(ret)
			 : "0"(nr), "b"(a1), "c"(a2), "d"(a3), "S"(a4), "D"(a5)
			 : "memory", "cc", "r8", "r9", "r10", "r11");
#else
	__asm__ volatile("push %%ebp\n\t"
			 "xor %%ebp, %%ebp\n\t"
			 "int $0x80\n\t"
			 "pop %%ebp"
			 : "=a"(ret)
			 : "0"(nr), "b"(a1), "c"(a2), "d"(a3), "S"(a4), "D"(a5)
			 : "memory", "cc");
#endif
	return ret;
}

static int is_error(long r)
{
	return (unsigned long)r > -4096UL;
}

static const char *outcome(long r)
{
	return is_error(r) ? strerrorname_np((int)-r) : "ok";
}

static sigjmp_buf no_int80;

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(no_int80, 1);
}

int main(void)
{
	uint32_t *args;
	long pid, a, r;

	signal(SIGSEGV, on_segv);
	if (sigsetjmp(no_int80, 1)) {
		printf("int $0x80 faults: this kernel runs no i386 code\n");
		return 77;
	}
	pid = int80(20, 0, 0, 0, 0, 0);		/* i386 getpid */
	signal(SIGSEGV, SIG_DFL);
	CHECK("i386 getpid through int $0x80", pid == getpid());

	a = int80(192, 0, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	printf("i386 mmap2: %s\n", outcome(a));
	CHECK("it is below 4 GiB", !is_error(a) && (uint64_t)(unsigned long)a < 0x100000000ull);
	CHECK("zero-filled and writable", !is_error(a) && ((char *)a)[0] == 0 &&
	      memset((void *)a, 'i', 3 * PG) && ((char *)a)[3 * PG - 1] == 'i');
	r = int80(91, a, 3 * PG, 0, 0, 0);
	printf("i386 munmap: %s\n", outcome(r));
	CHECK("it succeeded", r == 0);
	r = int80(91, 0x1001, PG, 0, 0, 0);
	printf("i386 munmap of an unaligned address: %s\n", outcome(r));
	CHECK("it failed with EINVAL", r == -EINVAL);
	r = int80(192, 0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	printf("i386 mmap2 of len 0: %s\n", outcome(r));
	CHECK("it failed with EINVAL", r == -EINVAL);

	/* old_mmap (#90): its argument struct must lie below 4 GiB. */
#ifdef __x86_64__
	args = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
#else
	args = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
#endif
	if (args == MAP_FAILED)
		return 1;
	args[0] = 0;
	args[1] = 5 * PG;
	args[2] = PROT_READ | PROT_WRITE;
	args[3] = MAP_PRIVATE | MAP_ANONYMOUS;
	args[4] = -1;
	args[5] = 0;
	a = int80(90, (long)args, 0, 0, 0, 0);
	printf("i386 old_mmap: %s\n", outcome(a));
	CHECK("zero-filled and writable", !is_error(a) && ((char *)a)[0] == 0 &&
	      memset((void *)a, 'o', 5 * PG) && ((char *)a)[5 * PG - 1] == 'o');
	r = int80(91, a, 5 * PG, 0, 0, 0);
	printf("i386 munmap: %s\n", outcome(r));
	CHECK("it succeeded", r == 0);
	args[5] = 0x800;
	r = int80(90, (long)args, 0, 0, 0, 0);
	printf("i386 old_mmap with an unaligned offset: %s\n", outcome(r));
	CHECK("it failed with EINVAL", r == -EINVAL);
	munmap(args, PG);

	/*
	 * An i386 mmap2 asking for the place of memtrace's stub page (1 MiB)
	 * with MAP_FIXED_NOREPLACE gets it, as without memtrace: it gives the
	 * page up first, also to an x86_64 program's int $0x80.
	 */
	a = int80(192, 0x100000, PG, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1);
	printf("i386 mmap2 at 1 MiB, MAP_FIXED_NOREPLACE: %s\n", outcome(a));
	CHECK("it got that place", a == 0x100000);
	if (!is_error(a))
		int80(91, a, PG, 0, 0, 0);

	fflush(stdout);
	return failed;
}
