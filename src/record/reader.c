/* The recording reader (see reader.h). */
#include "record/reader.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "record/crc32.h"
#include "record/format.h"

struct record_reader {
	FILE *f;
	int owns_file;
	char *path;
	uint64_t size;			/* of the file, or UINT64_MAX when unknown (a pipe) */
	uint64_t offset;		/* of the next record */
	enum reader_status status;
	char message[512];
	int major, minor;		/* the file's format version */
	struct payload_state st;	/* st.defs: the definitions so far */
	struct rec_header header;
	int header_seen;
	uint8_t *payload;
	size_t payload_cap;
	struct mapping_path **paths;	/* by string id, made on first use by a mapping */
	size_t paths_cap;
	struct rec_frame *frames;	/* a version 1 stack being decoded */
	size_t frames_cap;
	struct rec_stack stack;		/* ... as its item shows it */
	/* What record_reader_stack hands out: RECORD_MAX_FRAMES frames. */
	struct rec_frame *stack_frames;
	struct rec_stack *shown_stack;
	struct rec_mappings mappings;	/* the exec or event being decoded */
	uint64_t events;
};

static int stop(struct record_reader *rd, enum reader_status status, uint64_t offset,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Stops the reader; the message names the file and the byte offset. */
static int stop(struct record_reader *rd, enum reader_status status, uint64_t offset,
		const char *fmt, ...)
{
	char what[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	rd->status = status;
	snprintf(rd->message, sizeof(rd->message), "%s: byte %llu: %s", rd->path,
		 (unsigned long long)offset, what);
	return 0;
}

/* Reads len bytes; returns how many it got before the end of the file. */
static size_t read_bytes(struct record_reader *rd, void *buf, size_t len)
{
	size_t got = len ? fread(buf, 1, len, rd->f) : 0;

	rd->offset += got;
	return got;
}

static const char *kind_name(int kind)
{
	static const char *const names[] = {
		[RECORD_KIND_HEADER] = "header", [RECORD_KIND_STRING] = "string",
		[RECORD_KIND_STACK] = "stack",	 [RECORD_KIND_EXEC] = "exec",
		[RECORD_KIND_TASK] = "task",	 [RECORD_KIND_EXIT] = "exit",
		[RECORD_KIND_EVENT] = "event",	 [RECORD_KIND_END] = "end",
	};

	if (kind > 0 && kind <= RECORD_KIND_END)
		return names[kind];
	return "unknown";
}

static int check_preamble(struct record_reader *rd, char *msg, size_t size)
{
	uint8_t pre[RECORD_PREAMBLE_LEN];
	size_t got = read_bytes(rd, pre, sizeof(pre));

	if (got < RECORD_MAGIC_LEN || memcmp(pre, RECORD_MAGIC, RECORD_MAGIC_LEN) != 0) {
		snprintf(msg, size, "%s: byte 0: not a memtrace recording (%s)", rd->path,
			 got == 0 ? "the file is empty" : "no memtrace magic number");
		return -EINVAL;
	}
	if (got < sizeof(pre)) {
		snprintf(msg, size, "%s: byte %zu: the recording is cut short inside its preamble",
			 rd->path, got);
		return -EINVAL;
	}
	if (pre[8] < RECORD_VERSION_OLDEST || pre[8] > RECORD_VERSION_MAJOR) {
		snprintf(msg, size,
			 "%s: byte 8: format version %u.%u, but this memtrace reads versions "
			 "%u.x to %u.x only%s",
			 rd->path, pre[8], pre[9], RECORD_VERSION_OLDEST, RECORD_VERSION_MAJOR,
			 pre[8] > RECORD_VERSION_MAJOR ? ": use a newer memtrace" : "");
		return -EPROTONOSUPPORT;
	}
	rd->major = pre[8];
	rd->minor = pre[9];
	rd->st.major = rd->major;
	return 0;
}

int record_reader_open(struct record_reader **out, const char *path, char *msg, size_t size)
{
	struct record_reader *rd = calloc(1, sizeof(*rd));
	struct record_item first;
	struct stat st;
	int err;

	*out = NULL;
	if (!rd || !(rd->path = strdup(path))) {
		snprintf(msg, size, "%s: out of memory", path);
		free(rd);
		return -ENOMEM;
	}
	payload_state_init(&rd->st, RECORD_VERSION_MAJOR, NULL);
	rd->status = READER_MORE;
	rd->stack_frames = calloc(RECORD_MAX_FRAMES, sizeof(*rd->stack_frames));
	rd->shown_stack = calloc(1, sizeof(*rd->shown_stack));
	if (!rd->stack_frames || !rd->shown_stack) {
		snprintf(msg, size, "%s: out of memory", path);
		err = -ENOMEM;
		goto fail;
	}
	rd->size = UINT64_MAX;
	if (strcmp(path, "-") == 0) {
		rd->f = stdin;
	} else {
		rd->f = fopen(path, "rbe");
		if (!rd->f) {
			err = -errno;
			snprintf(msg, size, "cannot open the recording %s: %s", path, strerror(-err));
			goto fail;
		}
		rd->owns_file = 1;
	}
	if (fstat(fileno(rd->f), &st) == 0 && S_ISREG(st.st_mode))
		rd->size = (uint64_t)st.st_size;
	err = check_preamble(rd, msg, size);
	if (err)
		goto fail;
	/* The header is the first record: without it nothing else makes sense. */
	if (!record_reader_next(rd, &first) || first.kind != RECORD_KIND_HEADER) {
		if (rd->status == READER_MORE || rd->status == READER_COMPLETE)
			snprintf(msg, size, "%s: byte %d: the first record is not a header", path,
				 RECORD_PREAMBLE_LEN);
		else if (rd->status == READER_UNFINISHED)
			snprintf(msg, size, "%s: byte %d: the recording has no header (it is cut "
				 "short after the preamble)", path, RECORD_PREAMBLE_LEN);
		else
			snprintf(msg, size, "%s", rd->message);
		err = -EINVAL;
		goto fail;
	}
	*out = rd;
	return 0;
fail:
	record_reader_close(rd);
	return err;
}

/* Version 1's STACK record: its frames join the frame table, so that the
 * stack is kept as version 2 keeps it. */
static int add_v1_stack(struct record_reader *rd, const struct rec_stack *s, const char **why)
{
	struct rec_defs *d = &rd->st.defs;
	uint32_t ids[RECORD_MAX_FRAMES];

	if (s->id != d->nstacks + 1)
		return *why = "a stack id out of sequence", -EINVAL;
	/* Writers cut deeper stacks; dump shows every frame at each event,
	 * so depth must not be bounded by the payload alone. */
	if (s->nframes > RECORD_MAX_FRAMES)
		return *why = "a stack deeper than any writer writes", -EINVAL;
	for (uint32_t i = 0; i < s->nframes; i++) {
		if (s->frames[i].module_id > d->nstrings || s->frames[i].symbol_id > d->nstrings)
			return *why = "a frame names a string not defined before it", -EINVAL;
		ids[i] = defs_add_frame(d, &s->frames[i]);
		if (!ids[i])
			return -ENOMEM;
	}
	return defs_add_stack(d, ids, s->nframes) ? 0 : -ENOMEM;
}

/* Gives each mapping its path; returns a reason when an id is undefined. */
static const char *attach_paths(struct record_reader *rd, struct rec_mappings *list)
{
	size_t nstrings = rd->st.defs.nstrings;

	if (nstrings > rd->paths_cap) {
		struct mapping_path **paths = realloc(rd->paths, nstrings * 2 * sizeof(*paths));

		if (!paths)
			return "out of memory";
		memset(paths + rd->paths_cap, 0, (nstrings * 2 - rd->paths_cap) * sizeof(*paths));
		rd->paths = paths;
		rd->paths_cap = nstrings * 2;
	}
	for (size_t i = 0; i < list->count; i++) {
		uint32_t id = list->path_ids[i];

		list->maps[i].backing.path = NULL;
		if (!id)
			continue;
		if (id > nstrings)
			return "a mapping names a string not defined before it";
		if (!rd->paths[id - 1]) {
			rd->paths[id - 1] = mapping_path_new(rd->st.defs.strings[id - 1]);
			if (!rd->paths[id - 1])
				return "out of memory";
		}
		list->maps[i].backing.path = rd->paths[id - 1];
	}
	return NULL;
}

/* Decodes the payload of a record of kind into item. Returns 0 or -errno. */
static int decode(struct record_reader *rd, struct cursor *c, struct record_item *item,
		  const char **why)
{
	int err;

	switch (item->kind) {
	case RECORD_KIND_HEADER:
		if (rd->header_seen)
			return *why = "a second header", -EINVAL;
		err = decode_header(c, &rd->header, why);
		if (err)
			return err;
		rd->header_seen = 1;
		item->header = &rd->header;
		return 0;
	case RECORD_KIND_STRING: {
		const uint8_t *bytes;
		size_t len;

		if (rd->major >= 2)
			return *why = "a string record (version 1) in a version 2 file", -EINVAL;
		err = decode_string(c, &item->string.id, &bytes, &len, why);
		if (err)
			return err;
		if (item->string.id != rd->st.defs.nstrings + 1)
			return *why = "a string id out of sequence", -EINVAL;
		if (!defs_add_string(&rd->st.defs, bytes, len))
			return -ENOMEM;
		item->string.value = rd->st.defs.strings[item->string.id - 1];
		return 0;
	}
	case RECORD_KIND_STACK:
		if (rd->major >= 2)
			return *why = "a stack record (version 1) in a version 2 file", -EINVAL;
		err = decode_stack(c, &rd->stack, &rd->frames, &rd->frames_cap, why);
		if (!err)
			err = add_v1_stack(rd, &rd->stack, why);
		item->stack = &rd->stack;
		return err;
	case RECORD_KIND_EXEC:
		item->exec.mappings = &rd->mappings;
		err = decode_exec(c, &rd->st, &item->time_ns, &item->exec, why);
		if (!err && (*why = attach_paths(rd, &rd->mappings)))
			err = -EINVAL;
		return err;
	case RECORD_KIND_TASK:
		return decode_task(c, &rd->st, &item->time_ns, &item->task, why);
	case RECORD_KIND_EXIT:
		return decode_exit(c, &rd->st, &item->time_ns, &item->exit, why);
	case RECORD_KIND_EVENT:
		item->event.mappings = &rd->mappings;
		err = decode_event(c, &rd->st, &item->time_ns, &item->event, why);
		if (!err && (*why = attach_paths(rd, &rd->mappings)))
			err = -EINVAL;
		if (!err)
			rd->events++;
		return err;
	case RECORD_KIND_END:
		return decode_end(c, &rd->st, &item->time_ns, &item->end, why);
	default:
		/* A kind from a newer minor version: its length lets us skip it. */
		item->unknown_len = cursor_left(c);
		return 0;
	}
}

int record_reader_next(struct record_reader *rd, struct record_item *item)
{
	uint8_t head[11], crc_le[4];
	uint64_t start = rd->offset, len = 0;
	size_t head_len = 1;
	struct cursor c;
	const char *why = NULL;
	uint32_t crc;
	int err;

	if (rd->status != READER_MORE)
		return 0;
	memset(item, 0, sizeof(*item));
	item->offset = start;
	if (read_bytes(rd, head, 1) == 0) {
		if (ferror(rd->f))
			return stop(rd, READER_FAILED, start, "cannot read: %s", strerror(errno));
		return stop(rd, READER_UNFINISHED, start,
			    "the recording ends without its end record (memtrace was stopped "
			    "before it could finish it); %llu events read",
			    (unsigned long long)rd->events);
	}
	item->kind = head[0];
	if (head[0] == 0)
		return stop(rd, READER_TRUNCATED, start,
			    "zero bytes where a record should start: the rest of the file was "
			    "never written; %llu events read", (unsigned long long)rd->events);
	/* The length: a uvarint of at most 10 bytes. */
	for (int shift = 0;; shift += 7) {
		if (read_bytes(rd, &head[head_len], 1) == 0)
			return stop(rd, READER_TRUNCATED, start,
				    "the recording is cut short inside a record; %llu events read",
				    (unsigned long long)rd->events);
		if (shift > 56)
			return stop(rd, READER_CORRUPT, start, "a record length that is no number");
		len |= (uint64_t)(head[head_len] & 0x7f) << shift;
		if (!(head[head_len++] & 0x80))
			break;
	}
	if (len > RECORD_MAX_PAYLOAD)
		return stop(rd, READER_CORRUPT, start, "a record length of %llu bytes, more than "
			    "any record has", (unsigned long long)len);
	if (rd->size != UINT64_MAX && len + 4 > rd->size - rd->offset)
		return stop(rd, READER_TRUNCATED, start,
			    "the recording is cut short inside a %s record (%llu bytes missing); "
			    "%llu events read", kind_name(item->kind),
			    (unsigned long long)(len + 4 - (rd->size - rd->offset)),
			    (unsigned long long)rd->events);
	if (len > rd->payload_cap) {
		uint8_t *p = realloc(rd->payload, len);

		if (!p)
			return stop(rd, READER_FAILED, start, "out of memory");
		rd->payload = p;
		rd->payload_cap = len;
	}
	if (read_bytes(rd, rd->payload, len) < len || read_bytes(rd, crc_le, 4) < 4)
		return stop(rd, READER_TRUNCATED, start,
			    "the recording is cut short inside a %s record; %llu events read",
			    kind_name(item->kind), (unsigned long long)rd->events);
	crc = crc32_update(crc32_update(0, head, head_len), rd->payload, len);
	if (crc != ((uint32_t)crc_le[0] | (uint32_t)crc_le[1] << 8 | (uint32_t)crc_le[2] << 16 |
		    (uint32_t)crc_le[3] << 24))
		return stop(rd, READER_CORRUPT, start,
			    "a damaged record (its CRC does not match); %llu events read",
			    (unsigned long long)rd->events);
	if (!rd->header_seen && item->kind != RECORD_KIND_HEADER)
		return stop(rd, READER_CORRUPT, start, "a %s record before the header",
			    kind_name(item->kind));
	cursor_init(&c, rd->payload, len);
	err = decode(rd, &c, item, &why);
	if (err == -ENOMEM || (err && !why))
		return stop(rd, READER_FAILED, start, "out of memory");
	if (err)
		return stop(rd, READER_CORRUPT, start, "a bad %s record: %s", kind_name(item->kind),
			    why);
	/* A stack of runs takes a few bytes for up to RECORD_MAX_FRAMES frames:
	 * a crafted file must not make the reader hold a hundred times its size. */
	if (rd->st.defs.pool_len > 4 * rd->offset + (1u << 20))
		return stop(rd, READER_CORRUPT, start, "more stack frames than a recording of "
			    "this size holds");
	if (item->kind == RECORD_KIND_END)
		rd->status = READER_COMPLETE;
	return 1;
}

enum reader_status record_reader_status(const struct record_reader *rd)
{
	return rd->status;
}

const char *record_reader_message(const struct record_reader *rd)
{
	return rd->status == READER_COMPLETE ? "" : rd->message;
}

const struct rec_header *record_reader_header(const struct record_reader *rd)
{
	return &rd->header;
}

const char *record_reader_path(const struct record_reader *rd)
{
	return rd->path;
}

uint64_t record_reader_events(const struct record_reader *rd)
{
	return rd->events;
}

void record_reader_format(const struct record_reader *rd, int *major, int *minor)
{
	*major = rd->major;
	*minor = rd->minor;
}

const char *record_reader_string(const struct record_reader *rd, uint32_t id)
{
	return id && id <= rd->st.defs.nstrings ? rd->st.defs.strings[id - 1] : NULL;
}

const struct rec_stack *record_reader_stack(const struct record_reader *rd, uint32_t id)
{
	struct rec_stack *s = rd->shown_stack;

	s->nframes = defs_stack_frames(&rd->st.defs, id, rd->stack_frames);
	if (!s->nframes)
		return NULL;
	s->id = id;
	s->frames = rd->stack_frames;
	return s;
}

void record_reader_close(struct record_reader *rd)
{
	if (!rd)
		return;
	if (rd->owns_file)
		fclose(rd->f);
	for (size_t i = 0; i < rd->paths_cap; i++)
		mapping_path_put(rd->paths[i]);
	free(rd->paths);
	payload_state_free(&rd->st);
	free(rd->frames);
	free(rd->stack_frames);
	free(rd->shown_stack);
	free(rd->payload);
	rec_mappings_free(&rd->mappings);
	rec_header_free(&rd->header);
	free(rd->path);
	free(rd);
}
