/*
 * A program whose first memory call is made with its stack pointer a few
 * bytes above the bottom of its memory (here: at 0x100, where nothing is
 * mapped): memtrace, which writes the memfd's name below the stack
 * pointer to make its stub, cannot, and must leave the call as it was.
 * No C library: its own start-up would make calls first. x86_64 only.
 */
#include <sys/syscall.h>

static long call3(long nr, long a, long b, long c)
{
	long ret;

	asm volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c)
		     : "rcx", "r11", "memory");
	return ret;
}

static void say(const char *s)
{
	long n = 0;

	while (s[n])
		n++;
	call3(SYS_write, 1, (long)s, n);
}

void _start(void)
{
	register long flags asm("r10") = 0x22;	/* MAP_PRIVATE | MAP_ANONYMOUS */
	register long fd asm("r8") = -1;
	register long off asm("r9") = 0;
	long ret;

	asm volatile("mov %%rsp, %%r12\n\t"
		     "mov $0x100, %%rsp\n\t"
		     "syscall\n\t"
		     "mov %%r12, %%rsp"
		     : "=a"(ret)
		     : "a"((long)SYS_mmap), "D"(0L), "S"(4096L), "d"(3L), "r"(flags), "r"(fd),
		       "r"(off)
		     : "rcx", "r11", "r12", "memory");
	say(ret < 0 && ret >= -4095 ? "mmap failed\n" : "mmap worked\n");
	if (ret >= 0)
		*(volatile char *)ret = 1;
	call3(SYS_exit_group, 0, 0, 0);
}
