/*
 * Version 2's codings: stack and string references (src/record/defs.h)
 * written through the coder and read back; events with arguments of every
 * shape; and hand-made files whose references are wrong, each of which
 * must stop the reader with its reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "record/crc32.h"
#include "record/defs.h"
#include "record/format.h"
#include "record/payload.h"
#include "record/reader.h"
#include "record_test.h"

/* ---- round trips ---- */

static const char *const modules[] = { NULL, LIBC, PROG, "/usr/lib/x86_64-linux-gnu/libm.so.6" };
static const char *const symbols[] = { NULL, "malloc", "mmap64", "_dl_map_object",
				       "_dl_map_segments", "PyObject_Malloc", "PyObject_Free",
				       "level_three", "main", "__libc_start_main" };

/* Frame k of a small program: a fixed module, offset and symbol per k
 * (symbol offsets of any size). */
static struct record_frame frame_of(unsigned k)
{
	struct record_frame f = { modules[k % 4], 0x1000u + 0x37u * k, symbols[k % 10], k % 7 };

	if (k % 9 == 4)
		f.symbol_offset = UINT64_MAX - k;
	return f;
}

static int same_name(const struct rec_defs *d, uint32_t id, const char *want)
{
	const char *got = id && id <= d->nstrings ? d->strings[id - 1] : NULL;

	return (!got && !want) || (got && want && strcmp(got, want) == 0);
}

/*
 * Stacks as a program makes them: paths down a call tree of 64 frames,
 * recursion included, cut to at most 16 frames, many of them repeated.
 * Each is written, then read back from the same bytes into a fresh table.
 */
void test_stack_refs(struct harness *h)
{
	struct rec_defs wd, rdefs;
	struct def_index x;
	struct bytebuf b;
	struct cursor c;
	struct record_frame stacks[400][16], path[40];
	struct rec_frame got[RECORD_MAX_FRAMES];
	uint32_t ids[400], depth_of[400];
	uint64_t rng = 11;
	int bad = 0, repeats = 0;
	size_t repeat_bytes = 0;

	defs_init(&wd);
	defs_init(&rdefs);
	def_index_init(&x);
	bytebuf_init(&b);
	for (int s = 0; s < 400; s++) {
		int depth = 1 + (int)(test_rand(&rng) % 40), n = depth < 16 ? depth : 16;
		unsigned k = 0;
		size_t before = b.len;

		if (s >= 100 && test_rand(&rng) % 3 == 0) {
			/* a stack seen before */
			int old = (int)(test_rand(&rng) % (unsigned)s);

			memcpy(stacks[s], stacks[old], sizeof(stacks[s]));
			depth_of[s] = depth_of[old];
			put_stack_ref(&b, &wd, &x, stacks[s], (int)depth_of[s]);
			repeats++;
			repeat_bytes += b.len - before;
			continue;
		}
		/* outermost first: main, then a walk down the tree, recursing now and then */
		for (int d = 0; d < depth; d++) {
			path[d] = frame_of(k);
			if (test_rand(&rng) % 5)
				k = (k * 2 + 1 + (unsigned)(test_rand(&rng) % 2)) % 64;
		}
		for (int i = 0; i < n; i++)
			stacks[s][i] = path[depth - 1 - i];
		depth_of[s] = (uint32_t)n;
		put_stack_ref(&b, &wd, &x, stacks[s], n);
	}
	ASSERT_EQ(h, b.oom, 0);
	cursor_init(&c, b.data, b.len);
	for (int s = 0; s < 400; s++) {
		const char *why = NULL;

		if (!ASSERT_EQ(h, get_stack_ref(&c, 2, &rdefs, &ids[s], &why), 0)) {
			printf("  stack %d: %s\n", s, why);
			break;
		}
		if (!ASSERT_EQ(h, defs_stack_frames(&rdefs, ids[s], got), depth_of[s]))
			break;
		for (uint32_t i = 0; i < depth_of[s]; i++) {
			bad += !same_name(&rdefs, got[i].module_id, stacks[s][i].module);
			bad += !same_name(&rdefs, got[i].symbol_id, stacks[s][i].symbol);
			bad += got[i].module_offset != stacks[s][i].module_offset;
			bad += got[i].symbol_offset != stacks[s][i].symbol_offset;
		}
	}
	ASSERT_EQ(h, bad, 0);
	ASSERT_EQ(h, cursor_left(&c), 0);
	/* both sides numbered the same definitions the same way */
	ASSERT_EQ(h, rdefs.nstrings, wd.nstrings);
	ASSERT_EQ(h, rdefs.nframes, wd.nframes);
	ASSERT(h, rdefs.nframes <= 64);
	/* a stack seen before is its id: one or two bytes */
	ASSERT(h, repeats > 50 && repeat_bytes <= 2 * (size_t)repeats);
	bytebuf_free(&b);
	def_index_free(&x);
	defs_free(&wd);
	defs_free(&rdefs);
}

