/*
 * The domains (see fuzz.h): which addresses the fuzzer may name, how it
 * names them, and how it picks addresses and lengths inside them.
 */
#include <string.h>
#include <sys/mman.h>

#include "fuzz.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

/*
 * low4g says whether the call that made the domain promised an address below
 * 4 GiB (MAP_32BIT, an i386 call), never where it landed: that may differ.
 */
struct domain *domain_add(struct fuzz *f, enum domain_kind kind, const char *name,
			  unsigned long start, unsigned long len, int low4g)
{
	struct domain *d;

	if (f->ndom == MAX_DOMAINS)
		return NULL;
	d = &f->dom[f->ndom++];
	memset(d, 0, sizeof(*d));
	d->kind = kind;
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->start = d->lo = start;
	d->end = d->hi = start + len;
	if (kind == DOM_ARENA) {
		d->lo += PAGES(GUARD_PAGES);
		d->hi -= PAGES(GUARD_PAGES);
	}
	d->low4g = f->is_i386 || low4g;
	return d;
}

void forget_domain(struct fuzz *f, struct domain *d)
{
	unsigned i = (unsigned)(d - f->dom);

	memmove(d, d + 1, (f->ndom - i - 1) * sizeof(*d));
	f->ndom--;
}

struct domain *domain_of(struct fuzz *f, unsigned long addr)
{
	for (unsigned i = 0; i < f->ndom; i++)
		if (addr >= f->dom[i].start && addr < f->dom[i].end)
			return &f->dom[i];
	return NULL;
}

/*
 * An address as the output shows it: relative to the domain holding it (or
 * ending at it), else as the constant the fuzzer chose.
 */
const char *addr_name(struct fuzz *f, unsigned long addr, char *buf, size_t size)
{
	struct domain *d = domain_of(f, addr);

	for (unsigned i = 0; !d && i < f->ndom; i++)
		if (addr == f->dom[i].end)
			d = &f->dom[i];
	if (d) {
		snprintf(buf, size, "%s+%#lx", d->name, addr - d->start);
		return buf;
	}
	/* Just below the heap: where brk must fail. */
	for (unsigned i = 0; i < f->ndom; i++)
		if (f->dom[i].kind == DOM_HEAP && addr < f->dom[i].start && f->dom[i].start - addr <= PAGES(64)) {
			snprintf(buf, size, "%s-%#lx", f->dom[i].name, f->dom[i].start - addr);
			return buf;
		}
	snprintf(buf, size, "%#lx", addr);
	return buf;
}

static unsigned weight(const struct domain *d)
{
	switch (d->kind) {
	case DOM_ARENA:
		return d->name[1] ? 12 : 40;	/* A32 is for the i386 calls */
	case DOM_HEAP:
		return 10;
	case DOM_LOW:
		return 4;
	case DOM_FLOATING:
		return 6;
	case DOM_STALE:
		return 5;
	}
	return 0;
}

/* A domain to act in, by weight; with low4g only those an i386 call reaches. */
struct domain *pick_domain(struct fuzz *f, int low4g)
{
	unsigned total = 0, n;

	for (unsigned i = 0; i < f->ndom; i++)
		if (!low4g || f->dom[i].low4g)
			total += weight(&f->dom[i]);
	n = rng_below(f, total);
	for (unsigned i = 0; i < f->ndom; i++) {
		unsigned w = !low4g || f->dom[i].low4g ? weight(&f->dom[i]) : 0;

		if (n < w)
			return &f->dom[i];
		n -= w;
	}
	return &f->dom[0];
}

/*
 * A page in [d->lo, d->hi), often where a mapping starts or ends (to split
 * and merge there); unaligned by 1..PG-1 bytes in unaligned_pct percent.
 * Only edges inside the domain count: whether its first mapping merged
 * with a neighbour outside depends on where it was placed.
 */
