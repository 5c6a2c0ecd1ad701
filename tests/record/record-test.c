/*
 * Recordings, through the writer API and back:
 *   - x86_64 and i386 scenarios (a model built with src/mm, fork, threads,
 *     int $0x80, old_mmap) read back field by field, and the address space
 *     rebuilt at every event equal to the model's own maps formatting;
 *   - dump, report, maps and diff on them;
 *   - the file cut at every byte offset, and 1000 seeded corruptions;
 *   - write errors (full disk, closed pipe), versions, unknown kinds;
 *   - bytes per event on a realistic stream.
 *
 *   record-test                 run the tests
 *   record-test --samples DIR   write sample recordings for check-record.sh
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "arch.h"
#include "mm/maps_format.h"
#include "record/codec.h"
#include "record/commands.h"
#include "record/crc32.h"
#include "record/fields.h"
#include "record/format.h"
#include "record/reader.h"
#include "record/rebuild.h"
#include "record_test.h"

/* ---- reading back ---- */

static int same_string(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void check_stack(struct harness *h, const struct record_reader *rd, uint32_t id,
			const struct expect *e)
{
	const struct rec_stack *st = record_reader_stack(rd, id);

	if (!e->nframes) {
		ASSERT_EQ(h, id, 0);
		return;
	}
	if (!ASSERT(h, st != NULL) || !ASSERT_EQ(h, st->nframes, e->nframes))
		return;
	for (int i = 0; i < e->nframes; i++) {
		const struct rec_frame *f = &st->frames[i];

		ASSERT(h, same_string(record_reader_string(rd, f->module_id), e->frames[i].module));
		ASSERT(h, same_string(record_reader_string(rd, f->symbol_id), e->frames[i].symbol));
		ASSERT_EQ(h, f->module_offset, e->frames[i].module_offset);
		ASSERT_EQ(h, f->symbol_offset, e->frames[i].symbol_offset);
	}
}

static void check_event(struct harness *h, const struct rec_event *got, const struct expect *e)
{
	const struct syscall_event *a = &got->ev, *b = &e->ev;
	uint64_t mask = arch_infos[b->arch].word_mask;

	ASSERT_EQ(h, a->tid, b->tid);
	ASSERT_EQ(h, a->arch, b->arch);
	ASSERT_EQ(h, a->nr, b->nr);
	ASSERT(h, a->row == b->row && a->row != NULL);
	for (int i = 0; i < 6; i++) {
		ASSERT_EQ(h, a->args[i], b->args[i] & mask);
		ASSERT_EQ(h, a->ind_args[i], b->ind_args[i]);
	}
	ASSERT_EQ(h, a->ind_fault, b->ind_fault);
	ASSERT_EQ(h, a->ip, b->ip);
	ASSERT_EQ(h, a->has_result, b->has_result);
	if (b->has_result)
		ASSERT_EQ(h, a->result, b->result);
	ASSERT_EQ(h, got->d.seq, e->d.seq);
	ASSERT_EQ(h, got->d.kind, e->d.kind);
	ASSERT_EQ(h, got->d.addr, e->d.addr);
	ASSERT_EQ(h, got->d.err, e->d.err);
}

/* Reads file back: every event as written, every rebuilt space as the model was. */
static void check_round_trip(struct harness *h, const char *file, const struct scene *s)
{
	struct record_reader *rd;
	struct record_item it;
	struct rebuild rb;
	char msg[512];
	int n = 0;

	if (!ASSERT_EQ(h, record_reader_open(&rd, file, msg, sizeof(msg)), 0)) {
		printf("  %s\n", msg);
		return;
	}
	ASSERT_EQ(h, record_reader_header(rd)->argc, 3);
	ASSERT(h, strcmp(record_reader_header(rd)->argv[2], "two words") == 0);
	rebuild_init(&rb);
	while (record_reader_next(rd, &it)) {
		ASSERT_EQ(h, rebuild_apply(&rb, &it), 0);
		if (it.kind == RECORD_KIND_EXEC) {
			const struct as_layout *got = &it.exec.layout, *want = &s->exec_layout;

			ASSERT_EQ(h, got->task_size, want->task_size);
			ASSERT_EQ(h, got->mmap_min_addr, want->mmap_min_addr);
			ASSERT_EQ(h, got->mmap_base, want->mmap_base);
			ASSERT_EQ(h, got->mmap_legacy_base, want->mmap_legacy_base);
			ASSERT_EQ(h, got->stack_guard_gap, want->stack_guard_gap);
			ASSERT_EQ(h, got->max_map_count, want->max_map_count);
			ASSERT_EQ(h, got->brk_start, want->brk_start);
			ASSERT_EQ(h, it.exec.brk_current, s->exec_brk);
		}
		if (it.kind != RECORD_KIND_EVENT)
			continue;
		if (!ASSERT(h, n < s->nex))
			break;
		check_event(h, &it.event, &s->ex[n]);
		check_stack(h, rd, it.event.stack_id, &s->ex[n]);
		{
			char *got = maps_text(rebuild_space_of(&rb, it.event.ev.tid));

			if (!ASSERT(h, strcmp(got, s->ex[n].maps) == 0))
				printf("  event %d maps:\n%s  expected:\n%s", n + 1, got, s->ex[n].maps);
			free(got);
		}
		n++;
	}
	ASSERT_EQ(h, n, s->nex);
	ASSERT_EQ(h, record_reader_status(rd), READER_COMPLETE);
	rebuild_free(&rb);
	record_reader_close(rd);
}

static struct scene scene_64, scene_32;

static void test_round_trip_x86_64(struct harness *h)
{
	write_scene(h, &scene_64, tmp_path("x86_64.mtr"), X86_64, 0);
	check_round_trip(h, tmp_path("x86_64.mtr"), &scene_64);
}

static void test_round_trip_i386(struct harness *h)
{
	write_scene(h, &scene_32, tmp_path("i386.mtr"), I386, 0);
	check_round_trip(h, tmp_path("i386.mtr"), &scene_32);
}

/* ---- the subcommands, in process ---- */

/* Runs a subcommand with its output in *text; returns its status. */
#define CAPTURE(text, call)                                                       \
	({                                                                        \
		size_t len_;                                                      \
		FILE *out = open_memstream(&(text), &len_);                       \
		int status_ = (call);                                             \
		fclose(out);                                                      \
		status_;                                                          \
	})

static void test_dump(struct harness *h)
{
	struct dump_options o = { 0, 1 };
	char *text = NULL, line[256];

	ASSERT_EQ(h, CAPTURE(text, record_dump(tmp_path("x86_64.mtr"), &o, out)), 0);
	ASSERT(h, contains(text, "# command: /usr/bin/prog --flag two words\n"));
	ASSERT(h, contains(text, "[pid 100] --- exec \"/usr/bin/prog\" (x86_64): 10 mappings, brk "
				 "0x55555557a000 ---\n"));
	ASSERT(h, contains(text, "\nbrk(0x55555559b123) = 0x55555559b123\n"));
	snprintf(line, sizeof(line),
		 "\nmmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = "
		 "%#" PRIx64 "\n    #0 mmap64+0x27 (" LIBC "+0x11e8a7)\n"
		 "    #1 level_three+0x12 (" PROG "+0x1139)\n",
		 scene_64.ex[2].ev.result);
	ASSERT(h, contains(text, line));
	ASSERT(h, contains(text, "    #0 ?? (" PROG "+0x2000)\n    #1 0x7fff12345678\n"));
	ASSERT(h, contains(text, "\nmunmap(0x1001, 4096) = -1 EINVAL (Invalid argument)\n"));
	ASSERT(h, contains(text, "\nmadvise("));
	ASSERT(h, contains(text, "MADV_DONTNEED) = ?\n"));
	ASSERT(h, contains(text, "[pid 100] --- fork: child 101 (a copy of the address space) ---"));
	ASSERT(h, contains(text, "[pid 101] munmap("));
	ASSERT(h, contains(text, "[pid 101] +++ exited with 0 +++"));
	ASSERT(h, contains(text, "[pid 100] +++ exited with 3 +++"));
	ASSERT(h, contains(text, "# end: 19 events in "));
	free(text);

	ASSERT_EQ(h, CAPTURE(text, record_dump(tmp_path("i386.mtr"), &o, out)), 0);
	ASSERT(h, contains(text, "(i386)"));
	snprintf(line, sizeof(line),
		 "\nmmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = "
		 "%#" PRIx64 "\n", scene_32.ex[0].ev.result);
	ASSERT(h, contains(text, line));
	ASSERT(h, contains(text, "\nmmap(0x1000) = -1 EFAULT (Bad address)\n"));
	ASSERT(h, contains(text, "mmap2(NULL, 4096, PROT_READ, MAP_PRIVATE, 3, 0x2000) = "));
	free(text);
}

static void test_dump_json(struct harness *h)
{
	struct dump_options o = { 1, 1 };
	char *text = NULL;
	int lines = 0;

	ASSERT_EQ(h, CAPTURE(text, record_dump(tmp_path("x86_64.mtr"), &o, out)), 0);
	for (char *p = text; *p; p++)
		lines += *p == '\n';
	/* header, exec, 19 events, 2 tasks, 3 exits, end: strings and stacks are
	 * defined inside them */
	ASSERT_EQ(h, lines, 27);
	ASSERT(h, contains(text, "{\"type\":\"header\",\"offset\":12,\"format\":\"2.0\""));
	ASSERT(h, contains(text, "\"argv\":[\"/usr/bin/prog\",\"--flag\",\"two words\"]"));
	ASSERT(h, !strstr(text, "\"type\":\"string\""));
	ASSERT(h, contains(text, "\"decision\":\"refused\",\"refused_with\":\"EINVAL\""));
	ASSERT(h, contains(text, "\"error\":\"ENOMEM\""));
	ASSERT(h, contains(text, "\"result\":null"));
	ASSERT(h, contains(text, "\"window\":{\"whole\":true"));
	ASSERT(h, contains(text, "\"kind\":\"shm\""));
	ASSERT(h, contains(text, "\"symbol\":\"level_three\",\"symbol_offset\":18"));
	ASSERT(h, contains(text, "\"text\":\"munmap(0x1001, 4096) = -1 EINVAL (Invalid argument)\""));
	free(text);
}

/* Lines of text that do not start with '#' (malloc'd). */
static char *without_comments(const char *text)
{
	char *out = malloc(strlen(text) + 1), *o = out;

	for (const char *p = text; *p;) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p + 1) : strlen(p);

		if (*p != '#') {
			memcpy(o, p, n);
			o += n;
		}
		p += n;
	}
	*o = '\0';
	return out;
}

