/*
 * Record payloads other than events, encoder beside decoder (see payload.h;
 * memtrace-format(5) gives each field's order).
 */
#include "record/payload.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "record/fields.h"
#include "record/format.h"

static char *dup_string(struct cursor *c)
{
	size_t len;
	const uint8_t *s = get_string(c, &len);
	char *copy;

	if (!s)
		return NULL;
	copy = malloc(len + 1);
	if (copy) {
		memcpy(copy, s, len);
		copy[len] = '\0';
	}
	return copy;
}

/* ---- HEADER ---- */

void encode_header(struct bytebuf *b, const struct rec_header *h)
{
	put_uvarint(b, h->flags);
	put_string(b, h->version);
	put_uvarint(b, h->start_sec);
	put_uvarint(b, h->start_nsec);
	put_string(b, h->sysname);
	put_string(b, h->release);
	put_string(b, h->kversion);
	put_string(b, h->machine);
	put_uvarint(b, h->argc);
	for (int i = 0; i < h->argc; i++)
		put_string(b, h->argv[i]);
}

int decode_header(struct cursor *c, struct rec_header *h, const char **why)
{
	uint64_t argc;

	memset(h, 0, sizeof(*h));
	h->flags = (unsigned)get_uvarint(c);
	h->version = dup_string(c);
	h->start_sec = get_uvarint(c);
	h->start_nsec = (uint32_t)get_uvarint(c);
	h->sysname = dup_string(c);
	h->release = dup_string(c);
	h->kversion = dup_string(c);
	h->machine = dup_string(c);
	argc = get_count(c, 1);
	if (c->bad)
		return payload_fail(why, "the header is cut short");
	if (!h->version || !h->sysname || !h->release || !h->kversion || !h->machine)
		return -ENOMEM;
	h->argv = calloc(argc + 1, sizeof(*h->argv));
	if (!h->argv)
		return -ENOMEM;
	for (h->argc = 0; (uint64_t)h->argc < argc; h->argc++) {
		h->argv[h->argc] = dup_string(c);
		if (!h->argv[h->argc])
			return c->bad ? payload_fail(why, "the command line is cut short") : -ENOMEM;
	}
	return 0;
}

void rec_header_free(struct rec_header *h)
{
	free(h->version);
	free(h->sysname);
	free(h->release);
	free(h->kversion);
	free(h->machine);
	for (int i = 0; h->argv && i < h->argc; i++)
		free(h->argv[i]);
	free(h->argv);
	memset(h, 0, sizeof(*h));
}

/* ---- STRING and STACK: version 1 only ---- */

int decode_string(struct cursor *c, uint32_t *id, const uint8_t **bytes, size_t *len,
		  const char **why)
{
	uint64_t v = get_uvarint(c);

	if (c->bad || v == 0 || v > UINT32_MAX)
		return payload_fail(why, "a string has a bad id");
	*id = (uint32_t)v;
	*bytes = c->p;
	*len = cursor_left(c);
	c->p = c->end;
	return 0;
}

int decode_stack(struct cursor *c, struct rec_stack *s, struct rec_frame **frames_buf,
		 size_t *frames_cap, const char **why)
{
	uint64_t id = get_uvarint(c), n = get_count(c, 4);

	if (c->bad || id == 0 || id > UINT32_MAX || n > RECORD_MAX_FRAMES)
		return payload_fail(why, "a stack has a bad id or frame count");
	if (n > *frames_cap) {
		struct rec_frame *frames = realloc(*frames_buf, n * sizeof(*frames));

		if (!frames)
			return -ENOMEM;
		*frames_buf = frames;
		*frames_cap = n;
	}
	s->id = (uint32_t)id;
	s->nframes = (uint32_t)n;
	s->frames = *frames_buf;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t module = get_uvarint(c), module_offset = get_uvarint(c);
		uint64_t symbol = get_uvarint(c), symbol_offset = get_uvarint(c);

		if (module > UINT32_MAX || symbol > UINT32_MAX)
			return payload_fail(why, "a frame names a bad string id");
		s->frames[i] = (struct rec_frame){ (uint32_t)module, (uint32_t)symbol, module_offset,
						   symbol_offset };
	}
	return c->bad ? payload_fail(why, "a stack is cut short") : 0;
}

/* ---- EXEC ---- */

