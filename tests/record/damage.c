/* Damaged recordings and failed writes: the file cut at every byte offset,
 * seeded corruptions, foreign and newer files, unknown record kinds, a full
 * disk and a closed pipe (see record_test.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "record/codec.h"
#include "record/commands.h"
#include "record/crc32.h"
#include "record/format.h"
#include "record/reader.h"
#include "record_test.h"

void write_file(const char *file, const void *data, size_t len)
{
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		abort();
	close(fd);
}

uint8_t *read_file(const char *file, size_t *len)
{
	struct stat st;
	int fd = open(file, O_RDONLY);
	uint8_t *data;

	if (fd < 0 || fstat(fd, &st) < 0)
		abort();
	data = malloc((size_t)st.st_size + 1);
	if (!data || read(fd, data, (size_t)st.st_size) != st.st_size)
		abort();
	close(fd);
	*len = (size_t)st.st_size;
	return data;
}

/* Sends stderr to /dev/null (on) and back (off): the readers' messages
 * for thousands of damaged files are expected. */
static void quiet_stderr(int on)
{
	static int saved = -1;

	fflush(stderr);
	if (on) {
		int null = open("/dev/null", O_WRONLY);

		saved = dup(2);
		dup2(null, 2);
		close(null);
	} else if (saved >= 0) {
		dup2(saved, 2);
		close(saved);
		saved = -1;
	}
}

/* Runs every reader on file; each must end with a status, never a crash. */
static int run_readers(const char *file, const char *good, uint64_t seq)
{
	struct dump_options dump = { 0, 0 }, dump_json = { 1, 1 };
	struct report_options report = { 0, 0 };
	struct maps_options at_end = { 0, 1, 0, 0 }, at = { seq, 0, 0, 0 };
	struct diff_options diff = { RECORD_CHECK_EXACT, 0, 0 };
	FILE *out = fopen("/dev/null", "w");
	int bad = 0, st;

	st = record_dump(file, &dump, out);
	bad += st != 0 && st != 2;
	st = record_dump(file, &dump_json, out);
	bad += st != 0 && st != 2;
	st = record_report(file, &report, out);
	bad += st != 0 && st != 2;
	st = record_maps(file, &at_end, out);
	bad += st < 0 || st > 2;
	st = record_maps(file, &at, out);
	bad += st < 0 || st > 2;
	st = record_diff(good, file, &diff, out);
	bad += st < 0 || st > 2;
	diff.check = RECORD_CHECK_SUMMARY;
	st = record_diff(file, good, &diff, out);
	bad += st < 0 || st > 2;
	fclose(out);
	return bad;
}

/* The offsets where records start, and the file's length at the end. */
static size_t record_starts(const char *file, uint64_t *starts, size_t max)
{
	struct record_reader *rd;
	struct record_item it;
	char msg[256];
	size_t n = 0;

	if (record_reader_open(&rd, file, msg, sizeof(msg)) < 0)
		return 0;
	starts[n++] = RECORD_PREAMBLE_LEN;
	while (n < max && record_reader_next(rd, &it))
		starts[n++] = it.offset;
	record_reader_close(rd);
	return n;
}

/* Every prefix of good reads as its complete records, and no reader crashes. */
static void truncate_everywhere(struct harness *h, const char *good)
{
	const char *cut = tmp_path("cut.mtr");
	uint64_t starts[256];
	size_t len, nstarts = record_starts(good, starts, 256);
	uint8_t *data = read_file(good, &len);
	int bad = 0;

	ASSERT(h, nstarts > 10);
	quiet_stderr(1);
	for (size_t cut_at = 0; cut_at <= len; cut_at++) {
		struct record_reader *rd;
		struct record_item it;
		char msg[512];
		size_t complete = 0, got = 0;

		write_file(cut, data, cut_at);
		/* records wholly inside the prefix, not counting the header */
		for (size_t i = 1; i < nstarts; i++)
			complete += (i + 1 < nstarts ? starts[i + 1] : len) <= cut_at;
		if (cut_at < starts[1]) {
			bad += record_reader_open(&rd, cut, msg, sizeof(msg)) == 0;
			bad += run_readers(cut, good, 3);
			continue;
		}
		if (record_reader_open(&rd, cut, msg, sizeof(msg)) < 0) {
			bad++;
			continue;
		}
		while (record_reader_next(rd, &it))
			got++;
		bad += got != complete;
		if (cut_at == len)
			bad += record_reader_status(rd) != READER_COMPLETE;
		else
			bad += record_reader_status(rd) != READER_UNFINISHED &&
			       record_reader_status(rd) != READER_TRUNCATED;
		record_reader_close(rd);
		bad += run_readers(cut, good, 3);
	}
	quiet_stderr(0);
	ASSERT_EQ(h, bad, 0);
	free(data);
}

