/*
 * null-interposer [-x] [-r] [-p] [-a] PROG [ARGS...]: the least a ptrace
 * interposer of memory calls can cost. PROG runs under memtrace's own
 * seccomp filter (built from trapped_syscalls[]), and every stop is resumed
 * at once with PTRACE_CONT: nothing is read, decided or printed. One stop
 * per trapped call; the benchmarks measure memtrace's own work per call
 * against it.
 *
 * -x resumes each seccomp stop with PTRACE_SYSCALL instead, to stop again
 * at the call's exit as memtrace and strace do: the floor of a design that
 * looks at results, which tells the price of that second stop apart from
 * memtrace's own work (docs/PERFORMANCE.md).
 *
 * -r reads each call's registers (PTRACE_GETREGS) and writes its ip back
 * (PTRACE_POKEUSER): two ptrace calls a stop, the least an interposer pays
 * that reads a call's arguments and sends it somewhere else, as memtrace
 * sends calls through its stub page.
 *
 * -a installs a filter that allows every call and execs PROG in place,
 * untraced: what any seccomp filter costs an untrapped call on this
 * kernel, the floor of the untrapped-call row.
 *
 * It blocks in waitpid for each stop, as memtrace and strace do by
 * default; -p polls for 50 us first, as memtrace --poll=50 does.
 *
 * Exits with PROG's status, 128+N if a signal N killed it.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "filter.h"
#include "stop_wait.h"

#define OPTIONS (PTRACE_O_EXITKILL | PTRACE_O_TRACESECCOMP | PTRACE_O_TRACECLONE | \
		 PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC | \
		 PTRACE_O_TRACESYSGOOD)

static void fail(const char *what, int err)
{
	fprintf(stderr, "null-interposer: %s: %s\n", what, strerror(err));
}

static __attribute__((noreturn)) void
exec_filtered(char *argv[], const struct seccomp_program *filter)
{
	int err = seccomp_program_install(filter);

	if (err < 0) {
		fail("cannot install the seccomp filter", -err);
		_exit(1);
	}
	execvp(argv[0], argv);
	fail(argv[0], errno);
	_exit(errno == ENOENT ? 127 : 126);
}

static __attribute__((noreturn)) void
child_start(char *argv[], const struct seccomp_program *filter, int sync_fd)
{
	char byte;

	/* The filter's TRACE verdicts need a tracer: wait until seized (EOF). */
	while (read(sync_fd, &byte, 1) < 0 && errno == EINTR)
		;
	exec_filtered(argv, filter);
}

/* -a: argv runs in this process under a filter that allows everything. */
static __attribute__((noreturn)) void exec_allowing_all(char *argv[])
{
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct seccomp_program filter = { .insns = &allow, .len = 1 };

	exec_filtered(argv, &filter);
}

/* Starts argv seized and filtered. Returns its pid or -errno. */
static pid_t spawn_seized(char *argv[], const struct seccomp_program *filter)
{
	int sync_pipe[2];
	pid_t pid;
	int err;

	if (pipe2(sync_pipe, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(sync_pipe[0]);
		close(sync_pipe[1]);
		return err;
	}
	if (pid == 0) {
		close(sync_pipe[1]);
		child_start(argv, filter, sync_pipe[0]);
	}
	close(sync_pipe[0]);
	if (ptrace(PTRACE_SEIZE, pid, 0L, (long)OPTIONS) < 0) {
		err = -errno;
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		close(sync_pipe[1]);
		return err;
	}
	close(sync_pipe[1]);
	return pid;
}

static int is_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

/*
 * Resumes one stop: events, new tasks and syscall exits at once, signals
 * delivered as they were.
 */
/* -r: read each call's registers and write its ip back (GETREGS + POKEUSER) */
static int read_regs;

static void resume(pid_t tid, int status, int exit_stops)
{
	int event = (unsigned)status >> 16, sig = WSTOPSIG(status);
	int request = PTRACE_CONT, deliver = 0;

	if (event == PTRACE_EVENT_SECCOMP && read_regs) {
		struct user_regs_struct regs;

		/* what any interposer pays that reads a call and redirects it */
		if (ptrace(PTRACE_GETREGS, tid, 0L, &regs) == 0)
			ptrace(PTRACE_POKEUSER, tid, offsetof(struct user, regs.rip), regs.rip);
	}
	if (event == PTRACE_EVENT_SECCOMP && exit_stops)
		request = PTRACE_SYSCALL;
	else if (event == PTRACE_EVENT_STOP && is_stop_signal(sig))
		request = PTRACE_LISTEN;	/* group-stop: let SIGCONT end it */
	else if (event == 0 && sig != (SIGTRAP | 0x80))
		deliver = sig;			/* signal-delivery-stop */
	/* ESRCH: killed meanwhile; its exit comes next. */
	if (ptrace(request, tid, 0L, (long)deliver) < 0 && errno != ESRCH)
		fail("ptrace resume", errno);
}

int main(int argc, char *argv[])
{
	struct seccomp_program filter;
	int status, program_status = 0, exit_stops = 0;
	uint64_t poll_ns = 0;
	int allow_all = 0;
	struct stop_waiter waiter = { 0 };
	pid_t program, tid;
	int err;

	for (; argc > 1 && argv[1][0] == '-' && argv[1][1] && !argv[1][2]; argv++, argc--) {
		if (argv[1][1] == 'x')
			exit_stops = 1;
		else if (argv[1][1] == 'r')
			read_regs = 1;
		else if (argv[1][1] == 'p')
			poll_ns = STOP_WAIT_SUGGESTED_SPIN_NS;
		else if (argv[1][1] == 'a')
			allow_all = 1;
		else
			break;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: null-interposer [-x] [-r] [-p] [-a] PROG [ARGS...]\n");
		return 2;
	}
	if (allow_all)
		exec_allowing_all(&argv[1]);
	/* Built before the fork, as memtrace does: the child only installs it. */
	err = seccomp_program_build(&filter);
	if (err < 0) {
		fail("cannot build the seccomp filter", -err);
		return 1;
	}
	program = spawn_seized(&argv[1], &filter);
	seccomp_program_free(&filter);
	if (program < 0) {
		fail("cannot start the program under ptrace", -program);
		return 1;
	}
	stop_wait_setup(poll_ns);
	/* Every task of the program is traced (auto-attached): wait for all. */
	while ((tid = stop_wait(&waiter, -1, &status, NULL)) != -1 || errno == EINTR) {
		if (tid < 0)
			continue;
		if (WIFSTOPPED(status))
			resume(tid, status, exit_stops);
		else if (tid == program)
			program_status = status;
	}
	if (errno != ECHILD)
		fail("waitpid", errno);
	if (WIFSIGNALED(program_status))
		return 128 + WTERMSIG(program_status);
	return WEXITSTATUS(program_status);
}