void encode_exec(struct bytebuf *b, struct payload_state *st, uint64_t time_ns,
		 const struct rec_exec *x, const struct mapping *const *maps, size_t count)
{
	const struct as_layout *l = &x->layout;

	put_uvarint(b, (uint64_t)x->tid);
	put_u8(b, (uint8_t)arch_to_file(x->arch));
	put_time_delta(b, st, time_ns);
	put_string_ref(b, &st->defs, st->index, x->path);
	/* Addresses and sizes of pages; sizes of the 64-bit kind whatever the arch. */
	put_size(b, l->task_size, ARCH_X86_64);
	put_size(b, l->mmap_min_addr, ARCH_X86_64);
	put_size(b, l->mmap_base, ARCH_X86_64);
	put_size(b, l->mmap_legacy_base, ARCH_X86_64);
	put_size(b, l->stack_guard_gap, ARCH_X86_64);
	put_uvarint(b, l->max_map_count);
	put_size(b, l->brk_start, ARCH_X86_64);
	put_svarint(b, (int64_t)(x->brk_current - l->brk_start));
	put_uvarint(b, x->def_flags);
	put_mapping_list(b, st, maps, count, 0);
}

int decode_exec(struct cursor *c, struct payload_state *st, uint64_t *time_ns,
		struct rec_exec *x, const char **why)
{
	struct as_layout *l = &x->layout;
	int err;

	if (get_tid(c, &x->tid) < 0)
		return payload_fail(why, "a bad tid");
	if (arch_from_file(get_u8(c), &x->arch) < 0)
		return payload_fail(why, "an unknown arch");
	*time_ns = get_time_delta(c, st);
	err = get_string_ref(c, st->major, &st->defs, &x->path_id, why);
	if (err)
		return err;
	if (st->major < 2) {
		l->task_size = get_uvarint(c);
		l->mmap_min_addr = get_uvarint(c);
		l->mmap_base = get_uvarint(c);
		l->mmap_legacy_base = get_uvarint(c);
		l->stack_guard_gap = get_uvarint(c);
		l->max_map_count = get_uvarint(c);
		l->brk_start = get_uvarint(c);
		x->brk_current = get_uvarint(c);
	} else {
		l->task_size = get_size(c, ARCH_X86_64);
		l->mmap_min_addr = get_size(c, ARCH_X86_64);
		l->mmap_base = get_size(c, ARCH_X86_64);
		l->mmap_legacy_base = get_size(c, ARCH_X86_64);
		l->stack_guard_gap = get_size(c, ARCH_X86_64);
		l->max_map_count = get_uvarint(c);
		l->brk_start = get_size(c, ARCH_X86_64);
		x->brk_current = l->brk_start + (uint64_t)get_svarint(c);
	}
	x->def_flags = (uint32_t)get_uvarint(c);
	if (c->bad)
		return payload_fail(why, "an exec record is cut short");
	return get_mapping_list(c, st, x->mappings, 0, 0, why);
}

/* ---- TASK and EXIT ---- */

void encode_task(struct bytebuf *b, struct payload_state *st, uint64_t time_ns,
		 const struct rec_task *t)
{
	put_u8(b, (uint8_t)t->kind);
	put_uvarint(b, (uint64_t)t->parent);
	put_uvarint(b, (uint64_t)t->child);
	put_u8(b, !!t->shares_vm);
	put_time_delta(b, st, time_ns);
}

int decode_task(struct cursor *c, struct payload_state *st, uint64_t *time_ns,
		struct rec_task *t, const char **why)
{
	uint8_t kind = get_u8(c);

	if (kind > RECORD_TASK_CLONE)
		return payload_fail(why, "an unknown task kind");
	t->kind = kind;
	if (get_tid(c, &t->parent) < 0 || get_tid(c, &t->child) < 0)
		return payload_fail(why, "a bad tid");
	t->shares_vm = get_u8(c) != 0;
	*time_ns = get_time_delta(c, st);
	return c->bad ? payload_fail(why, "a task record is cut short") : 0;
}

void encode_exit(struct bytebuf *b, struct payload_state *st, uint64_t time_ns,
		 const struct rec_exit *x)
{
	put_uvarint(b, (uint64_t)x->tid);
	put_svarint(b, x->status);
	put_time_delta(b, st, time_ns);
}

int decode_exit(struct cursor *c, struct payload_state *st, uint64_t *time_ns,
		struct rec_exit *x, const char **why)
{
	if (get_tid(c, &x->tid) < 0)
		return payload_fail(why, "a bad tid");
	x->status = (int)get_svarint(c);
	*time_ns = get_time_delta(c, st);
	return c->bad ? payload_fail(why, "an exit record is cut short") : 0;
}

/* ---- END ---- */

void encode_end(struct bytebuf *b, struct payload_state *st, uint64_t time_ns,
		const struct rec_end *e)
{
	put_time_delta(b, st, time_ns);
	put_uvarint(b, e->events);
	put_uvarint(b, e->records);
}

int decode_end(struct cursor *c, struct payload_state *st, uint64_t *time_ns,
	       struct rec_end *e, const char **why)
{
	*time_ns = get_time_delta(c, st);
	e->events = get_uvarint(c);
	e->records = get_uvarint(c);
	return c->bad ? payload_fail(why, "the end record is cut short") : 0;
}
