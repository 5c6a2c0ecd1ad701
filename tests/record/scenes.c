/* The recordings the tests read: scenarios written through the writer API
 * against models built with src/mm (see record_test.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "mm/brk.h"
#include "mm/change.h"
#include "mm/maps_format.h"
#include "mm/remap.h"
#include "record/format.h"
#include "record_test.h"

#define FRAMES(s) .frames = (s), .nframes = (int)(sizeof(s) / sizeof((s)[0]))

char tmpdir[256] = "/tmp/record-test.XXXXXX";

/* ---- frames ---- */

static const struct record_frame stack_a[] = {
	{ LIBC, 0x11e8a7, "mmap64", 0x27 },
	{ PROG, 0x1139, "level_three", 0x12 },
	{ PROG, 0x1160, "level_two", 0x9 },
	{ PROG, 0x1190, "main", 0x20 },
	{ LIBC, 0x29d90, "__libc_start_call_main", 0x80 },
};
static const struct record_frame stack_b[] = {
	{ PROG, 0x2000, NULL, 0 },
	{ NULL, 0x7fff12345678, NULL, 0 },
};
static const struct record_frame stack_c[] = {
	{ LIBC, 0x11eb0b, "mprotect", 0xb },
	{ "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", 0x1d0a0, "_dl_protect_relro", 0x20 },
};

uint64_t fake_clock(void *scene)
{
	struct scene *s = scene;

	s->clock += 12345;
	return s->clock;
}

char *maps_text(const struct address_space *as)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (as)
		as_format_maps(as, f);
	fclose(f);
	return text;
}

static struct address_space *model_of(struct scene *s, pid_t tid)
{
	for (int i = 0; i < s->ntasks; i++)
		if (s->tasks[i].tid == tid)
			return s->tasks[i].as;
	return NULL;
}

void add_task(struct scene *s, pid_t tid, struct address_space *as)
{
	s->tasks[s->ntasks].tid = tid;
	s->tasks[s->ntasks].as = as;
	s->ntasks++;
}

struct call {
	pid_t tid;
	enum arch arch;
	uint64_t nr;
	uint64_t args[6];
	int64_t result;
	int pending;
	enum record_decision_kind kind;
	uint64_t addr;		/* placed */
	int err;		/* refused */
	const struct record_frame *frames;
	int nframes;
	uint64_t lo, hi;	/* the window */
	uint32_t ind[6];	/* old_mmap */
	int ind_fault;
};

/* Records c against the tid's model as it is now, and remembers it. */
static void record_call(struct scene *s, const struct call *c)
{
	struct expect *e = &s->ex[s->nex++];
	struct address_space *as = model_of(s, c->tid);

	memset(e, 0, sizeof(*e));
	e->ev.tid = c->tid;
	e->ev.arch = c->arch;
	e->ev.nr = c->nr;
	e->ev.row = arch_lookup(c->arch, c->nr);
	memcpy(e->ev.args, c->args, sizeof(c->args));
	memcpy(e->ev.ind_args, c->ind, sizeof(c->ind));
	e->ev.ind_fault = c->ind_fault;
	e->ev.ip = c->arch == ARCH_I386 ? 0xf7fc1579 : 0x7ffff7e9e8a7 + (c->nr == X_MUNMAP);
	e->ev.has_result = !c->pending;
	e->ev.result = c->result;
	e->d.seq = ++s->seq;
	e->d.kind = c->kind;
	e->d.addr = c->addr;
	e->d.err = c->err;
	e->frames = c->frames;
	e->nframes = c->nframes;
	ASSERT_EQ(s->h, record_event(s->r, &e->ev, &e->d, c->frames, c->nframes, as, c->lo, c->hi),
		  0);
	e->maps = maps_text(as);
}

static struct mapping_path *path(const char *name)
{
	return mapping_path_new(name);
}

static void insert_file(struct address_space *as, uint64_t start, uint64_t end, uint8_t prot,
			const char *name, uint64_t inode, uint64_t offset, enum mapping_kind kind)
{
	struct mapping_path *p = path(name);
	struct mapping m = file_mapping(start, end, prot, p, inode, offset);

	m.backing.inode = inode;
	m.kind = kind;
	as_insert(as, &m);
	mapping_path_put(p);
}

