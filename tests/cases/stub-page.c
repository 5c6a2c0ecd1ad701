/*
 * What memtrace's stub page (one stop per call) must not change: registers
 * and flags across a call, a program mapping at the stub's address (with
 * MAP_FIXED_NOREPLACE, a hint, MAP_FIXED, huge pages over it), calls from
 * signal handlers that interrupt calls, a forked child's calls, and the
 * fault handlers a forked child has when memtrace makes its stub.
 * Natively the same checks hold, so the output is the same both ways.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#ifndef MFD_HUGETLB
#define MFD_HUGETLB 4U
#endif

#define STUB_ADDRESS 0x100000UL

/* Enough calls for memtrace to make its stub page by default. */
static void churn(int rounds)
{
	for (int i = 0; i < rounds; i++) {
		char *p = mmap(NULL, PG * (1 + i % 4), PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			mark_failure(__LINE__);
			return;
		}
		p[0] = (char)i;
		mprotect(p, PG, PROT_READ);
		munmap(p, PG * (1 + i % 4));
	}
}

/*
 * An mmap by hand, with the argument registers, two more the ABI keeps, and
 * the carry flag checked afterwards. i386: v[0..5] are the arguments; the
 * asm stores the registers after the call in v[6..11] and the carry in v[12].
 */
static int registers_kept(void)
{
#if defined(__x86_64__)
	register uint64_t rdi __asm__("rdi") = 0, rsi __asm__("rsi") = PG;
	register uint64_t rdx __asm__("rdx") = PROT_READ;
	register uint64_t r10 __asm__("r10") = MAP_PRIVATE | MAP_ANONYMOUS;
	register uint64_t r8 __asm__("r8") = (uint64_t)-1, r9 __asm__("r9") = 0;
	register uint64_t rbx __asm__("rbx") = 0x1234567887654321ull;
	register uint64_t r12 __asm__("r12") = 0x0badc0ffee0ddf00ull;
	uint64_t rax = 9;
	uint8_t carry;

	__asm__ volatile("stc\n\tsyscall\n\tsetc %[c]"
			 : "+a"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10), "+r"(r8),
			   "+r"(r9), "+r"(rbx), "+r"(r12), [c] "=q"(carry)
			 :
			 : "rcx", "r11", "memory", "cc");
	/* read them before any other call: they are only these registers until then */
	int kept = rdi == 0 && rsi == PG && rdx == PROT_READ &&
		   r10 == (MAP_PRIVATE | MAP_ANONYMOUS) && r8 == (uint64_t)-1 && r9 == 0 &&
		   rbx == 0x1234567887654321ull && r12 == 0x0badc0ffee0ddf00ull && carry;

	if (rax > (uint64_t)-4096)
		return 0;
	munmap((void *)rax, PG);
	return kept;
#else
	static uint32_t v[13];
	uint32_t result;

	v[0] = 0;
	v[1] = PG;
	v[2] = PROT_READ;
	v[3] = MAP_PRIVATE | MAP_ANONYMOUS;
	v[4] = (uint32_t)-1;
	v[5] = 0;
	__asm__ volatile(
		"push %%ebp\n\tpush %%eax\n\t"
		"mov 0(%%eax), %%ebx\n\tmov 4(%%eax), %%ecx\n\tmov 8(%%eax), %%edx\n\t"
		"mov 12(%%eax), %%esi\n\tmov 16(%%eax), %%edi\n\tmov 20(%%eax), %%ebp\n\t"
		"mov $192, %%eax\n\tstc\n\tint $0x80\n\t"
		"xchg %%eax, (%%esp)\n\tsetc 48(%%eax)\n\t"
		"mov %%ebx, 24(%%eax)\n\tmov %%ecx, 28(%%eax)\n\tmov %%edx, 32(%%eax)\n\t"
		"mov %%esi, 36(%%eax)\n\tmov %%edi, 40(%%eax)\n\tmov %%ebp, 44(%%eax)\n\t"
		"pop %%eax\n\tpop %%ebp"
		: "=a"(result)
		: "a"(v)
		: "ebx", "ecx", "edx", "esi", "edi", "memory", "cc");
	if (result > (uint32_t)-4096)
		return 0;
	munmap((void *)result, PG);
	for (int i = 0; i < 6; i++)
		if (v[6 + i] != v[i])
			return 0;
	return (v[12] & 0xff) == 1;
#endif
}

#define TICKS 100
static volatile sig_atomic_t ticks;

static void on_alarm(int sig)
{
	char *p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct itimerval off = { { 0, 0 }, { 0, 0 } };

	(void)sig;
	if (p != MAP_FAILED) {
		p[0] = 1;
		munmap(p, PG);
	}
	/* traced, a handler may take longer than the interval: stop here, not in main */
	if (++ticks >= TICKS)
		setitimer(ITIMER_REAL, &off, NULL);
}

