/* Tests of the /proc/PID/maps view: exact line layout, parsing, and the
 * normalising comparison --verify relies on. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "harness.h"
#include "mm/address_space.h"
#include "mm/maps_format.h"
#include "mm_test_util.h"

/* Lines as Linux 6.x prints them (x86_64 kernel; the last two from i386
 * programs). */
static const char *const kernel_lines[] = {
	"55da2a7b0000-55da2a7d1000 rw-p 00000000 00:00 0                          [heap]\n",
	"7f5cb06d8000-7f5cb079c000 rw-p 00000000 00:00 0 \n",
	"7f5cb07fa000-7f5cb0820000 r--p 00000000 fe:00 332835                     "
	"/usr/lib/x86_64-linux-gnu/libc.so.6\n",
	"7f5cb09e2000-7f5cb09e9000 r--s 00000000 fe:00 332280                     "
	"/usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache\n",
	"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n",
	"f7fc5000-f7fc7000 r-xp 00000000 00:00 0                                  [vdso]\n",
	"56555000-56556000 r--p 00002000 08:01 1234                               /tmp/prog32\n",
};

static void test_parse_format_roundtrip(struct harness *h)
{
	size_t i;

	for (i = 0; i < sizeof(kernel_lines) / sizeof(kernel_lines[0]); i++) {
		char line[256], out[256];
		struct maps_entry e;

		snprintf(line, sizeof(line), "%s", kernel_lines[i]);
		if (!ASSERT_EQ(h, maps_parse_line(line, &e), 0))
			continue;
		ASSERT_EQ(h, maps_format_line(&e, out, sizeof(out)), 0);
		if (!ASSERT(h, strcmp(out, kernel_lines[i]) == 0))
			printf("  got:      %s  expected: %s", out, kernel_lines[i]);
	}
}

static void test_parse_fields(struct harness *h)
{
	char line[] = "7f5cb09e2000-7f5cb09e9000 r--s 00001000 fe:01 332280      /a b (deleted)\n";
	char bad[] = "7f5cb09e2000 r--s 00001000 fe:01 332280\n";
	struct maps_entry e;

	ASSERT_EQ(h, maps_parse_line(line, &e), 0);
	ASSERT_EQ(h, e.start, 0x7f5cb09e2000);
	ASSERT_EQ(h, e.end, 0x7f5cb09e9000);
	ASSERT_EQ(h, e.prot, PROT_READ);
	ASSERT(h, e.shared);
	ASSERT_EQ(h, e.offset, 0x1000);
	ASSERT_EQ(h, e.dev_major, 0xfe);
	ASSERT_EQ(h, e.dev_minor, 1);
	ASSERT_EQ(h, e.inode, 332280);
	ASSERT(h, strcmp(e.name, "/a b (deleted)") == 0);
	ASSERT_EQ(h, maps_parse_line(bad, &e), -EINVAL);
}

static void test_model_lines(struct harness *h)
{
	struct mapping_path *libc = mapping_path_new("/usr/lib/x86_64-linux-gnu/libc.so.6");
	struct mapping heap = anon_mapping(0x55da2a7b0000, 0x55da2a7d1000, PROT_READ | PROT_WRITE);
	struct mapping lib = file_mapping(0x7f5cb07fa000, 0x7f5cb0820000, PROT_READ, libc, 1, 0);
	struct mapping anon = anon_mapping(0x7f5cb06d8000, 0x7f5cb079c000, PROT_READ | PROT_WRITE);
	struct maps_entry e;
	char out[256];

	heap.kind = MAPPING_KIND_HEAP;
	heap.offset = heap.start; /* as the model keeps it; printed as 0 */
	lib.backing.dev_major = 0xfe;
	lib.backing.dev_minor = 0;
	lib.backing.inode = 332835;
	lib.kind = MAPPING_KIND_LIB;
	anon.offset = anon.start;

	maps_entry_from_mapping(&heap, &e);
	ASSERT_EQ(h, maps_format_line(&e, out, sizeof(out)), 0);
	ASSERT(h, strcmp(out, kernel_lines[0]) == 0);
	maps_entry_from_mapping(&anon, &e);
	ASSERT_EQ(h, maps_format_line(&e, out, sizeof(out)), 0);
	ASSERT(h, strcmp(out, kernel_lines[1]) == 0);
	maps_entry_from_mapping(&lib, &e);
	ASSERT_EQ(h, maps_format_line(&e, out, sizeof(out)), 0);
	ASSERT(h, strcmp(out, kernel_lines[2]) == 0);
	ASSERT_EQ(h, maps_format_line(&e, out, 20), -ENOSPC);
	ASSERT_EQ(h, maps_format_line(&e, out, 60), -ENOSPC);
	mapping_path_put(libc);
}