/* A version 1 file of the same scene reads as version 2's does. */
static void test_v1_file(struct harness *h)
{
	struct dump_options text_o = { 0, 1 }, json_o = { 1, 1 };
	char *v1 = NULL, *v2 = NULL, *json = NULL, *a, *b;

	write_file(tmp_path("v1.mtr"), v1_x86_64_mtr, v1_x86_64_mtr_len);
	check_round_trip(h, tmp_path("v1.mtr"), &scene_64);
	ASSERT_EQ(h, CAPTURE(v1, record_dump(tmp_path("v1.mtr"), &text_o, out)), 0);
	ASSERT_EQ(h, CAPTURE(v2, record_dump(tmp_path("x86_64.mtr"), &text_o, out)), 0);
	ASSERT(h, contains(v1, "# memtrace recording, format 1.0,"));
	ASSERT(h, contains(v2, "# memtrace recording, format 2.0,"));
	a = without_comments(v1);
	b = without_comments(v2);
	ASSERT(h, strlen(a) > 1000 && strcmp(a, b) == 0);
	ASSERT_EQ(h, CAPTURE(json, record_dump(tmp_path("v1.mtr"), &json_o, out)), 0);
	ASSERT(h, contains(json, "{\"type\":\"string\",\"offset\":122,\"id\":1,"
			   "\"value\":\"/usr/bin/prog\"}"));
	ASSERT(h, contains(json, "{\"type\":\"stack\",\"offset\":"));
	free(a);
	free(b);
	free(v1);
	free(v2);
	free(json);
}