void test_truncation(struct harness *h)
{
	truncate_everywhere(h, tmp_path("i386.mtr"));
}

/* The old format's STRING and STACK records, cut anywhere. */
void test_truncation_v1(struct harness *h)
{
	write_file(tmp_path("v1.mtr"), v1_x86_64_mtr, v1_x86_64_mtr_len);
	truncate_everywhere(h, tmp_path("v1.mtr"));
}

/* Record frames: kind, uvarint length, payload, CRC. */
static size_t frame_at(const uint8_t *data, size_t len, size_t at, size_t *payload_at,
		       size_t *payload_len)
{
	struct cursor c;

	cursor_init(&c, data + at + 1, len - at - 1);
	*payload_len = get_uvarint(&c);
	*payload_at = (size_t)(c.p - data);
	return *payload_at + *payload_len + 4;
}

static void fix_crc(uint8_t *data, size_t start, size_t end)
{
	uint32_t crc = crc32_update(0, data + start, end - 4 - start);

	for (int i = 0; i < 4; i++)
		data[end - 4 + i] = (uint8_t)(crc >> (8 * i));
}

/* 1000 rounds on good, or $RECORD_FUZZ_ROUNDS (from seed $RECORD_FUZZ_SEED)
 * for a longer run by hand. */
static void corrupt_rounds(struct harness *h, const char *good)
{
	const char *bad_file = tmp_path("corrupt.mtr");
	const char *env = getenv("RECORD_FUZZ_ROUNDS"), *seed = getenv("RECORD_FUZZ_SEED");
	uint64_t starts[256], rng = seed ? strtoull(seed, NULL, 0) | 1 : 0x5eed;
	size_t len, nstarts = record_starts(good, starts, 256);
	uint8_t *data = read_file(good, &len), *copy = malloc(len);
	int bad = 0, crc_fixed = 0, rounds = env ? atoi(env) : 1000;

	quiet_stderr(1);
	for (int round = 0; round < rounds; round++) {
		size_t n = len, rec = 1 + test_rand(&rng) % (nstarts - 1);
		size_t start = starts[rec], payload_at, payload_len, end;
		int flips = 1 + (int)(test_rand(&rng) % 4);

		memcpy(copy, data, len);
		switch (round % 4) {
		case 0:	/* anywhere, the preamble included */
			for (int i = 0; i < flips; i++)
				copy[test_rand(&rng) % len] ^= (uint8_t)(1 + test_rand(&rng) % 255);
			break;
		case 1:	/* inside one record, with its CRC made right again */
		case 2:
			end = frame_at(copy, len, start, &payload_at, &payload_len);
			if (payload_len == 0 || end > len)
				break;
			for (int i = 0; i < flips; i++)
				copy[payload_at + test_rand(&rng) % payload_len] =
					(uint8_t)test_rand(&rng);
			fix_crc(copy, start, end);
			crc_fixed++;
			break;
		case 3:	/* a length field, then cut short */
			copy[start + 1] = (uint8_t)test_rand(&rng);
			n = starts[1] + test_rand(&rng) % (len - starts[1]);
			break;
		}
		write_file(bad_file, copy, n);
		bad += run_readers(bad_file, good, 1 + test_rand(&rng) % 23);
	}
	quiet_stderr(0);
	ASSERT_EQ(h, bad, 0);
	ASSERT(h, crc_fixed > rounds * 2 / 5);
	free(copy);
	free(data);
}

void test_corruption(struct harness *h)
{
	corrupt_rounds(h, tmp_path("x86_64.mtr"));
	/* the old format's STRING and STACK records too */
	write_file(tmp_path("v1.mtr"), v1_x86_64_mtr, v1_x86_64_mtr_len);
	corrupt_rounds(h, tmp_path("v1.mtr"));
}

