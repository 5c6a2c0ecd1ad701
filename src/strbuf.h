#ifndef MEMTRACE_STRBUF_H
#define MEMTRACE_STRBUF_H

#include <stddef.h>

/* A fixed-size line being built; output past cap is cut off, never overrun. */
struct strbuf {
	char *buf;
	size_t cap;	/* bytes in buf, including the terminating NUL */
	size_t len;	/* bytes used, excluding the NUL */
};

void sb_init(struct strbuf *sb, char *buf, size_t cap);
void sb_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