static void test_report(struct harness *h)
{
	struct report_options o = { 0, 1 };
	char *text = NULL;

	ASSERT_EQ(h, CAPTURE(text, record_report(tmp_path("x86_64.mtr"), &o, out)), 0);
	ASSERT(h, contains(text, "events: 19 (2 failed), 1 execs, 2 tasks started"));
	ASSERT(h, contains(text, "           6          1  mmap: ENOMEM 1\n"));
	ASSERT(h, contains(text, "           5          1  munmap: EINVAL 1\n"));
	ASSERT(h, contains(text, "peak locked                4096"));
	ASSERT(h, contains(text, "top call sites by bytes mapped:"));
	ASSERT(h, contains(text, "  level_three+0x12 (" PROG "+0x1139)\n"));
		/* all of its frames are libc or ld.so: the innermost one names it */
	ASSERT(h, contains(text, "  mprotect+0xb (" LIBC "+0x11eb0b)\n"));
	ASSERT(h, contains(text, "(no stack)"));
	free(text);

	o.json = 1;
	ASSERT_EQ(h, CAPTURE(text, record_report(tmp_path("x86_64.mtr"), &o, out)), 0);
	ASSERT(h, contains(text, "{\"name\":\"mmap\",\"calls\":6,\"errors\":1,"
				 "\"errnos\":{\"ENOMEM\":1}}"));
	ASSERT(h, contains(text, "\"peak_locked\":4096"));
	ASSERT(h, contains(text, "\"complete\":true"));
	free(text);
}

