/*
 * When memtrace polls for the next stop before it sleeps (src/stop_wait.c):
 * while a program's stops come back to back, and not once it computes
 * between its calls. The policy alone, on made-up wait times.
 */
#include "harness.h"
#include "stop_wait.h"

#define US 1000u
#define POLL (50 * US)

static const struct stop_wait_settings two_cpus = { POLL, POLL, 2, -1 };

static void notes(struct stop_waiter *w, unsigned n, uint64_t took)
{
	while (n--)
		stop_waiter_note(w, took, &two_cpus);
}

static void test_a_new_waiter_polls(struct harness *h)
{
	struct stop_waiter w = { 0 };

	ASSERT(h, stop_waiter_polls(&w, &two_cpus));
	/* an injected call's wait (no history) polls too */
	ASSERT(h, stop_waiter_polls(NULL, &two_cpus));
}

/* --poll=0 (the default): a program's waits never poll */
static void test_never_without_a_poll_limit(struct harness *h)
{
	static const struct stop_wait_settings no_poll = { 0, POLL, 2, -1 };
	static const struct stop_wait_settings none_at_all = { 0, 0, 2, -1 };
	struct stop_waiter w = { 0 };

	ASSERT(h, !stop_waiter_polls(&w, &no_poll));
	/* an injected call's wait polls all the same, unless that is off too */
	ASSERT(h, stop_waiter_polls(NULL, &no_poll));
	ASSERT(h, !stop_waiter_polls(NULL, &none_at_all));
}

/* on one CPU the program could not run while memtrace polls */
static void test_never_on_one_cpu(struct harness *h)
{
	static const struct stop_wait_settings one_cpu = { POLL, POLL, 1, -1 };
	struct stop_waiter w = { 0 };

	ASSERT(h, !stop_waiter_polls(&w, &one_cpu));
	ASSERT(h, !stop_waiter_polls(NULL, &one_cpu));
}

/*
 * memtrace and the task it resumed fill two CPUs: a third task that wants
 * one (another thread, another program) would wait while memtrace polls
 */
static void test_not_where_tasks_want_every_cpu(struct harness *h)
{
	struct stop_waiter w = { 0 };

	w.runnable = 2;
	ASSERT(h, stop_waiter_polls(&w, &two_cpus));
	w.runnable = 3;
	ASSERT(h, !stop_waiter_polls(&w, &two_cpus));
	w.runnable = 9;
	ASSERT(h, !stop_waiter_polls(&w, &two_cpus));
	/* an injected call stops at once: polled for all the same */
	ASSERT(h, stop_waiter_polls(NULL, &two_cpus));
}

/* stops that came within the poll keep it on */
static void test_back_to_back_stops_keep_polling(struct harness *h)
{
	struct stop_waiter w = { 0 };

	notes(&w, 1000, 20 * US);
	ASSERT(h, stop_waiter_polls(&w, &two_cpus));
	/* blocked waits of a fast program (waking up included) too */
	notes(&w, 1000, 40 * US);
	ASSERT(h, stop_waiter_polls(&w, &two_cpus));
}

/* one wait of milliseconds (the program computed) turns it off at once */
static void test_one_long_wait_stops_polling(struct harness *h)
{
	struct stop_waiter w = { 0 };

	notes(&w, 100, 20 * US);
	notes(&w, 1, 5000 * US);
	ASSERT(h, !stop_waiter_polls(&w, &two_cpus));
}

/* after it, a few quick stops turn it back on */
static void test_quick_stops_turn_it_back_on(struct harness *h)
{
	struct stop_waiter w = { 0 };
	unsigned n = 0;

	notes(&w, 20, 5000 * US);
	ASSERT(h, !stop_waiter_polls(&w, &two_cpus));
	while (!stop_waiter_polls(&w, &two_cpus) && n < 100) {
		stop_waiter_note(&w, 30 * US, &two_cpus);
		n++;
	}
	ASSERT(h, n >= 2 && n <= 8);
}

/* a program that computes a millisecond between its calls: only its first wait polls */
static void test_a_computing_program_mostly_sleeps(struct harness *h)
{
	struct stop_waiter w = { 0 };
	unsigned polled = 0;

	for (int i = 0; i < 400; i++) {
		if (stop_waiter_polls(&w, &two_cpus))
			polled++;
		stop_waiter_note(&w, 1000 * US, &two_cpus);
	}
	ASSERT(h, polled <= 2);
}

int main(void)
{
	struct harness h;

	harness_init(&h);
	RUN_TEST(&h, test_a_new_waiter_polls);
	RUN_TEST(&h, test_never_without_a_poll_limit);
	RUN_TEST(&h, test_never_on_one_cpu);
	RUN_TEST(&h, test_not_where_tasks_want_every_cpu);
	RUN_TEST(&h, test_back_to_back_stops_keep_polling);
	RUN_TEST(&h, test_one_long_wait_stops_polling);
	RUN_TEST(&h, test_quick_stops_turn_it_back_on);
	RUN_TEST(&h, test_a_computing_program_mostly_sleeps);
	return harness_summary(&h);
}
