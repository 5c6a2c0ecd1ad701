#ifndef MEMTRACE_STOP_WAIT_H
#define MEMTRACE_STOP_WAIT_H

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Waiting for a tracee's next stop. A resumed task that is making memory
 * calls stops again within microseconds, but a blocking wait lets the
 * tracer's CPU go idle, and waking an idle CPU (an interrupt between CPUs;
 * on a virtual machine, a vCPU halted in the host) can cost more than the
 * stop itself. So the tracer polls for a while before it blocks, as long as
 * stops keep coming that fast (--poll; off by default). memtrace's own
 * injected calls (making the stub page), which stop again at once, are
 * always polled for.
 */
struct stop_wait_settings {
	uint64_t spin_max_ns;	/* the longest poll before blocking; 0: always block */
	uint64_t inject_spin_ns;	/* the same for memtrace's own injected calls */
	unsigned cpus;		/* the CPUs memtrace may run on */
	int loadavg_fd;		/* /proc/loadavg, for the tasks that want a CPU; or -1 */
};
extern struct stop_wait_settings stop_wait_settings;

/*
 * A poll that pays where a program makes memory calls back to back: longer
 * than its stops take to come back (10-25 us measured). Not the default:
 * a script's many short processes ran 6% slower with it, in 50% more CPU
 * time (docs/PERFORMANCE.md).
 */
#define STOP_WAIT_SUGGESTED_SPIN_NS 50000u

/*
 * The poll for an injected call: it runs at once. Making the stub takes a
 * few, and polling them made python3's startup 3.6% faster here, in 3.5%
 * less CPU time (docs/PERFORMANCE.md).
 */
#define STOP_WAIT_INJECT_SPIN_NS 50000u

/*
 * What one waiter has seen, to poll only while it pays: a moving average of
 * how long its waits took (polled or blocked), and how many tasks in the
 * system wanted a CPU when it last looked (memtrace and the task it has just
 * resumed among them), every few waits.
 */
struct stop_waiter {
	uint64_t recent_ns;
	unsigned runnable;
	unsigned waits_to_sample;
	unsigned long polls_hit, polls_missed, slept;	/* for -d: waits by how they ended */
	unsigned long looks, looks_busy;	/* for -d: runnable counts read, over the CPUs */
};

/*
 * Sets the poll limit (ns; 0: never poll), counts the CPUs allowed, and
 * opens /proc/loadavg (close-on-exec).
 */
void stop_wait_setup(uint64_t spin_max_ns);

/*
 * Whether a wait polls first: there is a second CPU, and an injected call's
 * wait (waiter NULL) may poll, or a program's wait may (--poll) and a CPU
 * is left for it beside the tasks that want one, and by waiter's history
 * it pays.
 */
int stop_waiter_polls(const struct stop_waiter *waiter, const struct stop_wait_settings *settings);

/* Adds a wait that took took ns (polled or not) to waiter's history. */
void stop_waiter_note(struct stop_waiter *waiter, uint64_t took,
		      const struct stop_wait_settings *settings);

/*
 * waitpid(which, status, __WALL), polled first where that pays: by waiter's
 * history, or with waiter NULL always (an injected call, which stops again
 * at once). A poll ends early where *interrupt (may be NULL) becomes set.
 * Returns what waitpid does: the task's tid, or -1 with errno (EINTR for a
 * signal, or an interrupted poll).
 */
pid_t stop_wait(struct stop_waiter *waiter, pid_t which, int *status,
		volatile sig_atomic_t *interrupt);

#endif
