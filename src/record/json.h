/* JSON output helpers for dump --json and report --json. */
#ifndef MEMTRACE_RECORD_JSON_H
#define MEMTRACE_RECORD_JSON_H

#include <stdio.h>

/*
 * Writes s as a JSON string, quotes included; NULL becomes null.  Control
 * characters, quotes and backslashes are escaped; bytes that are not UTF-8
 * (a path may hold any) become \u00XX, their Latin-1 reading, so the line
 * stays valid JSON.
 */
void json_string(FILE *f, const char *s);

#endif
