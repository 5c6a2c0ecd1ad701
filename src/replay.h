#ifndef MEMTRACE_REPLAY_H
#define MEMTRACE_REPLAY_H

/*
 * memtrace replay [OPTIONS] RECORDING [-- PROG [ARGS...]]: runs the
 * recorded command again (or PROG), placing each mapping memtrace places
 * where the recording says it went, records the new run, and compares the
 * two (see memtrace(1)). Returns 0 (they agree), 1 (they differ), 2
 * (usage or file errors).
 */
int replay_main(int argc, char *argv[]);

#endif
