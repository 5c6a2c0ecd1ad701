/* A tiny unit-test harness: a few ASSERT macros and a summary line.
 *
 *   static void test_split(struct harness *h) { ASSERT_EQ(h, f(), 0); }
 *   int main(void) { struct harness h; harness_init(&h);
 *                    RUN_TEST(&h, test_split); return harness_summary(&h); }
 *
 * A test passes when none of its assertions failed.  harness_summary prints
 * "N passed, N failed" alone on a line and returns the exit status automake
 * expects (0 all passed, 1 otherwise).
 */
#ifndef MEMTRACE_TESTS_HARNESS_H
#define MEMTRACE_TESTS_HARNESS_H

#include <stdbool.h>
#include <stdint.h>

struct harness {
	unsigned passed, failed;   /* tests */
	unsigned test_failures;    /* failed assertions in the running test */
	const char *test_name;
	const void *arg;           /* what main hands to the tests, if anything */
};

void harness_init(struct harness *h);
void harness_run(struct harness *h, const char *name, void (*test)(struct harness *));
int harness_summary(const struct harness *h);

/* Each returns whether the assertion held, so a test can stop early:
 *     if (!ASSERT_EQ(h, err, 0)) return; */
bool harness_check(struct harness *h, bool ok, const char *file, int line, const char *expr);
bool harness_check_eq(struct harness *h, int64_t got, int64_t want, const char *file, int line,
		      const char *got_expr, const char *want_expr);

#define RUN_TEST(h, fn) harness_run((h), #fn, (fn))
#define ASSERT(h, cond) harness_check((h), (cond), __FILE__, __LINE__, #cond)
/* Compares integers (addresses, counts, 0 / -errno results) and prints both. */
#define ASSERT_EQ(h, got, want) \
	harness_check_eq((h), (int64_t)(got), (int64_t)(want), __FILE__, __LINE__, #got, #want)

#endif
