/* Fields shared by several record kinds (see fields.h). */
#include "record/fields.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "record/format.h"

/* The file stores the model's kinds and flag bits by value: a change to
 * those enums must come with a new format version. */
_Static_assert(MAPPING_KIND_ANON == 0 && MAPPING_KIND_FILE == 1 && MAPPING_KIND_EXE == 2 &&
	       MAPPING_KIND_LIB == 3 && MAPPING_KIND_HEAP == 4 && MAPPING_KIND_STACK == 5 &&
	       MAPPING_KIND_VDSO == 6 && MAPPING_KIND_VVAR == 7 &&
	       MAPPING_KIND_VVAR_VCLOCK == 8 && MAPPING_KIND_VSYSCALL == 9 &&
	       MAPPING_KIND_SHM == 10 && MAPPING_KIND_MEMTRACE_STUB == 11 &&
	       MAPPING_KIND_COUNT <= MF_KIND_MASK + 1,
	       "mapping kinds are numbered in memtrace-format(5)");
_Static_assert(MAPPING_SHARED == 1 && MAPPING_ANON == 2 && MAPPING_GROWSDOWN == 4 &&
	       MAPPING_LOCKED == 8 && MAPPING_LOCKONFAULT == 16 && MAPPING_DONTFORK == 32 &&
	       MAPPING_WIPEONFORK == 64 && MAPPING_DONTEXPAND == 128 &&
	       MAPPING_DONTDUMP == 256 && MAPPING_NORESERVE == 512 && MAPPING_SEALED == 1024 &&
	       MAPPING_DROPPABLE == 2048,
	       "mapping flags are numbered in memtrace-format(5)");

void payload_state_init(struct payload_state *st, int major, struct def_index *index)
{
	memset(st, 0, sizeof(*st));
	st->major = major;
	st->arch = ARCH_X86_64;
	defs_init(&st->defs);
	st->index = index;
}

void payload_state_free(struct payload_state *st)
{
	defs_free(&st->defs);
}

int arch_from_file(unsigned value, enum arch *out)
{
	switch (value) {
	case RECORD_ARCH_X86_64:
		*out = ARCH_X86_64;
		return 0;
	case RECORD_ARCH_I386:
		*out = ARCH_I386;
		return 0;
	}
	return -EINVAL;
}

unsigned arch_to_file(enum arch arch)
{
	return arch == ARCH_I386 ? RECORD_ARCH_I386 : RECORD_ARCH_X86_64;
}

int payload_fail(const char **why, const char *reason)
{
	*why = reason;
	return -EINVAL;
}

void put_time_delta(struct bytebuf *b, struct payload_state *st, uint64_t time_ns)
{
	/* Times never go back: a late reading is stored as the previous one. */
	if (time_ns < st->time_ns)
		time_ns = st->time_ns;
	put_uvarint(b, time_ns - st->time_ns);
	st->time_ns = time_ns;
}

uint64_t get_time_delta(struct cursor *c, struct payload_state *st)
{
	st->time_ns += get_uvarint(c);
	return st->time_ns;
}

void put_address(struct bytebuf *b, struct payload_state *st, uint64_t v, int pages)
{
	if (pages)
		put_svarint(b, (int64_t)((v >> PAGE_SHIFT) - (st->addr >> PAGE_SHIFT)));
	else
		put_svarint(b, (int64_t)(v - st->addr));
	st->addr = v;
}

uint64_t get_address(struct cursor *c, struct payload_state *st, int pages)
{
	uint64_t d = (uint64_t)get_svarint(c);

	st->addr = pages ? ((st->addr >> PAGE_SHIFT) + d) << PAGE_SHIFT : st->addr + d;
	return st->addr;
}

void put_word(struct bytebuf *b, uint64_t v, enum arch arch)
{
	if (arch_infos[arch].word_mask == UINT32_MAX)
		put_svarint(b, (int32_t)(uint32_t)v);
	else
		put_svarint(b, (int64_t)v);
}

uint64_t get_word(struct cursor *c, enum arch arch)
{
	return (uint64_t)get_svarint(c) & arch_infos[arch].word_mask;
}

/* The low two bits of a size's uvarint say how the rest holds it. */
#define SIZE_PAGES 0		/* in pages */
#define SIZE_BYTES 1		/* in bytes, below 2^62 */
#define SIZE_WORD 2		/* a word follows */

