/*
 * Making the calls and printing them.  A call goes through libc's syscall()
 * (the syscall instruction, or the vDSO's sysenter on i386) or through
 * int $0x80 (the i386 ABI, also from the x86_64 build).
 */
#include <errno.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

static struct result sys_native(long nr, unsigned long a1, unsigned long a2, unsigned long a3,
			 unsigned long a4, unsigned long a5, unsigned long a6)
{
	struct result r;

	errno = 0;
	r.ret = syscall(nr, a1, a2, a3, a4, a5, a6);
	r.err = r.ret == -1 ? errno : 0;
	if (r.err)
		r.ret = -r.err;
	return r;
}

/*
 * An i386 call through int $0x80.  Every other register is an argument, so
 * eax brings in a pointer to the number and the sixth argument (for ebp).
 */
static struct result sys_int80(long nr, unsigned long a1, unsigned long a2, unsigned long a3,
			unsigned long a4, unsigned long a5, unsigned long a6)
{
	unsigned long nr_and_a6[2] = { (unsigned long)nr, a6 };
	struct result r;
	long ret;

#ifdef __x86_64__
	/* Step over the red zone first; kernels before 4.x clobber r8-r11. */
	__asm__ volatile("sub $128, %%rsp\n\t"
			 "push %%rbp\n\t"
			 "mov 8(%%rax), %%rbp\n\t"
			 "mov (%%rax), %%rax\n\t"
			 "int $0x80\n\t"
			 "pop %%rbp\n\t"
			 "add $128, %%rsp"
			 : "=a"(ret)
			 : "0"(nr_and_a6), "b"(a1), "c"(a2), "d"(a3), "S"(a4), "D"(a5)
			 : "memory", "cc", "r8", "r9", "r10", "r11");
#else
	__asm__ volatile("push %%ebp\n\t"
			 "mov 4(%%eax), %%ebp\n\t"
			 "mov (%%eax), %%eax\n\t"
			 "int $0x80\n\t"
			 "pop %%ebp"
			 : "=a"(ret)
			 : "0"(nr_and_a6), "b"(a1), "c"(a2), "d"(a3), "S"(a4), "D"(a5)
			 : "memory", "cc");
#endif
	r.ret = ret;
	r.err = (unsigned long)ret >= -4095UL ? (int)-ret : 0;
	return r;
}

/*
 * Makes a call through int $0x80 (via80) or syscall(): nr is the number for
 * the build's own ABI, nr32 the i386 one.
 */
struct result issue(struct fuzz *f, int via80, long nr, long nr32, unsigned long a1, unsigned long a2,
		    unsigned long a3, unsigned long a4, unsigned long a5, unsigned long a6)
{
	struct result r;

	if (via80)
		r = sys_int80(nr32, a1, a2, a3, a4, a5, a6);
	else
		r = sys_native(nr, a1, a2, a3, a4, a5, a6);
	if (f->debug)
		fprintf(stderr, "mmfuzz: %u: %s#%ld(%#lx, %#lx, %#lx, %#lx, %#lx, %#lx) = %#lx\n", f->index,
			via80 ? "int80 " : "", via80 ? nr32 : nr, a1, a2, a3, a4, a5, a6, (unsigned long)r.ret);
	return r;
}

const char *fd_name(const struct fuzz *f, int fd)
{
	if (fd == f->fd_rw)
		return "rw";
	if (fd == f->fd_ro)
		return "ro";
	if (fd == f->fd_wo)
		return "wo";
	if (fd == f->fd_dir)
		return "dir";
	if (fd == f->fd_pipe)
		return "pipe";
	if (fd == f->fd_zero)
		return "zero";
	if (fd == f->fd_closed)
		return "closed";
	return fd == -1 ? "-1" : "bad";
}

static sigjmp_buf no_int80;

static void on_int80_fault(int sig)
{
	siglongjmp(no_int80, sig);
}

/*
 * Whether int $0x80 reaches the i386 ABI: a kernel without IA32 emulation
 * answers it with SIGSEGV.  getpid (#20) is not a memory call, so memtrace
 * does not see the probe.
 */
int int80_works(void)
{
	struct sigaction sa, old_segv;
	volatile int works = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_int80_fault;
	sigaction(SIGSEGV, &sa, &old_segv);
	if (sigsetjmp(no_int80, 1) == 0)
		works = sys_int80(20, 0, 0, 0, 0, 0, 0).ret == getpid();
	sigaction(SIGSEGV, &old_segv, NULL);
	return works;
}

void text_set(struct fuzz *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->text, sizeof(f->text), fmt, ap);
	va_end(ap);
}

/* Notes say what the fuzzer itself did for the call (filled holes). */
void note_add(struct fuzz *f, const char *fmt, ...)
{
	size_t used = strlen(f->notes);
	va_list ap;

	if (used + 2 >= sizeof(f->notes))
		return;
	if (used)
		f->notes[used++] = ' ';
	va_start(ap, fmt);
	vsnprintf(f->notes + used, sizeof(f->notes) - used, fmt, ap);
	va_end(ap);
}

static void print_call(struct fuzz *f, const char *outcome)
{
	printf("%u %s = %s\n", f->index, f->text, outcome);
	if (f->notes[0])
		printf("   (%s)\n", f->notes);
	f->notes[0] = '\0';
}

/* Prints the call with "ok" (or ok_text) on success, the errno's name on failure. */
void report(struct fuzz *f, struct result r, const char *ok_text)
{
	char outcome[64];

	if (r.err)
		snprintf(outcome, sizeof(outcome), "%s", strerrorname_np(r.err) ?: "E?");
	else if (ok_text)
		snprintf(outcome, sizeof(outcome), "%s", ok_text);
	else if (r.ret == 0)
		snprintf(outcome, sizeof(outcome), "ok");
	else
		snprintf(outcome, sizeof(outcome), "%ld", r.ret);
	print_call(f, outcome);
}

/*
 * Prints a call that returns an address: where it is relative to the
 * domains, or a new floating domain of len bytes.
 */
void report_addr(struct fuzz *f, struct result r, unsigned long len, int low4g)
{
	char where[64];

	if (r.err) {
		report(f, r, NULL);
		return;
	}
	if (f->debug)
		fprintf(stderr, "mmfuzz: %u: %s = %#lx\n", f->index, f->text, (unsigned long)r.ret);
	name_result(f, (unsigned long)r.ret, len, low4g, where, sizeof(where));
	print_call(f, where);
}
