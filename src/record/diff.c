/*
 * memtrace diff A B: compares two recordings of a program, event by event
 * (exact, shape) or by their totals (summary), with compare.h's rules.
 * Prints the first difference, both events with their stacks, then what
 * changed in the totals.  Exit: 0 the same, 1 different, 2 errors.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "record/commands.h"
#include "record/format.h"
#include "record/rebuild.h"
#include "record/show.h"
#include "record/stats.h"

/* One recording being read. */
struct side {
	const char *label;	/* "A" or "B" */
	struct record_reader *rd;
	struct rebuild rb;
	struct record_stats stats;
	const char *why;	/* a model failure, if reading stopped on one */
	uint64_t offset;	/* of the record read last */
	uint64_t events;
};

/*
 * Reads up to the next event, counting everything on the way.  Returns 1
 * with *item holding it, 0 at the end of what can be read.
 */
static int next_event(struct side *s, struct record_item *item)
{
	while (!s->why && record_reader_next(s->rd, item)) {
		s->offset = item->offset;
		if (rebuild_apply(&s->rb, item) < 0) {
			s->why = s->rb.why;
			return 0;
		}
		if (stats_add(&s->stats, s->rd, item, &s->rb) < 0) {
			s->why = "out of memory";
			return 0;
		}
		if (item->kind == RECORD_KIND_EVENT) {
			s->events++;
			return 1;
		}
	}
	return 0;
}

static void show_side(FILE *out, struct side *s, const struct rec_event *e, unsigned task)
{
	char line[1024];
	struct strbuf sb;

	sb_init(&sb, line, sizeof(line));
	show_call(&sb, &e->ev);
	fprintf(out, "  %s: [task #%u, pid %d, event %" PRIu64 "] %s\n", s->label, task,
		(int)e->ev.tid, e->d.seq, line);
	show_stack(out, s->rd, e->stack_id, "       ");
}

/* Compares the event streams; returns 1 if they differ (said on out). */
static int compare_events(FILE *out, struct side *a, struct side *b, struct record_compare *cmp)
{
	struct record_item ia, ib;
	int differ = 0;

	for (;;) {
		int has_a = next_event(a, &ia), has_b = next_event(b, &ib);
		char why[512];
		struct strbuf sb;
		int r;

		if (!has_a && !has_b)
			return differ;
		if (differ || cmp->check == RECORD_CHECK_SUMMARY) {
			/* only the totals still count: read on */
			continue;
		}
		if (!has_a || !has_b) {
			struct side *more = has_a ? a : b, *fewer = has_a ? b : a;
			const struct rec_event *e = has_a ? &ia.event : &ib.event;

			fprintf(out, "first difference: %s ends after %" PRIu64 " events; %s goes on:\n",
				fewer->label, fewer->events, more->label);
			show_side(out, more, e, record_compare_task(cmp, has_a ? 0 : 1, e->ev.tid));
			differ = 1;
			continue;
		}
		sb_init(&sb, why, sizeof(why));
		r = record_compare_event(cmp, &ia.event.ev, &ib.event.ev, &sb);
		if (r < 0) {
			a->why = "out of memory";
			return differ;
		}
		if (r == 0)
			continue;
		fprintf(out, "first difference, at event %" PRIu64 " of the streams: %s\n",
			a->events, why);
		show_side(out, a, &ia.event, record_compare_task(cmp, 0, ia.event.ev.tid));
		show_side(out, b, &ib.event, record_compare_task(cmp, 1, ib.event.ev.tid));
		differ = 1;
	}
}

static int open_side(struct side *s, const char *label, const char *path)
{
	memset(s, 0, sizeof(*s));
	s->label = label;
	rebuild_init(&s->rb);
	stats_init(&s->stats);
	s->rd = command_open(path);
	return s->rd ? 0 : -1;
}

/* Also for a side never opened (all zero). */
static void close_side(struct side *s)
{
	stats_free(&s->stats);
	rebuild_free(&s->rb);
	record_reader_close(s->rd);
}

int record_diff(const char *path_a, const char *path_b, const struct diff_options *o, FILE *out)
{
	struct side a = { 0 }, b = { 0 };
	struct record_compare cmp;
	int status = 2, events_differ;
	size_t totals_differ;

	if (open_side(&a, "A", path_a) < 0 || open_side(&b, "B", path_b) < 0)
		goto out;
	record_compare_init(&cmp, o->check);
	events_differ = compare_events(out, &a, &b, &cmp);
	record_compare_free(&cmp);
	if (command_finish(a.rd, o->strict, a.why, a.offset) ||
	    command_finish(b.rd, o->strict, b.why, b.offset))
		goto out;
	stats_finish(&a.stats, &a.rb);
	stats_finish(&b.stats, &b.rb);

	fprintf(out, "%s totals (A -> B)%s:\n", events_differ ? "changed" : "differing",
		o->tolerance_pct > 0 ? ", beyond the tolerance" : "");
	totals_differ = record_compare_stats(&a.stats, &b.stats, o->tolerance_pct, out);
	if (!totals_differ)
		fprintf(out, "  (none)\n");
	if (o->check == RECORD_CHECK_SUMMARY)
		status = totals_differ ? 1 : 0;
	else
		status = events_differ ? 1 : 0;
	fprintf(out, "%s and %s %s (%s check, %" PRIu64 " and %" PRIu64 " events)\n", path_a,
		path_b, status ? "differ" : "agree", record_check_name(o->check), a.events,
		b.events);
	if (fflush(out) == EOF) {
		error_msg("cannot write the comparison");
		status = 2;
	}
out:
	close_side(&a);
	close_side(&b);
	return status;
}
