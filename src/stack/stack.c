/*
 * The public side of src/stack: the unwinder's life, the choice of walker
 * for a capture, and naming addresses.
 */
#include <errno.h>
#include <stdlib.h>

#include "stack/elf_image.h"
#include "stack/stack.h"
#include "stack/stack_internal.h"

/* Code segment selectors of a task on an x86_64 kernel. */
#define CS_32BIT 0x23
#define CS_64BIT 0x33

int stack_unwinder_new(struct stack_unwinder **out)
{
	struct stack_unwinder *u = calloc(1, sizeof(*u));
	int err;

	if (!u)
		return -ENOMEM;
	module_cache_init(&u->modules);
	rule_cache_init(&u->rules);
	/* x86_64 unwinding starts at the first x86_64 stack (unwind_x86_64) */
	err = page_cache_init(&u->pages);
	if (err < 0) {
		stack_unwinder_free(u);
		return err;
	}
	*out = u;
	return 0;
}

void stack_unwinder_free(struct stack_unwinder *u)
{
	if (!u)
		return;
	task_forget_all(u);
	unwind_x86_64_destroy(u);
	rule_cache_clear(&u->rules);
	module_cache_destroy(&u->modules);
	page_cache_destroy(&u->pages);
	free(u);
}

void stack_forget_task(struct stack_unwinder *u, pid_t tid)
{
	/* Rules stay: they are kept per file and place, valid for any task. */
	task_forget(u, tid);
	page_cache_forget(&u->pages, tid);
}

void stack_forget_memory(struct stack_unwinder *u, pid_t tid)
{
	page_cache_forget(&u->pages, tid);
}

int stack_capture(struct stack_unwinder *u, pid_t tid, enum arch arch,
		  const struct user_regs_struct *regs, const struct address_space *as,
		  uint64_t *ips, int max)
{
	struct capture c = { .u = u, .as = as, .regs = regs };
	bool code32;

	if (max < 1)
		return -EINVAL;
	c.task = task_get(u, tid);
	if (!c.task)
		return -ENOMEM;
	/* The stack follows the code that runs, not the syscall ABI (int $0x80 from 64-bit code). */
	if (regs->cs == CS_32BIT || regs->cs == CS_64BIT)
		code32 = regs->cs == CS_32BIT;
	else
		code32 = arch == ARCH_I386;
	if (region_snapshot(&c, false) < 0) {
		/* Without its mappings nothing can be checked: the stop's ip alone. */
		ips[0] = code32 ? (uint32_t)regs->rip : regs->rip;
		return 1;
	}
	return code32 ? walk_i386(&c, ips, max) : unwind_x86_64(&c, ips, max);
}

int stack_locate(struct stack_unwinder *u, pid_t tid, const struct address_space *as,
		 uint64_t ip, struct stack_location *loc)
{
	struct capture c = { .u = u, .as = as };
	struct stack_region r;
	struct stack_module *m = NULL;
	uint64_t off, vaddr, start;
	const char *name;
	int err;

	c.task = task_get(u, tid);
	if (!c.task)
		return -ENOMEM;
	err = region_at(&c, ip, &r);
	if (err < 0)
		return err;
	off = region_file_offset(&r, ip);
	/* Code without a file has no stable place: give the address itself. */
	*loc = (struct stack_location){ .module = "[anon]", .module_offset = ip };
	if (r.vdso) {
		loc->module = "[vdso]";
		loc->module_offset = off;
		m = task_vdso(&c, &r);
	} else if (r.path) {
		m = module_cache_file(&u->modules, r.path, r.inode);
		if (!m)
			return -ENOMEM;
		loc->module = m->name;
		loc->module_offset = off;
		if (!m->usable)
			m = NULL;
	}
	if (m && elf_image_offset_to_vaddr(m->elf, off, &vaddr) == 0 &&
	    elf_image_symbol_at(m->elf, vaddr, &name, &start) == 0) {
		loc->symbol = name;
		loc->symbol_offset = vaddr - start;
	}
	return 0;
}
