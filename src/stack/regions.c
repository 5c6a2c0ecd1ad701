/*
 * Which mapping holds an address, from the shadow model when the caller has
 * one, else from a snapshot of /proc/PID/maps kept per task (read again
 * after stack_forget_task, or when the stack pointer is not in it). A
 * capture asks about the same few mappings again and again (the stack,
 * libc, the program), so the last few answers are kept for one call.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "mm/address_space.h"
#include "stack/stack_internal.h"

static void region_from_mapping(const struct mapping *m, struct stack_region *r)
{
	r->start = m->start;
	r->end = m->end;
	r->offset = m->offset;
	r->inode = m->backing.inode;
	r->path = mapping_path_name(m);
	r->prot = m->prot;
	r->vdso = m->kind == MAPPING_KIND_VDSO;
	r->module_known = false;
	r->module = NULL;
}

static void region_from_entry(const struct maps_entry *e, struct stack_region *r)
{
	r->start = e->start;
	r->end = e->end;
	r->offset = e->offset;
	r->inode = e->inode;
	/* Only files have a path; "[stack]" and friends are names. */
	r->path = e->inode && e->name[0] == '/' ? e->name : NULL;
	r->prot = e->prot;
	r->vdso = strcmp(e->name, "[vdso]") == 0;
	r->module_known = false;
	r->module = NULL;
}

int region_snapshot(struct capture *c, bool fresh)
{
	struct stack_task *t = c->task;
	int err;

	if (c->as || (t->maps_loaded && !fresh))
		return 0;
	if (t->maps_loaded) {
		proc_maps_free(&t->maps);
		t->maps_loaded = false;
	}
	/* Paths in the memo point into the old snapshot. */
	c->memo_count = 0;
	c->memo_next = 0;
	err = proc_maps_read(t->tid, &t->maps);
	if (err < 0)
		return err;
	t->maps_loaded = true;
	return 0;
}

static const struct maps_entry *entry_at(const struct proc_maps *maps, uint64_t addr)
{
	size_t lo = 0, hi = maps->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct maps_entry *e = &maps->entries[mid];

		if (addr < e->start)
			hi = mid;
		else if (addr >= e->end)
			lo = mid + 1;
		else
			return e;
	}
	return NULL;
}

int region_at(struct capture *c, uint64_t addr, struct stack_region *r)
{
	int err;

	for (unsigned i = 0; i < c->memo_count; i++) {
		if (addr >= c->memo[i].start && addr < c->memo[i].end) {
			*r = c->memo[i];
			return 0;
		}
	}
	if (c->as) {
		const struct mapping *m = as_lookup(c->as, addr);

		if (!m)
			return -ENOENT;
		region_from_mapping(m, r);
	} else {
		const struct maps_entry *e;

		err = region_snapshot(c, false);
		if (err < 0)
			return err;
		e = entry_at(&c->task->maps, addr);
		if (!e)
			return -ENOENT;
		region_from_entry(e, r);
	}
	c->memo[c->memo_next] = *r;
	c->memo_next = (c->memo_next + 1) % STACK_REGION_MEMO;
	if (c->memo_count < STACK_REGION_MEMO)
		c->memo_count++;
	return 0;
}

bool region_is_exec(struct capture *c, uint64_t addr)
{
	struct stack_region r;

	return region_at(c, addr, &r) == 0 && (r.prot & PROT_EXEC);
}

uint64_t region_file_offset(const struct stack_region *r, uint64_t addr)
{
	/* The vdso image starts at its mapping, whatever offset the kernel shows. */
	return (r->vdso ? 0 : r->offset) + (addr - r->start);
}

static struct stack_module *lookup_module(struct capture *c, const struct stack_region *r)
{
	struct stack_module *m;

	if (r->vdso)
		return task_vdso(c, r);
	if (!r->path)
		return NULL;
	m = module_cache_file(&c->u->modules, r->path, r->inode);
	return m && m->usable ? m : NULL;
}

struct stack_module *region_module(struct capture *c, const struct stack_region *r)
{
	struct stack_region *memo = NULL;

	/* The walkers ask per instruction and per word: remember the answer with the region. */
	for (unsigned i = 0; i < c->memo_count; i++)
		if (c->memo[i].start == r->start)
			memo = &c->memo[i];
	if (memo && memo->module_known)
		return memo->module;
	if (!memo)
		return lookup_module(c, r);
	memo->module = lookup_module(c, r);
	memo->module_known = true;
	return memo->module;
}