void put_size(struct bytebuf *b, uint64_t v, enum arch arch)
{
	if (mm_page_aligned(v))
		put_uvarint(b, (v >> PAGE_SHIFT) << 2 | SIZE_PAGES);
	else if (v < (1ull << 62))
		put_uvarint(b, v << 2 | SIZE_BYTES);
	else {
		put_uvarint(b, SIZE_WORD);
		put_word(b, v, arch);
	}
}

uint64_t get_size(struct cursor *c, enum arch arch)
{
	uint64_t v = get_uvarint(c);

	switch (v & 3) {
	case SIZE_PAGES:
		return ((v >> 2) << PAGE_SHIFT) & arch_infos[arch].word_mask;
	case SIZE_BYTES:
		return (v >> 2) & arch_infos[arch].word_mask;
	case SIZE_WORD:
		if (v == SIZE_WORD)
			return get_word(c, arch);
		break;
	}
	c->bad = 1;
	return 0;
}

/* The low two bits of a C int's uvarint say what the upper 32 bits hold. */
#define CINT_ZERO 0		/* zeros: the register as the program set an int */
#define CINT_SIGN 1		/* the sign of the low 32 */
#define CINT_WORD 2		/* anything: the word follows */

void put_c_int(struct bytebuf *b, uint64_t v, enum arch arch)
{
	uint64_t low = zigzag_encode((int32_t)(uint32_t)v) << 2;

	if (v == (uint32_t)v)
		put_uvarint(b, low | CINT_ZERO);
	else if (v == (uint64_t)(int64_t)(int32_t)(uint32_t)v)
		put_uvarint(b, low | CINT_SIGN);
	else {
		put_uvarint(b, CINT_WORD);
		put_word(b, v, arch);
	}
}

uint64_t get_c_int(struct cursor *c, enum arch arch)
{
	uint64_t v = get_uvarint(c);
	uint32_t low = (uint32_t)zigzag_decode(v >> 2);

	switch (v & 3) {
	case CINT_ZERO:
		return low;
	case CINT_SIGN:
		return (uint64_t)(int64_t)(int32_t)low & arch_infos[arch].word_mask;
	case CINT_WORD:
		if (v == CINT_WORD)
			return get_word(c, arch);
		break;
	}
	c->bad = 1;
	return 0;
}

int get_tid(struct cursor *c, pid_t *tid)
{
	uint64_t v = get_uvarint(c);

	*tid = (pid_t)v;
	return v > INT32_MAX ? -EINVAL : 0;
}


/* Anonymous memory keeps its first address as its offset (Linux's
 * vm_pgoff), until it moves. */
static int kind_keeps_start(unsigned kind)
{
	return kind == MAPPING_KIND_ANON || kind == MAPPING_KIND_HEAP || kind == MAPPING_KIND_STACK;
}

/* A mapping's fields after its place (gap and length), version 2. */
static void put_mapping_body(struct bytebuf *b, struct payload_state *st,
			     const struct mapping *m)
{
	const struct mapping_backing *bk = &m->backing;
	const struct mapping_policy *pol = &m->policy;
	const char *path = mapping_path_name(m);
	unsigned mf = m->kind & MF_KIND_MASK;
	int has_dev = bk->dev_major || bk->dev_minor || bk->inode;

	if (m->offset != (kind_keeps_start(m->kind) ? m->start : 0))
		mf |= MF2_OFFSET | (mm_page_aligned(m->offset) ? 0 : MF2_OFFSET_BYTES);
	if (path)
		mf |= MF2_PATH;
	/* The segments of one file come one after the other. */
	if (has_dev && bk->dev_major == st->dev_major && bk->dev_minor == st->dev_minor)
		mf |= bk->inode == st->inode ? MF2_DEV_SAME : MF2_INODE;
	else if (has_dev)
		mf |= MF2_DEV;
	if (bk->file_id != bk->inode)
		mf |= MF2_FILE_ID;
	if (m->advice)
		mf |= MF2_ADVICE;
	if (pol->mode || pol->flags || pol->nodemask)
		mf |= MF2_POLICY;

	put_uvarint(b, mf);
	put_u8(b, (m->prot & 0xf) | (m->max_prot & 0xf) << 4);
	put_uvarint(b, m->flags);
	if (mf & MF2_OFFSET)
		put_uvarint(b, mf & MF2_OFFSET_BYTES ? m->offset : m->offset >> PAGE_SHIFT);
	if (mf & MF2_PATH)
		put_string_ref(b, &st->defs, st->index, path);
	if (mf & MF2_DEV) {
		put_uvarint(b, bk->dev_major);
		put_uvarint(b, bk->dev_minor);
	}
	if (mf & (MF2_DEV | MF2_INODE))
		put_uvarint(b, bk->inode);
	if (has_dev) {
		st->dev_major = bk->dev_major;
		st->dev_minor = bk->dev_minor;
		st->inode = bk->inode;
	}
	if (mf & MF2_FILE_ID)
		put_uvarint(b, bk->file_id);
	if (mf & MF2_ADVICE)
		put_uvarint(b, m->advice);
	if (mf & MF2_POLICY) {
		put_uvarint(b, pol->mode);
		put_uvarint(b, pol->flags);
		put_uvarint(b, pol->nodemask);
	}
}