unsigned long pick_addr(struct fuzz *f, const struct domain *d, int unaligned_pct)
{
	unsigned long pages = (d->hi - d->lo) / PG, addr;
	unsigned long edges[16] = { d->lo };
	unsigned nedges = 1;

	for (unsigned i = 0; i < f->maps.n && nedges < 16; i++) {
		const struct vma *v = &f->maps.v[i];

		if (v->start > d->lo && v->start < d->hi)
			edges[nedges++] = v->start;
		if (v->end > d->lo && v->end < d->hi && nedges < 16)
			edges[nedges++] = v->end;
	}
	if (rng_percent(f, 35))
		addr = edges[rng_below(f, nedges)];
	else
		addr = d->lo + PAGES(rng_below(f, (unsigned)pages));
	if (rng_percent(f, unaligned_pct))
		addr += rng_percent(f, 50) ? 1 + rng_below(f, PG - 1) : (rng_percent(f, 50) ? 1 : PG - 1);
	return addr;
}

/* A length from addr that stays inside the domain: mostly a few pages. */
unsigned long pick_len(struct fuzz *f, const struct domain *d, unsigned long addr)
{
	unsigned long room = addr < d->hi ? d->hi - addr : 0, len;
	unsigned roll = rng_below(f, 100);

	if (room == 0 || roll < 4)
		return 0;
	if (roll < 64)
		len = PAGES(1 + rng_below(f, 4));
	else if (roll < 88)
		len = PAGES(1 + rng_below(f, 16));
	else
		len = room;
	if (len > room)
		len = room & ~(PG - 1) ?: room;
	if (rng_percent(f, 20) && len > PG)
		len -= 1 + rng_below(f, PG - 1);
	return len;
}

/*
 * A length no call may act on, so nothing outside the domains is touched
 * (0 when the ABI has none):
 *  - 64-bit calls: values above 2^64 - 4096 round up to 0 pages, so even the
 *    calls that walk the range (mprotect, madvise, ...) stop at once; the
 *    others (munmap, mremap, mmap) check against TASK_SIZE and may also get
 *    2^63 (never 2^47: with 5-level paging that is below TASK_SIZE).
 *  - i386 calls from an i386 task: the kernel adds in 64 bits, so nothing
 *    wraps; only lengths past TASK_SIZE (0xffffe000) from any start are safe,
 *    and only for the calls that check TASK_SIZE (walk_ok 0).
 *  - i386 calls from an x86_64 task: TASK_SIZE is the 64-bit one, so none.
 */
unsigned long pick_huge_len(struct fuzz *f, int abi32, int walk_ok)
{
	static const unsigned long big32[] = { 0xffffffff, 0xfffff001, 0xfffff000, 0xffffe001 };
#ifdef __x86_64__
	static const unsigned long wrap64[] = { ~0UL, ~0UL - 4094, ~0UL - 100 };
	static const unsigned long big64[] = { 1UL << 63, ~0UL - PG + 1 };

	if (!abi32)
		return walk_ok || rng_percent(f, 50) ? RNG_PICK(f, wrap64) : RNG_PICK(f, big64);
#else
	(void)abi32;
#endif
	if (f->is_i386 && !walk_ok)
		return RNG_PICK(f, big32);
	return 0;
}

/*
 * An address above TASK_SIZE, where no call can act (0 for i386 calls from
 * an x86_64 task: every 32-bit address is user space there).  Not just
 * above 2^47: with 5-level paging that is user space too.
 */
unsigned long pick_kernel_addr(struct fuzz *f, int abi32)
{
	static const unsigned long k32[] = { 0xffffe000, 0xfffff000, 0xffffffff };
#ifdef __x86_64__
	static const unsigned long k64[] = { 0xffff800000000000UL, 0xffffffffff600000UL, ~0UL - PG + 1,
					     1UL << 63 };

	if (!abi32)
		return RNG_PICK(f, k64);
#else
	(void)abi32;
#endif
	return f->is_i386 ? RNG_PICK(f, k32) : 0;
}

/*
 * The (addr, len) of a call that acts on a range, mostly inside a domain;
 * walk: the call walks the mappings in the range, so a length leaving the
 * domain must be one that stops it at once (see pick_huge_len).
 */
