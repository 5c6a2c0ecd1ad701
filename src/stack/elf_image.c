/*
 * ELF32 and ELF64 read through one path: each header is widened into its
 * Elf64 form as it is read, so no parsing is written twice.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stack/elf_image.h"

struct elf_segment {
	uint64_t vaddr;		/* link-time address of offset */
	uint64_t memsz;
	uint64_t offset;	/* file offset */
	uint64_t filesz;
	uint32_t flags;		/* PF_R | PF_W | PF_X */
};

/* 16 bytes: cc1 has 27,000 of them, and every page touched costs. */
struct elf_symbol {
	uint64_t start;		/* link-time address */
	uint32_t size;		/* 0: unknown (or over 4 GiB), up to the next symbol */
	uint32_t name;		/* offset in the image's symbol string table */
};

struct elf_image {
	const uint8_t *data;
	size_t size;
	bool mapped;		/* munmap data (else free it) */
	bool is64;
	/* DT_TEXTREL: the loader patched the code, so it differs from the file. */
	bool text_relocated;
	struct elf_segment *loads;
	size_t load_count;
	uint64_t entry;		/* e_entry, link-time; 0: none */
	uint64_t eh_frame_hdr;	/* link-time address; valid when has_eh_frame_hdr */
	bool has_eh_frame_hdr;
	struct elf_symbol *syms;	/* sorted by start, one per address */
	const char *sym_names;		/* their string table */
	size_t sym_count;
	bool syms_loaded;
};

/* Returns a pointer to len bytes at off, or NULL when they pass the end. */
static const uint8_t *at(const struct elf_image *img, uint64_t off, uint64_t len)
{
	if (off > img->size || len > img->size - off)
		return NULL;
	return img->data + off;
}

static int read_ehdr(const struct elf_image *img, Elf64_Ehdr *eh)
{
	const uint8_t *p = at(img, 0, img->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr));
	Elf32_Ehdr e32;

	if (!p)
		return -ENOEXEC;
	if (img->is64) {
		memcpy(eh, p, sizeof(*eh));
		return 0;
	}
	memcpy(&e32, p, sizeof(e32));
	memset(eh, 0, sizeof(*eh));
	eh->e_entry = e32.e_entry;
	eh->e_phoff = e32.e_phoff;
	eh->e_shoff = e32.e_shoff;
	eh->e_phentsize = e32.e_phentsize;
	eh->e_phnum = e32.e_phnum;
	eh->e_shentsize = e32.e_shentsize;
	eh->e_shnum = e32.e_shnum;
	eh->e_shstrndx = e32.e_shstrndx;
	return 0;
}

/* Reads entry i of a table at off with entries of entsize bytes. */
static const uint8_t *table_entry(const struct elf_image *img, uint64_t off, uint64_t entsize,
				  uint64_t i, size_t need)
{
	if (entsize < need)
		return NULL;
	return at(img, off + i * entsize, need);
}

static int read_phdr(const struct elf_image *img, const Elf64_Ehdr *eh, unsigned i, Elf64_Phdr *ph)
{
	size_t need = img->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	const uint8_t *p = table_entry(img, eh->e_phoff, eh->e_phentsize, i, need);
	Elf32_Phdr p32;

	if (!p)
		return -ENOEXEC;
	if (img->is64) {
		memcpy(ph, p, sizeof(*ph));
		return 0;
	}
	memcpy(&p32, p, sizeof(p32));
	ph->p_type = p32.p_type;
	ph->p_flags = p32.p_flags;
	ph->p_offset = p32.p_offset;
	ph->p_vaddr = p32.p_vaddr;
	ph->p_paddr = p32.p_paddr;
	ph->p_filesz = p32.p_filesz;
	ph->p_memsz = p32.p_memsz;
	ph->p_align = p32.p_align;
	return 0;
}

static int read_shdr(const struct elf_image *img, const Elf64_Ehdr *eh, unsigned i, Elf64_Shdr *sh)
{
	size_t need = img->is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
	const uint8_t *p = table_entry(img, eh->e_shoff, eh->e_shentsize, i, need);
	Elf32_Shdr s32;

	if (!p)
		return -ENOEXEC;
	if (img->is64) {
		memcpy(sh, p, sizeof(*sh));
		return 0;
	}
	memcpy(&s32, p, sizeof(s32));
	sh->sh_name = s32.sh_name;
	sh->sh_type = s32.sh_type;
	sh->sh_flags = s32.sh_flags;
	sh->sh_addr = s32.sh_addr;
	sh->sh_offset = s32.sh_offset;
	sh->sh_size = s32.sh_size;
	sh->sh_link = s32.sh_link;
	sh->sh_info = s32.sh_info;
	sh->sh_addralign = s32.sh_addralign;
	sh->sh_entsize = s32.sh_entsize;
	return 0;
}

