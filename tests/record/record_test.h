/* Shared by record-test.c, scenes.c and damage.c. */
#ifndef MEMTRACE_TESTS_RECORD_TEST_H
#define MEMTRACE_TESTS_RECORD_TEST_H

#include <stddef.h>
#include <stdint.h>

#include "../unit/harness.h"
#include "../unit/mm_test_util.h"
#include "record/record.h"

/* Syscall numbers (checked against the table by check_numbers). */
#define X_MMAP 9
#define X_MPROTECT 10
#define X_MUNMAP 11
#define X_BRK 12
#define X_MREMAP 25
#define X_MADVISE 28
#define X_SHMAT 30
#define X_MLOCK 149
#define I_BRK 45
#define I_OLD_MMAP 90
#define I_MUNMAP 91
#define I_MPROTECT 125
#define I_MMAP2 192

#define LIBC "/usr/lib/x86_64-linux-gnu/libc.so.6"
#define PROG "/usr/bin/prog"

/* ---- scenes.c: scenarios written through the writer API ---- */

#define MAX_EXPECT 64

/* One recorded call, as the test expects to read it back. */
struct expect {
	struct syscall_event ev;
	struct record_decision d;
	const struct record_frame *frames;
	int nframes;
	char *maps;		/* the tid's model after the call, as maps text */
};

struct scene {
	struct harness *h;
	struct recorder *r;
	uint64_t clock;
	uint64_t seq;
	int variant;		/* 0; 1: one length differs; 2: every address differs */
	struct {
		pid_t tid;
		struct address_space *as;
	} tasks[4];
	int ntasks;
	struct expect ex[MAX_EXPECT];
	int nex;
	struct as_layout exec_layout;	/* of the scene's one exec */
	uint64_t exec_brk;
};

enum which { X86_64, I386 };

/* Where the test's files go: made by main, or given by --samples. */
extern char tmpdir[256];
/* tmpdir/name (the last eight stay valid). */
char *tmp_path(const char *name);

/* Writes a scenario to file; s keeps what was recorded. */
void write_scene(struct harness *h, struct scene *s, const char *file, enum which w,
		 int variant);
void free_scene(struct scene *s);

/* Pieces for other streams. */
uint64_t fake_clock(void *scene);
void exec_x86_64(struct scene *s, struct address_space *as, int variant);
void add_task(struct scene *s, pid_t tid, struct address_space *as);
uint64_t place_anon(struct address_space *as, uint64_t len, uint8_t prot, uint64_t seq);
/* The model in /proc/PID/maps syntax (malloc'd; "" for NULL). */
char *maps_text(const struct address_space *as);
/* Whether text holds what; says what is missing when not. */
int contains(const char *text, const char *what);

/* ---- v1_sample.c: a version 1 file of the x86_64 scene ---- */

extern const unsigned char v1_x86_64_mtr[];
extern const size_t v1_x86_64_mtr_len;

/* ---- refs.c: the codings of version 2 ---- */

void test_stack_refs(struct harness *h);
void test_args_round_trip(struct harness *h);
void test_bad_refs(struct harness *h);

/* ---- damage.c ---- */

void write_file(const char *file, const void *data, size_t len);
/* The file's bytes, with one spare byte at the end. */
uint8_t *read_file(const char *file, size_t *len);
void test_bad_files(struct harness *h);
void test_unknown_kind(struct harness *h);
void test_truncation(struct harness *h);
void test_truncation_v1(struct harness *h);
void test_corruption(struct harness *h);
void test_write_errors(struct harness *h);

#endif
