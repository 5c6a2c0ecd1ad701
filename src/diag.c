#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"

/* Set once from the command line, read everywhere. */
struct diag_settings diag;

static void vmsg(const char *fmt, va_list ap, int err)
{
	char line[1024];
	int n = vsnprintf(line, sizeof(line), fmt, ap);

	if (n < 0)
		line[0] = '\0';
	if (err)
		fprintf(stderr, "memtrace: %s: %s\n", line, strerror(err));
	else
		fprintf(stderr, "memtrace: %s\n", line);
}

void error_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap, 0);
	va_end(ap);
}

void errno_msg(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap, err);
	va_end(ap);
}

void notice_msg(const char *fmt, ...)
{
	va_list ap;

	if (diag.quiet)
		return;
	va_start(ap, fmt);
	vmsg(fmt, ap, 0);
	va_end(ap);
}

void debug_msg(const char *fmt, ...)
{
	va_list ap;

	if (!diag.debug)
		return;
	va_start(ap, fmt);
	vmsg(fmt, ap, 0);
	va_end(ap);
}
