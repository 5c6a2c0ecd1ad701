/* Helpers shared by the model's unit tests (see mm_test_util.h). */
#include "mm_test_util.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

struct mapping anon_mapping(uint64_t start, uint64_t end, uint8_t prot)
{
	struct mapping m = {
		.start = start,
		.end = end,
		.flags = MAPPING_ANON,
		.prot = prot,
		.max_prot = PROT_READ | PROT_WRITE | PROT_EXEC,
		.kind = MAPPING_KIND_ANON,
	};
	return m;
}

struct mapping file_mapping(uint64_t start, uint64_t end, uint8_t prot, struct mapping_path *path,
			    uint64_t file_id, uint64_t offset)
{
	struct mapping m = {
		.start = start,
		.end = end,
		.offset = offset,
		.backing = { .dev_major = 8, .dev_minor = 1, .inode = 1000 + file_id,
			     .file_id = file_id, .path = path },
		.prot = prot,
		.max_prot = PROT_READ | PROT_WRITE | PROT_EXEC,
		.kind = MAPPING_KIND_FILE,
	};
	return m;
}

uint64_t test_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return (x * 0x2545f4914f6cdd1dULL) >> 32;
}

static void init_arch(struct harness *h, struct address_space *as, enum as_arch arch)
{
	struct as_layout layout;

	as_layout_default(&layout, arch);
	ASSERT_EQ(h, as_init(as, &layout), 0);
}

void init_x86_64(struct harness *h, struct address_space *as)
{
	init_arch(h, as, AS_ARCH_X86_64);
}

void init_i386(struct harness *h, struct address_space *as)
{
	init_arch(h, as, AS_ARCH_I386);
}

bool assert_valid(struct harness *h, const struct address_space *as, const char *file, int line)
{
	char msg[256];
	int err = as_validate(as, msg, sizeof(msg));

	if (err)
		printf("  as_validate: %s\n", msg);
	return harness_check(h, err == 0, file, line, "as_validate(as) == 0");
}

bool assert_layout(struct harness *h, const struct address_space *as, const char *expected,
		   const char *file, int line)
{
	char got[4096] = "";
	size_t used = 0;
	const struct mapping *m;
	bool ok;

	for (m = as_first(as); m && used < sizeof(got) - 64; m = as_next(as, m)) {
		used += (size_t)snprintf(got + used, sizeof(got) - used, "%s%" PRIx64 "-%" PRIx64
					 " %c%c%c%c", used ? " " : "", m->start, m->end,
					 m->prot & PROT_READ ? 'r' : '-',
					 m->prot & PROT_WRITE ? 'w' : '-',
					 m->prot & PROT_EXEC ? 'x' : '-',
					 m->flags & MAPPING_SHARED ? 's' : 'p');
	}
	ok = strcmp(got, expected) == 0;
	if (!ok)
		printf("  layout:   %s\n  expected: %s\n", got, expected);
	return harness_check(h, ok, file, line, "layout matches");
}