/* Version 2's mapping flags as version 1 says the same; -1 for bits no
 * version has. */
static long mflags_from_v2(unsigned w)
{
	unsigned mf = w & MF_KIND_MASK;

	if (w & ~((MF2_INODE << 1) - 1))
		return -1;
	if (w & MF2_OFFSET)
		mf |= MF_OFFSET | (w & MF2_OFFSET_BYTES ? 0 : MF_OFFSET_PAGES);
	else if (w & MF2_OFFSET_BYTES)
		return -1;
	else if (kind_keeps_start(mf))
		mf |= MF_OFF_START;
	mf |= w & MF2_PATH ? MF_PATH : 0;
	mf |= w & MF2_DEV_SAME ? MF_DEV_SAME : 0;
	mf |= w & MF2_DEV ? MF_DEV : 0;
	mf |= w & MF2_INODE ? MF_INODE : 0;
	mf |= w & MF2_FILE_ID ? MF_FILE_ID : MF_FILE_ID_INODE;
	mf |= w & MF2_ADVICE ? MF_ADVICE : 0;
	mf |= w & MF2_POLICY ? MF_POLICY : 0;
	return mf;
}

void put_mapping_list(struct bytebuf *b, struct payload_state *st,
		      const struct mapping *const *maps, size_t count, uint64_t cursor)
{
	put_uvarint(b, count);
	for (size_t i = 0; i < count; i++) {
		put_uvarint(b, (maps[i]->start - cursor) >> PAGE_SHIFT);
		put_uvarint(b, (maps[i]->end - maps[i]->start) >> PAGE_SHIFT);
		put_mapping_body(b, st, maps[i]);
		cursor = maps[i]->end;
	}
}

void put_mapping_alone(struct bytebuf *b, struct payload_state *st, const struct mapping *m)
{
	put_mapping_body(b, st, m);
}

/* The fields after a mapping's place; m holds its start and end already. */
static int get_mapping_body(struct cursor *c, struct payload_state *st, struct mapping *m,
			    uint32_t *path_id, const char **why)
{
	struct mapping_backing *bk = &m->backing;
	uint64_t wire = get_uvarint(c), v;
	uint8_t prot = get_u8(c);
	long mf = st->major < 2 ? (long)wire : mflags_from_v2((unsigned)wire);
	int err;

	*path_id = 0;
	if (wire > UINT32_MAX || mf < 0 ||
	    (st->major < 2 && (mf & (MF_DEV_SAME | MF_OFFSET_PAGES | MF_INODE))))
		return payload_fail(why, "a mapping has flags no version has");
	m->kind = mf & MF_KIND_MASK;
	if (m->kind >= MAPPING_KIND_COUNT)
		return payload_fail(why, "a mapping has an unknown kind");
	m->prot = prot & 0xf;
	m->max_prot = prot >> 4;
	v = get_uvarint(c);
	m->flags = (uint32_t)v;
	if (v > UINT32_MAX)
		return payload_fail(why, "a mapping has bad flags");
	if (mf & MF_OFF_START) {
		m->offset = m->start;
	} else if (mf & MF_OFFSET) {
		m->offset = get_uvarint(c);
		if (mf & MF_OFFSET_PAGES) {
			if (m->offset > UINT64_MAX >> PAGE_SHIFT)
				return payload_fail(why, "a mapping has a bad offset");
			m->offset <<= PAGE_SHIFT;
		}
	}
	if (mf & MF_PATH) {
		err = get_string_ref(c, st->major, &st->defs, path_id, why);
		if (err)
			return err;
	}
	if (mf & MF_DEV) {
		bk->dev_major = (uint32_t)get_uvarint(c);
		bk->dev_minor = (uint32_t)get_uvarint(c);
		bk->inode = get_uvarint(c);
	} else if (mf & (MF_DEV_SAME | MF_INODE)) {
		bk->dev_major = st->dev_major;
		bk->dev_minor = st->dev_minor;
		bk->inode = mf & MF_INODE ? get_uvarint(c) : st->inode;
	}
	if (bk->dev_major || bk->dev_minor || bk->inode) {
		st->dev_major = bk->dev_major;
		st->dev_minor = bk->dev_minor;
		st->inode = bk->inode;
	}
	if (mf & MF_FILE_ID_INODE)
		bk->file_id = bk->inode;
	else if (mf & MF_FILE_ID)
		bk->file_id = get_uvarint(c);
	if (mf & MF_ADVICE)
		m->advice = (uint16_t)get_uvarint(c);
	if (mf & MF_POLICY) {
		m->policy.mode = (uint16_t)get_uvarint(c);
		m->policy.flags = (uint16_t)get_uvarint(c);
		m->policy.nodemask = get_uvarint(c);
	}
	return c->bad ? payload_fail(why, "a mapping is cut short") : 0;
}

