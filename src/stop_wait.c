/*
 * Waiting for the next ptrace stop: poll, then block (stop_wait.h).
 *
 * On the benchmark VM (2 vCPUs), a program's mmap/munmap loop under a
 * tracer that blocks in waitpid took 35 us a call, the tracer and the
 * program each waking the other's idle vCPU; polling for 50 us first made it
 * 17 us, in less CPU time (docs/PERFORMANCE.md). A program that computes
 * between its calls makes each poll a loss, so a waiter polls only while
 * its recent waits were short.
 */
#include <errno.h>
#include <sched.h>
#include <sys/wait.h>
#include <time.h>

#include "stop_wait.h"

struct stop_wait_settings stop_wait_settings = { STOP_WAIT_DEFAULT_SPIN_NS };

void stop_wait_setup(uint64_t spin_max_ns)
{
	cpu_set_t allowed;

	/* On one CPU the tracee cannot run while memtrace polls. */
	if (sched_getaffinity(0, sizeof(allowed), &allowed) == 0 && CPU_COUNT(&allowed) < 2)
		spin_max_ns = 0;
	stop_wait_settings.spin_max_ns = spin_max_ns;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * A wait that blocked counts the waking up too (20-40 us there), so the bar
 * is twice the poll: a program making calls back to back passes it even
 * while memtrace blocks, one that computes between them does not.
 */
int stop_waiter_polls(const struct stop_waiter *waiter, uint64_t spin_max)
{
	return spin_max && (!waiter || waiter->recent_ns < 2 * spin_max);
}

/*
 * A moving average, weight 1/4: a few short waits turn polling on, one
 * long wait off; each wait counts up to 8 polls' worth.
 */
void stop_waiter_note(struct stop_waiter *waiter, uint64_t took, uint64_t spin_max)
{
	if (took > 8 * spin_max)
		took = 8 * spin_max;
	waiter->recent_ns = waiter->recent_ns - waiter->recent_ns / 4 + took / 4;
}

pid_t stop_wait(struct stop_waiter *waiter, pid_t which, int *status,
		volatile sig_atomic_t *interrupt)
{
	uint64_t spin_max = stop_wait_settings.spin_max_ns;
	uint64_t start = 0, now;
	pid_t tid;

	if (stop_waiter_polls(waiter, spin_max)) {
		start = now_ns();
		do {
			tid = waitpid(which, status, __WALL | WNOHANG);
			if (tid != 0) {
				if (tid > 0 && waiter) {
					waiter->polls_hit++;
					stop_waiter_note(waiter, now_ns() - start, spin_max);
				}
				return tid;
			}
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
	if (tid > 0 && spin_max && waiter)
		stop_waiter_note(waiter, now_ns() - start, spin_max);
	return tid;
}
