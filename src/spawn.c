/*
 * Starting the traced program.
 *
 *   parent                         child
 *   fork ------------------------> PDEATHSIG=SIGKILL, wait on sync pipe
 *   PTRACE_SEIZE (EXITKILL, ...)
 *   close sync pipe -------------> personality(ADDR_NO_RANDOMIZE)
 *                                  install the seccomp filter
 *                                  execve  (failures go to the report pipe)
 *
 * Nothing the child does after the filter is installed may be a trapped
 * call: the filter was built and exported by the parent, so the child
 * allocates nothing.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "diag.h"
#include "spawn.h"

enum report_stage {
	STAGE_PERSONALITY = 1,	/* not fatal: layout stays randomized */
	STAGE_SECCOMP,
	STAGE_EXEC,
};

struct child_report {
	int stage;
	int err;
};

#define PTRACE_OPTIONS (PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACESECCOMP | \
			PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE | \
			PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT)

/* Returns 0, -ENOENT or -EACCES, like execvp's search. */
static int resolve_program(const char *name, char *out, size_t cap)
{
	const char *path = getenv("PATH");
	int err = -ENOENT;

	if (strchr(name, '/')) {
		if ((size_t)snprintf(out, cap, "%s", name) >= cap)
			return -ENAMETOOLONG;
		return 0;
	}
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t dirlen = strcspn(path, ":");
		struct stat st;

		if ((size_t)snprintf(out, cap, "%.*s%s%s", (int)dirlen, path, dirlen ? "/" : "",
				     name) < cap &&
		    stat(out, &st) == 0 && S_ISREG(st.st_mode)) {
			if (access(out, X_OK) == 0)
				return 0;
			err = -EACCES;
		}
		path += dirlen + (path[dirlen] == ':');
	}
	return err;
}

static void child_report(int fd, int stage, int err)
{
	struct child_report r = { stage, err };

	/* Best effort: the parent treats a short report as "no report". */
	if (write(fd, &r, sizeof(r)) < 0)
		return;
}

static __attribute__((noreturn)) void
child_start(char *const argv[], const char *path, const struct seccomp_program *filter,
	    int sync_fd, int report_fd, pid_t parent)
{
	char byte;
	int persona;

	/* Until the parent has seized us, only PDEATHSIG ties us to it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	while (read(sync_fd, &byte, 1) < 0 && errno == EINTR)
		;
	/* Seized with PTRACE_O_EXITKILL now: the program need not carry PDEATHSIG. */
	prctl(PR_SET_PDEATHSIG, 0);

	persona = personality(0xffffffff);
	if (persona < 0 || personality(persona | ADDR_NO_RANDOMIZE) < 0)
		child_report(report_fd, STAGE_PERSONALITY, errno);

	int err = seccomp_program_install(filter);
	if (err < 0) {
		child_report(report_fd, STAGE_SECCOMP, -err);
		_exit(1);
	}
	execv(path, argv);
	child_report(report_fd, STAGE_EXEC, errno);
	_exit(errno == ENOENT ? 127 : 126);
}

/* Returns 0 or the exit status to end with. */
int spawn_traced(char *const argv[], const struct seccomp_program *filter, struct spawned *sp)
{
	int sync_pipe[2], report_pipe[2];
	pid_t parent = getpid();
	struct stat st;
	int err;

	sp->report_fd = -1;
	err = resolve_program(argv[0], sp->path, sizeof(sp->path));
	if (err == -ENOENT) {
		error_msg("%s: command not found", argv[0]);
		return 127;
	}
	if (err == 0 && stat(sp->path, &st) < 0)
		err = -errno;
	if (err < 0) {
		errno_msg(-err, "cannot run %s", argv[0]);
		return err == -ENOENT || err == -ENOTDIR ? 127 : 126;
	}
	if (S_ISDIR(st.st_mode)) {
		errno_msg(EISDIR, "cannot run %s", sp->path);
		return 126;
	}

	if (pipe2(sync_pipe, O_CLOEXEC) < 0 || pipe2(report_pipe, O_CLOEXEC) < 0) {
		errno_msg(errno, "cannot create a pipe");
		return 1;
	}
	sp->pid = fork();
	if (sp->pid < 0) {
		errno_msg(errno, "cannot fork");
		return 1;
	}
	if (sp->pid == 0) {
		close(sync_pipe[1]);
		close(report_pipe[0]);
		child_start(argv, sp->path, filter, sync_pipe[0], report_pipe[1], parent);
	}
	close(sync_pipe[0]);
	close(report_pipe[1]);
	sp->report_fd = report_pipe[0];

	if (ptrace(PTRACE_SEIZE, sp->pid, 0L, (long)PTRACE_OPTIONS) < 0) {
		err = errno;
		kill(sp->pid, SIGKILL);
		waitpid(sp->pid, NULL, 0);
		errno_msg(err, "cannot trace the program (ptrace PTRACE_SEIZE)");
		error_msg("ptrace may be restricted here: check /proc/sys/kernel/yama/ptrace_scope, "
			  "or in a container allow it (docker run --cap-add=SYS_PTRACE "
			  "--security-opt seccomp=unconfined)");
		return 1;
	}
	close(sync_pipe[1]);
	return 0;
}

