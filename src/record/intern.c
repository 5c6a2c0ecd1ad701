/* Byte strings to ids: a hash table that grows at half full. */
#include "record/intern.h"

#include <stdlib.h>
#include <string.h>

struct intern_slot {
	uint64_t hash;
	uint8_t *key;		/* NULL: empty slot */
	size_t len;
	uint32_t id;
};

void intern_init(struct intern_table *t)
{
	t->slots = NULL;
	t->cap = t->count = 0;
}

void intern_free(struct intern_table *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->slots[i].key);
	free(t->slots);
	intern_init(t);
}

/* FNV-1a: short keys.  A file crafted to collide could slow a reader, no more. */
static uint64_t hash_bytes(const void *key, size_t len)
{
	const uint8_t *p = key;
	uint64_t h = 0xcbf29ce484222325ull;

	while (len--)
		h = (h ^ *p++) * 0x100000001b3ull;
	return h;
}

static struct intern_slot *find_slot(struct intern_slot *slots, size_t cap, uint64_t hash,
				     const void *key, size_t len)
{
	for (size_t i = hash & (cap - 1);; i = (i + 1) & (cap - 1)) {
		struct intern_slot *s = &slots[i];

		if (!s->key || (s->hash == hash && s->len == len && memcmp(s->key, key, len) == 0))
			return s;
	}
}

static int grow(struct intern_table *t)
{
	size_t cap = t->cap ? t->cap * 2 : 64;
	struct intern_slot *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -1;
	for (size_t i = 0; i < t->cap; i++) {
		struct intern_slot *old = &t->slots[i];

		if (old->key)
			*find_slot(slots, cap, old->hash, old->key, old->len) = *old;
	}
	free(t->slots);
	t->slots = slots;
	t->cap = cap;
	return 0;
}

uint32_t intern_find(const struct intern_table *t, const void *key, size_t len)
{
	const struct intern_slot *s;

	if (!t->cap)
		return 0;
	s = find_slot(t->slots, t->cap, hash_bytes(key, len), key, len);
	return s->key ? s->id : 0;
}

uint32_t intern_id(struct intern_table *t, const void *key, size_t len, int *added)
{
	uint64_t hash = hash_bytes(key, len);
	struct intern_slot *s;

	*added = 0;
	if ((t->count + 1) * 2 > t->cap && grow(t) < 0)
		return 0;
	s = find_slot(t->slots, t->cap, hash, key, len);
	if (s->key)
		return s->id;
	/* one byte more, so that an empty key still gets a non-NULL copy */
	s->key = malloc(len + 1);
	if (!s->key)
		return 0;
	memcpy(s->key, key, len);
	s->hash = hash;
	s->len = len;
	s->id = (uint32_t)++t->count;
	*added = 1;
	return s->id;
}
