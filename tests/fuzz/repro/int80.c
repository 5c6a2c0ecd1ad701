/*
 * i386 calls through int $0x80 from an x86_64 program (needs IA32
 * emulation: the VM lane): mmap2 places below 4 GiB, brk returns the whole
 * 64-bit break.
 */
#include "common.h"
static long int80(long nr, long a1, long a2, long a3, long a4, long a5)
{
	long ret;

	__asm__ volatile("sub $128, %%rsp\n\tpush %%rbp\n\txor %%ebp, %%ebp\n\tint $0x80\n\tpop %%rbp\n\tadd $128, %%rsp"
			 : "=a"(ret) : "0"(nr), "b"(a1), "c"(a2), "d"(a3), "S"(a4), "D"(a5)
			 : "memory", "cc", "r8", "r9", "r10", "r11");
	return ret;
}
int main(void)
{
	long a = int80(192, 0, 7 * PG, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, -1);
	long b = int80(192, 0, 7 * PG, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, -1);

	printf("int80 mmap2 twice: %s, %s\n", (unsigned long)a < 1UL << 32 ? "below 4 GiB" : "error",
	       (unsigned long)b < 1UL << 32 ? "below 4 GiB" : "error");
	printf("int80 brk(0) is the break: %s\n", int80(45, 0, 0, 0, 0, 0) == syscall(SYS_brk, 0) ? "yes" : "no");
	return 0;
}