/* A value as registers hold them: zero, small, page multiples, -1, pointers, anything. */
static uint64_t register_value(uint64_t *rng)
{
	switch (test_rand(rng) % 7) {
	case 0:
		return 0;
	case 1:
		return test_rand(rng) % 300;
	case 2:
		return (test_rand(rng) % 5000) << 12;
	case 3:
		return UINT64_MAX - test_rand(rng) % 3;
	case 4:
		return 0x7ffff7a00000 + test_rand(rng) % 0x200000;
	case 5:
		return 1ull << (test_rand(rng) % 64);
	}
	return test_rand(rng) << 32 ^ test_rand(rng);
}

/* Events with arguments of every shape, on both arches and an unknown
 * call, read back exactly. */
void test_args_round_trip(struct harness *h)
{
	static const struct {
		enum arch arch;
		uint64_t nr;
	} calls[] = { { ARCH_X86_64, X_MMAP },	 { ARCH_X86_64, X_MUNMAP }, { ARCH_X86_64, X_MPROTECT },
		      { ARCH_X86_64, X_MREMAP }, { ARCH_X86_64, 4095 },	    { ARCH_I386, I_MMAP2 },
		      { ARCH_I386, I_MUNMAP },	 { ARCH_I386, I_BRK } };
	enum { EVENTS = 3000 };
	static struct syscall_event evs[EVENTS];
	const char *file = tmp_path("args.mtr");
	char *argv[] = { PROG, NULL }, msg[512];
	struct record_reader *rd;
	struct record_item it;
	struct recorder *r;
	uint64_t rng = 99;
	int n = 0, bad = 0;

	if (!ASSERT_EQ(h, record_open(&r, file, 1, argv), 0))
		return;
	for (int i = 0; i < EVENTS; i++) {
		struct syscall_event *ev = &evs[i];
		int k = (int)(test_rand(&rng) % (sizeof(calls) / sizeof(calls[0])));

		ev->tid = 100 + (int)(test_rand(&rng) % 2);
		ev->arch = calls[k].arch;
		ev->nr = calls[k].nr;
		ev->row = arch_lookup(ev->arch, ev->nr);
		for (int a = 0; a < 6; a++)
			ev->args[a] = register_value(&rng) & arch_infos[ev->arch].word_mask;
		ev->ip = register_value(&rng) & arch_infos[ev->arch].word_mask;
		ev->has_result = 1;
		ev->result = test_rand(&rng) % 2 ? -(int64_t)(1 + test_rand(&rng) % 4095)
						 : (int64_t)(test_rand(&rng) % 1000) << 12;
		ASSERT_EQ(h, record_event(r, ev, NULL, NULL, 0, NULL, 0, 0), 0);
	}
	ASSERT_EQ(h, record_close(r), 0);
	if (!ASSERT_EQ(h, record_reader_open(&rd, file, msg, sizeof(msg)), 0))
		return;
	while (record_reader_next(rd, &it)) {
		const struct syscall_event *got = &it.event.ev, *want = &evs[n];

		if (it.kind != RECORD_KIND_EVENT)
			continue;
		/* registers the call does not read are recorded as 0 */
		for (int a = 0; a < 6; a++)
			bad += got->args[a] != (!want->row || want->row->args[a] == ARG_NONE
							? 0 : want->args[a]);
		bad += got->tid != want->tid || got->arch != want->arch || got->nr != want->nr;
		bad += got->ip != want->ip || got->result != want->result;
		n++;
	}
	ASSERT_EQ(h, record_reader_status(rd), READER_COMPLETE);
	ASSERT_EQ(h, n, EVENTS);
	ASSERT_EQ(h, bad, 0);
	record_reader_close(rd);
}

