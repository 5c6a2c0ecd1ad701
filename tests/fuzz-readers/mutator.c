/*
 * A mutator that knows the recording's framing (libFuzzer builds only).
 *
 * Every record ends in a CRC over its kind, length and payload, so a byte
 * flipped anywhere stops the reader at that record: plain mutation would
 * spend nearly all its time on the CRC check.  Here an input is split into
 * its pieces (preambles, records, a tail that does not frame), one piece
 * is mutated, and the file is written back with each record's length and
 * CRC made right again.  One mutation in sixteen is left raw, lengths and
 * CRCs as they fall, so the framing checks are fuzzed too.
 *
 *   preamble | kind len payload crc | kind len payload crc | ... | tail
 *                      ^^^^^^^ mutated; len and crc rewritten
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record/crc32.h"
#include "record/format.h"

#include "fuzz_readers.h"

#define MAX_PIECES 4096

enum piece_type { PIECE_PREAMBLE, PIECE_RECORD, PIECE_TAIL };

struct piece {
	enum piece_type type;
	uint8_t kind;		/* a record's */
	const uint8_t *bytes;	/* a record's payload; else the raw bytes */
	size_t len;
};

struct pieces {
	struct piece p[MAX_PIECES];
	size_t n;
	size_t records;		/* how many of them are records */
};

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A uvarint at p (at most 10 bytes before end); returns its length or 0. */
static size_t read_uvarint(const uint8_t *p, const uint8_t *end, uint64_t *v)
{
	*v = 0;
	for (size_t i = 0; i < 10 && p + i < end; i++) {
		*v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80))
			return i + 1;
	}
	return 0;
}