static void insert_special(struct address_space *as, uint64_t start, uint64_t end, uint8_t prot,
			   enum mapping_kind kind, uint32_t flags)
{
	struct mapping m = anon_mapping(start, end, prot);

	m.kind = kind;
	m.flags |= flags;
	as_insert(as, &m);
}

/* Places an anonymous mapping as memtrace would; returns its address. */
uint64_t place_anon(struct address_space *as, uint64_t len, uint8_t prot, uint64_t seq)
{
	uint64_t addr = 0;
	struct mapping m;

	as_get_unmapped_area(as, 0, len, &addr);
	m = anon_mapping(addr, addr + len, prot);
	m.created_by = seq;
	as_insert(as, &m);
	return addr;
}

/* ---- the x86_64 scenario ---- */

void exec_x86_64(struct scene *s, struct address_space *as, int variant)
{
	struct as_layout l;

	as_layout_default(&l, AS_ARCH_X86_64);
	l.brk_start = 0x555555559000;
	as_init(as, &l);
	insert_file(as, 0x555555554000, 0x555555555000, PROT_READ, PROG, 1234, 0, MAPPING_KIND_EXE);
	insert_file(as, 0x555555555000, 0x555555556000, PROT_READ | PROT_EXEC, PROG, 1234, 0x1000,
		    MAPPING_KIND_EXE);
	insert_file(as, 0x555555557000, 0x555555559000, PROT_READ | PROT_WRITE, PROG, 1234, 0x2000,
		    MAPPING_KIND_EXE);
	insert_special(as, 0x555555559000, 0x55555557a000, PROT_READ | PROT_WRITE,
		       MAPPING_KIND_HEAP, 0);
	as->brk_current = 0x55555557a000;
	insert_file(as, 0x7ffff7d80000, 0x7ffff7da8000, PROT_READ, LIBC, 5678, 0, MAPPING_KIND_LIB);
	insert_file(as, 0x7ffff7da8000, 0x7ffff7f3d000, PROT_READ | PROT_EXEC, LIBC, 5678, 0x28000,
		    MAPPING_KIND_LIB);
	/* Variant 2 loads one more object: every placement moves down. */
	if (variant == 2)
		insert_file(as, 0x7ffff7ff0000, 0x7ffff7fff000, PROT_READ, "/usr/lib/extra.so", 91,
			    0, MAPPING_KIND_LIB);
	insert_special(as, 0x7ffff7fc1000, 0x7ffff7fc5000, PROT_READ, MAPPING_KIND_VVAR, 0);
	insert_special(as, 0x7ffff7fc5000, 0x7ffff7fc7000, PROT_READ | PROT_EXEC, MAPPING_KIND_VDSO,
		       0);
	insert_special(as, 0x7ffffffde000, 0x7ffffffff000, PROT_READ | PROT_WRITE,
		       MAPPING_KIND_STACK, MAPPING_GROWSDOWN);
	insert_special(as, 0xffffffffff600000, 0xffffffffff601000, PROT_EXEC, MAPPING_KIND_VSYSCALL,
		       0);
}

