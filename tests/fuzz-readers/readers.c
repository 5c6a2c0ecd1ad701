/*
 * One input through every reader of recordings, in process: the bytes go
 * to a memfd and its /proc/self/fd path is handed to the same functions
 * `memtrace dump`, `report`, `maps --at N`, `diff` and `replay` call.
 * Output goes to /dev/null; only crashes, hangs, leaks and sanitizer
 * reports count.
 *
 * An input may hold two recordings, the second starting at a later magic
 * number: diff then compares the two (else the one with itself).
 *
 * Built with libFuzzer (make fuzz-readers) and, with replay-corpus.c's
 * main(), by any compiler for make check.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "arch.h"
#include "diag.h"
#include "record/commands.h"
#include "record/format.h"
#include "record/reader.h"
#include "replay.h"

#include "fuzz_readers.h"

static FILE *devnull;

/* A memfd holding data, named by path; returns its fd or -1. */
static int bytes_to_file(const uint8_t *data, size_t size, char *path, size_t path_size)
{
	int fd = memfd_create("recording", MFD_CLOEXEC);
	size_t done = 0;

	if (fd < 0)
		return -1;
	while (done < size) {
		ssize_t n = write(fd, data + done, size - done);

		if (n <= 0) {
			close(fd);
			return -1;
		}
		done += (size_t)n;
	}
	snprintf(path, path_size, "/proc/self/fd/%d", fd);
	return fd;
}

/* The first and last event seq the reader hands out, for maps --at. */
static void event_span(const char *path, uint64_t *first, uint64_t *last)
{
	struct record_reader *rd;
	struct record_item it;
	char msg[512];

	*first = *last = 0;
	if (record_reader_open(&rd, path, msg, sizeof(msg)) < 0)
		return;
	while (record_reader_next(rd, &it)) {
		if (it.kind != RECORD_KIND_EVENT)
			continue;
		if (!*first)
			*first = it.event.d.seq;
		*last = it.event.d.seq;
	}
	record_reader_close(rd);
}

/*
 * What replay reads before it runs anything: memtrace replay itself, with
 * a trace it cannot open, so it stops after reading the recording (and
 * --keep, so it makes no temporary file).
 */
static void replay_reading(const char *path)
{
	char *argv[] = { "replay", "--keep=/dev/null", "-o", "/nonexistent/memtrace-fuzz/trace",
			 (char *)path, NULL };

	replay_main(5, argv);
}

static void run_commands(const char *a, const char *b)
{
	static const enum record_check checks[] = { RECORD_CHECK_EXACT, RECORD_CHECK_SHAPE,
						    RECORD_CHECK_SUMMARY };
	uint64_t first, last;

	for (int strict = 0; strict <= 1; strict++) {
		struct dump_options d = { 0, strict }, dj = { 1, strict };
		struct report_options r = { 0, strict }, rj = { 1, strict };

		record_dump(a, &d, devnull);
		record_dump(a, &dj, devnull);
		record_report(a, &r, devnull);
		record_report(a, &rj, devnull);
	}

	event_span(a, &first, &last);
	{
		struct maps_options end = { .at_end = 1 };
		struct maps_options at_first = { .at = first };
		struct maps_options at_mid = { .at = first + (last - first) / 2, .strict = 1 };

		record_maps(a, &end, devnull);
		record_maps(a, &at_first, devnull);
		record_maps(a, &at_mid, devnull);
	}

	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		struct diff_options o = { checks[i], 5.0, (int)i == 1 };

		record_diff(a, b, &o, devnull);
	}
	replay_reading(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path_a[64], path_b[64];
	const uint8_t *second = NULL;
	int fd_a, fd_b = -1;

	if (!devnull) {
		devnull = fopen("/dev/null", "we");
		diag.quiet = 1;
		if (!devnull || arch_tables_init() < 0)
			abort();
	}
	if (size > RECORD_PREAMBLE_LEN)
		second = memmem(data + RECORD_PREAMBLE_LEN, size - RECORD_PREAMBLE_LEN,
				RECORD_MAGIC, RECORD_MAGIC_LEN);
	fd_a = bytes_to_file(data, second ? (size_t)(second - data) : size, path_a,
			     sizeof(path_a));
	if (fd_a < 0)
		abort();
	if (second) {
		fd_b = bytes_to_file(second, size - (size_t)(second - data), path_b,
				     sizeof(path_b));
		if (fd_b < 0)
			abort();
	}
	run_commands(path_a, second ? path_b : path_a);
	if (second)
		run_commands(path_b, path_a);
	close(fd_a);
	if (fd_b >= 0)
		close(fd_b);
	return 0;
}