static int read_sym(const struct elf_image *img, uint64_t off, Elf64_Sym *sym)
{
	const uint8_t *p = at(img, off, img->is64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym));
	Elf32_Sym s32;

	if (!p)
		return -ENOEXEC;
	if (img->is64) {
		memcpy(sym, p, sizeof(*sym));
		return 0;
	}
	memcpy(&s32, p, sizeof(s32));
	sym->st_name = s32.st_name;
	sym->st_info = s32.st_info;
	sym->st_other = s32.st_other;
	sym->st_shndx = s32.st_shndx;
	sym->st_value = s32.st_value;
	sym->st_size = s32.st_size;
	return 0;
}

/* Reads one dynamic entry (d_tag, d_val) at off. */
static int read_dyn(const struct elf_image *img, uint64_t off, int64_t *tag, uint64_t *val)
{
	const uint8_t *p = at(img, off, img->is64 ? sizeof(Elf64_Dyn) : sizeof(Elf32_Dyn));
	Elf64_Dyn d64;
	Elf32_Dyn d32;

	if (!p)
		return -ENOEXEC;
	if (img->is64) {
		memcpy(&d64, p, sizeof(d64));
		*tag = d64.d_tag;
		*val = d64.d_un.d_val;
	} else {
		memcpy(&d32, p, sizeof(d32));
		*tag = d32.d_tag;
		*val = d32.d_un.d_val;
	}
	return 0;
}

static bool has_text_relocations(const struct elf_image *img, const Elf64_Phdr *dyn)
{
	uint64_t entsize = img->is64 ? sizeof(Elf64_Dyn) : sizeof(Elf32_Dyn);
	int64_t tag;
	uint64_t val;

	for (uint64_t off = dyn->p_offset; off + entsize <= dyn->p_offset + dyn->p_filesz;
	     off += entsize) {
		if (read_dyn(img, off, &tag, &val) < 0 || tag == DT_NULL)
			break;
		if (tag == DT_TEXTREL || (tag == DT_FLAGS && (val & DF_TEXTREL)))
			return true;
	}
	return false;
}

static int parse_headers(struct elf_image *img)
{
	const uint8_t *id = at(img, 0, EI_NIDENT);
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	int err;

	if (!id || memcmp(id, ELFMAG, SELFMAG) != 0 || id[EI_DATA] != ELFDATA2LSB)
		return -ENOEXEC;
	if (id[EI_CLASS] != ELFCLASS32 && id[EI_CLASS] != ELFCLASS64)
		return -ENOEXEC;
	img->is64 = id[EI_CLASS] == ELFCLASS64;
	err = read_ehdr(img, &eh);
	if (err < 0)
		return err;
	img->entry = eh.e_entry;
	img->loads = calloc(eh.e_phnum ? eh.e_phnum : 1, sizeof(*img->loads));
	if (!img->loads)
		return -ENOMEM;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		err = read_phdr(img, &eh, i, &ph);
		if (err < 0)
			return err;
		switch (ph.p_type) {
		case PT_LOAD:
			img->loads[img->load_count++] = (struct elf_segment){
				.vaddr = ph.p_vaddr, .memsz = ph.p_memsz, .offset = ph.p_offset,
				.filesz = ph.p_filesz, .flags = ph.p_flags,
			};
			break;
		case PT_GNU_EH_FRAME:
			img->eh_frame_hdr = ph.p_vaddr;
			img->has_eh_frame_hdr = true;
			break;
		case PT_DYNAMIC:
			img->text_relocated = has_text_relocations(img, &ph);
			break;
		}
	}
	return img->load_count ? 0 : -ENOEXEC;
}

static int image_new(const void *data, size_t size, bool mapped, struct elf_image **out)
{
	struct elf_image *img = calloc(1, sizeof(*img));
	int err;

	if (!img)
		return -ENOMEM;
	img->data = data;
	img->size = size;
	err = parse_headers(img);
	if (err < 0) {
		free(img->loads);
		free(img);
		return err;
	}
	img->mapped = mapped;
	*out = img;
	return 0;
}

