/* Strings, frames and stacks, and the references to them (see defs.h). */
#include "record/defs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A new string may start with a prefix of one of the last 31 defined (so
 * that the reference stays one byte); shorter shares than 3 bytes are not
 * worth the byte that says how long the share is. */
#define STRING_BASES 31
#define MIN_SHARED 3
/* The low bits of a string reference (memtrace-format(5), "References"). */
#define SREF_NEW 0x1		/* a new string follows; else the id << 1 */
#define SREF_PACKED 0x2		/* ... its characters packed, 6 bits each */

/* The item tags of a new stack (memtrace-format(5), "References"). */
#define ITEM_FRAME 0		/* a frame defined before: (latest id - its id) << 2 */
#define ITEM_NEW_FRAME 1	/* a frame defined here: soff << 4 | NF_* << 2 */
#define ITEM_RUN 2		/* count << 2: frames that follow as they did last time */
/* A new frame's flags: what it leaves out.  Most frames of a stack are in
 * the module of the frame before, and many have no symbol. */
#define NF_SAME_MODULE 0x1	/* the previous frame's module; the offset from its offset */
#define NF_NO_SYMBOL 0x2	/* no symbol reference: none */
/* The symbol offset rides in the item, plus one, when it fits; 0 there
 * says it follows. */
#define SOFF_IN_ITEM_MAX ((1ull << 59) - 2)

void defs_init(struct rec_defs *d)
{
	memset(d, 0, sizeof(*d));
}

void defs_free(struct rec_defs *d)
{
	for (size_t i = 0; i < d->nstrings; i++)
		free(d->strings[i]);
	free(d->strings);
	free(d->frames);
	free(d->next);
	free(d->pool);
	free(d->first);
	free(d->depth);
	defs_init(d);
}

void def_index_init(struct def_index *x)
{
	intern_init(&x->strings);
	intern_init(&x->frames);
	intern_init(&x->stacks);
}

void def_index_free(struct def_index *x)
{
	intern_free(&x->strings);
	intern_free(&x->frames);
	intern_free(&x->stacks);
}

/* Grows *array of elem-sized items to hold want; returns 0 or -ENOMEM. */
static int reserve(void **array, size_t *cap, size_t want, size_t elem)
{
	size_t n = *cap ? *cap : 64;
	void *p;

	if (want <= *cap)
		return 0;
	while (n < want)
		n *= 2;
	p = realloc(*array, n * elem);
	if (!p)
		return -ENOMEM;
	*array = p;
	*cap = n;
	return 0;
}

/* A string made of a prefix and a suffix. */
static uint32_t add_string_parts(struct rec_defs *d, const void *prefix, size_t prefix_len,
				 const void *suffix, size_t suffix_len)
{
	char *s;

	if (reserve((void **)&d->strings, &d->strings_cap, d->nstrings + 1, sizeof(*d->strings)))
		return 0;
	s = malloc(prefix_len + suffix_len + 1);
	if (!s)
		return 0;
	memcpy(s, prefix, prefix_len);
	memcpy(s + prefix_len, suffix, suffix_len);
	s[prefix_len + suffix_len] = '\0';
	d->strings[d->nstrings++] = s;
	return (uint32_t)d->nstrings;
}

uint32_t defs_add_string(struct rec_defs *d, const void *bytes, size_t len)
{
	return add_string_parts(d, bytes, len, "", 0);
}

uint32_t defs_add_frame(struct rec_defs *d, const struct rec_frame *f)
{
	size_t cap = d->frames_cap;

	if (reserve((void **)&d->frames, &cap, d->nframes + 1, sizeof(*d->frames)) ||
	    reserve((void **)&d->next, &d->frames_cap, d->nframes + 1, sizeof(*d->next)))
		return 0;
	d->frames[d->nframes] = *f;
	d->next[d->nframes] = 0;
	return (uint32_t)++d->nframes;
}

