/* Adding up a recording (see stats.h). */
#include "record/stats.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/format.h"
#include "record/show.h"

#define NO_STACK "(no stack)"

void stats_init(struct record_stats *s)
{
	memset(s, 0, sizeof(*s));
	intern_init(&s->site_ids);
}

void stats_free(struct record_stats *s)
{
	for (size_t i = 0; i < s->nsyscalls; i++) {
		if (s->syscalls[i].owns_name)
			free((char *)s->syscalls[i].name);
		free(s->syscalls[i].errnos);
	}
	free(s->syscalls);
	for (size_t i = 0; i < s->nsites; i++)
		free(s->sites[i].name);
	free(s->sites);
	free(s->site_of_stack);
	intern_free(&s->site_ids);
	stats_init(s);
}

int module_is_libc(const char *path)
{
	/* i386 calls enter the kernel through the vDSO's __kernel_vsyscall */
	static const char *const prefixes[] = { "libc.so", "libc-", "ld-linux", "ld-musl",
						"ld.so", "libpthread", "libc.musl", "[vdso]" };
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(base, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	return 0;
}

/* Names kept apart; past them, numbers the table lacks share one tally. */
#define SYSCALL_NAMES_MAX 64

static struct syscall_tally *tally_for(struct record_stats *s, const struct syscall_event *ev)
{
	char unknown[32];
	const char *name = ev->row ? ev->row->name : unknown;
	struct syscall_tally *t;

	if (!ev->row && s->nsyscalls < SYSCALL_NAMES_MAX)
		snprintf(unknown, sizeof(unknown), "syscall_%llu", (unsigned long long)ev->nr);
	else if (!ev->row)
		snprintf(unknown, sizeof(unknown), "(other syscalls)");
	for (size_t i = 0; i < s->nsyscalls; i++)
		if (strcmp(s->syscalls[i].name, name) == 0)
			return &s->syscalls[i];
	t = realloc(s->syscalls, (s->nsyscalls + 1) * sizeof(*t));
	if (!t)
		return NULL;
	s->syscalls = t;
	t = &s->syscalls[s->nsyscalls];
	memset(t, 0, sizeof(*t));
	t->name = name;
	if (!ev->row) {
		t->name = strdup(unknown);
		t->owns_name = 1;
		if (!t->name)
			return NULL;
	}
	s->nsyscalls++;
	return t;
}

static int count_errno(struct syscall_tally *t, int err)
{
	struct errno_tally *e;

	for (size_t i = 0; i < t->nerrnos; i++) {
		if (t->errnos[i].err == err) {
			t->errnos[i].count++;
			return 0;
		}
	}
	e = realloc(t->errnos, (t->nerrnos + 1) * sizeof(*e));
	if (!e)
		return -ENOMEM;
	t->errnos = e;
	t->errnos[t->nerrnos++] = (struct errno_tally){ err, 1 };
	return 0;
}

/* The site id for a name, adding the site if new; 0 when out of memory. */
static uint32_t site_named(struct record_stats *s, const char *name)
{
	int added;
	uint32_t id = intern_id(&s->site_ids, name, strlen(name), &added);

	if (!id || !added)
		return id <= s->nsites ? id : 0;
	if (s->nsites == s->sites_cap) {
		size_t cap = s->sites_cap ? s->sites_cap * 2 : 64;
		struct site_tally *sites = realloc(s->sites, cap * sizeof(*sites));

		if (!sites)
			return 0;
		s->sites = sites;
		s->sites_cap = cap;
	}
	s->sites[s->nsites] = (struct site_tally){ strdup(name), 0, 0 };
	if (!s->sites[s->nsites].name)
		return 0;
	s->nsites++;
	return id;
}

/* The frame a stack is shown by in the list of call sites. */
static const struct rec_frame *site_frame(const struct record_reader *rd,
					  const struct rec_stack *stack)
{
	for (uint32_t i = 0; i < stack->nframes; i++) {
		const char *module = record_reader_string(rd, stack->frames[i].module_id);

		if (!module || !module_is_libc(module))
			return &stack->frames[i];
	}
	return stack->nframes ? &stack->frames[0] : NULL;
}

static uint32_t site_of(struct record_stats *s, const struct record_reader *rd,
			uint32_t stack_id)
{
	const struct rec_stack *stack = record_reader_stack(rd, stack_id);
	const struct rec_frame *frame;
	char name[1024];
	struct strbuf sb;

	if (!stack)
		return site_named(s, NO_STACK);
	/* Worked out once per stack: finding its frame walks all of them. */
	if (stack_id >= s->site_of_stack_cap) {
		size_t cap = s->site_of_stack_cap ? s->site_of_stack_cap : 64;
		uint32_t *map;

		while (cap <= stack_id)
			cap *= 2;
		map = realloc(s->site_of_stack, cap * sizeof(*map));
		if (!map)
			return 0;
		memset(map + s->site_of_stack_cap, 0, (cap - s->site_of_stack_cap) * sizeof(*map));
		s->site_of_stack = map;
		s->site_of_stack_cap = cap;
	}
	if (!s->site_of_stack[stack_id]) {
		frame = site_frame(rd, stack);
		sb_init(&sb, name, sizeof(name));
		if (frame)
			show_frame(&sb, rd, frame);
		s->site_of_stack[stack_id] = site_named(s, frame ? name : NO_STACK);
	}
	return s->site_of_stack[stack_id];
}

static int add_event(struct record_stats *s, const struct record_reader *rd,
		     const struct rec_event *e, const struct rebuild *rb)
{
	struct syscall_tally *t = tally_for(s, &e->ev);
	uint32_t site;

	if (!t)
		return -ENOMEM;
	s->events++;
	t->calls++;
	if (e->ev.has_result && syscall_result_is_error(e->ev.result)) {
		s->errors++;
		t->errors++;
		if (count_errno(t, (int)-e->ev.result))
			return -ENOMEM;
	}
	s->bytes_mapped += rb->event_mapped;
	s->bytes_unmapped += rb->event_unmapped;
	site = site_of(s, rd, e->stack_id);
	if (!site)
		return -ENOMEM;
	s->sites[site - 1].calls++;
	s->sites[site - 1].bytes += rb->event_mapped;
	return 0;
}

int stats_add(struct record_stats *s, const struct record_reader *rd,
	      const struct record_item *item, const struct rebuild *rb)
{
	if (item->time_ns > s->duration_ns)
		s->duration_ns = item->time_ns;
	switch (item->kind) {
	case RECORD_KIND_EXEC:
		s->execs++;
		break;
	case RECORD_KIND_TASK:
		s->tasks++;
		break;
	case RECORD_KIND_EVENT:
		return add_event(s, rd, &item->event, rb);
	default:
		break;
	}
	return 0;
}

void stats_finish(struct record_stats *s, const struct rebuild *rb)
{
	s->peak = rb->peak;
}

size_t stats_top_sites(const struct record_stats *s, int by_bytes, size_t *idx, size_t n)
{
	size_t count = 0;

	/* A partial selection sort: n is small. */
	for (size_t i = 0; i < s->nsites; i++) {
		uint64_t key = by_bytes ? s->sites[i].bytes : s->sites[i].calls;
		size_t at = count;

		if (by_bytes && !key)
			continue;
		while (at > 0) {
			const struct site_tally *prev = &s->sites[idx[at - 1]];

			if ((by_bytes ? prev->bytes : prev->calls) >= key)
				break;
			at--;
		}
		if (at >= n)
			continue;
		if (count < n)
			count++;
		memmove(&idx[at + 1], &idx[at], (count - 1 - at) * sizeof(*idx));
		idx[at] = i;
	}
	return count;
}

const struct syscall_tally *stats_find_syscall(const struct record_stats *s, const char *name)
{
	for (size_t i = 0; i < s->nsyscalls; i++)
		if (strcmp(s->syscalls[i].name, name) == 0)
			return &s->syscalls[i];
	return NULL;
}

const struct site_tally *stats_find_site(const struct record_stats *s, const char *name)
{
	uint32_t id = intern_find(&s->site_ids, name, strlen(name));

	return id && id <= s->nsites ? &s->sites[id - 1] : NULL;
}