int elf_image_open(const char *path, struct elf_image **out, uint64_t *inode)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	void *data;
	int err;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < EI_NIDENT) {
		close(fd);
		return -ENOEXEC;
	}
	*inode = st.st_ino;
	data = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	err = data == MAP_FAILED ? -errno : 0;
	close(fd);
	if (err < 0)
		return err;
	err = image_new(data, st.st_size, true, out);
	if (err < 0)
		munmap(data, st.st_size);
	return err;
}

int elf_image_adopt(void *buf, size_t len, struct elf_image **out)
{
	return image_new(buf, len, false, out);
}

void elf_image_free(struct elf_image *img)
{
	if (!img)
		return;
	if (img->mapped)
		munmap((void *)img->data, img->size);
	else
		free((void *)img->data);
	free(img->loads);
	free(img->syms);
	free(img);
}

const uint8_t *elf_image_bytes(const struct elf_image *img, size_t *len)
{
	*len = img->size;
	return img->data;
}

/*
 * The PT_LOAD whose file bytes hold off. Exact bytes, not pages: two
 * segments may share a page of the file, each mapped at its own address.
 */
static const struct elf_segment *load_of_offset(const struct elf_image *img, uint64_t off)
{
	for (size_t i = 0; i < img->load_count; i++) {
		const struct elf_segment *s = &img->loads[i];

		if (off >= s->offset && off - s->offset < s->filesz)
			return s;
	}
	return NULL;
}

int elf_image_load_bias(const struct elf_image *img, uint64_t addr, uint64_t off,
			uint64_t *bias)
{
	const struct elf_segment *s = load_of_offset(img, off);

	if (!s)
		return -ENOENT;
	*bias = addr - (s->vaddr + (off - s->offset));
	return 0;
}

int elf_image_offset_to_vaddr(const struct elf_image *img, uint64_t off, uint64_t *vaddr)
{
	const struct elf_segment *s = load_of_offset(img, off);

	if (!s)
		return -ENOENT;
	*vaddr = s->vaddr + (off - s->offset);
	return 0;
}

const uint8_t *elf_image_file_bytes(const struct elf_image *img, uint64_t off, size_t len)
{
	if (img->text_relocated)
		return NULL;
	/* Only read-only segments: writable ones (RELRO included) are patched at run time. */
	for (size_t i = 0; i < img->load_count; i++) {
		const struct elf_segment *s = &img->loads[i];

		if (!(s->flags & PF_W) && off >= s->offset && off - s->offset <= s->filesz &&
		    len <= s->filesz - (off - s->offset))
			return at(img, off, len);
	}
	return NULL;
}

const uint8_t *elf_image_vaddr_bytes(const struct elf_image *img, uint64_t vaddr, size_t len)
{
	for (size_t i = 0; i < img->load_count; i++) {
		const struct elf_segment *s = &img->loads[i];

		if (vaddr >= s->vaddr && vaddr - s->vaddr <= s->filesz &&
		    len <= s->filesz - (vaddr - s->vaddr))
			return at(img, s->offset + (vaddr - s->vaddr), len);
	}
	return NULL;
}

int elf_image_text_segment(const struct elf_image *img, uint64_t vaddr, uint64_t *lo,
			   uint64_t *hi)
{
	for (size_t i = 0; i < img->load_count; i++) {
		const struct elf_segment *s = &img->loads[i];

		if ((s->flags & PF_X) && vaddr >= s->vaddr && vaddr - s->vaddr < s->memsz) {
			*lo = s->vaddr;
			*hi = s->vaddr + s->memsz;
			return 0;
		}
	}
	return -ENOENT;
}

uint64_t elf_image_entry(const struct elf_image *img)
{
	return img->entry;
}

int elf_image_eh_frame_hdr(const struct elf_image *img, uint64_t *vaddr)
{
	if (!img->has_eh_frame_hdr)
		return -ENOENT;
	*vaddr = img->eh_frame_hdr;
	return 0;
}

/* One symbol table as it is read: where its entries and names are. */
struct symtab_view {
	const struct elf_image *img;
	uint64_t offset, entsize, count;
	const char *names;
	uint64_t names_size;
};

