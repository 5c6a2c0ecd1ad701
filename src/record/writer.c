/*
 * The recording writer (see record.h).
 *
 * Each record is built in `payload`, framed (kind, length, payload, CRC)
 * into `out`, and `out` is written at record boundaries only: a crash or a
 * full disk leaves whole records followed by at most one partial one.
 * Strings and stacks are defined inside the first record that refers to
 * them (defs.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "diag.h"
#include "record/crc32.h"
#include "record/defs.h"
#include "record/format.h"
#include "record/payload.h"
#include "record/record.h"

/* Bytes gathered before a write, unless every event is flushed. */
#define FLUSH_THRESHOLD (64u << 10)

struct recorder {
	int fd;
	int owns_fd;			/* 0 for standard output */
	char *path;
	struct bytebuf out;		/* framed records not yet written */
	struct bytebuf payload;		/* the record being built */
	struct payload_state st;
	struct def_index index;		/* what st.defs holds, by content */
	/* The after-image being recorded. */
	const struct mapping **maps;
	size_t maps_cap;
	struct rec_header header;	/* written with the first record */
	int header_written;
	int err;			/* the first failure: recording has stopped */
	int flush_each_event;
	uint64_t (*now_ns)(void *ctx);
	void *clock_ctx;
	uint64_t clock_origin;
	int clock_started;
	uint64_t events, records;
};