void test_bad_files(struct harness *h)
{
	const char *file = tmp_path("bad.mtr");
	struct record_reader *rd;
	uint8_t future[64] = RECORD_MAGIC "\x03\x00\x00\x00";
	uint8_t random_bytes[4096];
	uint64_t rng = 42;
	char msg[512];

	ASSERT(h, record_reader_open(&rd, tmp_path("missing.mtr"), msg, sizeof(msg)) < 0);
	ASSERT(h, contains(msg, "cannot open the recording"));
	write_file(file, "", 0);
	ASSERT(h, record_reader_open(&rd, file, msg, sizeof(msg)) < 0);
	ASSERT(h, contains(msg, "byte 0: not a memtrace recording (the file is empty)"));
	for (size_t i = 0; i < sizeof(random_bytes); i++)
		random_bytes[i] = (uint8_t)test_rand(&rng);
	write_file(file, random_bytes, sizeof(random_bytes));
	ASSERT(h, record_reader_open(&rd, file, msg, sizeof(msg)) < 0);
	ASSERT(h, contains(msg, "byte 0: not a memtrace recording"));
	write_file(file, future, sizeof(future));
	ASSERT_EQ(h, record_reader_open(&rd, file, msg, sizeof(msg)), -EPROTONOSUPPORT);
	ASSERT(h, contains(msg, "byte 8: format version 3.0, but this memtrace reads versions 1.x "
			   "to 2.x only: use a newer memtrace"));
	write_file(file, RECORD_MAGIC "\x00\x00\x00\x00", 12);
	ASSERT_EQ(h, record_reader_open(&rd, file, msg, sizeof(msg)), -EPROTONOSUPPORT);
	ASSERT(h, contains(msg, "format version 0.0"));
	write_file(file, RECORD_MAGIC "\x01\x00", 10);
	ASSERT(h, record_reader_open(&rd, file, msg, sizeof(msg)) < 0);
	ASSERT(h, contains(msg, "cut short inside its preamble"));
	write_file(file, RECORD_MAGIC "\x01\x00\x00\x00", 12);
	ASSERT(h, record_reader_open(&rd, file, msg, sizeof(msg)) < 0);
	ASSERT(h, contains(msg, "the recording has no header"));
}

/* A record kind from a newer minor version is skipped. */
void test_unknown_kind(struct harness *h)
{
	const char *file = tmp_path("newer.mtr");
	uint64_t starts[256];
	size_t len, n = record_starts(tmp_path("i386.mtr"), starts, 256);
	uint8_t *data = read_file(tmp_path("i386.mtr"), &len), extra[16] = { 99, 5, 'h', 'e', 'l',
									   'l', 'o' };
	uint8_t *out = malloc(len + sizeof(extra));
	size_t end_at = starts[n - 1];
	struct record_reader *rd;
	struct record_item it;
	char msg[256];
	int unknown = 0;

	fix_crc(extra, 0, 11);
	memcpy(out, data, end_at);
	memcpy(out + end_at, extra, 11);
	memcpy(out + end_at + 11, data + end_at, len - end_at);
	write_file(file, out, len + 11);
	if (ASSERT_EQ(h, record_reader_open(&rd, file, msg, sizeof(msg)), 0)) {
		while (record_reader_next(rd, &it))
			unknown += it.kind == 99 && it.unknown_len == 5;
		ASSERT_EQ(h, unknown, 1);
		ASSERT_EQ(h, record_reader_status(rd), READER_COMPLETE);
		record_reader_close(rd);
	}
	free(out);
	free(data);
}

/* ---- writing ---- */

static int count_lines_with(const char *file, const char *what)
{
	size_t len;
	uint8_t *data = read_file(file, &len);
	int n = 0;

	data[len] = '\0';
	for (char *p = (char *)data; (p = strstr(p, what)); p++)
		n++;
	free(data);
	return n;
}

/* A write error is said once; the recording stops; the caller goes on. */
static void write_error_case(struct harness *h, const char *target, int want,
			     int close_after_open)
{
	const char *log = tmp_path("stderr.log");
	char *argv[] = { "prog", NULL };
	struct syscall_event ev = { .tid = 1, .nr = X_MUNMAP, .has_result = 1 };
	struct recorder *r;
	int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644), saved;

	ev.row = arch_lookup(ARCH_X86_64, X_MUNMAP);
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	close(fd);
	if (ASSERT_EQ(h, record_open(&r, target, 1, argv), 0)) {
		if (close_after_open >= 0)
			close(close_after_open);
		record_set_flush_each_event(r, 1);
		ASSERT_EQ(h, record_event(r, &ev, NULL, NULL, 0, NULL, 0, 0), -want);
		for (int i = 0; i < 100; i++)
			ASSERT_EQ(h, record_event(r, &ev, NULL, NULL, 0, NULL, 0, 0), -want);
		ASSERT_EQ(h, record_exit(r, 1, 0), -want);
		ASSERT_EQ(h, record_close(r), -want);
	}
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	ASSERT_EQ(h, count_lines_with(log, "stopped; the program goes on untouched"), 1);
}

void test_write_errors(struct harness *h)
{
	int pipefd[2];
	char target[64];

	write_error_case(h, "/dev/full", ENOSPC, -1);
	if (!ASSERT_EQ(h, pipe(pipefd), 0))
		return;
	/* Opening a pipe by name waits for a reader: keep one until then. */
	snprintf(target, sizeof(target), "/proc/self/fd/%d", pipefd[1]);
	write_error_case(h, target, EPIPE, pipefd[0]);
	close(pipefd[1]);
	{
		struct recorder *r;
		char *argv[] = { "prog", NULL };

		ASSERT_EQ(h, record_open(&r, "/nonexistent/dir/x.mtr", 1, argv), -ENOENT);
		ASSERT(h, r == NULL);
	}
}
