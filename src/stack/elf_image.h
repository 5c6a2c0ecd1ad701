/*
 * A read-only view of one ELF file (ELF32 or ELF64, little-endian): its
 * loadable segments, its unwind table header and its function symbols.
 * Every offset read from the file is checked against its size.
 */
#ifndef MEMTRACE_STACK_ELF_IMAGE_H
#define MEMTRACE_STACK_ELF_IMAGE_H

#include <stddef.h>
#include <stdint.h>

struct elf_image;

/*
 * Maps path read-only; *inode gets the file's inode number. Returns 0,
 * -ENOEXEC when it is no ELF we read, or -errno.
 */
int elf_image_open(const char *path, struct elf_image **out, uint64_t *inode);

/* Wraps bytes read from memory (the vdso); takes buf (malloc'd) on success.
 * Returns 0, -ENOEXEC or -ENOMEM. */
int elf_image_adopt(void *buf, size_t len, struct elf_image **out);

void elf_image_free(struct elf_image *img);

/* The image's bytes (the whole file). */
const uint8_t *elf_image_bytes(const struct elf_image *img, size_t *len);

/*
 * The load bias (run-time address minus link-time address) of a mapping
 * that puts file offset off at address addr. Pass an address the program
 * uses (an ip), not a mapping's start: two segments may share the file page
 * a mapping starts with. Returns 0, or -ENOENT when no PT_LOAD holds off.
 */
int elf_image_load_bias(const struct elf_image *img, uint64_t addr, uint64_t off,
			uint64_t *bias);

/* The link-time address of file offset off. Returns 0 or -ENOENT. */
int elf_image_offset_to_vaddr(const struct elf_image *img, uint64_t off, uint64_t *vaddr);

/*
 * The file's bytes at file offset off, or NULL unless [off, off + len) lies
 * in a read-only PT_LOAD of an object without text relocations: elsewhere
 * (RELRO included) the loader may have changed the process's copy.
 */
const uint8_t *elf_image_file_bytes(const struct elf_image *img, uint64_t off, size_t len);

/* The file's bytes at link-time address vaddr, or NULL. */
const uint8_t *elf_image_vaddr_bytes(const struct elf_image *img, uint64_t vaddr, size_t len);

/* The executable PT_LOAD holding vaddr, as link-time [*lo, *hi). Returns 0 or -ENOENT. */
int elf_image_text_segment(const struct elf_image *img, uint64_t vaddr, uint64_t *lo,
			   uint64_t *hi);

/* The entry point (e_entry, link-time), 0 when there is none. */
uint64_t elf_image_entry(const struct elf_image *img);

/* The link-time address of .eh_frame_hdr (PT_GNU_EH_FRAME). Returns 0 or -ENOENT. */
int elf_image_eh_frame_hdr(const struct elf_image *img, uint64_t *vaddr);

/*
 * The function symbol covering link-time address vaddr, from .symtab, else
 * .dynsym (the table is built on first use). *name stays valid while the
 * image lives. Returns 0, -ENOENT, or -ENOMEM.
 */
int elf_image_symbol_at(struct elf_image *img, uint64_t vaddr, const char **name,
			uint64_t *start);

#endif