void pick_range(struct fuzz *f, int via80, int walk, unsigned long *addr, unsigned long *len)
{
	int abi32 = f->is_i386 || via80, low = via80 && !f->is_i386;
	struct domain *d = pick_domain(f, low);
	unsigned long kernel = low ? 0 : pick_kernel_addr(f, abi32);
	unsigned long huge = low ? 0 : pick_huge_len(f, abi32, walk);
	unsigned roll = rng_below(f, 100);

	*addr = pick_addr(f, d, 6);
	*len = pick_len(f, d, *addr);
	if (roll < 5 && kernel) {
		/* Nothing lies above a kernel address to walk over. */
		huge = pick_huge_len(f, abi32, 0);
		*addr = kernel;
		*len = rng_percent(f, 50) || !huge ? PG : huge;
	} else if (roll < 10 && huge) {
		*len = huge;
	}
}

static int page_mapped(struct fuzz *f, unsigned long addr)
{
	return maps_find(&f->maps, addr) != NULL;
}

/* After each call: a floating domain with no page left is stale, and back. */
void domains_update(struct fuzz *f)
{
	for (unsigned i = 0; i < f->ndom; i++) {
		struct domain *d = &f->dom[i];
		int any = 0;

		if (d->kind != DOM_FLOATING && d->kind != DOM_STALE)
			continue;
		for (unsigned long a = d->start; a < d->end && !any; a += PG)
			any = page_mapped(f, a);
		d->kind = any ? DOM_FLOATING : DOM_STALE;
	}
}

/* Whether [start, end) lies in one domain and nothing is mapped there. */
int range_free(struct fuzz *f, unsigned long start, unsigned long end)
{
	struct domain *d = domain_of(f, start);

	if (!d || end > d->hi || start < d->lo || end <= start)
		return 0;
	for (unsigned long a = start & ~(PG - 1); a < end; a += PG)
		if (page_mapped(f, a))
			return 0;
	return 1;
}

/*
 * Before a call that may place a mapping: every hole in the arenas and the
 * floating domains gets a PROT_NONE mapping, except a hole that meets
 * [keep_start, keep_end) (the hint or the room to grow in place, which the
 * kernel then takes), and the stale domains are forgotten.
 */
void prepare_placement(struct fuzz *f, unsigned long keep_start, unsigned long keep_end)
{
	char name[48];

	for (unsigned i = 0; i < f->ndom; i++) {
		struct domain *d = &f->dom[i];
		unsigned long a = d->lo;

		if (d->kind != DOM_ARENA && d->kind != DOM_FLOATING)
			continue;
		while (a < d->hi) {
			unsigned long hole = a;
			void *p;

			if (page_mapped(f, a)) {
				a += PG;
				continue;
			}
			while (a < d->hi && !page_mapped(f, a))
				a += PG;
			if (hole < keep_end && a > keep_start)
				continue;
			p = mmap((void *)hole, a - hole, PROT_NONE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
			note_add(f, "fill %s %lup%s", addr_name(f, hole, name, sizeof(name)), (a - hole) / PG,
				 p == (void *)hole ? "" : " FAILED");
		}
	}
	for (unsigned i = 0; i < f->ndom;)
		if (f->dom[i].kind == DOM_STALE)
			forget_domain(f, &f->dom[i]);
		else
			i++;
	maps_read(&f->maps);
}

/*
 * The name of an address a call returned: inside a domain, relative to it;
 * elsewhere the call placed a mapping of len bytes, a new floating domain.
 */
const char *name_result(struct fuzz *f, unsigned long addr, unsigned long len, int low4g,
			char *buf, size_t size)
{
	char name[8];

	if (domain_of(f, addr))
		return addr_name(f, addr, buf, size);
	snprintf(name, sizeof(name), "F%u", f->next_floating++);
	len = (len + PG - 1) & ~(PG - 1);
	domain_add(f, DOM_FLOATING, name, addr, len ?: PG, low4g);
	snprintf(buf, size, "new %s (%lu pages)%s", name, len / PG,
		 low4g && (uint64_t)(addr + len - 1) >> 32 ? " NOT below 4 GiB" : "");
	return buf;
}
