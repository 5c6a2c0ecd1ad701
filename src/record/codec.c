/* Varints and strings (see codec.h). */
#include "codec.h"

#include <stdlib.h>
#include <string.h>

void bytebuf_init(struct bytebuf *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->oom = 0;
}

void bytebuf_free(struct bytebuf *b)
{
	free(b->data);
	bytebuf_init(b);
}

static int bytebuf_reserve(struct bytebuf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 256;
	uint8_t *data;

	if (b->oom)
		return -1;
	if (b->len + more <= b->cap)
		return 0;
	while (cap < b->len + more)
		cap *= 2;
	data = realloc(b->data, cap);
	if (!data) {
		b->oom = 1;
		return -1;
	}
	b->data = data;
	b->cap = cap;
	return 0;
}

void put_bytes(struct bytebuf *b, const void *data, size_t len)
{
	if (!len || bytebuf_reserve(b, len) < 0)
		return;
	memcpy(b->data + b->len, data, len);
	b->len += len;
}

void put_u8(struct bytebuf *b, uint8_t v)
{
	put_bytes(b, &v, 1);
}

void put_u32le(struct bytebuf *b, uint32_t v)
{
	uint8_t le[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24 };

	put_bytes(b, le, 4);
}

void put_uvarint(struct bytebuf *b, uint64_t v)
{
	uint8_t tmp[10];
	size_t n = 0;

	do {
		tmp[n] = (v & 0x7f) | (v > 0x7f ? 0x80 : 0);
		v >>= 7;
		n++;
	} while (v);
	put_bytes(b, tmp, n);
}

void put_svarint(struct bytebuf *b, int64_t v)
{
	put_uvarint(b, zigzag_encode(v));
}

void put_string(struct bytebuf *b, const char *s)
{
	size_t len = strlen(s);

	put_uvarint(b, len);
	put_bytes(b, s, len);
}

void cursor_init(struct cursor *c, const void *data, size_t len)
{
	c->p = data;
	/* An empty payload may have no buffer at all: NULL + 0 is undefined. */
	c->end = len ? c->p + len : c->p;
	c->bad = 0;
}

uint8_t get_u8(struct cursor *c)
{
	if (c->p >= c->end) {
		c->bad = 1;
		return 0;
	}
	return *c->p++;
}

uint64_t get_uvarint(struct cursor *c)
{
	uint64_t v = 0;

	for (int shift = 0; shift < 64; shift += 7) {
		uint8_t byte;

		if (c->p >= c->end)
			break;
		byte = *c->p++;
		/* The tenth byte may only hold the top bit of 64. */
		if (shift == 63 && byte > 1)
			break;
		v |= (uint64_t)(byte & 0x7f) << shift;
		if (!(byte & 0x80))
			return v;
	}
	c->bad = 1;
	return 0;
}

int64_t get_svarint(struct cursor *c)
{
	return zigzag_decode(get_uvarint(c));
}

const uint8_t *get_string(struct cursor *c, size_t *len)
{
	uint64_t n = get_uvarint(c);
	const uint8_t *s = c->p;

	if (c->bad || n > cursor_left(c)) {
		c->bad = 1;
		*len = 0;
		return NULL;
	}
	c->p += n;
	*len = n;
	return s;
}

uint64_t get_count(struct cursor *c, size_t min_size)
{
	uint64_t n = get_uvarint(c);

	if (c->bad || (min_size && n > cursor_left(c) / min_size)) {
		c->bad = 1;
		return 0;
	}
	return n;
}
