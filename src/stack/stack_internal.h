/*
 * What the files of src/stack share: the unwinder, per-task state and the
 * context of one capture. Not for use outside src/stack.
 */
#ifndef MEMTRACE_STACK_INTERNAL_H
#define MEMTRACE_STACK_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

#include "proc_maps.h"

struct address_space;
struct elf_image;

/*
 * Pages of tracee memory read in one process_vm_readv each: an unwind reads
 * a few words per frame, mostly from the same one or two stack pages.
 */
#define PAGE_CACHE_PAGE 4096
#define PAGE_CACHE_SLOTS 32

struct page_slot {
	uint64_t addr;		/* page address; valid when tid != 0 */
	uint64_t used;		/* clock value of the last hit, for LRU */
	pid_t tid;		/* 0: free */
};

#define PAGE_CACHE_INDEX 64	/* a power of two, above PAGE_CACHE_SLOTS */

struct page_cache {
	struct page_slot slots[PAGE_CACHE_SLOTS];
	/* By page number modulo PAGE_CACHE_INDEX: the slot that last held such a page. */
	uint8_t index[PAGE_CACHE_INDEX];
	uint8_t *data;		/* PAGE_CACHE_SLOTS pages, slot i at i * PAGE_CACHE_PAGE */
	uint64_t clock;
};

/* A module: an ELF file by path, or an image read from memory (the vdso). */
struct stack_module {
	struct stack_module *next;	/* hash chain */
	uint64_t hash;			/* of the path, or of the image's bytes */
	char *name;			/* the path, or "[vdso]" */
	struct elf_image *elf;		/* NULL when it cannot be read as ELF */
	uint64_t inode;			/* the file the process mapped; 0: unknown */
	/* elf is the file the process mapped: the path still names the same inode. */
	bool usable;
	bool from_memory;
};

#define MODULE_CACHE_BUCKETS 512

struct module_cache {
	struct stack_module *buckets[MODULE_CACHE_BUCKETS];
};

/*
 * How to step from one ip to its caller (rule_cache.c). The same file
 * mapped at the same place holds the same code, whatever the process.
 */
struct unwind_rule {
	const struct stack_module *module;	/* the file holding ip */
	uint64_t base;		/* where the mapping puts file offset 0 */
	uint64_t ip;		/* the lookup ip; 0: a free slot */
	void *state;		/* libunwind's register state (malloc'd); NULL: none */
	bool signal;		/* a signal trampoline: the caller's ip is exact, not a return address */
};

struct rule_cache {
	struct unwind_rule *slots;
	size_t cap;		/* 0 or a power of two */
	size_t count;
};

/* One mapping as the walkers need it, from the model or /proc/PID/maps. */
struct stack_region {
	uint64_t start;		/* inclusive */
	uint64_t end;		/* exclusive */
	uint64_t offset;	/* file offset of start */
	uint64_t inode;		/* 0 when unknown or anonymous */
	const char *path;	/* NULL without a file; valid during one call only */
	uint8_t prot;		/* PROT_* */
	bool vdso;
	/* What region_module found, kept with the region in the capture's memo. */
	bool module_known;
	struct stack_module *module;
};

/* What the unwinder keeps per task until stack_forget_task. */
struct stack_task {
	struct stack_task *next;	/* hash chain */
	pid_t tid;
	struct proc_maps maps;		/* snapshot, when captured without a model */
	bool maps_loaded;
	struct stack_module *vdso;	/* the vdso image, shared by content */
	bool vdso_tried;
};

#define STACK_TASK_BUCKETS 256

struct stack_unwinder {
	struct page_cache pages;
	struct module_cache modules;
	struct rule_cache rules;
	struct stack_task *tasks[STACK_TASK_BUCKETS];
	void *unw_as;			/* unw_addr_space_t of x86_64 unwinding */
};

#define STACK_REGION_MEMO 4

/* One capture or locate call. */
struct capture {
	struct stack_unwinder *u;
	struct stack_task *task;
	const struct address_space *as;		/* NULL: task->maps */
	const struct user_regs_struct *regs;	/* NULL for stack_locate */
	struct stack_region memo[STACK_REGION_MEMO];	/* recent lookups */
	unsigned memo_count;
	unsigned memo_next;
};

