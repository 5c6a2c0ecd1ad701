/* How recorded things read to people: shared by dump, report and diff. */
#ifndef MEMTRACE_RECORD_SHOW_H
#define MEMTRACE_RECORD_SHOW_H

#include <stdio.h>

#include "record/reader.h"
#include "strbuf.h"

/* The call as the live trace prints it, without the "[pid N] " prefix;
 * a number the syscall table lacks reads "syscall_N(args) = result". */
void show_call(struct strbuf *sb, const struct syscall_event *ev);

/* "level_three+0x12 (/path/prog+0x1139)", "?? (/path/prog+0x1139)" or
 * "0x7f0012345678" for a frame without a module. */
void show_frame(struct strbuf *sb, const struct record_reader *rd, const struct rec_frame *f);

/* The stack's frames, one "#N frame" line each after indent. */
void show_stack(FILE *out, const struct record_reader *rd, uint32_t stack_id,
		const char *indent);

/* "exited with 0", "killed by SIGSEGV (core dumped)", "gone (status unknown)". */
void show_wait_status(struct strbuf *sb, int status);

/* 1536 -> "1.5 KiB"; exact below 1 KiB ("512 B"). */
void show_bytes(struct strbuf *sb, uint64_t bytes);

const char *task_kind_name(enum record_task_kind kind);
const char *decision_name(enum record_decision_kind kind);
const char *arch_name(enum arch arch);

#endif