static void scenario_x86_64(struct scene *s, struct address_space *a, struct address_space *b)
{
	const uint64_t rw = PROT_READ | PROT_WRITE, anon = MAP_PRIVATE | MAP_ANONYMOUS;
	uint64_t m1, m2, m3, m4, m5, brk, grown, len1 = s->variant == 1 ? 12288 : 8192;
	struct as_change chg;

	exec_x86_64(s, a, s->variant);
	add_task(s, 100, a);
	ASSERT_EQ(s->h, record_exec(s->r, 100, ARCH_X86_64, PROG, a), 0);
	s->exec_layout = a->layout;
	s->exec_brk = a->brk_current;

	/* brk(NULL), then a grow to an unaligned break */
	record_call(s, &(struct call){ .tid = 100, .nr = X_BRK, .result = 0x55555557a000 });
	as_brk(a, 0x55555559b123, s->seq + 1, &brk);
	record_call(s, &(struct call){ .tid = 100, .nr = X_BRK, .args = { 0x55555559b123 },
				       .result = (int64_t)brk, .lo = 0x555555559000, .hi = brk });

	m1 = place_anon(a, len1, rw, s->seq + 1);
	record_call(s, &(struct call){ .tid = 100, .nr = X_MMAP,
				       .args = { 0, len1, rw, anon, (uint64_t)-1, 0 },
				       .result = (int64_t)m1, .kind = RECORD_PLACED, .addr = m1,
				       FRAMES(stack_a), .lo = m1, .hi = m1 + len1 });

	as_get_unmapped_area(a, 0, 4096, &m2);
	insert_file(a, m2, m2 + 4096, PROT_READ, "/data/file.bin", 777, 0, MAPPING_KIND_FILE);
	record_call(s, &(struct call){ .tid = 100, .nr = X_MMAP,
				       .args = { 0, 4096, PROT_READ, MAP_PRIVATE, 3, 0 },
				       .result = (int64_t)m2, .kind = RECORD_PLACED, .addr = m2,
				       FRAMES(stack_b), .lo = m2, .hi = m2 + 4096 });

	m3 = place_anon(a, 16384, rw, s->seq + 1);
	record_call(s, &(struct call){ .tid = 100, .nr = X_MMAP,
				       .args = { 0, 16384, rw, anon, (uint64_t)-1, 0 },
				       .result = (int64_t)m3, .kind = RECORD_PLACED, .addr = m3,
				       FRAMES(stack_a), .lo = m3, .hi = m3 + 16384 });

	as_protect(a, m3, 4096, PROT_READ, NULL);
	record_call(s, &(struct call){ .tid = 100, .nr = X_MPROTECT,
				       .args = { m3, 4096, PROT_READ }, FRAMES(stack_c),
				       .lo = m3, .hi = m3 + 4096 });

	as_unmap(a, m3 + 8192, 4096);
	record_call(s, &(struct call){ .tid = 100, .nr = X_MUNMAP, .args = { m3 + 8192, 4096 },
				       FRAMES(stack_a), .lo = m3 + 8192, .hi = m3 + 12288 });

	as_change_for_mlock(&chg, MAPPING_LOCKED);
	as_change_range(a, m3 + 4096, 4096, &chg, NULL);
	record_call(s, &(struct call){ .tid = 100, .nr = X_MLOCK, .args = { m3 + 4096 + 12, 100 },
				       .lo = m3 + 4096 + 12, .hi = m3 + 4096 + 112 });

	as_change_for_madvise(&chg, MADV_DONTFORK);
	as_change_range(a, m1, len1, &chg, NULL);
	record_call(s, &(struct call){ .tid = 100, .nr = X_MADVISE,
				       .args = { m1, len1, MADV_DONTFORK }, .lo = m1,
				       .hi = m1 + len1 });

	/* mremap that moves: the window covers both places */
	as_get_unmapped_area(a, 0, 32768, &m4);
	as_move(a, m1, len1, m4, 32768, 0, s->seq + 1);
	record_call(s, &(struct call){ .tid = 100, .nr = X_MREMAP,
				       .args = { m1, len1, 32768, MREMAP_MAYMOVE },
				       .result = (int64_t)m4, .kind = RECORD_PLACED, .addr = m4,
				       .lo = m4 < m1 ? m4 : m1,
				       .hi = m4 < m1 ? m1 + len1 : m4 + 32768 });

	record_call(s, &(struct call){ .tid = 100, .nr = X_MMAP,
				       .args = { 0, 1ull << 46, rw, anon, (uint64_t)-1, 0 },
				       .result = -ENOMEM, FRAMES(stack_a) });
	record_call(s, &(struct call){ .tid = 100, .nr = X_MUNMAP, .args = { 0x1001, 4096 },
				       .result = -EINVAL, .kind = RECORD_REFUSED, .err = EINVAL });

	/* A fixed mapping below 4 GiB, then an int $0x80 munmap of it */
	m5 = 0x10000000;
	insert_special(a, m5, m5 + 8192, PROT_READ | PROT_WRITE, MAPPING_KIND_ANON, 0);
	record_call(s, &(struct call){ .tid = 100, .nr = X_MMAP,
				       .args = { m5, 8192, rw, anon | MAP_FIXED, (uint64_t)-1, 0 },
				       .result = (int64_t)m5, .lo = m5, .hi = m5 + 8192 });
	as_unmap(a, m5, 4096);
	record_call(s, &(struct call){ .tid = 100, .arch = ARCH_I386, .nr = I_MUNMAP,
				       .args = { m5, 4096 }, .lo = m5, .hi = m5 + 4096 });

	/* shmat, taken from the kernel's view: the whole space */
	{
		struct mapping_path *p = path("/SYSV00000000 (deleted)");
		struct mapping shm = file_mapping(0x7ffff7fb0000, 0x7ffff7fb4000, rw, p, 32768, 0);

		shm.flags = MAPPING_SHARED;
		shm.kind = MAPPING_KIND_SHM;
		shm.backing.dev_major = 0;
		shm.backing.dev_minor = 1;
		shm.backing.inode = 32768;
		as_insert(a, &shm);
		mapping_path_put(p);
	}
	record_call(s, &(struct call){ .tid = 100, .nr = X_SHMAT, .args = { 5, 0, 0 },
				       .result = 0x7ffff7fb0000, .kind = RECORD_RESYNCED,
				       .lo = 0, .hi = UINT64_MAX });
	record_call(s, &(struct call){ .tid = 100, .nr = X_MADVISE,
				       .args = { m3, 4096, MADV_DONTNEED }, .pending = 1 });

	/* fork: the child's copy, changed on its own */
	as_fork(b, a);
	ASSERT_EQ(s->h, record_task(s->r, RECORD_TASK_FORK, 100, 101, 0), 0);
	add_task(s, 101, b);
	as_unmap(b, m3, 16384);
	record_call(s, &(struct call){ .tid = 101, .nr = X_MUNMAP, .args = { m3, 16384 },
				       .lo = m3, .hi = m3 + 16384 });
	ASSERT_EQ(s->h, record_exit(s->r, 101, 0), 0);
	s->tasks[--s->ntasks].tid = 0;

	/* a thread shares the parent's model */
	ASSERT_EQ(s->h, record_task(s->r, RECORD_TASK_CLONE, 100, 102, 1), 0);
	add_task(s, 102, a);
	grown = place_anon(a, 65536, rw, s->seq + 1);
	record_call(s, &(struct call){ .tid = 102, .nr = X_MMAP,
				       .args = { 0, 65536, rw, anon | MAP_STACK, (uint64_t)-1, 0 },
				       .result = (int64_t)grown, .kind = RECORD_PLACED, .addr = grown,
				       FRAMES(stack_a), .lo = grown, .hi = grown + 65536 });
	ASSERT_EQ(s->h, record_exit(s->r, 102, 0), 0);

	as_unmap(a, m2, 4096);
	record_call(s, &(struct call){ .tid = 100, .nr = X_MUNMAP, .args = { m2, 4096 },
				       FRAMES(stack_b), .lo = m2, .hi = m2 + 4096 });
	ASSERT_EQ(s->h, record_exit(s->r, 100, 3 << 8), 0);
}