static void test_format_whole_model(struct harness *h)
{
	struct address_space as;
	struct mapping stack = anon_mapping(0xfffdd000, 0xffffe000, PROT_READ | PROT_WRITE);
	struct mapping vdso = anon_mapping(0xf7fc5000, 0xf7fc7000, PROT_READ | PROT_EXEC);
	const char *expected =
		"f7fc5000-f7fc7000 r-xp 00000000 00:00 0                                  [vdso]\n"
		"fffdd000-ffffe000 rw-p 00000000 00:00 0                                  [stack]\n";
	char text[512] = "";
	FILE *f = tmpfile();
	size_t got;

	stack.kind = MAPPING_KIND_STACK;
	stack.flags |= MAPPING_GROWSDOWN;
	vdso.kind = MAPPING_KIND_VDSO;
	init_i386(h, &as);
	ASSERT_EQ(h, as_insert(&as, &stack), 0);
	ASSERT_EQ(h, as_insert(&as, &vdso), 0);
	if (!ASSERT(h, f != NULL))
		return;
	ASSERT_EQ(h, as_format_maps(&as, f), 0);
	rewind(f);
	got = fread(text, 1, sizeof(text) - 1, f);
	text[got] = '\0';
	if (!ASSERT(h, strcmp(text, expected) == 0))
		printf("%s", text);
	fclose(f);
	as_destroy(&as);
}

static struct maps_entry entry(uint64_t start, uint64_t end, uint8_t prot, uint64_t offset,
			       uint64_t inode, const char *name)
{
	struct maps_entry e = { start, end, prot, false, offset, inode ? 8 : 0, 0, inode, name };
	return e;
}

static void test_compare_normalised(struct harness *h)
{
	/* The model kept three VMAs where the kernel shows one or two. */
	struct maps_entry model[] = {
		entry(0x1000, 0x2000, PROT_READ, 0x0, 5, "/lib/a"),
		entry(0x2000, 0x3000, PROT_READ, 0x1000, 5, "/lib/a"),
		entry(0x3000, 0x5000, PROT_READ | PROT_WRITE, 0, 0, ""),
		entry(0x5000, 0x6000, PROT_READ | PROT_WRITE, 0, 0, ""),
	};
	struct maps_entry kernel[] = {
		entry(0x1000, 0x3000, PROT_READ, 0x0, 5, "/lib/a"),
		entry(0x3000, 0x4000, PROT_READ | PROT_WRITE, 0, 0, ""),
		entry(0x4000, 0x6000, PROT_READ | PROT_WRITE, 0, 0, ""),
	};
	struct maps_entry copy[4];
	struct maps_difference diff;

	ASSERT_EQ(h, maps_compare(model, 4, kernel, 3, &diff), 0);
	memcpy(copy, model, sizeof(copy));
	ASSERT_EQ(h, maps_coalesce(copy, 4), 2);
	ASSERT_EQ(h, copy[1].end, 0x6000);

	/* A file's offsets must continue to join. */
	kernel[0].end = 0x2000;
	kernel[1] = entry(0x2000, 0x3000, PROT_READ, 0x5000, 5, "/lib/a");
	kernel[2] = entry(0x3000, 0x6000, PROT_READ | PROT_WRITE, 0, 0, "");
	ASSERT_EQ(h, maps_compare(model, 4, kernel, 3, &diff), 1);
	ASSERT_EQ(h, diff.addr, 0x2000);
	ASSERT(h, strcmp(diff.what, "end") == 0);

	kernel[1].offset = 0x1000;
	kernel[2].prot = PROT_READ;
	ASSERT_EQ(h, maps_compare(model, 4, kernel, 3, &diff), 1);
	ASSERT_EQ(h, diff.addr, 0x3000);
	ASSERT(h, strcmp(diff.what, "prot") == 0);

	kernel[2].prot = PROT_READ | PROT_WRITE;
	ASSERT_EQ(h, maps_compare(model, 4, kernel, 2, &diff), 1);
	ASSERT_EQ(h, diff.addr, 0x3000);
	ASSERT(h, strcmp(diff.what, "only in first") == 0);

	kernel[2].end = 0x5000;
	ASSERT_EQ(h, maps_compare(model, 4, kernel, 3, &diff), 1);
	ASSERT_EQ(h, diff.addr, 0x5000);
	ASSERT(h, strcmp(diff.what, "end") == 0);

	/* Unsorted input is an error, not a difference. */
	kernel[2] = entry(0x1000, 0x2000, PROT_READ, 0, 0, "");
	ASSERT_EQ(h, maps_compare(model, 4, kernel, 3, &diff), -EINVAL);
}

int main(void)
{
	struct harness h;

	harness_init(&h);
	RUN_TEST(&h, test_parse_format_roundtrip);
	RUN_TEST(&h, test_parse_fields);
	RUN_TEST(&h, test_model_lines);
	RUN_TEST(&h, test_format_whole_model);
	RUN_TEST(&h, test_compare_normalised);
	return harness_summary(&h);
}