/* maps --at N is the model's own formatting after event N, for every N. */
static void test_maps(struct harness *h)
{
	const struct {
		const char *file;
		struct scene *s;
	} cases[] = { { "x86_64.mtr", &scene_64 }, { "i386.mtr", &scene_32 } };

	for (size_t c = 0; c < 2; c++) {
		for (int i = 0; i < cases[c].s->nex; i++) {
			struct maps_options o = { cases[c].s->ex[i].d.seq, 0, 0, 1 };
			char *text = NULL;

			ASSERT_EQ(h, CAPTURE(text, record_maps(tmp_path(cases[c].file), &o, out)), 0);
			if (!ASSERT(h, strcmp(text, cases[c].s->ex[i].maps) == 0))
				printf("  %s --at %d:\n%s", cases[c].file, i + 1, text);
			free(text);
		}
	}
	/* --pid: the parent, not the child, at the child's event */
	{
		struct maps_options o = { 17, 0, 100, 1 };
		char *text = NULL;

		ASSERT_EQ(h, CAPTURE(text, record_maps(tmp_path("x86_64.mtr"), &o, out)), 0);
		ASSERT(h, strcmp(text, scene_64.ex[15].maps) == 0);
		free(text);
		o.at = 999;
		ASSERT_EQ(h, CAPTURE(text, record_maps(tmp_path("x86_64.mtr"), &o, out)), 1);
		free(text);
		o.at = 17;
		o.pid = 4242;
		ASSERT_EQ(h, CAPTURE(text, record_maps(tmp_path("x86_64.mtr"), &o, out)), 1);
		free(text);
	}
}