/* ---- the i386 scenario ---- */

#define LIBC32 "/usr/lib32/libc.so.6"

static void scenario_i386(struct scene *s, struct address_space *a)
{
	const uint64_t rw = PROT_READ | PROT_WRITE, anon = MAP_PRIVATE | MAP_ANONYMOUS;
	struct as_layout l;
	uint64_t m1, m2, m3;

	as_layout_default(&l, AS_ARCH_I386);
	l.brk_start = 0x5655a000;
	as_init(a, &l);
	insert_file(a, 0x56555000, 0x56556000, PROT_READ, "/usr/bin/prog32", 4321, 0,
		    MAPPING_KIND_EXE);
	insert_special(a, 0x5655a000, 0x5657c000, rw, MAPPING_KIND_HEAP, 0);
	a->brk_current = 0x5657c000;
	insert_file(a, 0xf7d00000, 0xf7d20000, PROT_READ | PROT_EXEC, LIBC32, 99, 0,
		    MAPPING_KIND_LIB);
	insert_special(a, 0xf7fc0000, 0xf7fc2000, PROT_READ | PROT_EXEC, MAPPING_KIND_VDSO, 0);
	insert_special(a, 0xfffdd000, 0xffffe000, rw, MAPPING_KIND_STACK, MAPPING_GROWSDOWN);
	add_task(s, 200, a);
	ASSERT_EQ(s->h, record_exec(s->r, 200, ARCH_I386, "/usr/bin/prog32", a), 0);
	s->exec_layout = a->layout;
	s->exec_brk = a->brk_current;

	m1 = place_anon(a, 4096, rw, s->seq + 1);
	record_call(s, &(struct call){ .tid = 200, .arch = ARCH_I386, .nr = I_OLD_MMAP,
				       .args = { 0xffffd000 }, .ind = { 0, 4096, 3, 0x22, 0xffffffff, 0 },
				       .result = (int64_t)m1, .kind = RECORD_PLACED, .addr = m1,
				       FRAMES(stack_a), .lo = m1, .hi = m1 + 4096 });
	record_call(s, &(struct call){ .tid = 200, .arch = ARCH_I386, .nr = I_OLD_MMAP,
				       .args = { 0x1000 }, .ind_fault = 1, .result = -EFAULT });
	m2 = place_anon(a, 8192, rw, s->seq + 1);
	record_call(s, &(struct call){ .tid = 200, .arch = ARCH_I386, .nr = I_MMAP2,
				       .args = { 0, 8192, rw, anon, 0xffffffff, 0 },
				       .result = (int64_t)m2, .kind = RECORD_PLACED, .addr = m2,
				       .lo = m2, .hi = m2 + 8192 });
	as_get_unmapped_area(a, 0, 4096, &m3);
	insert_file(a, m3, m3 + 4096, PROT_READ, "/data/file32", 555, 8192, MAPPING_KIND_FILE);
	record_call(s, &(struct call){ .tid = 200, .arch = ARCH_I386, .nr = I_MMAP2,
				       .args = { 0, 4096, PROT_READ, MAP_PRIVATE, 3, 2 },
				       .result = (int64_t)m3, .kind = RECORD_PLACED, .addr = m3,
				       .lo = m3, .hi = m3 + 4096 });
	as_unmap(a, m1, 4096);
	record_call(s, &(struct call){ .tid = 200, .arch = ARCH_I386, .nr = I_MUNMAP,
				       .args = { m1, 4096 }, .lo = m1, .hi = m1 + 4096 });
	record_call(s, &(struct call){ .tid = 200, .arch = ARCH_I386, .nr = I_BRK,
				       .result = 0x5657c000 });
	as_protect(a, m2, 4096, PROT_READ, NULL);
	record_call(s, &(struct call){ .tid = 200, .arch = ARCH_I386, .nr = I_MPROTECT,
				       .args = { m2, 4096, PROT_READ }, .lo = m2, .hi = m2 + 4096 });
	ASSERT_EQ(s->h, record_exit(s->r, 200, 0), 0);
}