/* ---- hand-made files ---- */

static void put_record(struct bytebuf *file, enum record_kind kind, const struct bytebuf *p)
{
	size_t start = file->len;

	put_u8(file, (uint8_t)kind);
	put_uvarint(file, p->len);
	put_bytes(file, p->data, p->len);
	put_u32le(file, crc32_update(0, file->data + start, file->len - start));
}

/* The start of a version 2 file into out: preamble and a header record. */
static void start_v2(struct bytebuf *out)
{
	char name[] = "x";
	struct rec_header hd = { .version = name, .sysname = name, .release = name,
				 .kversion = name, .machine = name };
	struct bytebuf p;

	bytebuf_init(&p);
	put_bytes(out, RECORD_MAGIC, RECORD_MAGIC_LEN);
	put_bytes(out, "\x02\x00\x00\x00", 4);
	encode_header(&p, &hd);
	put_record(out, RECORD_KIND_HEADER, &p);
	bytebuf_free(&p);
}

/* A version 2 file: preamble, header, then one record of kind holding body. */
static void write_v2(const char *file, enum record_kind kind, const struct bytebuf *body)
{
	struct bytebuf out;

	bytebuf_init(&out);
	start_v2(&out);
	put_record(&out, kind, body);
	write_file(file, out.data, out.len);
	bytebuf_free(&out);
}

/* An event of tid 1: munmap, no arguments, result 0, its stack field next. */
/* A munmap event of tid 1 with no arguments and result 0; eflags says what follows. */
static void event_head(struct bytebuf *b, uint64_t eflags)
{
	put_uvarint(b, eflags | EV2_TID | EV_NR);	/* seq: 1 more than 0 */
	put_uvarint(b, 1);		/* tid */
	put_uvarint(b, 0);		/* time */
	put_uvarint(b, X_MUNMAP);
	put_uvarint(b, 0);		/* no arguments */
	put_svarint(b, 0);		/* result */
}

/* The item of a new frame whose symbol offset is 0, with these flags
 * (1: the module of the frame before, 2: no symbol). */
static uint64_t new_frame_item(unsigned flags)
{
	return 1 << 4 | flags << 2 | 1;
}

/* A new frame: no module, offset, no symbol, symbol offset 0. */
static void new_frame(struct bytebuf *b, uint64_t offset)
{
	put_uvarint(b, new_frame_item(2));
	put_uvarint(b, 0);
	put_uvarint(b, offset);
}

/* Reads file; the reader must stop, corrupt, saying why, after events good
 * events (UINT64_MAX: any number). */
static void expect_stop(struct harness *h, const char *file, uint64_t events, const char *why)
{
	struct record_reader *rd;
	struct record_item it;
	char msg[512];

	if (!ASSERT_EQ(h, record_reader_open(&rd, file, msg, sizeof(msg)), 0)) {
		printf("  %s\n", msg);
		return;
	}
	while (record_reader_next(rd, &it))
		;
	ASSERT_EQ(h, record_reader_status(rd), READER_CORRUPT);
	if (events != UINT64_MAX)
		ASSERT_EQ(h, record_reader_events(rd), events);
	ASSERT(h, contains(record_reader_message(rd), why));
	record_reader_close(rd);
}

/*
 * Stacks of runs cost a few bytes for 256 frames: a file of nothing else
 * must not make the reader hold much more than its size.  Two frames that
 * follow each other in turn make a run as long as wanted.
 */
