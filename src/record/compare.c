/* Comparing runs (see compare.h). */
#include "record/compare.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "record/show.h"

/* Sites listed at most in a summary; the rest are counted. */
#define SITES_SHOWN 10

int record_check_parse(const char *name, enum record_check *check)
{
	static const char *const names[] = { "exact", "shape", "summary" };

	for (int i = 0; i < 3; i++) {
		if (strcmp(name, names[i]) == 0) {
			*check = (enum record_check)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *record_check_name(enum record_check check)
{
	switch (check) {
	case RECORD_CHECK_EXACT:
		return "exact";
	case RECORD_CHECK_SHAPE:
		return "shape";
	case RECORD_CHECK_SUMMARY:
		return "summary";
	}
	return "?";
}

void record_compare_init(struct record_compare *c, enum record_check check)
{
	c->check = check;
	intern_init(&c->tasks[0]);
	intern_init(&c->tasks[1]);
	intern_init(&c->shm_ids[0]);
	intern_init(&c->shm_ids[1]);
}

void record_compare_free(struct record_compare *c)
{
	intern_free(&c->tasks[0]);
	intern_free(&c->tasks[1]);
	intern_free(&c->shm_ids[0]);
	intern_free(&c->shm_ids[1]);
}

unsigned record_compare_task(struct record_compare *c, int side, pid_t tid)
{
	int added;

	/* Ids come in order of first sight: just what a task number is. */
	return intern_id(&c->tasks[side ? 1 : 0], &tid, sizeof(tid), &added);
}

/*
 * The kernel picks a System V segment's id, anew in each run, as it picks
 * task ids: shmat's id becomes its number in order of first sight.
 * Returns 0 or -ENOMEM.
 */
static int number_shm_ids(struct record_compare *c, int side, struct syscall_event *ev)
{
	const struct trapped_syscall *row = ev->row;
	int added;

	for (int i = 0; row && i < row->nargs; i++) {
		uint32_t id = (uint32_t)ev->args[i], number;

		/* ipc(2): only its SHMAT sub-call passes an id */
		if (row->args[i] != ARG_SHMID ||
		    (row->args[0] == ARG_IPC_CALL && (ev->args[0] & 0xffff) != IPC_CALL_SHMAT))
			continue;
		number = intern_id(&c->shm_ids[side], &id, sizeof(id), &added);
		if (!number)
			return -ENOMEM;
		ev->args[i] = number;
	}
	return 0;
}

/* Shape: an address only says whether it is NULL. */
static uint64_t shape_of_address(uint64_t v)
{
	return v ? 1 : 0;
}

static void mask_addresses(struct syscall_event *ev)
{
	const struct trapped_syscall *row = ev->row;

	if (!row)
		return;
	for (int i = 0; i < 6; i++)
		if (row->args[i] == ARG_ADDR || row->args[i] == ARG_OLD_MMAP_ARGS)
			ev->args[i] = shape_of_address(ev->args[i]);
	if (row->family == FAMILY_OLD_MMAP)
		ev->ind_args[0] = (uint32_t)shape_of_address(ev->ind_args[0]);
	if (row->ret == RET_ADDR && ev->has_result && !syscall_result_is_error(ev->result))
		ev->result = (int64_t)shape_of_address((uint64_t)ev->result);
}

static void show_result(struct strbuf *sb, const struct syscall_event *ev)
{
	if (!ev->has_result)
		sb_printf(sb, "none");
	else if (syscall_result_is_error(ev->result))
		sb_printf(sb, "-1 %s", strerrorname_np((int)-ev->result) ?: "E?");
	else
		sb_printf(sb, "%#llx", (unsigned long long)ev->result);
}

/*
 * Says which part of two calls that print differently differs: found on
 * the events as compared (a, b: addresses masked under shape), shown with
 * their real values.
 */
static void explain(struct strbuf *why, const struct syscall_event *a,
		    const struct syscall_event *b, const struct syscall_event *real_a,
		    const struct syscall_event *real_b)
{
	for (int i = 0; i < 6; i++) {
		if (a->args[i] != b->args[i]) {
			sb_printf(why, "argument %d differs: %#llx vs %#llx", i + 1,
				  (unsigned long long)real_a->args[i],
				  (unsigned long long)real_b->args[i]);
			return;
		}
	}
	for (int i = 0; i < 6; i++) {
		if (a->ind_args[i] != b->ind_args[i] || a->ind_fault != b->ind_fault) {
			sb_printf(why, "old_mmap argument %d differs: %#x vs %#x", i + 1,
				  real_a->ind_args[i], real_b->ind_args[i]);
			return;
		}
	}
	if (a->has_result != b->has_result || a->result != b->result) {
		sb_printf(why, "the result differs: ");
		show_result(why, real_a);
		sb_printf(why, " vs ");
		show_result(why, real_b);
		return;
	}
	sb_printf(why, "the calls differ");
}

int record_compare_event(struct record_compare *c, const struct syscall_event *expected,
			 const struct syscall_event *actual, struct strbuf *why)
{
	struct syscall_event a = *expected, b = *actual;
	char line_a[1024], line_b[1024];
	struct strbuf sa, sb;
	unsigned task_a, task_b;

	task_a = record_compare_task(c, 0, a.tid);
	task_b = record_compare_task(c, 1, b.tid);
	if (!task_a || !task_b)
		return -ENOMEM;
	if (c->check == RECORD_CHECK_SUMMARY)
		return 0;
	if (task_a != task_b) {
		sb_printf(why, "a different task: #%u vs #%u", task_a, task_b);
		return 1;
	}
	if (a.arch != b.arch) {
		sb_printf(why, "a different arch: %s vs %s", arch_name(a.arch), arch_name(b.arch));
		return 1;
	}
	if (a.nr != b.nr) {
		sb_printf(why, "a different syscall: %s vs %s", a.row ? a.row->name : "?",
			  b.row ? b.row->name : "?");
		return 1;
	}
	if (number_shm_ids(c, 0, &a) < 0 || number_shm_ids(c, 1, &b) < 0)
		return -ENOMEM;
	if (c->check == RECORD_CHECK_SHAPE) {
		mask_addresses(&a);
		mask_addresses(&b);
	}
	/* Equal as the trace prints them: argument registers a call does not
	 * use hold whatever the program left there. */
	sb_init(&sa, line_a, sizeof(line_a));
	sb_init(&sb, line_b, sizeof(line_b));
	show_call(&sa, &a);
	show_call(&sb, &b);
	if (strcmp(line_a, line_b) == 0)
		return 0;
	explain(why, &a, &b, expected, actual);
	return 1;
}

/* ---- totals ---- */

static int figures_differ(uint64_t a, uint64_t b, double tolerance_pct)
{
	uint64_t larger = a > b ? a : b, diff = a > b ? a - b : b - a;

	return (double)diff * 100.0 > tolerance_pct * (double)larger;
}

struct summary {
	double tolerance;
	FILE *out;
	size_t differences;
};

static void figure(struct summary *s, const char *what, uint64_t a, uint64_t b)
{
	if (!figures_differ(a, b, s->tolerance))
		return;
	s->differences++;
	if (s->out)
		fprintf(s->out, "  %s: %llu -> %llu\n", what, (unsigned long long)a,
			(unsigned long long)b);
}

static void compare_syscalls(struct summary *s, const struct record_stats *a,
			     const struct record_stats *b)
{
	static const struct syscall_tally none;
	char what[96];

	for (int side = 0; side < 2; side++) {
		const struct record_stats *one = side ? b : a, *other = side ? a : b;

		for (size_t i = 0; i < one->nsyscalls; i++) {
			const struct syscall_tally *t = &one->syscalls[i];
			const struct syscall_tally *u = stats_find_syscall(other, t->name);

			/* Names both have are compared once, from a's side. */
			if (side && u)
				continue;
			if (!u)
				u = &none;
			snprintf(what, sizeof(what), "%s calls", t->name);
			figure(s, what, side ? u->calls : t->calls, side ? t->calls : u->calls);
			snprintf(what, sizeof(what), "%s errors", t->name);
			figure(s, what, side ? u->errors : t->errors, side ? t->errors : u->errors);
		}
	}
}

static void compare_sites(struct summary *s, const struct record_stats *a,
			  const struct record_stats *b)
{
	static const struct site_tally none;
	size_t before = s->differences, listed = 0;
	FILE *out = s->out;
	char what[1200];

	for (int side = 0; side < 2; side++) {
		const struct record_stats *one = side ? b : a, *other = side ? a : b;

		for (size_t i = 0; i < one->nsites; i++) {
			const struct site_tally *t = &one->sites[i];
			const struct site_tally *u = stats_find_site(other, t->name);
			size_t had = s->differences;

			if (side && u)
				continue;
			if (!u)
				u = &none;
			/* Past the first few sites, count without printing. */
			s->out = listed < SITES_SHOWN ? out : NULL;
			snprintf(what, sizeof(what), "calls from %s", t->name);
			figure(s, what, side ? u->calls : t->calls, side ? t->calls : u->calls);
			snprintf(what, sizeof(what), "bytes mapped from %s", t->name);
			figure(s, what, side ? u->bytes : t->bytes, side ? t->bytes : u->bytes);
			listed += s->differences > had;
		}
	}
	s->out = out;
	if (out && listed > SITES_SHOWN)
		fprintf(out, "  ... and %zu more call sites differ (%zu figures in all)\n",
			listed - SITES_SHOWN, s->differences - before);
}

size_t record_compare_stats(const struct record_stats *a, const struct record_stats *b,
			    double tolerance_pct, FILE *out)
{
	struct summary s = { tolerance_pct, out, 0 };
	char what[64];

	figure(&s, "events", a->events, b->events);
	compare_syscalls(&s, a, b);
	figure(&s, "bytes mapped", a->bytes_mapped, b->bytes_mapped);
	figure(&s, "bytes unmapped", a->bytes_unmapped, b->bytes_unmapped);
	figure(&s, "peak mapped", a->peak.mapped, b->peak.mapped);
	for (int k = 0; k < MAPPING_KIND_COUNT; k++) {
		snprintf(what, sizeof(what), "peak %s", mapping_kind_name(k));
		figure(&s, what, a->peak.by_kind[k], b->peak.by_kind[k]);
	}
	figure(&s, "peak locked", a->peak.locked, b->peak.locked);
	compare_sites(&s, a, b);
	return s.differences;
}