static void test_diff(struct harness *h)
{
	struct scene other;
	struct diff_options o = { RECORD_CHECK_EXACT, 0, 1 };
	char *text = NULL;

	ASSERT_EQ(h, CAPTURE(text, record_diff(tmp_path("x86_64.mtr"), tmp_path("x86_64.mtr"), &o,
					       out)), 0);
	ASSERT(h, contains(text, "agree (exact check, 19 and 19 events)"));
	free(text);

	write_scene(h, &other, tmp_path("len.mtr"), X86_64, 1);
	free_scene(&other);
	ASSERT_EQ(h, CAPTURE(text, record_diff(tmp_path("x86_64.mtr"), tmp_path("len.mtr"), &o,
					       out)), 1);
	ASSERT(h, contains(text, "first difference, at event 3 of the streams: argument 2 differs: "
				 "0x2000 vs 0x3000\n"));
	ASSERT(h, contains(text, "  A: [task #1, pid 100, event 3] mmap(NULL, 8192,"));
	ASSERT(h, contains(text, "       #1 level_three+0x12 (" PROG "+0x1139)\n"));
	ASSERT(h, contains(text, "  B: [task #1, pid 100, event 3] mmap(NULL, 12288,"));
	ASSERT(h, contains(text, "  bytes mapped: "));
	free(text);

	write_scene(h, &other, tmp_path("moved.mtr"), X86_64, 2);
	free_scene(&other);
	ASSERT_EQ(h, CAPTURE(text, record_diff(tmp_path("x86_64.mtr"), tmp_path("moved.mtr"), &o,
					       out)), 1);
	ASSERT(h, contains(text, "the result differs"));
	free(text);
	o.check = RECORD_CHECK_SHAPE;
	ASSERT_EQ(h, CAPTURE(text, record_diff(tmp_path("x86_64.mtr"), tmp_path("moved.mtr"), &o,
					       out)), 0);
	free(text);
	o.check = RECORD_CHECK_SUMMARY;
	ASSERT_EQ(h, CAPTURE(text, record_diff(tmp_path("x86_64.mtr"), tmp_path("len.mtr"), &o,
					       out)), 1);
	ASSERT(h, contains(text, "  bytes mapped: "));
	free(text);
	o.tolerance_pct = 50;
	ASSERT_EQ(h, CAPTURE(text, record_diff(tmp_path("x86_64.mtr"), tmp_path("len.mtr"), &o,
					       out)), 0);
	free(text);
	/* different programs: exact says where */
	o.check = RECORD_CHECK_EXACT;
	ASSERT_EQ(h, CAPTURE(text, record_diff(tmp_path("x86_64.mtr"), tmp_path("i386.mtr"), &o,
					       out)), 1);
	ASSERT(h, contains(text, "a different arch"));
	free(text);
}

/* The comparison API replay uses, one event at a time. */
static void test_compare_api(struct harness *h)
{
	struct record_compare c;
	struct syscall_event a = scene_64.ex[2].ev, b = a;
	char why[256];
	struct strbuf sb;

	record_compare_init(&c, RECORD_CHECK_EXACT);
	sb_init(&sb, why, sizeof(why));
	ASSERT_EQ(h, record_compare_event(&c, &a, &b, &sb), 0);
	/* a register the call does not use may hold anything */
	b.args[5] = 0;
	a.row = arch_lookup(ARCH_X86_64, X_MUNMAP);
	a.nr = b.nr = X_MUNMAP;
	b.row = a.row;
	b.args[4] = 1234;
	ASSERT_EQ(h, record_compare_event(&c, &a, &b, &sb), 0);
	b.tid = 999;
	ASSERT_EQ(h, record_compare_event(&c, &a, &b, &sb), 1);
	ASSERT(h, contains(why, "a different task: #1 vs #2"));
	record_compare_free(&c);

	record_compare_init(&c, RECORD_CHECK_SHAPE);
	a = b = scene_64.ex[2].ev;
	b.result += 0x10000;
	ASSERT_EQ(h, record_compare_event(&c, &a, &b, &sb), 0);
	b.result = -ENOMEM;
	sb_init(&sb, why, sizeof(why));
	ASSERT_EQ(h, record_compare_event(&c, &a, &b, &sb), 1);
	ASSERT(h, contains(why, "the result differs: 0x7") && contains(why, " vs -1 ENOMEM"));
	record_compare_free(&c);
}