uint32_t defs_add_stack(struct rec_defs *d, const uint32_t *frame_ids, uint32_t depth)
{
	size_t cap = d->stacks_cap;

	if (reserve((void **)&d->pool, &d->pool_cap, d->pool_len + depth, sizeof(*d->pool)) ||
	    reserve((void **)&d->first, &cap, d->nstacks + 1, sizeof(*d->first)) ||
	    reserve((void **)&d->depth, &d->stacks_cap, d->nstacks + 1, sizeof(*d->depth)))
		return 0;
	memcpy(d->pool + d->pool_len, frame_ids, depth * sizeof(*frame_ids));
	d->first[d->nstacks] = d->pool_len;
	d->depth[d->nstacks] = depth;
	d->pool_len += depth;
	return (uint32_t)++d->nstacks;
}

uint32_t defs_stack_frames(const struct rec_defs *d, uint32_t id, struct rec_frame *out)
{
	uint32_t n;

	if (id == 0 || id > d->nstacks)
		return 0;
	n = d->depth[id - 1];
	for (uint32_t i = 0; i < n; i++)
		out[i] = d->frames[d->pool[d->first[id - 1] + i] - 1];
	return n;
}

/* ---- writing ---- */

static uint32_t find_string(const struct def_index *x, const char *s)
{
	return s ? intern_find(&x->strings, s, strlen(s)) : 0;
}

void put_string_ref(struct bytebuf *b, struct rec_defs *d, struct def_index *x, const char *s)
{
	size_t len, shared = 0;
	uint32_t id, back = 0;
	int added, packed;

	if (!s) {
		put_uvarint(b, 0);
		return;
	}
	len = strlen(s);
	id = intern_find(&x->strings, s, len);
	if (id) {
		put_uvarint(b, (uint64_t)id << 1);
		return;
	}
	/* Paths share their directories, symbols their prefixes (Py, _dl_). */
	for (uint32_t k = 1; k <= STRING_BASES && k <= d->nstrings; k++) {
		const char *base = d->strings[d->nstrings - k];
		size_t n = 0;

		while (n < len && base[n] == s[n])
			n++;
		if (n > shared) {
			shared = n;
			back = k;
		}
	}
	if (shared < MIN_SHARED)
		shared = back = 0;
	packed = packed_size(s + shared, len - shared) < len - shared;
	put_uvarint(b, (uint64_t)back << 2 | (packed ? SREF_PACKED : 0) | SREF_NEW);
	if (back)
		put_uvarint(b, shared);
	if (packed) {
		put_packed(b, s + shared, len - shared);
	} else {
		put_uvarint(b, len - shared);
		put_bytes(b, s + shared, len - shared);
	}
	id = intern_id(&x->strings, s, len, &added);
	if (!id || defs_add_string(d, s, len) != id)
		b->oom = 1;
}

/* The frame's key: its names' ids, 0 when a name is new (*known then 0). */
static struct rec_frame frame_key(const struct def_index *x, const struct record_frame *f,
				  int *known)
{
	struct rec_frame key;

	memset(&key, 0, sizeof(key));
	key.module_id = find_string(x, f->module);
	key.symbol_id = find_string(x, f->symbol);
	key.module_offset = f->module_offset;
	key.symbol_offset = f->symbol_offset;
	*known = (!f->module || key.module_id) && (!f->symbol || key.symbol_id);
	return key;
}

/* The frame's id, or 0 when it has not been defined. */
static uint32_t find_frame(const struct def_index *x, const struct record_frame *f)
{
	int known;
	struct rec_frame key = frame_key(x, f, &known);

	return known ? intern_find(&x->frames, &key, sizeof(key)) : 0;
}

