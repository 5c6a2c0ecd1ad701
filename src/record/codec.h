/*
 * The format's primitives: LEB128 unsigned varints, zigzag signed varints,
 * length-prefixed strings.  Writing appends to a growing buffer; reading
 * walks a bounded cursor.  Both keep a sticky failure flag, so an encoder or
 * decoder checks once at the end instead of after every field.
 */
#ifndef MEMTRACE_RECORD_CODEC_H
#define MEMTRACE_RECORD_CODEC_H

#include <stddef.h>
#include <stdint.h>

/* ---- writing ---- */

struct bytebuf {
	uint8_t *data;
	size_t len;	/* bytes used */
	size_t cap;	/* bytes allocated */
	int oom;	/* an append failed for want of memory: the contents are incomplete */
};

void bytebuf_init(struct bytebuf *b);
void bytebuf_free(struct bytebuf *b);
void put_bytes(struct bytebuf *b, const void *data, size_t len);
void put_u8(struct bytebuf *b, uint8_t v);
void put_u32le(struct bytebuf *b, uint32_t v);
void put_uvarint(struct bytebuf *b, uint64_t v);
void put_svarint(struct bytebuf *b, int64_t v);
/* A uvarint length, then the bytes (no NUL). */
void put_string(struct bytebuf *b, const char *s);
/*
 * Paths and symbol names use few characters: s[0..len) as a uvarint count,
 * then 6 bits a character (an escape and 8 bits for a byte outside the 63
 * most common), least significant bit first, the last byte padded with 0.
 * packed_size: the bytes after the count.
 */
void put_packed(struct bytebuf *b, const char *s, size_t len);
size_t packed_size(const char *s, size_t len);

/* ---- reading ---- */

struct cursor {
	const uint8_t *p;
	const uint8_t *end;
	int bad;	/* read past the end, or a varint too long */
};

void cursor_init(struct cursor *c, const void *data, size_t len);
static inline size_t cursor_left(const struct cursor *c)
{
	return (size_t)(c->end - c->p);
}
uint8_t get_u8(struct cursor *c);
uint64_t get_uvarint(struct cursor *c);
int64_t get_svarint(struct cursor *c);
/* A string as put_string wrote it: *len bytes at the returned pointer (not
 * NUL-terminated), or NULL with c->bad set. */
const uint8_t *get_string(struct cursor *c, size_t *len);
/* Characters as put_packed wrote them, into a malloc'd NUL-terminated
 * string of *len bytes; NULL with c->bad set, or NULL for want of memory. */
char *get_packed(struct cursor *c, size_t *len);
/*
 * A count of items that each take at least min_size bytes: more than the
 * payload can hold marks the cursor bad and returns 0, so no decoder ever
 * allocates for items a record cannot contain.
 */
uint64_t get_count(struct cursor *c, size_t min_size);

/* Zigzag: small magnitudes of either sign become small unsigned values. */
static inline uint64_t zigzag_encode(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t zigzag_decode(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

#endif
