/*
 * Memory calls that try to slip past the filter by the fast system call
 * instructions, each of which must still be trapped (a trace line, and
 * --verify finds the model equal to /proc/PID/maps) or fault alike
 * natively and under memtrace.
 *
 * i386 build: mmap2, munmap and brk three ways, each with its own length
 * so the trace shows which way each went:
 *   raw sysenter in our own code (11 pages); the kernel returns through
 *     the vDSO's landing pad, which pops ebp, edx, ecx and returns, so the
 *     stack is laid out as __kernel_vsyscall lays it out:
 *         call 1f; jmp 2f; 1: push ecx; push edx; push ebp; mov ebp,esp; sysenter; 2:
 *   __kernel_vsyscall from AT_SYSINFO (12 pages): sysenter on Intel,
 *     syscall on AMD;
 *   int $0x80 (13 pages).
 * AMD CPUs have no sysenter in compat mode (SIGILL): the 11-page calls then
 * go through int $0x80, and stdout says so.  The VM lane's qemu (TCG, an
 * AuthenticAMD CPU) takes sysenter from compat mode all the same, and so
 * does it as GenuineIntel (MEMTRACE_VM_CPU=max,vendor=GenuineIntel).
 *
 * x86_64 build: sysenter in 64-bit mode, an i386 munmap (#91) of an
 * 11-page region below 4 GiB, ebp pointing at readable memory there (the
 * kernel reads the sixth argument from it).  AMD (and qemu as AMD): SIGILL,
 * nothing reaches the kernel.  Intel (checked with qemu as GenuineIntel):
 * the kernel runs it as an i386 call, then returns to a landing pad that
 * does not exist in a 64-bit process (SIGSEGV).  Either
 * way the fault is caught, and if the region is still there it is unmapped
 * the ordinary way: the trace shows exactly one munmap of it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "maps.h"

static sigjmp_buf fault_jmp;
static volatile sig_atomic_t fault_sig;

static void on_fault(int sig)
{
	fault_sig = sig;
	siglongjmp(fault_jmp, 1);
}

/* Catches SIGILL and SIGSEGV on an alternate stack (the faulting code may
 * have left the stack pointer anywhere). */
static void catch_faults(void)
{
	static char altstack[64 * 1024];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fault;
	sa.sa_flags = SA_ONSTACK | SA_NODEFER;
	sigaltstack(&ss, NULL);
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
}

static const char *fault_name(int sig)
{
	return sig == SIGILL ? "SIGILL" : sig == SIGSEGV ? "SIGSEGV" : "another signal";
}

#ifdef __i386__