static int get_mapping(struct cursor *c, struct payload_state *st, struct mapping *m,
		       uint32_t *path_id, uint64_t *cursor, const char **why)
{
	uint64_t gap = get_uvarint(c), pages = get_uvarint(c);

	memset(m, 0, sizeof(*m));
	*path_id = 0;
	if (gap > (UINT64_MAX - *cursor) >> PAGE_SHIFT)
		return payload_fail(why, "a mapping starts past the end of memory");
	m->start = *cursor + (gap << PAGE_SHIFT);
	if (pages == 0 || pages > (UINT64_MAX - m->start) >> PAGE_SHIFT)
		return payload_fail(why, "a mapping has a bad length");
	m->end = m->start + (pages << PAGE_SHIFT);
	*cursor = m->end;
	return get_mapping_body(c, st, m, path_id, why);
}

static int rec_mappings_reserve(struct rec_mappings *list, size_t count)
{
	struct mapping *maps;
	uint32_t *ids;

	if (count <= list->cap)
		return 0;
	maps = realloc(list->maps, count * sizeof(*maps));
	if (!maps)
		return -ENOMEM;
	list->maps = maps;
	ids = realloc(list->path_ids, count * sizeof(*ids));
	if (!ids)
		return -ENOMEM;
	list->path_ids = ids;
	list->cap = count;
	return 0;
}

/* Mappings sorted and disjoint from cursor up to limit (exclusive; 0: no limit). */
int get_mapping_list(struct cursor *c, struct payload_state *st, struct rec_mappings *list,
		     uint64_t cursor, uint64_t limit, const char **why)
{
	/* gap, length, mflags, prot and flags take a byte each at least */
	uint64_t count = get_count(c, 5);
	int err;

	list->count = 0;
	if (c->bad)
		return payload_fail(why, "a mapping count is larger than the record");
	err = rec_mappings_reserve(list, count);
	if (err)
		return err;
	for (uint64_t i = 0; i < count; i++) {
		err = get_mapping(c, st, &list->maps[i], &list->path_ids[i], &cursor, why);
		if (err)
			return err;
		if (limit && cursor > limit)
			return payload_fail(why, "a mapping lies outside its window");
		list->count++;
	}
	return 0;
}

int get_mapping_alone(struct cursor *c, struct payload_state *st, struct rec_mappings *list,
		      uint64_t start, uint64_t end, const char **why)
{
	int err = rec_mappings_reserve(list, 1);

	list->count = 0;
	if (err)
		return err;
	memset(&list->maps[0], 0, sizeof(list->maps[0]));
	list->maps[0].start = start;
	list->maps[0].end = end;
	err = get_mapping_body(c, st, &list->maps[0], &list->path_ids[0], why);
	if (!err)
		list->count = 1;
	return err;
}

void rec_mappings_free(struct rec_mappings *list)
{
	free(list->maps);
	free(list->path_ids);
	memset(list, 0, sizeof(*list));
}
