/*
 * ELF files by path, opened once per memtrace run and kept mapped: unwind
 * tables and symbols are read straight from them. Images read from memory
 * (the vdso) are kept by content, so every task with the same kernel's vdso
 * shares one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stack/elf_image.h"
#include "stack/stack_internal.h"

/* FNV-1a: short keys, no need for anything stronger. */
static uint64_t hash_bytes(const void *bytes, size_t len)
{
	const uint8_t *p = bytes;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

void module_cache_init(struct module_cache *mc)
{
	memset(mc, 0, sizeof(*mc));
}

void module_cache_destroy(struct module_cache *mc)
{
	for (size_t b = 0; b < MODULE_CACHE_BUCKETS; b++) {
		struct stack_module *m = mc->buckets[b], *next;

		for (; m; m = next) {
			next = m->next;
			elf_image_free(m->elf);
			free(m->name);
			free(m);
		}
		mc->buckets[b] = NULL;
	}
}

static struct stack_module *module_new(struct module_cache *mc, const char *name, uint64_t hash)
{
	struct stack_module *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->name = strdup(name);
	if (!m->name) {
		free(m);
		return NULL;
	}
	m->hash = hash;
	m->next = mc->buckets[hash % MODULE_CACHE_BUCKETS];
	mc->buckets[hash % MODULE_CACHE_BUCKETS] = m;
	return m;
}

struct stack_module *module_cache_file(struct module_cache *mc, const char *path,
				       uint64_t inode)
{
	uint64_t hash = hash_bytes(path, strlen(path));
	uint64_t opened = 0;
	struct stack_module *m;

	/*
	 * Keyed by path and inode: a program rebuilt in place gets a new
	 * entry, while the old one keeps the symbol names handed out.
	 */
	for (m = mc->buckets[hash % MODULE_CACHE_BUCKETS]; m; m = m->next)
		if (!m->from_memory && m->hash == hash && m->inode == inode &&
		    strcmp(m->name, path) == 0)
			return m;
	m = module_new(mc, path, hash);
	if (!m)
		return NULL;
	m->inode = inode;
	/* A file that cannot be read stays cached without an image: its path still names frames. */
	if (elf_image_open(path, &m->elf, &opened) < 0)
		m->elf = NULL;
	/* Only inode numbers are compared: overlayfs shows another device in /proc/PID/maps. */
	m->usable = m->elf && (!inode || opened == inode);
	return m;
}

static bool same_image(const struct stack_module *m, const void *bytes, size_t len)
{
	const uint8_t *mine;
	size_t mine_len;

	if (!m->elf)
		return false;
	mine = elf_image_bytes(m->elf, &mine_len);
	return mine_len == len && memcmp(mine, bytes, len) == 0;
}

struct stack_module *module_cache_image(struct module_cache *mc, const char *name,
					const void *bytes, size_t len)
{
	uint64_t hash = hash_bytes(bytes, len);
	struct stack_module *m;
	struct elf_image *elf;
	void *copy;

	for (m = mc->buckets[hash % MODULE_CACHE_BUCKETS]; m; m = m->next)
		if (m->from_memory && m->hash == hash && same_image(m, bytes, len))
			return m;
	copy = malloc(len);
	if (!copy)
		return NULL;
	memcpy(copy, bytes, len);
	if (elf_image_adopt(copy, len, &elf) < 0) {
		free(copy);
		return NULL;
	}
	m = module_new(mc, name, hash);
	if (!m) {
		elf_image_free(elf);
		return NULL;
	}
	m->from_memory = true;
	m->usable = true;
	m->elf = elf;
	return m;
}