/* memory.c */
int page_cache_init(struct page_cache *pc);
void page_cache_destroy(struct page_cache *pc);
/* Drops tid's pages (tid 0: all pages). */
void page_cache_forget(struct page_cache *pc, pid_t tid);
/* Reads len bytes of the task's memory at addr. Returns 0 or -errno. */
int capture_read(struct capture *c, uint64_t addr, void *buf, size_t len);

/* module_cache.c */
void module_cache_init(struct module_cache *mc);
void module_cache_destroy(struct module_cache *mc);
/*
 * The module for a file path that the process mapped with inode (0 when
 * unknown), opened on first use. NULL only without memory.
 */
struct stack_module *module_cache_file(struct module_cache *mc, const char *path,
				       uint64_t inode);
/* The module for an ELF image read from memory, shared by identical images; NULL if none. */
struct stack_module *module_cache_image(struct module_cache *mc, const char *name,
					const void *bytes, size_t len);

/* rule_cache.c */
void rule_cache_init(struct rule_cache *rc);
/* Frees every rule. */
void rule_cache_clear(struct rule_cache *rc);
const struct unwind_rule *rule_cache_find(const struct rule_cache *rc,
					  const struct unwind_rule *key);
/*
 * Adds rule (module, base, ip, signal as in rule), taking state (may be
 * NULL: no unwind info). Returns the stored rule, valid until the next add
 * or clear, or NULL when out of memory.
 */
const struct unwind_rule *rule_cache_add(struct rule_cache *rc, const struct unwind_rule *rule,
					 void *state);

/* task.c */
/* Returns tid's state, made on first use, or NULL when out of memory. */
struct stack_task *task_get(struct stack_unwinder *u, pid_t tid);
void task_forget(struct stack_unwinder *u, pid_t tid);
void task_forget_all(struct stack_unwinder *u);
/* Returns the task's vdso image (read from its memory once), or NULL. */
struct stack_module *task_vdso(struct capture *c, const struct stack_region *r);

/* regions.c */
/*
 * Fills *r with the mapping holding addr; r->path stays valid until the
 * snapshot is read again. Returns 0, -ENOENT or -errno.
 */
int region_at(struct capture *c, uint64_t addr, struct stack_region *r);
/*
 * Without a model: reads the task's /proc/PID/maps if it has no snapshot,
 * or anew when fresh is set. Returns 0 or -errno.
 */
int region_snapshot(struct capture *c, bool fresh);
/* Returns true when addr lies in an executable mapping. */
bool region_is_exec(struct capture *c, uint64_t addr);
/* The offset of addr in r's file, or in the vdso image. */
uint64_t region_file_offset(const struct stack_region *r, uint64_t addr);
/* The module (cached ELF) behind r, or NULL when it has none we can use. */
struct stack_module *region_module(struct capture *c, const struct stack_region *r);

/* unwind_x86_64.c */
void unwind_x86_64_destroy(struct stack_unwinder *u);
/* Returns the number of frames (>= 1) or -errno. */
int unwind_x86_64(struct capture *c, uint64_t *ips, int max);

/* walk_i386.c */
/* Returns the number of frames (>= 1) or -errno. */
int walk_i386(struct capture *c, uint64_t *ips, int max);

/* epilogue_i386.c */
/* Registers of an i386 frame that unwinding tracks (32-bit values). */
struct i386_frame {
	uint64_t ip;
	uint64_t sp;
	uint64_t bp;
};
/*
 * When the code at f->ip only tears its frame down before returning (pops,
 * stack adjustments, leave, moves and arithmetic it can follow), runs it to
 * its ret and moves f to the caller. Returns 0, or -ENOENT when the code
 * does anything else first (a call, a push, esp from an unknown value).
 */
int epilogue_i386_run(struct capture *c, struct i386_frame *f);
/* Bytes of a ModRM operand (ModRM, SIB, displacement; 32-bit addressing) at p. */
unsigned i386_modrm_len(const uint8_t *p);

#endif