static int same_name(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/*
 * Writes a new frame (prev: the one before it in the stack, or NULL), its
 * new names defined inside it; returns its id, or 0 when out of memory.
 */
static uint32_t put_new_frame(struct bytebuf *b, struct rec_defs *d, struct def_index *x,
			      const struct record_frame *f, const struct record_frame *prev)
{
	unsigned flags = 0;
	struct rec_frame key;
	uint32_t id;
	int known, added;

	uint64_t soff_in_item = f->symbol_offset <= SOFF_IN_ITEM_MAX ? f->symbol_offset + 1 : 0;

	if (prev && same_name(prev->module, f->module))
		flags |= NF_SAME_MODULE;
	if (!f->symbol)
		flags |= NF_NO_SYMBOL;
	put_uvarint(b, soff_in_item << 4 | flags << 2 | ITEM_NEW_FRAME);
	if (!soff_in_item)
		put_uvarint(b, f->symbol_offset);
	/* Return addresses in one module: the next one is often nearby. */
	if (flags & NF_SAME_MODULE) {
		put_svarint(b, (int64_t)(f->module_offset - prev->module_offset));
	} else {
		put_string_ref(b, d, x, f->module);
		put_uvarint(b, f->module_offset);
	}
	if (!(flags & NF_NO_SYMBOL))
		put_string_ref(b, d, x, f->symbol);
	if (b->oom)
		return 0;
	key = frame_key(x, f, &known);
	id = intern_id(&x->frames, &key, sizeof(key), &added);
	if (!id || defs_add_frame(d, &key) != id)
		return 0;
	return id;
}

void put_stack_ref(struct bytebuf *b, struct rec_defs *d, struct def_index *x,
		   const struct record_frame *frames, int n)
{
	uint32_t ids[RECORD_MAX_FRAMES] = { 0 }, id;
	int known = 1, added;

	for (int i = 0; i < n; i++) {
		ids[i] = find_frame(x, &frames[i]);
		known = known && ids[i];
	}
	id = known ? intern_find(&x->stacks, ids, (size_t)n * sizeof(*ids)) : 0;
	if (id) {
		put_uvarint(b, (uint64_t)id << 1);
		return;
	}
	put_uvarint(b, (uint64_t)n << 1 | 1);
	for (int i = 0; i < n;) {
		uint64_t run = 0;

		/* Frames that follow each other as they did last time: one item. */
		while (i > 0 && i < n) {
			uint32_t want = d->next[ids[i - 1] - 1];

			if (!want || find_frame(x, &frames[i]) != want)
				break;
			ids[i++] = want;
			run++;
		}
		if (run) {
			put_uvarint(b, run << 2 | ITEM_RUN);
			continue;
		}
		/* Looked up again: an earlier frame of this stack may have defined it. */
		ids[i] = find_frame(x, &frames[i]);
		if (ids[i]) {
			/* counted back from the latest: stacks share recent frames */
			put_uvarint(b, (uint64_t)(d->nframes - ids[i]) << 2 | ITEM_FRAME);
		} else {
			ids[i] = put_new_frame(b, d, x, &frames[i], i ? &frames[i - 1] : NULL);
			if (!ids[i]) {
				b->oom = 1;
				return;
			}
		}
		if (i > 0)
			d->next[ids[i - 1] - 1] = ids[i];
		i++;
	}
	if (!intern_id(&x->stacks, ids, (size_t)n * sizeof(*ids), &added))
		b->oom = 1;
}

/* ---- reading ---- */

static int fail(const char **why, const char *reason)
{
	*why = reason;
	return -EINVAL;
}

int get_string_ref(struct cursor *c, int major, struct rec_defs *d, uint32_t *id,
		   const char **why)
{
	uint64_t r = get_uvarint(c), back, shared = 0;
	const uint8_t *suffix;
	const char *base = "";
	char *unpacked = NULL;
	size_t len;

	*id = 0;
	if (c->bad)
		return fail(why, "a string reference is cut short");
	if (major < 2 || !(r & SREF_NEW)) {
		if (major >= 2)
			r >>= 1;
		if (r > d->nstrings)
			return fail(why, "a reference to a string not defined before it");
		*id = (uint32_t)r;
		return 0;
	}
	back = r >> 2;
	if (back > d->nstrings)
		return fail(why, "a string built on one not defined before it");
	if (back) {
		base = d->strings[d->nstrings - back];
		shared = get_uvarint(c);
		if (shared > strlen(base))
			return fail(why, "a string shares more than its base holds");
	}
	if (r & SREF_PACKED) {
		suffix = (const uint8_t *)(unpacked = get_packed(c, &len));
		if (!unpacked && !c->bad)
			return -ENOMEM;
	} else {
		suffix = get_string(c, &len);
	}
	if (!suffix)
		return fail(why, "a string is cut short");
	*id = add_string_parts(d, base, shared, suffix, len);
	free(unpacked);
	return *id ? 0 : -ENOMEM;
}

/* arg: the item less its tag; prev: the id of the frame before it in the
 * stack, or 0. */
static int get_new_frame(struct cursor *c, struct rec_defs *d, uint64_t arg, uint32_t prev,
			 uint32_t *id, const char **why)
{
	unsigned flags = arg & 3;
	uint64_t soff_in_item = arg >> 2;
	struct rec_frame f;
	int err;

	memset(&f, 0, sizeof(f));
	f.symbol_offset = soff_in_item ? soff_in_item - 1 : get_uvarint(c);
	if (flags & NF_SAME_MODULE) {
		if (!prev)
			return fail(why, "the first frame of a stack takes the module of none");
		f.module_id = d->frames[prev - 1].module_id;
		f.module_offset = d->frames[prev - 1].module_offset + (uint64_t)get_svarint(c);
	} else {
		err = get_string_ref(c, 2, d, &f.module_id, why);
		if (err)
			return err;
		f.module_offset = get_uvarint(c);
	}
	if (!(flags & NF_NO_SYMBOL)) {
		err = get_string_ref(c, 2, d, &f.symbol_id, why);
		if (err)
			return err;
	}
	if (c->bad)
		return fail(why, "a frame is cut short");
	*id = defs_add_frame(d, &f);
	return *id ? 0 : -ENOMEM;
}

int get_stack_ref(struct cursor *c, int major, struct rec_defs *d, uint32_t *id,
		  const char **why)
{
	uint32_t ids[RECORD_MAX_FRAMES];
	uint64_t r = get_uvarint(c), n;
	int err;

	*id = 0;
	if (c->bad)
		return fail(why, "a stack reference is cut short");
	if (major < 2 || !(r & 1)) {
		if (major >= 2)
			r >>= 1;
		if (r == 0 || r > d->nstacks)
			return fail(why, "a reference to a stack not defined before it");
		*id = (uint32_t)r;
		return 0;
	}
	n = r >> 1;
	if (n == 0 || n > RECORD_MAX_FRAMES)
		return fail(why, "a stack of a bad depth");
	for (uint64_t i = 0; i < n;) {
		uint64_t item = get_uvarint(c), arg = item >> 2;

		if (c->bad)
			return fail(why, "a stack is cut short");
		switch (item & 3) {
		case ITEM_FRAME:
			if (arg >= d->nframes)
				return fail(why, "a stack names a frame not defined before it");
			ids[i] = (uint32_t)(d->nframes - arg);
			break;
		case ITEM_NEW_FRAME:
			err = get_new_frame(c, d, arg, i ? ids[i - 1] : 0, &ids[i], why);
			if (err)
				return err;
			break;
		case ITEM_RUN:
			if (arg == 0 || i == 0 || arg > n - i)
				return fail(why, "a run of frames outside its stack");
			for (; arg; arg--, i++) {
				ids[i] = d->next[ids[i - 1] - 1];
				if (!ids[i])
					return fail(why, "a run of frames that never followed each other");
			}
			continue;
		default:
			return fail(why, "a bad item in a stack");
		}
		if (i > 0)
			d->next[ids[i - 1] - 1] = ids[i];
		i++;
	}
	*id = defs_add_stack(d, ids, (uint32_t)n);
	return *id ? 0 : -ENOMEM;
}