static void test_codec(struct harness *h)
{
	static const uint64_t values[] = { 0, 1, 127, 128, 16383, 16384, UINT32_MAX,
					   (uint64_t)INT64_MAX, UINT64_MAX };
	struct bytebuf b;
	struct cursor c;

	ASSERT_EQ(h, crc32_update(0, "123456789", 9), 0xcbf43926);
	bytebuf_init(&b);
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		put_uvarint(&b, values[i]);
		put_svarint(&b, (int64_t)values[i]);
		put_svarint(&b, -(int64_t)values[i]);
	}
	cursor_init(&c, b.data, b.len);
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		ASSERT_EQ(h, get_uvarint(&c), values[i]);
		ASSERT_EQ(h, get_svarint(&c), (int64_t)values[i]);
		ASSERT_EQ(h, get_svarint(&c), -(int64_t)values[i]);
	}
	ASSERT_EQ(h, cursor_left(&c), 0);
	ASSERT_EQ(h, c.bad, 0);
	get_uvarint(&c);
	ASSERT_EQ(h, c.bad, 1);
	/* eleven continuation bytes are no number */
	cursor_init(&c, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11);
	get_uvarint(&c);
	ASSERT_EQ(h, c.bad, 1);

	/* sizes and C ints: every value back, page multiples and -1 in few bytes */
	b.len = 0;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		put_size(&b, values[i], ARCH_X86_64);
		put_size(&b, values[i] << 12, ARCH_X86_64);
		put_size(&b, values[i] & UINT32_MAX, ARCH_I386);
		put_c_int(&b, values[i], ARCH_X86_64);
		put_c_int(&b, -values[i], ARCH_X86_64);
		put_c_int(&b, values[i] << 32 | 1, ARCH_X86_64);
		put_c_int(&b, values[i] & UINT32_MAX, ARCH_I386);
	}
	cursor_init(&c, b.data, b.len);
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		ASSERT_EQ(h, get_size(&c, ARCH_X86_64), values[i]);
		ASSERT_EQ(h, get_size(&c, ARCH_X86_64), values[i] << 12);
		ASSERT_EQ(h, get_size(&c, ARCH_I386), values[i] & UINT32_MAX);
		ASSERT_EQ(h, get_c_int(&c, ARCH_X86_64), values[i]);
		ASSERT_EQ(h, get_c_int(&c, ARCH_X86_64), -values[i]);
		ASSERT_EQ(h, get_c_int(&c, ARCH_X86_64), values[i] << 32 | 1);
		ASSERT_EQ(h, get_c_int(&c, ARCH_I386), values[i] & UINT32_MAX);
	}
	ASSERT_EQ(h, cursor_left(&c), 0);
	ASSERT_EQ(h, c.bad, 0);
	b.len = 0;
	put_c_int(&b, UINT32_MAX, ARCH_X86_64);		/* fd -1 in a 64-bit register */
	put_c_int(&b, UINT64_MAX, ARCH_X86_64);
	ASSERT_EQ(h, b.len, 2);
	/* packed strings: any bytes back, identifiers in three quarters */
	{
		static const char *const strings[] = {
			"", "a", "/usr/lib/x86_64-linux-gnu/libc.so.6", "_ZN21hash_tableI10pool_usageE",
			"JQXZ odd\x01\xff bytes", "PyObject_Malloc" };

		b.len = 0;
		for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
			put_packed(&b, strings[i], strlen(strings[i]));
		cursor_init(&c, b.data, b.len);
		for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
			size_t len = 99;
			char *got = get_packed(&c, &len);

			ASSERT(h, got && len == strlen(strings[i]) && strcmp(got, strings[i]) == 0);
			free(got);
		}
		ASSERT_EQ(h, cursor_left(&c), 0);
		ASSERT_EQ(h, packed_size("PyObject_Malloc", 15), 12);
		/* cut short: no string, and the cursor says so */
		cursor_init(&c, b.data, 30);
		for (int i = 0; i < 6 && !c.bad; i++)
			free(get_packed(&c, &(size_t){ 0 }));
		ASSERT_EQ(h, c.bad, 1);
	}
	b.len = 0;
	put_size(&b, 64 << 10, ARCH_X86_64);	/* 64 KiB */
	ASSERT_EQ(h, b.len, 1);
	cursor_init(&c, "\x03", 1);
	get_size(&c, ARCH_X86_64);
	ASSERT_EQ(h, c.bad, 1);
	bytebuf_free(&b);
}

