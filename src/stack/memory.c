/*
 * Reading a stopped task's memory for the unwinders.
 *
 * libunwind asks for one word at a time; a ptrace or process_vm_readv call
 * per word would cost more than the whole unwind. So:
 *   - bytes of read-only file mappings (code, .eh_frame, .eh_frame_hdr) come
 *     straight from the mapped ELF file, without a system call, and those of
 *     the vDSO from the copy read once per task;
 *   - everything else (the stack) is read a page at a time into a small LRU
 *     cache, which stack_forget_memory empties after each resume.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "stack/elf_image.h"
#include "stack/stack_internal.h"
#include "tracee.h"

int page_cache_init(struct page_cache *pc)
{
	memset(pc, 0, sizeof(*pc));
	pc->data = malloc(PAGE_CACHE_SLOTS * PAGE_CACHE_PAGE);
	return pc->data ? 0 : -ENOMEM;
}

void page_cache_destroy(struct page_cache *pc)
{
	free(pc->data);
	pc->data = NULL;
}

void page_cache_forget(struct page_cache *pc, pid_t tid)
{
	for (unsigned i = 0; i < PAGE_CACHE_SLOTS; i++)
		if (!tid || pc->slots[i].tid == tid)
			pc->slots[i].tid = 0;
}

static unsigned index_of(uint64_t page)
{
	return (page / PAGE_CACHE_PAGE) & (PAGE_CACHE_INDEX - 1);
}

static const uint8_t *page_lookup(struct page_cache *pc, pid_t tid, uint64_t page)
{
	unsigned i = pc->index[index_of(page)];
	struct page_slot *s = &pc->slots[i];

	/* Misses are the common case for code, so no search: one slot may hold the page. */
	if (s->tid != tid || s->addr != page)
		return NULL;
	s->used = ++pc->clock;
	return pc->data + (size_t)i * PAGE_CACHE_PAGE;
}

/* Reads tid's page into the least recently used slot. Returns 0 or -errno. */
static int page_fill(struct page_cache *pc, pid_t tid, uint64_t page, const uint8_t **out)
{
	unsigned victim = 0;
	uint8_t *dst;
	int err;

	for (unsigned i = 0; i < PAGE_CACHE_SLOTS; i++) {
		if (!pc->slots[i].tid) {
			victim = i;
			break;
		}
		if (pc->slots[i].used < pc->slots[victim].used)
			victim = i;
	}
	dst = pc->data + (size_t)victim * PAGE_CACHE_PAGE;
	pc->slots[victim].tid = 0;
	err = tracee_read(tid, page, dst, PAGE_CACHE_PAGE);
	if (err < 0)
		return err;
	pc->slots[victim] = (struct page_slot){ .addr = page, .used = ++pc->clock, .tid = tid };
	pc->index[index_of(page)] = victim;
	*out = dst;
	return 0;
}

/*
 * The bytes from the ELF file when [addr, addr + len) is read-only file
 * memory or the vDSO (whose image the module keeps), else NULL.
 */
static const uint8_t *file_bytes(struct capture *c, uint64_t addr, size_t len)
{
	struct stack_region r;
	struct stack_module *m;
	const uint8_t *image;
	size_t image_len;

	if (region_at(c, addr, &r) < 0 || (r.prot & PROT_WRITE) || (!r.vdso && !r.path) ||
	    len > r.end - addr)
		return NULL;
	m = region_module(c, &r);
	if (!m)
		return NULL;
	if (r.vdso) {
		image = elf_image_bytes(m->elf, &image_len);
		return len <= image_len && addr - r.start <= image_len - len ? image + (addr - r.start) : NULL;
	}
	return elf_image_file_bytes(m->elf, region_file_offset(&r, addr), len);
}

int capture_read(struct capture *c, uint64_t addr, void *buf, size_t len)
{
	struct page_cache *pc = &c->u->pages;
	pid_t tid = c->task->tid;
	uint8_t *out = buf;

	while (len) {
		uint64_t page = addr & ~(uint64_t)(PAGE_CACHE_PAGE - 1);
		size_t chunk = page + PAGE_CACHE_PAGE - addr;
		const uint8_t *src;
		int err;

		if (chunk > len)
			chunk = len;
		src = page_lookup(pc, tid, page);
		if (src) {
			src += addr - page;
		} else {
			src = file_bytes(c, addr, chunk);
			if (!src) {
				err = page_fill(pc, tid, page, &src);
				if (err < 0)
					return err;
				src += addr - page;
			}
		}
		memcpy(out, src, chunk);
		out += chunk;
		addr += chunk;
		len -= chunk;
	}
	return 0;
}
