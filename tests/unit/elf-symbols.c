/*
 * elf_image_symbol_at against a brute-force reference, on the library that
 * gives this test its mmap (the C library, or a sanitizer's runtime that
 * intercepts it): every function symbol's first byte, its middle, the
 * byte before it and the byte past its end must get the name (and start)
 * that a scan of the whole symbol table gives, aliases chosen as a
 * programmer would write them. This guards the sort that makes the lookup
 * fast (elf_image.c sort_symbols).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "harness.h"
#include "stack/elf_image.h"

struct func {
	uint64_t start, size;
	const char *name;
	unsigned bind;
};

static struct elf_image *img;
static struct func *funcs;
static size_t nfuncs;

/* The reference order among aliases: fewest leading underscores, global
 * before weak before local, shortest, then by bytes. */
static int better_alias(const struct func *a, const struct func *b)
{
	size_t ua = strspn(a->name, "_"), ub = strspn(b->name, "_");
	unsigned ba = a->bind == STB_GLOBAL ? 0 : a->bind == STB_WEAK ? 1 : 2;
	unsigned bb = b->bind == STB_GLOBAL ? 0 : b->bind == STB_WEAK ? 1 : 2;

	ua = ua < 15 ? ua : 15;
	ub = ub < 15 ? ub : 15;
	if (ua * 4 + ba != ub * 4 + bb)
		return ua * 4 + ba < ub * 4 + bb;
	if (strlen(a->name) != strlen(b->name))
		return strlen(a->name) < strlen(b->name);
	return strcmp(a->name, b->name) < 0;
}

/* Scans every symbol: the one naming vaddr, or NULL. */
static const struct func *reference_at(uint64_t vaddr)
{
	const struct func *best = NULL;

	for (size_t i = 0; i < nfuncs; i++) {
		const struct func *f = &funcs[i];

		if (f->start > vaddr)
			continue;
		if (!best || f->start > best->start || (f->start == best->start && better_alias(f, best)))
			best = f;
	}
	if (best && best->size && vaddr - best->start >= best->size)
		return NULL;
	return best;
}

/* Adds the function symbols of section i (a symbol table). */
static int add_functions(const uint8_t *data, const Elf64_Shdr *sh, unsigned i)
{
	const Elf64_Sym *syms = (const Elf64_Sym *)(data + sh[i].sh_offset);
	const char *strtab = (const char *)data + sh[sh[i].sh_link].sh_offset;
	size_t count = sh[i].sh_size / sizeof(Elf64_Sym);

	funcs = calloc(count ? count : 1, sizeof(*funcs));
	if (!funcs)
		return -ENOMEM;
	for (size_t j = 0; j < count; j++) {
		unsigned type = ELF64_ST_TYPE(syms[j].st_info);

		if ((type != STT_FUNC && type != STT_GNU_IFUNC) ||
		    syms[j].st_shndx == SHN_UNDEF || !syms[j].st_value || !syms[j].st_name)
			continue;
		funcs[nfuncs++] = (struct func){ syms[j].st_value, syms[j].st_size,
						 strtab + syms[j].st_name,
						 ELF64_ST_BIND(syms[j].st_info) };
	}
	return 0;
}

/*
 * The function symbols of the image, read with nothing of memtrace's, from
 * the table memtrace names frames from: .symtab when it has functions
 * (an unstripped library, such as a sanitizer's runtime), else .dynsym.
 */
static int read_functions(const char *path)
{
	FILE *f = fopen(path, "rb");
	static uint8_t *data;
	int symtab = -1, dynsym = -1, err;
	Elf64_Ehdr *eh;
	Elf64_Shdr *sh;
	long size;

	if (!f || fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) <= 0 ||
	    !(data = malloc(size)) || fseek(f, 0, SEEK_SET) < 0 ||
	    fread(data, 1, size, f) != (size_t)size)
		return -EIO;
	fclose(f);
	eh = (Elf64_Ehdr *)data;
	sh = (Elf64_Shdr *)(data + eh->e_shoff);
	for (unsigned i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type == SHT_SYMTAB)
			symtab = (int)i;
		else if (sh[i].sh_type == SHT_DYNSYM)
			dynsym = (int)i;
	}
	if (symtab >= 0) {
		err = add_functions(data, sh, (unsigned)symtab);
		if (err < 0 || nfuncs)
			return err;
		free(funcs);
	}
	return dynsym >= 0 ? add_functions(data, sh, (unsigned)dynsym) : -ENOENT;
}

static void check_at(struct harness *h, uint64_t vaddr, unsigned *mismatches)
{
	const struct func *want = reference_at(vaddr);
	const char *name = NULL;
	uint64_t start = 0;
	int err = elf_image_symbol_at(img, vaddr, &name, &start);

	if ((want == NULL) != (err < 0) ||
	    (want && (start != want->start || strcmp(name, want->name) != 0))) {
		if ((*mismatches)++ < 5)
			fprintf(stderr, "  %#llx: memtrace %s+%#llx (%d), reference %s+%#llx\n",
				(unsigned long long)vaddr, err < 0 ? "-" : name,
				(unsigned long long)start, err, want ? want->name : "-",
				want ? (unsigned long long)want->start : 0ull);
	}
	(void)h;
}

static void test_every_function(struct harness *h)
{
	unsigned mismatches = 0;

	ASSERT(h, nfuncs > 1000);
	for (size_t i = 0; i < nfuncs; i++) {
		const struct func *f = &funcs[i];

		check_at(h, f->start, &mismatches);
		check_at(h, f->start - 1, &mismatches);
		check_at(h, f->start + f->size / 2, &mismatches);
		check_at(h, f->start + f->size, &mismatches);
	}
	ASSERT_EQ(h, mismatches, 0);
}

/* mmap, mmap64 and __mmap share an address: a trace says mmap. */
static void test_alias_named_as_written(struct harness *h)
{
	Dl_info info;
	const char *name = NULL;
	uint64_t start = 0;

	if (!ASSERT(h, dladdr((void *)mmap, &info) != 0))
		return;
	ASSERT_EQ(h, elf_image_symbol_at(img, (uint64_t)((char *)mmap - (char *)info.dli_fbase),
					 &name, &start), 0);
	ASSERT(h, name && strcmp(name, "mmap") == 0);
}

int main(void)
{
	struct harness h;
	Dl_info info;
	uint64_t inode;

	harness_init(&h);
	if (dladdr((void *)mmap, &info) == 0 || read_functions(info.dli_fname) < 0 ||
	    elf_image_open(info.dli_fname, &img, &inode) < 0) {
		fprintf(stderr, "cannot read the C library's symbols\n");
		return 99;
	}
	RUN_TEST(&h, test_every_function);
	RUN_TEST(&h, test_alias_named_as_written);
	elf_image_free(img);
	return harness_summary(&h);
}
