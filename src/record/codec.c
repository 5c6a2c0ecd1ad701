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

/* The characters of put_packed, by their 6-bit code; code 63 escapes a byte. */
static const char packed_chars[] =
	"abcdefghijklmnopqrstuvwxyz0123456789_./-+ABCDEFGHIKLMNOPRSTUVWY";
#define PACKED_ESCAPE 63

static int packed_code(unsigned char ch)
{
	const char *p = ch ? strchr(packed_chars, ch) : NULL;

	return p ? (int)(p - packed_chars) : PACKED_ESCAPE;
}

size_t packed_size(const char *s, size_t len)
{
	uint64_t bits = 0;

	for (size_t i = 0; i < len; i++)
		bits += packed_code((unsigned char)s[i]) == PACKED_ESCAPE ? 14 : 6;
	return (size_t)((bits + 7) / 8);
}

void put_packed(struct bytebuf *b, const char *s, size_t len)
{
	uint64_t acc = 0;
	int nacc = 0;

	put_uvarint(b, len);
	for (size_t i = 0; i < len; i++) {
		int code = packed_code((unsigned char)s[i]);

		acc |= (uint64_t)code << nacc;
		nacc += 6;
		if (code == PACKED_ESCAPE) {
			acc |= (uint64_t)(unsigned char)s[i] << nacc;
			nacc += 8;
		}
		for (; nacc >= 8; nacc -= 8, acc >>= 8)
			put_u8(b, (uint8_t)acc);
	}
	if (nacc)
		put_u8(b, (uint8_t)acc);
}

/* The next nbits of a packed string, reading its bytes only as needed. */
static unsigned take_bits(struct cursor *c, uint32_t *acc, int *nacc, int nbits)
{
	unsigned v;

	while (*nacc < nbits) {
		if (c->p >= c->end) {
			c->bad = 1;
			return 0;
		}
		*acc |= (uint32_t)*c->p++ << *nacc;
		*nacc += 8;
	}
	v = *acc & ((1u << nbits) - 1);
	*acc >>= nbits;
	*nacc -= nbits;
	return v;
}

char *get_packed(struct cursor *c, size_t *len)
{
	uint64_t n = get_uvarint(c);
	uint32_t acc = 0;
	int nacc = 0;
	char *s;

	/* a character takes 6 bits at least */
	if (c->bad || n > cursor_left(c) * 8 / 6) {
		c->bad = 1;
		return NULL;
	}
	s = malloc(n + 1);
	if (!s)
		return NULL;
	for (uint64_t i = 0; i < n && !c->bad; i++) {
		unsigned code = take_bits(c, &acc, &nacc, 6);

		s[i] = code == PACKED_ESCAPE ? (char)take_bits(c, &acc, &nacc, 8)
					     : packed_chars[code];
	}
	if (c->bad) {
		free(s);
		return NULL;
	}
	s[n] = '\0';
	*len = n;
	return s;
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
