/*
 * Reading a recording, record by record (the format: memtrace-format(5)).
 *
 * The reader checks every record's frame and CRC and decodes its payload.
 * It stops at the first record that is cut short or damaged; everything
 * before it has been handed out intact.  Strings and stacks are kept in
 * tables, so later records can be shown with their names and frames.
 * Version 2 files define them inside the records that use them; version 1
 * files in STRING and STACK records, which only they hand out.
 *
 * No length in the file is trusted: each is bounded by what is left of the
 * file and by RECORD_MAX_PAYLOAD before anything is allocated for it.
 */
#ifndef MEMTRACE_RECORD_READER_H
#define MEMTRACE_RECORD_READER_H

#include <stdint.h>
#include <stdio.h>

#include "record/format.h"	/* RECORD_KIND_*: what item->kind holds */
#include "record/payload.h"

/* Why the reader stopped handing out records. */
enum reader_status {
	READER_MORE,		/* not stopped yet */
	READER_COMPLETE,	/* at the end record: the recording was closed properly */
	READER_UNFINISHED,	/* the file ends between records, before an end record */
	READER_TRUNCATED,	/* the file ends inside a record */
	READER_CORRUPT,		/* a record's CRC or contents are wrong */
	READER_FAILED,		/* reading failed (I/O error, out of memory) */
};

struct record_item {
	int kind;		/* enum record_kind, or an unknown (newer) kind */
	uint64_t offset;	/* of the record's first byte in the file */
	uint64_t time_ns;	/* since the start, for exec, task, exit, event, end */
	union {
		const struct rec_header *header;
		struct {
			uint32_t id;
			const char *value;
		} string;
		const struct rec_stack *stack;
		struct rec_exec exec;
		struct rec_task task;
		struct rec_exit exit;
		struct rec_event event;
		struct rec_end end;
		size_t unknown_len;	/* payload bytes of a skipped kind */
	};
};

struct record_reader;

/*
 * Opens path ("-": standard input) and checks its preamble and header.
 * Returns 0, or -errno with a one-line message in msg naming the file and
 * the byte offset (missing file, not a recording, a newer major version).
 */
int record_reader_open(struct record_reader **out, const char *path, char *msg, size_t size);

/*
 * The next record: returns 1 with *item filled (valid until the next call),
 * 0 when the reader has stopped (record_reader_status says why).  Exec and
 * event mappings carry their paths (backing.path, owned by the reader).
 */
int record_reader_next(struct record_reader *rd, struct record_item *item);

enum reader_status record_reader_status(const struct record_reader *rd);

/* Why it stopped, in one line naming the file and byte offset ("" when
 * complete). */
const char *record_reader_message(const struct record_reader *rd);

const struct rec_header *record_reader_header(const struct record_reader *rd);
const char *record_reader_path(const struct record_reader *rd);
/* Events handed out so far. */
uint64_t record_reader_events(const struct record_reader *rd);

/* The file's format version. */
void record_reader_format(const struct record_reader *rd, int *major, int *minor);
/* The string with this id, or NULL (0, or not defined). */
const char *record_reader_string(const struct record_reader *rd, uint32_t id);
/* The stack with this id, or NULL: valid until the next call. */
const struct rec_stack *record_reader_stack(const struct record_reader *rd, uint32_t id);

void record_reader_close(struct record_reader *rd);

#endif