static size_t write_uvarint(uint8_t *out, uint64_t v)
{
	size_t n = 0;

	do {
		out[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	return n;
}

static void split(const uint8_t *data, size_t size, struct pieces *ps)
{
	const uint8_t *p = data, *end = data + size;

	ps->n = ps->records = 0;
	while (p < end && ps->n < MAX_PIECES - 1) {
		struct piece *pc = &ps->p[ps->n];
		uint64_t len;
		size_t vlen;

		if ((size_t)(end - p) >= RECORD_PREAMBLE_LEN &&
		    memcmp(p, RECORD_MAGIC, RECORD_MAGIC_LEN) == 0) {
			*pc = (struct piece){ PIECE_PREAMBLE, 0, p, RECORD_PREAMBLE_LEN };
			p += RECORD_PREAMBLE_LEN;
			ps->n++;
			continue;
		}
		vlen = read_uvarint(p + 1, end, &len);
		if (!vlen || len > (uint64_t)(end - p - 1 - vlen) ||
		    (uint64_t)(end - p - 1 - vlen) - len < 4)
			break;
		*pc = (struct piece){ PIECE_RECORD, p[0], p + 1 + vlen, (size_t)len };
		p += 1 + vlen + len + 4;
		ps->n++;
		ps->records++;
	}
	if (p < end)
		ps->p[ps->n++] = (struct piece){ PIECE_TAIL, 0, p, (size_t)(end - p) };
}

/* Writes the pieces to out with right lengths and CRCs; returns the size
 * (cut at max_size). */
static size_t join(const struct pieces *ps, uint8_t *out, size_t max_size)
{
	size_t len = 0;

	for (size_t i = 0; i < ps->n; i++) {
		const struct piece *pc = &ps->p[i];
		uint8_t head[11];
		size_t head_len = 0;
		uint32_t crc;
		uint8_t crc_le[4];

		if (pc->type == PIECE_RECORD) {
			head[0] = pc->kind;
			head_len = 1 + write_uvarint(head + 1, pc->len);
		}
		if (len + head_len + pc->len + (pc->type == PIECE_RECORD ? 4 : 0) > max_size)
			break;
		memcpy(out + len, head, head_len);
		len += head_len;
		memmove(out + len, pc->bytes, pc->len);
		len += pc->len;
		if (pc->type != PIECE_RECORD)
			continue;
		crc = crc32_update(crc32_update(0, head, head_len), pc->bytes, pc->len);
		crc_le[0] = (uint8_t)crc;
		crc_le[1] = (uint8_t)(crc >> 8);
		crc_le[2] = (uint8_t)(crc >> 16);
		crc_le[3] = (uint8_t)(crc >> 24);
		memcpy(out + len, crc_le, 4);
		len += 4;
	}
	return len;
}

/* The index of a random record piece (there is one). */
static size_t pick_record(const struct pieces *ps, uint64_t *rng)
{
	size_t k = rng_next(rng) % ps->records;

	for (size_t i = 0; i < ps->n; i++)
		if (ps->p[i].type == PIECE_RECORD && k-- == 0)
			return i;
	return 0;
}

/* Values that find off-by-ones and overflows in counts, lengths and
 * addresses. */
static uint64_t interesting(uint64_t *rng)
{
	static const uint64_t values[] = {
		0, 1, 2, 0x7f, 0x80, 0xff, 0xfff, 0x1000, 0x10000, 1u << 20, 0x7fffffff,
		0x80000000, 0xffffffff, 1ull << 32, 0xffffffff000, 0x7ffffffff000,
		0x800000000000, 1ull << 52, 1ull << 63, UINT64_MAX - 0xfff, UINT64_MAX,
	};
	uint64_t r = rng_next(rng);

	if (r % 4 == 0)
		return rng_next(rng) >> (r % 64);
	return values[(r >> 8) % (sizeof(values) / sizeof(values[0]))];
}

/* Replaces the varint at a random offset of the payload with another. */
static size_t set_varint(uint8_t *buf, size_t len, size_t cap, uint64_t *rng)
{
	uint8_t enc[10];
	size_t at, old_len, new_len;
	uint64_t v;

	if (!len)
		return len;
	at = rng_next(rng) % len;
	old_len = read_uvarint(buf + at, buf + len, &v);
	if (!old_len)
		old_len = len - at;
	new_len = write_uvarint(enc, interesting(rng));
	if (len - old_len + new_len > cap)
		return len;
	memmove(buf + at + new_len, buf + at + old_len, len - at - old_len);
	memcpy(buf + at, enc, new_len);
	return len - old_len + new_len;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	static struct pieces ps;
	uint64_t rng = (uint64_t)seed * 0x9e3779b97f4a7c15ull + 1;
	uint8_t *out = malloc(max_size), *scratch = NULL;
	unsigned op = (unsigned)(rng_next(&rng) % 16);
	size_t i, j, len;

	if (!out)
		return LLVMFuzzerMutate(data, size, max_size);
	split(data, size, &ps);
	if (op == 0 || ps.records == 0) {
		/* Raw: lengths and CRCs as they fall. */
		free(out);
		return LLVMFuzzerMutate(data, size, max_size);
	}
	i = pick_record(&ps, &rng);
	switch (op) {
	case 1: case 2: case 3: case 4: case 5: case 6:
	case 7: case 8: {
		/* One payload, by libFuzzer's own mutations, or a varint. */
		size_t cap = ps.p[i].len * 2 + 64;

		if (cap > max_size)
			cap = max_size;
		scratch = malloc(cap);
		if (!scratch)
			break;
		len = ps.p[i].len < cap ? ps.p[i].len : cap;
		memcpy(scratch, ps.p[i].bytes, len);
		len = op >= 7 ? set_varint(scratch, len, cap, &rng)
			      : LLVMFuzzerMutate(scratch, len, cap);
		ps.p[i].bytes = scratch;
		ps.p[i].len = len;
		break;
	}
	case 9:
		/* Another kind, known or not. */
		ps.p[i].kind = (uint8_t)(rng_next(&rng) % 3 ? 1 + rng_next(&rng) % 9
							     : rng_next(&rng));
		break;
	case 10: case 11:
		/* A record again, elsewhere (a second header, a string id twice). */
		if (ps.n >= MAX_PIECES)
			break;
		j = 1 + rng_next(&rng) % ps.n;
		memmove(&ps.p[j + 1], &ps.p[j], (ps.n - j) * sizeof(ps.p[0]));
		ps.p[j] = ps.p[i < j ? i : i + 1];
		ps.n++;
		break;
	case 12:
		memmove(&ps.p[i], &ps.p[i + 1], (ps.n - i - 1) * sizeof(ps.p[0]));
		ps.n--;
		break;
	default:
		/* Raw, then framed again. */
		len = LLVMFuzzerMutate(data, size, max_size);
		split(data, len, &ps);
		break;
	}
	len = join(&ps, out, max_size);
	memcpy(data, out, len);
	free(scratch);
	free(out);
	return len;
}