static uint64_t monotonic_ns(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Nanoseconds since the recording's first reading of its clock. */
static uint64_t elapsed_ns(struct recorder *r)
{
	uint64_t now = r->now_ns(r->clock_ctx);

	if (!r->clock_started) {
		r->clock_origin = now;
		r->clock_started = 1;
	}
	return now > r->clock_origin ? now - r->clock_origin : 0;
}

/* Stops the recording at its first failure, saying so once. */
static int stop(struct recorder *r, int err)
{
	if (!r->err) {
		r->err = err;
		errno_msg(-err, "recording to %s stopped; the program goes on untouched", r->path);
	}
	return r->err;
}

static int write_out(struct recorder *r)
{
	size_t done = 0;

	while (done < r->out.len) {
		ssize_t n = write(r->fd, r->out.data + done, r->out.len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int err = n < 0 ? -errno : -EIO;

			/* Keep the file whole up to the last complete record written. */
			r->out.len = 0;
			return stop(r, err);
		}
		done += (size_t)n;
	}
	r->out.len = 0;
	return 0;
}

/* Frames the payload built so far as one record of kind. */
static int emit(struct recorder *r, enum record_kind kind)
{
	size_t start = r->out.len;

	if (r->payload.oom)
		return stop(r, -ENOMEM);
	if (r->payload.len > RECORD_MAX_PAYLOAD)
		return stop(r, -EFBIG);
	put_u8(&r->out, (uint8_t)kind);
	put_uvarint(&r->out, r->payload.len);
	put_bytes(&r->out, r->payload.data, r->payload.len);
	if (r->out.oom)
		return stop(r, -ENOMEM);
	put_u32le(&r->out, crc32_update(0, r->out.data + start, r->out.len - start));
	if (r->out.oom)
		return stop(r, -ENOMEM);
	r->payload.len = 0;
	r->records++;
	if (r->out.len >= FLUSH_THRESHOLD)
		return write_out(r);
	return 0;
}

static int ensure_header(struct recorder *r)
{
	if (r->err)
		return r->err;
	if (r->header_written)
		return 0;
	r->header_written = 1;
	encode_header(&r->payload, &r->header);
	return emit(r, RECORD_KIND_HEADER);
}

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

int record_open(struct recorder **out, const char *path, int argc, char *const argv[])
{
	struct recorder *r = calloc(1, sizeof(*r));
	struct utsname uts;
	struct timespec now;
	int err = -ENOMEM;

	*out = NULL;
	if (!r)
		return -ENOMEM;
	r->fd = -1;
	r->now_ns = monotonic_ns;
	def_index_init(&r->index);
	payload_state_init(&r->st, RECORD_VERSION_MAJOR, &r->index);
	bytebuf_init(&r->out);
	bytebuf_init(&r->payload);
	if (uname(&uts) < 0)
		memset(&uts, 0, sizeof(uts));
	clock_gettime(CLOCK_REALTIME, &now);
	r->header.start_sec = (uint64_t)now.tv_sec;
	r->header.start_nsec = (uint32_t)now.tv_nsec;
	r->header.version = dup_or_empty(PACKAGE_VERSION);
	r->header.sysname = dup_or_empty(uts.sysname);
	r->header.release = dup_or_empty(uts.release);
	r->header.kversion = dup_or_empty(uts.version);
	r->header.machine = dup_or_empty(uts.machine);
	r->header.argv = calloc((size_t)argc + 1, sizeof(char *));
	r->path = strdup(path);
	if (!r->header.version || !r->header.sysname || !r->header.release ||
	    !r->header.kversion || !r->header.machine || !r->header.argv || !r->path)
		goto fail;
	for (; r->header.argc < argc; r->header.argc++)
		if (!(r->header.argv[r->header.argc] = strdup(argv[r->header.argc])))
			goto fail;

	if (strcmp(path, "-") == 0) {
		r->fd = STDOUT_FILENO;
	} else {
		r->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (r->fd < 0) {
			err = -errno;
			goto fail;
		}
		r->owns_fd = 1;
	}
	put_bytes(&r->out, RECORD_MAGIC, RECORD_MAGIC_LEN);
	put_u8(&r->out, RECORD_VERSION_MAJOR);
	put_u8(&r->out, RECORD_VERSION_MINOR);
	put_u8(&r->out, 0);
	put_u8(&r->out, 0);
	if (r->out.oom)
		goto fail;
	elapsed_ns(r);
	*out = r;
	return 0;
fail:
	r->err = err;	/* nothing to report twice: the caller reports this one */
	record_close(r);
	return err;
}

void record_set_flags(struct recorder *r, unsigned flags)
{
	if (r && !r->header_written)
		r->header.flags = flags;
}

void record_set_flush_each_event(struct recorder *r, int on)
{
	if (r)
		r->flush_each_event = on;
}

void record_set_clock(struct recorder *r, uint64_t (*now_ns)(void *ctx), void *ctx)
{
	if (!r)
		return;
	r->now_ns = now_ns ? now_ns : monotonic_ns;
	r->clock_ctx = ctx;
	r->clock_started = 0;
}

static int add_mapping(struct recorder *r, size_t *count, const struct mapping *m)
{
	/* memtrace's own stub page is not the program's memory: a run records the same with or without it */
	if (m->kind == MAPPING_KIND_MEMTRACE_STUB)
		return 0;
	if (*count == r->maps_cap) {
		size_t cap = r->maps_cap ? r->maps_cap * 2 : 64;
		const struct mapping **maps = realloc(r->maps, cap * sizeof(*maps));

		if (!maps)
			return stop(r, -ENOMEM);
		r->maps = maps;
		r->maps_cap = cap;
	}
	r->maps[(*count)++] = m;
	return 0;
}

/*
 * Gathers the after-image of [*lo, *hi) into r->maps, widening the range
 * to whole pages and to the mappings it cuts, so that a reader removing
 * the range and inserting the list gets exactly as.  A range reaching past
 * user space becomes the whole model (*whole).  Returns 0 or the error.
 */
static int collect_window(struct recorder *r, const struct address_space *as, uint64_t *lo,
			  uint64_t *hi, int *whole, size_t *count)
{
	uint64_t end = mm_page_align(*hi);
	const struct mapping *m;

	*count = 0;
	*lo &= MM_PAGE_MASK;
	*whole = end == 0 || end > as->layout.task_size;
	if (*whole) {
		for (m = as_first(as); m; m = as_next(as, m))
			if (add_mapping(r, count, m))
				return r->err;
		return 0;
	}
	*hi = end;
	m = as_find(as, *lo);
	if (m && m->start < *lo)
		*lo = m->start;
	for (; m && m->start < *hi; m = as_next(as, m)) {
		if (add_mapping(r, count, m))
			return r->err;
		if (m->end > *hi)
			*hi = m->end;
	}
	return 0;
}

/*
 * Whether the reader will take these values back: anything else is the
 * caller's bug, refused without stopping the recording.
 */
static int valid_task(pid_t tid, enum arch arch)
{
	return tid >= 0 && (unsigned)arch < ARCH_COUNT;
}

int record_exec(struct recorder *r, pid_t tid, enum arch arch, const char *path,
		const struct address_space *as)
{
	struct rec_exec x = { .tid = tid, .arch = arch };
	size_t count = 0;

	if (!r || !as || !valid_task(tid, arch))
		return -EINVAL;
	if (ensure_header(r))
		return r->err;
	x.path = path;
	x.layout = as->layout;
	x.brk_current = as->brk_current;
	x.def_flags = as->def_flags;
	for (const struct mapping *m = as_first(as); m; m = as_next(as, m))
		if (add_mapping(r, &count, m))
			return r->err;
	if (r->err)
		return r->err;
	encode_exec(&r->payload, &r->st, elapsed_ns(r), &x, r->maps, count);
	if (emit(r, RECORD_KIND_EXEC))
		return r->err;
	return r->flush_each_event ? write_out(r) : 0;
}

int record_task(struct recorder *r, enum record_task_kind kind, pid_t parent, pid_t child,
		int shares_vm)
{
	struct rec_task t = { kind, parent, child, shares_vm };

	if (!r || (unsigned)kind > RECORD_TASK_CLONE || parent < 0 || child < 0)
		return -EINVAL;
	if (ensure_header(r))
		return r->err;
	encode_task(&r->payload, &r->st, elapsed_ns(r), &t);
	return emit(r, RECORD_KIND_TASK);
}

int record_exit(struct recorder *r, pid_t tid, int wait_status)
{
	struct rec_exit x = { tid, wait_status };

	if (!r || tid < 0)
		return -EINVAL;
	if (ensure_header(r))
		return r->err;
	encode_exit(&r->payload, &r->st, elapsed_ns(r), &x);
	if (emit(r, RECORD_KIND_EXIT))
		return r->err;
	return r->flush_each_event ? write_out(r) : 0;
}

int record_event(struct recorder *r, const struct syscall_event *ev,
		 const struct record_decision *d, const struct record_frame *frames, int nframes,
		 const struct address_space *as, uint64_t window_lo, uint64_t window_hi)
{
	struct rec_event e = { 0 };
	size_t count = 0;

	if (!r || !ev || !valid_task(ev->tid, ev->arch) ||
	    (d && ((unsigned)d->kind > RECORD_RESYNCED || d->err < 0 || d->err > 4095)))
		return -EINVAL;
	if (ensure_header(r))
		return r->err;
	e.ev = *ev;
	if (d) {
		e.d = *d;
	} else {
		e.d.kind = RECORD_PASSED;
		e.d.seq = r->st.seq + 1;
	}
	e.frames = frames;
	e.nframes = nframes;
	if (as && window_lo < window_hi) {
		e.has_window = 1;
		e.lo = window_lo;
		e.hi = window_hi;
		if (collect_window(r, as, &e.lo, &e.hi, &e.whole, &count))
			return r->err;
	}
	if (r->err)
		return r->err;
	encode_event(&r->payload, &r->st, elapsed_ns(r), &e, r->maps, count);
	if (emit(r, RECORD_KIND_EVENT))
		return r->err;
	r->events++;
	return r->flush_each_event ? write_out(r) : 0;
}

int record_flush(struct recorder *r)
{
	if (!r)
		return -EINVAL;
	if (r->err)
		return r->err;
	return write_out(r);
}

int record_close(struct recorder *r)
{
	int err;

	if (!r)
		return 0;
	if (!ensure_header(r)) {
		struct rec_end end = { r->events, r->records };

		encode_end(&r->payload, &r->st, elapsed_ns(r), &end);
		if (!emit(r, RECORD_KIND_END))
			write_out(r);
	}
	if (r->owns_fd && close(r->fd) < 0 && !r->err)
		stop(r, -errno);
	err = r->err;
	rec_header_free(&r->header);
	payload_state_free(&r->st);
	def_index_free(&r->index);
	bytebuf_free(&r->out);
	bytebuf_free(&r->payload);
	free(r->maps);
	free(r->path);
	free(r);
	return err;
}
