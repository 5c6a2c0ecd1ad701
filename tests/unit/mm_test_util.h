/* Helpers shared by the model's unit tests. */
#ifndef MEMTRACE_TESTS_MM_TEST_UTIL_H
#define MEMTRACE_TESTS_MM_TEST_UTIL_H

#include <stdint.h>

#include "harness.h"
#include "mm/address_space.h"

#define PAGE MM_PAGE_SIZE

/* A private anonymous mapping of [start, end) with max_prot rwx. */
struct mapping anon_mapping(uint64_t start, uint64_t end, uint8_t prot);

/* A private file mapping of [start, end) at file offset `offset`. */
struct mapping file_mapping(uint64_t start, uint64_t end, uint8_t prot, struct mapping_path *path,
			    uint64_t file_id, uint64_t offset);

/* A small deterministic generator (xorshift64*); *state must not be 0. */
uint64_t test_rand(uint64_t *state);

/* An x86_64 model with default layout; asserts that init worked. */
void init_x86_64(struct harness *h, struct address_space *as);
void init_i386(struct harness *h, struct address_space *as);

/* Asserts as_validate; prints its message on failure. */
#define ASSERT_VALID(h, as) assert_valid((h), (as), __FILE__, __LINE__)
bool assert_valid(struct harness *h, const struct address_space *as, const char *file, int line);

/* Asserts that the model reads, mapping by mapping, as `expected`: entries
 * "START-END PERMS" in hex without 0x, separated by single spaces, perms
 * being rwx plus 'p' or 's', e.g. "10000-12000 rw-p 12000-13000 r--p". */
#define ASSERT_LAYOUT(h, as, expected) assert_layout((h), (as), (expected), __FILE__, __LINE__)
bool assert_layout(struct harness *h, const struct address_space *as, const char *expected,
		   const char *file, int line);

#endif