/* i386 calls: the number and up to six arguments (cdecl). */
long call_sysenter(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
long call_int80(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
/* The same through the vDSO entry point at entry. */
long call_entry(long nr, long a1, long a2, long a3, long a4, long a5, long a6, uintptr_t entry);

/* The arguments go to eax, ebx, ecx, edx, esi, edi, ebp. */
#define LOAD_ARGS							\
	"push %ebp\n\tpush %edi\n\tpush %esi\n\tpush %ebx\n\t"		\
	"mov 20(%esp), %eax\n\tmov 24(%esp), %ebx\n\tmov 28(%esp), %ecx\n\t" \
	"mov 32(%esp), %edx\n\tmov 36(%esp), %esi\n\tmov 40(%esp), %edi\n\t" \
	"mov 44(%esp), %ebp\n\t"
#define RESTORE_AND_RETURN						\
	"pop %ebx\n\tpop %esi\n\tpop %edi\n\tpop %ebp\n\tret\n"

__asm__(".text\n"
	".globl call_sysenter\n"
	"call_sysenter:\n\t"
	LOAD_ARGS
	/* The landing pad pops ebp, edx, ecx and returns to the jmp. */
	"call 1f\n\t"
	"jmp 2f\n"
	"1:\n\t"
	"push %ecx\n\tpush %edx\n\tpush %ebp\n\t"
	"mov %esp, %ebp\n\t"
	"sysenter\n"
	"2:\n\t"
	RESTORE_AND_RETURN
	".globl call_entry\n"
	"call_entry:\n\t"
	LOAD_ARGS
	"call *48(%esp)\n\t"
	RESTORE_AND_RETURN
	".globl call_int80\n"
	"call_int80:\n\t"
	LOAD_ARGS
	"int $0x80\n\t"
	RESTORE_AND_RETURN);

typedef long (*i386_call)(long, long, long, long, long, long, long);

static uintptr_t vsyscall_entry;

static long call_vsyscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	return call_entry(nr, a1, a2, a3, a4, a5, a6, vsyscall_entry);
}

static int is_error(long r)
{
	return (unsigned long)r > -4096UL;
}

/* mmap2, munmap and brk through call, with regions of pages pages. */
static void memory_calls(const char *how, i386_call call, long pages)
{
	long len = pages * (long)PG, a, r, cur, grown;

	a = call(192, 0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("%s: mmap2: %s\n", how, is_error(a) ? strerrorname_np((int)-a) : "ok");
	CHECK("zero-filled and writable", !is_error(a) && all_bytes(a, len, 0) &&
	      memset((void *)a, 's', len) && all_bytes(a, len, 's'));
	r = call(91, a, len, 0, 0, 0, 0);
	printf("%s: munmap: %s\n", how, r == 0 ? "ok" : "failed");
	CHECK("it is gone", r == 0 && !mapped((unsigned long)a));

	cur = call(45, 0, 0, 0, 0, 0, 0);
	grown = call(45, cur + len, 0, 0, 0, 0, 0);
	CHECK("brk grows", grown == cur + len);
	CHECK("the new heap is zero-filled and writable", grown == cur + len &&
	      all_bytes(cur, len, 0) && memset((void *)cur, 'b', len) && all_bytes(cur, len, 'b'));
	CHECK("brk shrinks back", call(45, cur, 0, 0, 0, 0, 0) == cur);
	CHECK("the heap's end is gone", !mapped((unsigned long)cur));
}

int main(void)
{
	catch_faults();
	if (sigsetjmp(fault_jmp, 1) == 0) {
		/* getpid: does this CPU take sysenter from compat mode? */
		CHECK("raw sysenter: getpid", call_sysenter(20, 0, 0, 0, 0, 0, 0) == getpid());
		memory_calls("raw sysenter", call_sysenter, 11);
	} else {
		printf("raw sysenter: %s (no sysenter in compat mode on this CPU): "
		       "through int $0x80 instead\n", fault_name(fault_sig));
		memory_calls("int $0x80 for sysenter", call_int80, 11);
	}
	signal(SIGILL, SIG_DFL);
	signal(SIGSEGV, SIG_DFL);

	vsyscall_entry = getauxval(AT_SYSINFO);
	CHECK("AT_SYSINFO names __kernel_vsyscall", vsyscall_entry != 0);
	if (vsyscall_entry)
		memory_calls("__kernel_vsyscall", call_vsyscall, 12);
	memory_calls("int $0x80", call_int80, 13);
	fflush(stdout);
	return failed;
}

#else /* x86_64 */

/* sysenter in 64-bit mode with the i386 munmap's registers. */
static void sysenter_munmap(unsigned long addr, unsigned long len, unsigned long sixth)
{
	/* Past the red zone first; the fault never comes back here. */
	__asm__ volatile("sub $128, %%rsp\n\t"
			 "push %%rbp\n\t"
			 "mov %3, %%rbp\n\t"
			 "sysenter\n\t"
			 "pop %%rbp\n\t"
			 "add $128, %%rsp"
			 :
			 : "a"(91L), "b"(addr), "c"(len), "S"(sixth)
			 : "memory", "cc", "rdx", "r8", "r9", "r10", "r11");
}

int main(void)
{
	size_t len = 11 * PG;
	char *region, *low_stack;
	volatile int gone;

	/* Both below 4 GiB, where an i386 call can name them. */
	region = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
		      -1, 0);
	low_stack = mmap(NULL, PG, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (region == MAP_FAILED || low_stack == MAP_FAILED)
		return 1;
	memset(region, 'r', len);
	catch_faults();
	if (sigsetjmp(fault_jmp, 1) == 0) {
		sysenter_munmap((unsigned long)region, len, (unsigned long)(low_stack + PG / 2));
		printf("64-bit sysenter: returned\n");
	} else {
		printf("64-bit sysenter: %s\n", fault_name(fault_sig));
	}
	signal(SIGILL, SIG_DFL);
	signal(SIGSEGV, SIG_DFL);
	gone = !mapped((unsigned long)region);
	printf("the region: %s\n", gone ? "unmapped by the sysenter call" : "still mapped");
	if (!gone)
		CHECK("the region is unmapped the ordinary way", munmap(region, len) == 0);
	munmap(low_stack, PG);
	fflush(stdout);
	return failed;
}

#endif