static void check_numbers(struct harness *h)
{
	static const struct {
		enum arch arch;
		uint64_t nr;
		const char *name;
	} rows[] = {
		{ ARCH_X86_64, X_MMAP, "mmap" },       { ARCH_X86_64, X_MPROTECT, "mprotect" },
		{ ARCH_X86_64, X_MUNMAP, "munmap" },   { ARCH_X86_64, X_BRK, "brk" },
		{ ARCH_X86_64, X_MREMAP, "mremap" },   { ARCH_X86_64, X_MADVISE, "madvise" },
		{ ARCH_X86_64, X_SHMAT, "shmat" },     { ARCH_X86_64, X_MLOCK, "mlock" },
		{ ARCH_I386, I_BRK, "brk" },	       { ARCH_I386, I_OLD_MMAP, "mmap" },
		{ ARCH_I386, I_MUNMAP, "munmap" },     { ARCH_I386, I_MPROTECT, "mprotect" },
		{ ARCH_I386, I_MMAP2, "mmap2" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct trapped_syscall *row = arch_lookup(rows[i].arch, rows[i].nr);

		ASSERT(h, row && strcmp(row->name, rows[i].name) == 0);
	}
}

/*
 * Bytes per event: 10,000 mmap/munmap calls of a malloc-like program,
 * placed by the model, from 50 call sites with 12-frame stacks.
 */
static void test_bytes_per_event(struct harness *h)
{
	enum { EVENTS = 10000, SITES = 50, DEPTH = 12, LIVE = 64 };
	static struct record_frame stacks[SITES][DEPTH];
	static char names[SITES][DEPTH][32];
	const char *file = tmp_path("stream.mtr");
	char *argv[] = { PROG, NULL };
	struct scene s = { .h = h };
	struct address_space as;
	uint64_t live[LIVE][2], rng = 7;
	int nlive = 0;
	size_t len;
	uint8_t *data;

	for (int i = 0; i < SITES; i++) {
		for (int d = 0; d < DEPTH; d++) {
			snprintf(names[i][d], sizeof(names[i][d]), "func_%d_%d", i % 17, d);
			stacks[i][d] = (struct record_frame){
				d < 2 ? LIBC : PROG, d < 2 ? 0x9a000u + 0x40u * d : 0x1000u + 0x97u * (i * DEPTH + d),
				d < 2 ? (d ? "malloc" : "mmap64") : names[i][d], 0x10u + (uint64_t)d
			};
		}
	}
	exec_x86_64(&s, &as, 0);
	add_task(&s, 100, &as);
	ASSERT_EQ(h, record_open(&s.r, file, 1, argv), 0);
	record_set_clock(s.r, fake_clock, &s);
	record_exec(s.r, 100, ARCH_X86_64, PROG, &as);
	for (int i = 0; i < EVENTS; i++) {
		int site = (int)(test_rand(&rng) % SITES);
		struct syscall_event ev = { .tid = 100, .arch = ARCH_X86_64, .has_result = 1,
					    .ip = 0x7ffff7e9e8a7 };
		struct record_decision d = { ++s.seq, RECORD_PASSED, 0, 0 };
		uint64_t lo, hi;

		if (nlive < LIVE && (nlive == 0 || test_rand(&rng) % 2)) {
			uint64_t pages = 1 + test_rand(&rng) % 64, addr;

			addr = place_anon(&as, pages * 4096, PROT_READ | PROT_WRITE, s.seq);
			ev.nr = X_MMAP;
			ev.row = arch_lookup(ARCH_X86_64, X_MMAP);
			ev.args[1] = pages * 4096 - test_rand(&rng) % 4096;
			ev.args[2] = PROT_READ | PROT_WRITE;
			ev.args[3] = MAP_PRIVATE | MAP_ANONYMOUS;
			ev.args[4] = (uint64_t)-1;
			ev.result = (int64_t)addr;
			d.kind = RECORD_PLACED;
			d.addr = addr;
			live[nlive][0] = lo = addr;
			live[nlive][1] = hi = addr + pages * 4096;
			nlive++;
		} else {
			int k = (int)(test_rand(&rng) % nlive);

			lo = live[k][0];
			hi = live[k][1];
			as_unmap(&as, lo, hi - lo);
			live[k][0] = live[--nlive][0];
			live[k][1] = live[nlive][1];
			ev.nr = X_MUNMAP;
			ev.row = arch_lookup(ARCH_X86_64, X_MUNMAP);
			ev.args[0] = lo;
			ev.args[1] = hi - lo;
			ev.ip += 0x30;
		}
		record_event(s.r, &ev, &d, stacks[site], DEPTH, &as, lo, hi);
	}
	ASSERT_EQ(h, record_close(s.r), 0);
	as_destroy(&as);
	data = read_file(file, &len);
	free(data);
	printf("  bytes per event: %.1f (%zu bytes for %d events, 50 stacks of 12 frames, "
	       "exec snapshot included)\n", (double)len / EVENTS, len, EVENTS);
	ASSERT(h, len <= 64 * EVENTS);
}

static void remove_tmpdir(void)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
}

