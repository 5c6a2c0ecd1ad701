/*
 * Record payloads: each kind's encoder and decoder side by side, so that the
 * two can be read against each other and against memtrace-format(5).
 *
 * Fields that repeat from one record to the next are delta-coded against
 * struct payload_state, which the writer and the reader each keep and
 * advance in the same way, record by record.
 */
#ifndef MEMTRACE_RECORD_PAYLOAD_H
#define MEMTRACE_RECORD_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "mm/address_space.h"
#include "record/codec.h"
#include "record/defs.h"
#include "record/record.h"
#include "syscall_event.h"

/* What the previous records said, for deltas and references. */
struct payload_state {
	int major;		/* the file's format version */
	uint64_t time_ns;	/* every timed record's, since the first */
	uint64_t seq;		/* events' */
	uint64_t nr;
	pid_t tid;
	enum arch arch;
	uint64_t ip;
	/* Version 2: the arguments and then the ip of the last event of each
	 * call, by regs_slot(arch, nr); calls that share a slot share them. */
	uint64_t regs[64][7];
	uint64_t addr;		/* the last address coded: the base for the next */
	/* The device and inode of the last mapping coded with one. */
	uint32_t dev_major, dev_minor;
	uint64_t inode;
	struct rec_defs defs;	/* strings, frames and stacks defined so far */
	struct def_index *index; /* the writer's, to find them; NULL in a reader */
};

/* For a file of this major version; index: the writer's, or NULL. */
void payload_state_init(struct payload_state *st, int major, struct def_index *index);
void payload_state_free(struct payload_state *st);

/* A list of mappings as a record holds them, with their path string ids
 * (0: none) beside them; backing.path is left NULL by the decoders. */
struct rec_mappings {
	struct mapping *maps;
	uint32_t *path_ids;
	size_t count;
	size_t cap;
};

struct rec_header {
	unsigned flags;		/* RECORD_HEADER_* */
	char *version;		/* memtrace's */
	uint64_t start_sec;	/* CLOCK_REALTIME at the start */
	uint32_t start_nsec;
	char *sysname, *release, *kversion, *machine;	/* uname(2) */
	int argc;
	char **argv;
};

struct rec_stack {
	uint32_t id;
	uint32_t nframes;
	struct rec_frame *frames;	/* the decoder's: valid until the next decode */
};

struct rec_exec {
	pid_t tid;
	enum arch arch;
	uint32_t path_id;		/* decoded */
	const char *path;		/* to encode (NULL: unknown) */
	struct as_layout layout;
	uint64_t brk_current;
	uint32_t def_flags;
	struct rec_mappings *mappings;
};

struct rec_task {
	enum record_task_kind kind;
	pid_t parent, child;
	int shares_vm;
};

struct rec_exit {
	pid_t tid;
	int status;
};

struct rec_event {
	struct syscall_event ev;	/* row from arch_lookup: NULL for an unknown nr */
	struct record_decision d;	/* d.seq is the event's seq */
	uint32_t stack_id;		/* decoded: 0 for none */
	const struct record_frame *frames; /* to encode: the stack (NULL, 0: none) */
	int nframes;
	int has_window;			/* an after-image follows */
	int whole;			/* ... of the whole address space */
	uint64_t lo, hi;		/* the window, [lo, hi) */
	struct rec_mappings *mappings;
};

struct rec_end {
	uint64_t events;	/* events in the file */
	uint64_t records;	/* records before the end record */
};

/*
 * Encoders append one payload to b; the caller frames it.  They advance st
 * and define the strings and stacks they refer to for the first time
 * (version 2 only: a writer writes nothing else).  Running out of memory
 * sets b->oom.
 */
void encode_header(struct bytebuf *b, const struct rec_header *h);
void encode_exec(struct bytebuf *b, struct payload_state *st, uint64_t time_ns,
		 const struct rec_exec *x, const struct mapping *const *maps, size_t count);
void encode_task(struct bytebuf *b, struct payload_state *st, uint64_t time_ns,
		 const struct rec_task *t);
void encode_exit(struct bytebuf *b, struct payload_state *st, uint64_t time_ns,
		 const struct rec_exit *x);
/* ev->row is not used: the arguments are coded by arch_lookup(arch, nr),
 * as the reader will decode them. */
void encode_event(struct bytebuf *b, struct payload_state *st, uint64_t time_ns,
		  const struct rec_event *e, const struct mapping *const *maps, size_t count);
void encode_end(struct bytebuf *b, struct payload_state *st, uint64_t time_ns,
		const struct rec_end *e);

/*
 * Decoders read one whole payload.  Each returns 0, or -EINVAL with a short
 * reason in *why when the payload does not hold what its kind says (the
 * state is then left half-advanced: the reader stops there anyway), or
 * -ENOMEM.  Bytes after the known fields are ignored: a newer minor
 * version may have added some.
 */
/* Allocates h's strings: free them with rec_header_free. */
int decode_header(struct cursor *c, struct rec_header *h, const char **why);
void rec_header_free(struct rec_header *h);
/* Version 1's STRING record: *bytes points into the payload. */
int decode_string(struct cursor *c, uint32_t *id, const uint8_t **bytes, size_t *len,
		  const char **why);
/* Version 1's STACK record: s->frames lives in *frames_buf, grown as needed. */
int decode_stack(struct cursor *c, struct rec_stack *s, struct rec_frame **frames_buf,
		 size_t *frames_cap, const char **why);
/* x->mappings and e->mappings must point to a list to fill (its memory is
 * reused from one record to the next).  Path, string and stack ids are
 * checked against st->defs, which grows by what the record defines. */
int decode_exec(struct cursor *c, struct payload_state *st, uint64_t *time_ns,
		struct rec_exec *x, const char **why);
int decode_task(struct cursor *c, struct payload_state *st, uint64_t *time_ns,
		struct rec_task *t, const char **why);
int decode_exit(struct cursor *c, struct payload_state *st, uint64_t *time_ns,
		struct rec_exit *x, const char **why);
int decode_event(struct cursor *c, struct payload_state *st, uint64_t *time_ns,
		 struct rec_event *e, const char **why);
int decode_end(struct cursor *c, struct payload_state *st, uint64_t *time_ns,
	       struct rec_end *e, const char **why);

void rec_mappings_free(struct rec_mappings *m);

/* The file's arch numbers. Returns 0, or -EINVAL for one it does not know. */
int arch_from_file(unsigned value, enum arch *out);
unsigned arch_to_file(enum arch arch);

#endif
