#ifndef MEMTRACE_PRINTER_H
#define MEMTRACE_PRINTER_H

#include <stdio.h>

#include "strbuf.h"
#include "syscall_event.h"

/* Appends "name(args) = result" in strace's syntax, without a newline. */
void format_event(struct strbuf *sb, const struct syscall_event *ev);

/*
 * Where trace lines go, and whether they carry a "[pid N] " prefix. Lines
 * are written with write(2) (retried on EINTR), not stdio: one per line to
 * a terminal or to stderr (memtrace's own messages go there too, in
 * order), else gathered and written by printer_flush.
 */
struct printer {
	FILE *out;
	int show_pid;
	int gather;		/* set by printer_start: lines wait for printer_flush */
	char *buf;
	size_t len;
};

/* Decides how out is written. */
void printer_start(struct printer *p);

/* Writes one event as a line. Returns 0 or -errno (e.g. -EPIPE, -ENOSPC). */
int print_event(struct printer *p, const struct syscall_event *ev);

/* Writes the gathered lines. Returns 0 or -errno. */
int printer_flush(struct printer *p);

/* Flushes, and frees the buffer. Returns 0 or -errno. */
int printer_finish(struct printer *p);

#endif
