#ifndef MEMTRACE_DIAG_H
#define MEMTRACE_DIAG_H

/*
 * Messages to the user, all on stderr, all prefixed "memtrace: ".
 * error_msg: something failed; say what and what to do.
 * notice_msg: worth knowing, silenced by -q.
 * debug_msg: only under -d.
 */
struct diag_settings {
	int quiet;
	int debug;
};
extern struct diag_settings diag;

void error_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like error_msg, with ": strerror(err)" appended; err is a positive errno. */
void errno_msg(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void notice_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void debug_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
