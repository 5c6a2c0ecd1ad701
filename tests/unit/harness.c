/* The unit-test harness (see harness.h). */
#include "harness.h"

#include <inttypes.h>
#include <stdio.h>

void harness_init(struct harness *h)
{
	h->passed = h->failed = h->test_failures = 0;
	h->test_name = NULL;
	h->arg = NULL;
}

void harness_run(struct harness *h, const char *name, void (*test)(struct harness *))
{
	h->test_name = name;
	h->test_failures = 0;
	test(h);
	if (h->test_failures) {
		h->failed++;
		printf("FAIL %s\n", name);
	} else {
		h->passed++;
		printf("ok   %s\n", name);
	}
	fflush(stdout);
}

int harness_summary(const struct harness *h)
{
	printf("%u passed, %u failed\n", h->passed, h->failed);
	return h->failed ? 1 : 0;
}

bool harness_check(struct harness *h, bool ok, const char *file, int line, const char *expr)
{
	if (!ok) {
		h->test_failures++;
		printf("  %s:%d: %s: assertion failed: %s\n", file, line, h->test_name, expr);
	}
	return ok;
}

bool harness_check_eq(struct harness *h, int64_t got, int64_t want, const char *file, int line,
		      const char *got_expr, const char *want_expr)
{
	if (got != want) {
		h->test_failures++;
		printf("  %s:%d: %s: %s == %" PRId64 " (%#" PRIx64 "), expected %s == %" PRId64
		       " (%#" PRIx64 ")\n",
		       file, line, h->test_name, got_expr, got, (uint64_t)got, want_expr, want,
		       (uint64_t)want);
	}
	return got == want;
}