/* Whether path is an i386 ELF executable. */
static int is_i386_elf(const char *path)
{
	Elf32_Ehdr eh;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = pread(fd, &eh, sizeof(eh), 0);
	close(fd);
	return n == sizeof(eh) && memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 &&
	       eh.e_ident[EI_CLASS] == ELFCLASS32 && eh.e_machine == EM_386;
}

/*
 * Whether this kernel runs i386 code: a child makes i386 getpid through
 * int $0x80, which without IA-32 emulation faults (no such gate, or the
 * ia32_emulation=0 boot parameter). Asked only after an i386 program's
 * exec failed with ENOEXEC, which a malformed i386 file gives too.
 * Returns 1, 0, or -1 when it cannot tell.
 */
static int kernel_runs_i386(void)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		long ret = 20;	/* i386 getpid */

		/* its fault is the answer: no core file, no crash report */
		setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 });
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		signal(SIGSEGV, SIG_DFL);
		/* kernels before 4.17 zero r8-r11 on int $0x80 from 64-bit code */
		__asm__ volatile("int $0x80" : "+a"(ret) : : "r8", "r9", "r10", "r11", "memory");
		_exit(ret > 0 ? 0 : 1);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status) == 0;
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV ? 0 : -1;
}

/* Says why the kernel may have refused the i386 program path (ENOEXEC). */
static void say_i386_refused(const char *path)
{
	switch (kernel_runs_i386()) {
	case 1:
		error_msg("cannot run %s: Exec format error (an i386 program this kernel, "
			  "which runs i386 programs, refused: is the file whole?)", path);
		break;
	case 0:
		error_msg("%s is an i386 (32-bit) program, but this kernel cannot run 32-bit "
			  "programs: its IA-32 emulation is off (CONFIG_IA32_EMULATION, or the "
			  "ia32_emulation= boot parameter). Run it on a kernel with IA-32 emulation; "
			  "memtrace traces i386 programs there.",
			  path);
		break;
	default:
		error_msg("cannot run %s: Exec format error (an i386 program; whether this "
			  "kernel runs i386 code could not be told)", path);
	}
}

static int exec_failure(const struct spawned *sp, int err)
{
	if (err == ENOEXEC && is_i386_elf(sp->path)) {
		say_i386_refused(sp->path);
		return 126;
	}
	if (err == ENOENT && is_i386_elf(sp->path)) {
		error_msg("cannot run %s: its interpreter /lib/ld-linux.so.2 is missing "
			  "(on Debian: apt-get install libc6-i386)", sp->path);
		return 127;
	}
	errno_msg(err, "cannot run %s", sp->path);
	return err == ENOENT ? 127 : 126;
}

/* Returns 0 or the exit status to end with. */
int spawn_collect_report(struct spawned *sp)
{
	struct child_report r;
	int status = 0;

	if (sp->report_fd < 0)
		return 0;
	while (read(sp->report_fd, &r, sizeof(r)) == sizeof(r)) {
		switch (r.stage) {
		case STAGE_PERSONALITY:
			notice_msg("cannot turn off address-space randomization (%s): the "
				   "program's initial layout may differ between runs; memtrace's "
				   "own placements stay deterministic", strerror(r.err));
			break;
		case STAGE_SECCOMP:
			errno_msg(r.err, "cannot install the seccomp filter in the program");
			error_msg("seccomp filters may be disabled in this kernel or refused by a "
				  "container's security profile");
			status = 1;
			break;
		case STAGE_EXEC:
			status = exec_failure(sp, r.err);
			break;
		}
	}
	close(sp->report_fd);
	sp->report_fd = -1;
	return status;
}
