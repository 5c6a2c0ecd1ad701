/*
 * syscall-cost [COUNT]: what the system calls a tracer makes per trapped
 * call cost on this machine, each timed over COUNT calls (200000): a plain
 * one (getppid), prlimit64 of another process, and the ptrace requests
 * memtrace makes at a stop, on a stopped child. On a paravirtualized guest
 * these, not memtrace's own code, set the price of a trapped call
 * (docs/PERFORMANCE.md).
 */
#include <signal.h>
#include <stddef.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

int main(int argc, char *argv[])
{
	long count = bench_arg(argc, argv, 1, 200000, "[COUNT]");
	struct user_regs_struct regs;
	struct rlimit lim;
	double t;
	int status;
	pid_t child = fork();

	if (child < 0)
		bench_fail("fork");
	if (child == 0) {
		for (;;)
			pause();
	}
	if (ptrace(PTRACE_SEIZE, child, 0L, 0L) < 0 || ptrace(PTRACE_INTERRUPT, child, 0L, 0L) < 0 ||
	    waitpid(child, &status, __WALL) != child)
		bench_fail("ptrace");

	t = bench_now_us();
	for (long i = 0; i < count; i++)
		getppid();
	printf("getppid                 %6.2f us\n", (bench_now_us() - t) / count);
	t = bench_now_us();
	for (long i = 0; i < count; i++)
		prlimit(child, RLIMIT_DATA, NULL, &lim);
	printf("prlimit64 (another)     %6.2f us\n", (bench_now_us() - t) / count);
	t = bench_now_us();
	for (long i = 0; i < count; i++)
		ptrace(PTRACE_GETREGS, child, 0L, &regs);
	printf("PTRACE_GETREGS          %6.2f us\n", (bench_now_us() - t) / count);
	t = bench_now_us();
	for (long i = 0; i < count; i++)
		ptrace(PTRACE_POKEUSER, child, offsetof(struct user, regs.rip), regs.rip);
	printf("PTRACE_POKEUSER (ip)    %6.2f us\n", (bench_now_us() - t) / count);
	t = bench_now_us();
	for (long i = 0; i < count; i++)
		ptrace(PTRACE_SETREGS, child, 0L, &regs);
	printf("PTRACE_SETREGS          %6.2f us\n", (bench_now_us() - t) / count);
	kill(child, SIGKILL);
	waitpid(child, &status, __WALL);
	return 0;
}