static void on_fault(int sig)
{
	(void)sig;
	_exit(3);
}

static const int fault_signals[] = { SIGILL, SIGSEGV, SIGBUS, SIGTRAP, SIGFPE };
#define FAULT_SIGNALS (int)(sizeof(fault_signals) / sizeof(fault_signals[0]))

int main(void)
{
	struct itimerval fast = { { 0, 300 }, { 0, 300 } };
	char *fixed;
	pid_t child;
	int status;

	churn(40);
	CHECK("registers and flags kept across a call", registers_kept());

	/* calls interrupted by a handler that makes calls itself */
	signal(SIGALRM, on_alarm);
	setitimer(ITIMER_REAL, &fast, NULL);
	while (ticks < TICKS)
		churn(10);
	CHECK("calls from signal handlers", ticks >= TICKS);

	/*
	 * Forked children make their own calls (and their own stub), then ask
	 * for its place as they would get it without memtrace: with
	 * MAP_FIXED_NOREPLACE, and with a hint.
	 */
	for (int way = 0; way < 2; way++) {
		child = fork();
		if (child == 0) {
			char *q;

			churn(60);
			q = mmap((void *)STUB_ADDRESS, 2 * PG, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | (way ? 0 : MAP_FIXED_NOREPLACE), -1, 0);
			if (q != (char *)STUB_ADDRESS)
				mark_failure(__LINE__);
			else
				munmap(q, 2 * PG);
			churn(10);
			_exit(failed);
		}
		CHECK(way ? "a forked child's calls, and a hint of 0x100000"
			  : "a forked child's calls, and MAP_FIXED_NOREPLACE at 0x100000",
		      waitpid(child, &status, 0) == child && status == 0);
	}

	/*
	 * A forked child makes its stub page once the program's fault handlers
	 * are in place: the fault that ends memtrace's bootstrap must leave
	 * them (the kernel resets a handler to force a blocked fault signal).
	 */
	for (int i = 0; i < FAULT_SIGNALS; i++)
		signal(fault_signals[i], on_fault);
	child = fork();
	if (child == 0) {
		struct sigaction now;

		churn(20);
		for (int i = 0; i < FAULT_SIGNALS; i++)
			if (sigaction(fault_signals[i], NULL, &now) < 0 || now.sa_handler != on_fault)
				mark_failure(__LINE__);
		_exit(failed);
	}
	CHECK("a forked child's fault handlers, after its calls",
	      waitpid(child, &status, 0) == child && status == 0);
	for (int i = 0; i < FAULT_SIGNALS; i++)
		signal(fault_signals[i], SIG_DFL);

	/*
	 * A MAP_FIXED of huge pages at 0: Linux rounds the length up to 2 MiB
	 * and unmaps all of it, the stub's pages too, before the reservation
	 * that fails where no huge page is free (and where one is, maps it).
	 * Without CAP_SYS_RAWIO, address 0 is below vm.mmap_min_addr: EPERM,
	 * before anything is unmapped.
	 */
	child = fork();
	if (child == 0) {
		char *q;

		churn(60);
		q = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_HUGETLB, -1, 0);
		if (q != MAP_FAILED)
			munmap(q, 2 << 20);
		churn(10);
		CHECK("registers kept after huge pages took the stub's place", registers_kept());
		_exit(failed);
	}
	CHECK("a forked child's calls, and MAP_FIXED of huge pages at 0",
	      waitpid(child, &status, 0) == child && status == 0);

	/* the same with a file on hugetlbfs, whose mmap says nothing of huge pages */
	child = fork();
	if (child == 0) {
		int fd = (int)syscall(SYS_memfd_create, "huge", MFD_HUGETLB);
		char *q;

		churn(60);
		if (fd >= 0) {
			q = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
			if (q != MAP_FAILED)
				munmap(q, 2 << 20);
			close(fd);
		}
		churn(10);
		CHECK("registers kept after a hugetlbfs file took the stub's place", registers_kept());
		_exit(failed);
	}
	CHECK("a forked child's calls, and MAP_FIXED of a hugetlbfs file at 0",
	      waitpid(child, &status, 0) == child && status == 0);

	/* the program takes the stub's address for itself */
	fixed = mmap((void *)STUB_ADDRESS, 4 * PG, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK("MAP_FIXED at 0x100000", fixed == (char *)STUB_ADDRESS);
	if (fixed == (char *)STUB_ADDRESS) {
		fixed[0] = 'x';
		fixed[3 * PG] = 'y';
		CHECK("memory at 0x100000 is the program's", fixed[0] == 'x' && fixed[3 * PG] == 'y');
		EXPECT("munmap at 0x100000", munmap(fixed, 4 * PG), "ok");
	}
	churn(40);
	CHECK("registers kept after the stub went", registers_kept());
	return failed;
}
