#ifndef MEMTRACE_PRINTER_H
#define MEMTRACE_PRINTER_H

#include <stdio.h>

#include "strbuf.h"
#include "syscall_event.h"

/* Appends "name(args) = result" in strace's syntax, without a newline. */
void format_event(struct strbuf *sb, const struct syscall_event *ev);

/* Where trace lines go, and whether they carry a "[pid N] " prefix. */
struct printer {
	FILE *out;
	int show_pid;
};

/* Writes one event as a line. Returns 0 or -errno (e.g. -EPIPE, -ENOSPC). */
int print_event(struct printer *p, const struct syscall_event *ev);

#endif
