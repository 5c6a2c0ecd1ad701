/*
 * Fields that several record kinds share, and their delta coding against
 * struct payload_state (memtrace-format(5), "Deltas" and "Mapping lists").
 * For payload.c and event.c only.
 */
#ifndef MEMTRACE_RECORD_FIELDS_H
#define MEMTRACE_RECORD_FIELDS_H

#include "record/payload.h"

#define PAGE_SHIFT 12

/* Sets *why to reason; returns -EINVAL, for decoders to return. */
int payload_fail(const char **why, const char *reason);

/* A time: nanoseconds since the previous timed record. */
void put_time_delta(struct bytebuf *b, struct payload_state *st, uint64_t time_ns);
uint64_t get_time_delta(struct cursor *c, struct payload_state *st);

/* An address, as a delta from the last one coded: in pages when every
 * address of the record is page-aligned (pages set), else in bytes. */
void put_address(struct bytebuf *b, struct payload_state *st, uint64_t v, int pages);
uint64_t get_address(struct cursor *c, struct payload_state *st, int pages);

/* A value of the arch's word size that is not an address, sign-extended so
 * that -1 (no fd) takes one byte on both arches. */
void put_word(struct bytebuf *b, uint64_t v, enum arch arch);
uint64_t get_word(struct cursor *c, enum arch arch);

/* A size or a byte offset (version 2): in pages when it is a page multiple,
 * so that 64 KiB takes one byte. */
void put_size(struct bytebuf *b, uint64_t v, enum arch arch);
uint64_t get_size(struct cursor *c, enum arch arch);

/* An argument the kernel reads as a C int (version 2): whatever the upper
 * half of the register, -1 takes one byte. */
void put_c_int(struct bytebuf *b, uint64_t v, enum arch arch);
uint64_t get_c_int(struct cursor *c, enum arch arch);

/* A tid.  Returns 0, or -EINVAL for one no kernel gives. */
int get_tid(struct cursor *c, pid_t *tid);

/* Mappings, sorted and disjoint, from cursor on (the start of the list's
 * range); the decoder checks they end by limit (exclusive; 0: no limit).
 * Paths are string references (defs.h). */
void put_mapping_list(struct bytebuf *b, struct payload_state *st,
		      const struct mapping *const *maps, size_t count, uint64_t cursor);
int get_mapping_list(struct cursor *c, struct payload_state *st, struct rec_mappings *list,
		     uint64_t cursor, uint64_t limit, const char **why);
/* One mapping whose place the record gives elsewhere: [start, end) (version 2). */
void put_mapping_alone(struct bytebuf *b, struct payload_state *st, const struct mapping *m);
int get_mapping_alone(struct cursor *c, struct payload_state *st, struct rec_mappings *list,
		      uint64_t start, uint64_t end, const char **why);

#endif
