/* A deliberately simple reference for the address space model: one record of
 * attributes per page of a small address space, and each Linux rule written
 * the obvious way, with loops over pages.  The randomized test runs the same
 * operations on both and compares them page by page.
 *
 * What counts as one mapping here is derived, not stored: two neighbouring
 * pages belong to one mapping when both are mapped, their attributes are
 * equal and their offsets continue.  The model merges exactly that way, so
 * the reference's mapping count must equal the model's.
 */
#ifndef MEMTRACE_TESTS_REF_MODEL_H
#define MEMTRACE_TESTS_REF_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "harness.h"
#include "mm/address_space.h"
#include "mm/change.h"

#define REF_PAGES 64

struct ref_page {
	bool mapped;
	struct mapping attrs; /* start, end and created_by unused */
	uint64_t offset;      /* offset of this page (not of its mapping) */
};

struct ref_model {
	struct ref_page pages[REF_PAGES];
	struct as_layout layout;
	uint64_t brk_current;
};

/* The kinds of attribute change the randomized test makes. */
enum ref_op_kind { REF_PROTECT, REF_MLOCK, REF_MADVISE, REF_MBIND };

struct ref_op {
	enum ref_op_kind kind;
	uint8_t prot;                 /* REF_PROTECT */
	uint32_t lock_flags;          /* REF_MLOCK: MAPPING_LOCKED etc., 0 = munlock */
	int advice;                   /* REF_MADVISE: MADV_* number */
	struct mapping_policy policy; /* REF_MBIND */
};

void ref_init(struct ref_model *ref, const struct as_layout *layout);
size_t ref_map_count(const struct ref_model *ref);

int ref_insert(struct ref_model *ref, const struct mapping *proto);
int ref_unmap(struct ref_model *ref, uint64_t start, uint64_t len);
int ref_change(struct ref_model *ref, uint64_t start, uint64_t len, const struct ref_op *op,
	       uint64_t *done_until);
int ref_find_hole(const struct ref_model *ref, const struct mm_hole_request *req, bool topdown,
		  uint64_t *addr);
int ref_get_unmapped_area(const struct ref_model *ref, uint64_t hint, uint64_t len,
			  uint64_t *addr);
int ref_expand(struct ref_model *ref, uint64_t addr, uint64_t old_len, uint64_t new_len,
	       bool apply);
int ref_move(struct ref_model *ref, uint64_t old_addr, uint64_t old_len, uint64_t new_addr,
	     uint64_t new_len, bool keep_old);
int ref_grow_down(struct ref_model *ref, uint64_t addr);
uint64_t ref_brk(struct ref_model *ref, uint64_t requested);
void ref_fork(const struct ref_model *parent, struct ref_model *child);

/* Asserts that the model holds exactly what the reference holds: every
 * page's attributes and offset, the mapping count, the break, and
 * as_validate.  Prints the first difference. */
bool ref_matches(struct harness *h, const struct ref_model *ref, const struct address_space *as);

#endif
