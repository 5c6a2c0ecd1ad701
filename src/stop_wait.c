/*
 * Waiting for the next ptrace stop: poll, then block (stop_wait.h).
 *
 * On the benchmark VM (2 vCPUs), a program's mmap/munmap loop under a
 * tracer that blocks in waitpid took 40 us a call, the tracer and the
 * program each waking the other's idle vCPU; polling for 50 us first made it
 * 24 us, in about the same CPU time (docs/PERFORMANCE.md). A program that
 * computes between its calls makes each poll a loss, so a waiter polls only
 * while its recent waits were short; and where other tasks want every CPU,
 * not at all. Between polls it yields its CPU, which the task it has just
 * resumed may be waiting for.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "stop_wait.h"

struct stop_wait_settings stop_wait_settings = { 0, STOP_WAIT_INJECT_SPIN_NS, 1, -1 };

/* Every this many waits a waiter looks at how many tasks want a CPU (1.2 us). */
#define WAITS_PER_SAMPLE 16

void stop_wait_setup(uint64_t spin_max_ns)
{
	cpu_set_t allowed;

	stop_wait_settings.spin_max_ns = spin_max_ns;
	stop_wait_settings.cpus = 1;
	if (sched_getaffinity(0, sizeof(allowed), &allowed) == 0)
		stop_wait_settings.cpus = (unsigned)CPU_COUNT(&allowed);
	if (stop_wait_settings.loadavg_fd < 0 && spin_max_ns && stop_wait_settings.cpus > 1)
		stop_wait_settings.loadavg_fd = open("/proc/loadavg", O_RDONLY | O_CLOEXEC);
}

/*
 * The tasks that want a CPU now, system-wide: /proc/loadavg's fourth field,
 * "RUNNABLE/ALL". Returns 0 where it cannot be read (then polling goes on).
 */
static unsigned runnable_now(int fd)
{
	char text[128];
	ssize_t n = fd < 0 ? -1 : pread(fd, text, sizeof(text) - 1, 0);
	unsigned runnable = 0;

	if (n <= 0)
		return 0;
	text[n] = 0;
	if (sscanf(text, "%*s %*s %*s %u/", &runnable) != 1)
		return 0;
	return runnable;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Polling takes a CPU: where other tasks want every CPU (the program's
 * threads, other programs), they would wait for it (8 threads on 2 CPUs:
 * 10% more CPU time, no faster). Those counted are memtrace, the task it
 * has just resumed, and the others that want a CPU: one each is the most.
 * A wait that blocked counts the waking up too (20-40 us there), so the
 * bar is twice the poll: a program making calls back to back passes it
 * even while memtrace blocks, one that computes between them does not.
 */
int stop_waiter_polls(const struct stop_waiter *waiter, const struct stop_wait_settings *settings)
{
	uint64_t spin_max = settings->spin_max_ns;

	if (settings->cpus < 2)
		return 0;
	if (!waiter)
		return settings->inject_spin_ns != 0;
	return spin_max && waiter->runnable <= settings->cpus && waiter->recent_ns < 2 * spin_max;
}

/*
 * A moving average, weight 1/4: a few short waits turn polling on, one
 * long wait off; each wait counts up to 8 polls' worth.
 */
void stop_waiter_note(struct stop_waiter *waiter, uint64_t took,
		      const struct stop_wait_settings *settings)
{
	uint64_t spin_max = settings->spin_max_ns;

	if (took > 8 * spin_max)
		took = 8 * spin_max;
	waiter->recent_ns = waiter->recent_ns - waiter->recent_ns / 4 + took / 4;
}

pid_t stop_wait(struct stop_waiter *waiter, pid_t which, int *status,
		volatile sig_atomic_t *interrupt)
{
	uint64_t spin_max = waiter ? stop_wait_settings.spin_max_ns : stop_wait_settings.inject_spin_ns;
	uint64_t start = 0, now;
	pid_t tid;

	if (waiter && spin_max && waiter->waits_to_sample-- == 0) {
		waiter->runnable = runnable_now(stop_wait_settings.loadavg_fd);
		waiter->waits_to_sample = WAITS_PER_SAMPLE - 1;
		waiter->looks++;
		waiter->looks_busy += waiter->runnable > stop_wait_settings.cpus;
	}
	if (stop_waiter_polls(waiter, &stop_wait_settings)) {
		start = now_ns();
		do {
			tid = waitpid(which, status, __WALL | WNOHANG);
			if (tid != 0) {
				if (tid > 0 && waiter) {
					waiter->polls_hit++;
					stop_waiter_note(waiter, now_ns() - start, &stop_wait_settings);
				}
				return tid;
			}
			sched_yield();
			/* a tick meanwhile, in the last round too: not to be slept through */
			if (interrupt && *interrupt) {
				errno = EINTR;
				return -1;
			}
			now = now_ns();
		} while (now - start < spin_max);
		if (waiter)
			waiter->polls_missed++;
	} else if (waiter) {
		waiter->slept++;
		if (spin_max)
			start = now_ns();
	}
	tid = waitpid(which, status, __WALL);
	/* a wait a tick cut short was long too */
	if ((tid > 0 || errno == EINTR) && spin_max && waiter)
		stop_waiter_note(waiter, now_ns() - start, &stop_wait_settings);
	return tid;
}
