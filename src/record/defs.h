/*
 * Definitions: the strings, frames and call stacks a recording has named so
 * far, and the references that records make to them.
 *
 * Version 2 defines each of them inside the record that first uses it,
 * where a reference would otherwise stand (memtrace-format(5),
 * "References"): no record of its own, no framing, no id in the file.  The
 * writer and the reader each keep a struct rec_defs and grow it in the same
 * order, so an id is simply the definition's number in file order (1, 2,
 * ...).  The writer also keeps a struct def_index to find what it has
 * defined.
 *
 * A new call stack is coded against the frames seen before: a frame already
 * defined costs its id, and a run of frames that follow each other as they
 * did the last time costs one item in all.  Stacks cut at 16 frames share
 * neither their innermost nor their outermost frames reliably, but they do
 * share such runs.
 */
#ifndef MEMTRACE_RECORD_DEFS_H
#define MEMTRACE_RECORD_DEFS_H

#include <stddef.h>
#include <stdint.h>

#include "record/codec.h"
#include "record/format.h"
#include "record/intern.h"
#include "record/record.h"

/* One frame as the file holds it: names as string ids (0: none). */
struct rec_frame {
	uint32_t module_id, symbol_id;
	uint64_t module_offset, symbol_offset;
};

struct rec_defs {
	char **strings;			/* id i at [i - 1], NUL-terminated */
	size_t nstrings, strings_cap;
	struct rec_frame *frames;	/* frame id i at [i - 1] */
	uint32_t *next;			/* [i - 1]: the frame that followed frame i last, or 0 */
	size_t nframes, frames_cap;
	/* Stacks as frame ids, innermost first: stack i is pool[first[i - 1] ..
	 * first[i - 1] + depth[i - 1]).  The reader's only. */
	uint32_t *pool;
	size_t pool_len, pool_cap;
	size_t *first;
	uint32_t *depth;
	size_t nstacks, stacks_cap;
};

/* The writer's lookup of what rec_defs holds, by content. */
struct def_index {
	struct intern_table strings;	/* bytes -> string id */
	struct intern_table frames;	/* struct rec_frame -> frame id */
	struct intern_table stacks;	/* frame ids -> stack id */
};

void defs_init(struct rec_defs *d);
void defs_free(struct rec_defs *d);
void def_index_init(struct def_index *x);
void def_index_free(struct def_index *x);

/* Appends a definition; returns its id, or 0 when out of memory. */
uint32_t defs_add_string(struct rec_defs *d, const void *bytes, size_t len);
uint32_t defs_add_frame(struct rec_defs *d, const struct rec_frame *f);
uint32_t defs_add_stack(struct rec_defs *d, const uint32_t *frame_ids, uint32_t depth);

/* Copies stack id's frames to out[0..RECORD_MAX_FRAMES); returns how many
 * (0 for an id not defined). */
uint32_t defs_stack_frames(const struct rec_defs *d, uint32_t id, struct rec_frame *out);

/*
 * Writing references (version 2).  Each defines what it refers to when it
 * is new, adding it to d and x; when memory runs out it sets b->oom, which
 * the writer checks once the record is built.
 */
void put_string_ref(struct bytebuf *b, struct rec_defs *d, struct def_index *x, const char *s);
/* frames[0..n), n >= 1, at most RECORD_MAX_FRAMES. */
void put_stack_ref(struct bytebuf *b, struct rec_defs *d, struct def_index *x,
		   const struct record_frame *frames, int n);

/*
 * Reading references: version 1 files hold plain ids, version 2 files the
 * coding above.  Each returns 0 with the id in *id (0: none, for a string),
 * -EINVAL with a reason in *why (a reference to something not defined, a
 * bad definition, a record cut short), or -ENOMEM.
 */
int get_string_ref(struct cursor *c, int major, struct rec_defs *d, uint32_t *id,
		   const char **why);
int get_stack_ref(struct cursor *c, int major, struct rec_defs *d, uint32_t *id,
		  const char **why);

#endif