/* Reads entry i: whether it is a function a frame can be named after. */
static bool function_at(const struct symtab_view *t, uint64_t i, Elf64_Sym *sym)
{
	unsigned type;

	if (read_sym(t->img, t->offset + i * t->entsize, sym) < 0)
		return false;
	type = ELF64_ST_TYPE(sym->st_info);
	return (type == STT_FUNC || type == STT_GNU_IFUNC) && sym->st_shndx != SHN_UNDEF &&
	       sym->st_value && sym->st_name && sym->st_name < t->names_size;
}

/*
 * Of aliases at one address (mmap, mmap64, __mmap) name the one a programmer
 * would write: fewest leading underscores, then global before weak before
 * local, then the shortest, then by bytes.
 */
static unsigned alias_rank(const Elf64_Sym *sym, const char *name)
{
	unsigned bind = ELF64_ST_BIND(sym->st_info);
	unsigned binding = bind == STB_GLOBAL ? 0 : bind == STB_WEAK ? 1 : 2;
	unsigned underscores = 0;

	while (name[underscores] == '_' && underscores < 15)
		underscores++;
	return underscores * 4 + binding;
}

/* Whether entry a (a function) names its address better than entry b, its alias. */
static bool alias_before(const struct symtab_view *t, uint64_t a, uint64_t b)
{
	Elf64_Sym x, y;
	const char *xn, *yn;
	unsigned xr, yr;
	size_t xl, yl;

	function_at(t, a, &x);
	function_at(t, b, &y);
	xn = t->names + x.st_name;
	yn = t->names + y.st_name;
	xr = alias_rank(&x, xn);
	yr = alias_rank(&y, yn);
	if (xr != yr)
		return xr < yr;
	xl = strlen(xn);
	yl = strlen(yn);
	if (xl != yl)
		return xl < yl;
	return strcmp(xn, yn) < 0;
}

/* A function's start (less the table's lowest) above its entry's index, in one word. */
#define SYM_INDEX_BITS 24
#define SYM_INDEX_MASK (((uint64_t)1 << SYM_INDEX_BITS) - 1)

/*
 * Sorts n words by their bits above SYM_INDEX_BITS, span being the largest
 * value there: a stable radix sort, 11 bits a pass over the bits span
 * uses, 8-byte moves that stay in cache. Returns the sorted buffer (words
 * or spare, each of n words).
 */