/* --samples DIR: the recordings check-record.sh runs memtrace on. */
static int write_samples(const char *dir)
{
	struct harness h;
	struct scene s;

	harness_init(&h);
	if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
		perror(dir);
		return 99;
	}
	snprintf(tmpdir, sizeof(tmpdir), "%s", dir);
	write_scene(&h, &s, tmp_path("x86_64.mtr"), X86_64, 0);
	free_scene(&s);
	write_scene(&h, &s, tmp_path("i386.mtr"), I386, 0);
	free_scene(&s);
	write_scene(&h, &s, tmp_path("len.mtr"), X86_64, 1);
	free_scene(&s);
	write_scene(&h, &s, tmp_path("moved.mtr"), X86_64, 2);
	free_scene(&s);
	return h.failed || h.test_failures ? 1 : 0;
}

int main(int argc, char *argv[])
{
	struct harness h;
	int status;

	signal(SIGPIPE, SIG_IGN);
	if (arch_tables_init() < 0) {
		printf("cannot build the syscall tables (libseccomp)\n");
		return 99;
	}
	if (argc == 3 && strcmp(argv[1], "--samples") == 0)
		return write_samples(argv[2]);
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 99;
	}
	harness_init(&h);
	RUN_TEST(&h, check_numbers);
	RUN_TEST(&h, test_codec);
	RUN_TEST(&h, test_args_round_trip);
	RUN_TEST(&h, test_round_trip_x86_64);
	RUN_TEST(&h, test_round_trip_i386);
	RUN_TEST(&h, test_dump);
	RUN_TEST(&h, test_dump_json);
	RUN_TEST(&h, test_v1_file);
	RUN_TEST(&h, test_stack_refs);
	RUN_TEST(&h, test_bad_refs);
	RUN_TEST(&h, test_report);
	RUN_TEST(&h, test_maps);
	RUN_TEST(&h, test_diff);
	RUN_TEST(&h, test_compare_api);
	RUN_TEST(&h, test_bad_files);
	RUN_TEST(&h, test_unknown_kind);
	RUN_TEST(&h, test_truncation);
	RUN_TEST(&h, test_truncation_v1);
	RUN_TEST(&h, test_corruption);
	RUN_TEST(&h, test_write_errors);
	RUN_TEST(&h, test_bytes_per_event);
	free_scene(&scene_64);
	free_scene(&scene_32);
	status = harness_summary(&h);
	remove_tmpdir();
	return status;
}
