/*
 * Dictionaries: a byte string gets an id (1, 2, ...) the first time it is
 * seen, and the same id ever after.  The writer numbers its strings and
 * stacks with them, so the file defines each once; readers number tasks and
 * call sites in order of appearance.
 */
#ifndef MEMTRACE_RECORD_INTERN_H
#define MEMTRACE_RECORD_INTERN_H

#include <stddef.h>
#include <stdint.h>

struct intern_slot;

struct intern_table {
	struct intern_slot *slots;	/* open addressing, linear probing */
	size_t cap;			/* a power of two, or 0 */
	size_t count;			/* keys held; ids run 1..count */
};

void intern_init(struct intern_table *t);
void intern_free(struct intern_table *t);

/*
 * Returns the key's id, sets *added when the key is new (the caller then
 * writes its definition), or returns 0 when out of memory.
 */
uint32_t intern_id(struct intern_table *t, const void *key, size_t len, int *added);

/* Returns the key's id, or 0 when it has none. */
uint32_t intern_find(const struct intern_table *t, const void *key, size_t len);

#endif