static struct address_space model_a, model_b;

/* Writes one scenario to path; s keeps what it recorded. */
void write_scene(struct harness *h, struct scene *s, const char *file, enum which w,
			int variant)
{
	char *argv[] = { w == I386 ? "/usr/bin/prog32" : PROG, "--flag", "two words", NULL };

	memset(s, 0, sizeof(*s));
	s->h = h;
	s->variant = variant;
	if (!ASSERT_EQ(h, record_open(&s->r, file, 3, argv), 0))
		return;
	record_set_clock(s->r, fake_clock, s);
	record_set_flags(s->r, RECORD_HEADER_STACKS);
	if (w == I386) {
		scenario_i386(s, &model_a);
	} else {
		scenario_x86_64(s, &model_a, &model_b);
		as_destroy(&model_b);
	}
	as_destroy(&model_a);
	ASSERT_EQ(h, record_close(s->r), 0);
}

void free_scene(struct scene *s)
{
	for (int i = 0; i < s->nex; i++)
		free(s->ex[i].maps);
}

char *tmp_path(const char *name)
{
	static char paths[8][512];
	static int next;
	char *p = paths[next++ % 8];

	snprintf(p, sizeof(paths[0]), "%s/%s", tmpdir, name);
	return p;
}

int contains(const char *text, const char *what)
{
	if (strstr(text, what))
		return 1;
	printf("  missing: %s\n", what);
	return 0;
}