static uint64_t *radix_sort_words(uint64_t *words, uint64_t *spare, size_t n, uint64_t span)
{
	enum { DIGIT_BITS = 11, DIGITS = 1 << DIGIT_BITS };
	uint64_t *from = words, *to = spare;

	for (unsigned shift = SYM_INDEX_BITS; shift < 64 && (span >> (shift - SYM_INDEX_BITS));
	     shift += DIGIT_BITS) {
		size_t place[DIGITS] = { 0 }, sum = 0;
		uint64_t *swap;

		for (size_t i = 0; i < n; i++)
			place[(from[i] >> shift) & (DIGITS - 1)]++;
		for (unsigned d = 0; d < DIGITS; d++) {
			size_t c = place[d];

			place[d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			to[place[(from[i] >> shift) & (DIGITS - 1)]++] = from[i];
		swap = from;
		from = to;
		to = swap;
	}
	return from;
}

/*
 * Keeps the function symbols of symbol table section sh, one per address
 * (the best-named alias), sorted by start. cc1 exports 27,000 functions:
 * qsort of full entries took 12 ms of a recording of gcc -c. Here entries
 * are sorted as words holding start and index, only aliases' names are
 * read (cc1's string table is 1.3 MB), and 16 bytes are kept per address.
 * A table of more than 16 M entries, or spread over more than 2^40 bytes,
 * names nothing. Returns 0 or -errno.
 */
static int add_symbols(struct elf_image *img, const Elf64_Ehdr *eh, const Elf64_Shdr *sh)
{
	struct symtab_view t = { .img = img, .offset = sh->sh_offset,
				 .entsize = img->is64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym) };
	uint64_t lo = UINT64_MAX, hi = 0, *words, *sorted;
	size_t n = 0, kept = 0, i, j, k;
	Elf64_Shdr strsh;
	Elf64_Sym sym;
	int err;

	t.count = sh->sh_size / t.entsize;
	if (sh->sh_link >= eh->e_shnum || !at(img, sh->sh_offset, sh->sh_size) ||
	    t.count > SYM_INDEX_MASK)
		return 0;
	err = read_shdr(img, eh, sh->sh_link, &strsh);
	if (err < 0 || !at(img, strsh.sh_offset, strsh.sh_size) || !strsh.sh_size)
		return 0;
	t.names = (const char *)img->data + strsh.sh_offset;
	t.names_size = strsh.sh_size;
	/* The last string must end inside the table. */
	if (t.names[t.names_size - 1] != '\0')
		return 0;
	words = malloc(2 * (t.count ? t.count : 1) * sizeof(*words));
	if (!words)
		return -ENOMEM;
	for (i = 0; i < t.count; i++) {
		if (!function_at(&t, i, &sym))
			continue;
		lo = sym.st_value < lo ? sym.st_value : lo;
		hi = sym.st_value > hi ? sym.st_value : hi;
		words[n++] = sym.st_value << SYM_INDEX_BITS | i;
	}
	if (!n || (hi - lo) >> (64 - SYM_INDEX_BITS)) {
		free(words);
		return 0;
	}
	/* Starts are kept less the lowest: a high-linked image fits too. */
	if (hi >> (64 - SYM_INDEX_BITS))
		for (k = 0; k < n; k++) {
			function_at(&t, words[k] & SYM_INDEX_MASK, &sym);
			words[k] = (sym.st_value - lo) << SYM_INDEX_BITS | (words[k] & SYM_INDEX_MASK);
		}
	else
		for (k = 0; k < n; k++)
			words[k] -= lo << SYM_INDEX_BITS;
	sorted = radix_sort_words(words, words + n, n, hi - lo);
	/* Each run of aliases starts with its best name; the others go. */
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && sorted[j] >> SYM_INDEX_BITS == sorted[i] >> SYM_INDEX_BITS;
		     j++) {
			if (alias_before(&t, sorted[j] & SYM_INDEX_MASK, sorted[i] & SYM_INDEX_MASK)) {
				uint64_t best = sorted[j];

				sorted[j] = sorted[i];
				sorted[i] = best;
			}
		}
		sorted[kept++] = sorted[i];
	}
	img->syms = malloc(kept * sizeof(*img->syms));
	if (!img->syms) {
		free(words);
		return -ENOMEM;
	}
	for (i = 0; i < kept; i++) {
		function_at(&t, sorted[i] & SYM_INDEX_MASK, &sym);
		img->syms[i] = (struct elf_symbol){
			.start = sym.st_value,
			.size = sym.st_size <= UINT32_MAX ? (uint32_t)sym.st_size : 0,
			.name = sym.st_name,
		};
	}
	img->sym_count = kept;
	img->sym_names = t.names;
	free(words);
	return 0;
}

static int load_symbols(struct elf_image *img)
{
	Elf64_Ehdr eh;
	Elf64_Shdr sh, symtab = { 0 }, dynsym = { 0 };
	int err;

	img->syms_loaded = true;
	if (read_ehdr(img, &eh) < 0 || !eh.e_shoff)
		return 0;
	for (unsigned i = 0; i < eh.e_shnum; i++) {
		if (read_shdr(img, &eh, i, &sh) < 0)
			return 0;
		if (sh.sh_type == SHT_SYMTAB)
			symtab = sh;
		else if (sh.sh_type == SHT_DYNSYM)
			dynsym = sh;
	}
	err = add_symbols(img, &eh, symtab.sh_size ? &symtab : &dynsym);
	if (err == 0 && !img->sym_count && symtab.sh_size && dynsym.sh_size) {
		/* A .symtab with no functions (stripped to sections): try .dynsym. */
		free(img->syms);
		img->syms = NULL;
		err = add_symbols(img, &eh, &dynsym);
	}
	if (err < 0) {
		img->syms_loaded = false;
		return err;
	}
	return 0;
}

int elf_image_symbol_at(struct elf_image *img, uint64_t vaddr, const char **name,
			uint64_t *start)
{
	size_t lo = 0, hi;
	const struct elf_symbol *s;
	int err;

	if (!img->syms_loaded) {
		err = load_symbols(img);
		if (err < 0)
			return err;
	}
	/* Find the last symbol starting at or below vaddr. */
	hi = img->sym_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (img->syms[mid].start <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return -ENOENT;
	s = &img->syms[lo - 1];
	if (s->size && vaddr - s->start >= s->size)
		return -ENOENT;
	*name = img->sym_names + s->name;
	*start = s->start;
	return 0;
}