static void test_stack_flood(struct harness *h, const char *file)
{
	struct bytebuf out, p;

	bytebuf_init(&out);
	bytebuf_init(&p);
	start_v2(&out);
	for (int e = 0; e < 8000; e++) {
		p.len = 0;
		event_head(&p, EV_STACK);
		put_uvarint(&p, RECORD_MAX_FRAMES << 1 | 1);
		if (e == 0) {
			new_frame(&p, 0x10);		/* frame 1 */
			new_frame(&p, 0x20);		/* frame 2, after 1 */
			put_uvarint(&p, 1 << 2);	/* frame 1, after 2 */
			put_uvarint(&p, (RECORD_MAX_FRAMES - 3) << 2 | 2);
		} else {
			put_uvarint(&p, 1 << 2);	/* frame 1 */
			put_uvarint(&p, (RECORD_MAX_FRAMES - 1) << 2 | 2);
		}
		put_record(&out, RECORD_KIND_EVENT, &p);
	}
	write_file(file, out.data, out.len);
	expect_stop(h, file, UINT64_MAX, "more stack frames than a recording of this size holds");
	bytebuf_free(&out);
	bytebuf_free(&p);
}

void test_bad_refs(struct harness *h)
{
	const char *file = tmp_path("refs.mtr");
	struct bytebuf b;

	bytebuf_init(&b);

	/* The good case the others spoil: a new stack of two new frames, then
	 * a run of one (the second follows the first again). */
	event_head(&b, EV_STACK);
	put_uvarint(&b, 3 << 1 | 1);
	new_frame(&b, 0x10);
	new_frame(&b, 0x20);
	put_uvarint(&b, 1 << 2 | 0);	/* frame 1 again: one back from the latest */
	write_v2(file, RECORD_KIND_EVENT, &b);
	{
		struct record_reader *rd;
		struct record_item it;
		const struct rec_stack *s;
		char msg[512];

		if (ASSERT_EQ(h, record_reader_open(&rd, file, msg, sizeof(msg)), 0)) {
			ASSERT_EQ(h, record_reader_next(rd, &it), 1);
			s = record_reader_stack(rd, it.event.stack_id);
			if (ASSERT(h, s != NULL) && ASSERT_EQ(h, s->nframes, 3)) {
				ASSERT_EQ(h, s->frames[0].module_offset, 0x10);
				ASSERT_EQ(h, s->frames[1].module_offset, 0x20);
				ASSERT_EQ(h, s->frames[2].module_offset, 0x10);
			}
			record_reader_close(rd);
		}
	}

	b.len = 0;
	event_head(&b, EV_STACK);
	put_uvarint(&b, 1 << 1);	/* stack 1: never defined */
	write_v2(file, RECORD_KIND_EVENT, &b);
	expect_stop(h, file, 0, "a reference to a stack not defined before it");

	b.len = 0;
	event_head(&b, EV_STACK);
	put_uvarint(&b, 1 << 1 | 1);
	put_uvarint(&b, 0 << 2 | 0);	/* the latest frame: there is none */
	write_v2(file, RECORD_KIND_EVENT, &b);
	expect_stop(h, file, 0, "a stack names a frame not defined before it");

	b.len = 0;
	event_head(&b, EV_STACK);
	put_uvarint(&b, 2 << 1 | 1);
	put_uvarint(&b, 1 << 2 | 2);	/* a run with nothing before it */
	write_v2(file, RECORD_KIND_EVENT, &b);
	expect_stop(h, file, 0, "a run of frames outside its stack");

	b.len = 0;
	event_head(&b, EV_STACK);
	put_uvarint(&b, 2 << 1 | 1);
	new_frame(&b, 0x10);
	put_uvarint(&b, 1 << 2 | 2);	/* frame 1 was never followed by anything */
	write_v2(file, RECORD_KIND_EVENT, &b);
	expect_stop(h, file, 0, "a run of frames that never followed each other");

	b.len = 0;
	event_head(&b, EV_STACK);
	put_uvarint(&b, 2 << 1 | 1);
	new_frame(&b, 0x10);
	put_uvarint(&b, 5 << 2 | 2);	/* a run past the stack's depth */
	write_v2(file, RECORD_KIND_EVENT, &b);
	expect_stop(h, file, 0, "a run of frames outside its stack");

	b.len = 0;
	event_head(&b, EV_STACK);
	put_uvarint(&b, (RECORD_MAX_FRAMES + 1) << 1 | 1);
	write_v2(file, RECORD_KIND_EVENT, &b);
	expect_stop(h, file, 0, "a stack of a bad depth");

	b.len = 0;
	event_head(&b, EV_STACK);
	put_uvarint(&b, 1 << 1 | 1);
	put_uvarint(&b, 3);		/* item tag 3 */
	write_v2(file, RECORD_KIND_EVENT, &b);
	expect_stop(h, file, 0, "a bad item in a stack");

	b.len = 0;
	event_head(&b, EV_STACK);
	put_uvarint(&b, 1 << 1 | 1);
	put_uvarint(&b, new_frame_item(1));	/* the module of the frame before: none */
	put_svarint(&b, 0);
	write_v2(file, RECORD_KIND_EVENT, &b);
	expect_stop(h, file, 0, "the first frame of a stack takes the module of none");

	b.len = 0;
	event_head(&b, EV_STACK);
	put_uvarint(&b, 1 << 1 | 1);
	put_uvarint(&b, new_frame_item(0));
	put_uvarint(&b, 4 << 1);	/* module: string 4, never defined */
	write_v2(file, RECORD_KIND_EVENT, &b);
	expect_stop(h, file, 0, "a reference to a string not defined before it");

	b.len = 0;
	event_head(&b, EV_STACK);
	put_uvarint(&b, 1 << 1 | 1);
	put_uvarint(&b, new_frame_item(0));
	put_uvarint(&b, 1 << 2 | 1);	/* a new string built on the last one: none */
	write_v2(file, RECORD_KIND_EVENT, &b);
	expect_stop(h, file, 0, "a string built on one not defined before it");

	b.len = 0;
	event_head(&b, EV_STACK);
	put_uvarint(&b, 1 << 1 | 1);
	put_uvarint(&b, new_frame_item(0));
	put_uvarint(&b, 0 << 2 | 1);	/* module: "lib" */
	put_string(&b, "lib");
	put_uvarint(&b, 0x10);
	put_uvarint(&b, 1 << 2 | 1);	/* symbol: 5 bytes of "lib", then "x" */
	put_uvarint(&b, 5);
	put_string(&b, "x");
	write_v2(file, RECORD_KIND_EVENT, &b);
	expect_stop(h, file, 0, "a string shares more than its base holds");

	b.len = 0;
	event_head(&b, EV_STACK);
	put_uvarint(&b, 1 << 1 | 1);
	put_uvarint(&b, new_frame_item(0));
	put_uvarint(&b, 0 << 2 | 1);
	put_uvarint(&b, 100);		/* a string longer than the record */
	write_v2(file, RECORD_KIND_EVENT, &b);
	expect_stop(h, file, 0, "a string is cut short");

	b.len = 0;
	event_head(&b, EV_STACK);
	put_uvarint(&b, 1 << 1 | 1);
	put_uvarint(&b, new_frame_item(0));
	put_uvarint(&b, 0 << 2 | 3);
	put_uvarint(&b, 8);		/* 8 packed characters in 3 bytes */
	put_bytes(&b, "abc", 3);
	write_v2(file, RECORD_KIND_EVENT, &b);
	expect_stop(h, file, 0, "a string is cut short");

	/* a munmap of nothing whose window would be its range */
	b.len = 0;
	event_head(&b, EV_WINDOW);
	put_uvarint(&b, WINDOW_CALL);
	write_v2(file, RECORD_KIND_EVENT, &b);
	expect_stop(h, file, 0, "an event takes its window from a call without one");

	/* a munmap placed where it returned: it returns no address */
	b.len = 0;
	event_head(&b, RECORD_PLACED);
	write_v2(file, RECORD_KIND_EVENT, &b);
	expect_stop(h, file, 0, "a placed event without the address placed");

	b.len = 0;
	put_uvarint(&b, 1);
	put_bytes(&b, "old", 3);
	write_v2(file, RECORD_KIND_STRING, &b);
	expect_stop(h, file, 0, "a string record (version 1) in a version 2 file");

	test_stack_flood(h, file);

	bytebuf_free(&b);
}
