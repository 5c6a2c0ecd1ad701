/*
 * How to unwind from an ip: libunwind's register state for the row of the
 * CFI table that holds it.
 *
 * libunwind caches these itself, but its cache takes a lock around every
 * step, and the lock blocks and unblocks all signals: two rt_sigprocmask
 * calls per frame, which cost more than the rest of the unwind together.
 * With the rule at hand, unw_apply_reg_state steps a frame without them.
 *
 * An open-addressing table keyed by (module, base, ip): the same file
 * mapped at the same place, so processes running the same code share rules
 * (fork children, and every process without address randomization), and a
 * rule learnt at one place is never applied to other code (the rule may
 * hold absolute addresses of DWARF expressions). Rules of code that has
 * gone stay unused until the table fills up and starts over.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stack/stack_internal.h"

/* A bound on memory: past it the table starts over. */
#define RULE_CACHE_MAX 65536

void rule_cache_init(struct rule_cache *rc)
{
	memset(rc, 0, sizeof(*rc));
}

void rule_cache_clear(struct rule_cache *rc)
{
	for (size_t i = 0; i < rc->cap; i++)
		free(rc->slots[i].state);
	free(rc->slots);
	rule_cache_init(rc);
}

static bool same_key(const struct unwind_rule *a, const struct unwind_rule *b)
{
	return a->ip == b->ip && a->module == b->module && a->base == b->base;
}

static size_t slot_of(const struct rule_cache *rc, const struct unwind_rule *key)
{
	uint64_t h = key->ip ^ key->base ^ (uint64_t)(uintptr_t)key->module;

	/* Fibonacci hashing spreads nearby ips over the table. */
	return (size_t)((h * 0x9e3779b97f4a7c15ull) >> 32) & (rc->cap - 1);
}

const struct unwind_rule *rule_cache_find(const struct rule_cache *rc,
					  const struct unwind_rule *key)
{
	if (!rc->cap)
		return NULL;
	for (size_t i = slot_of(rc, key);; i = (i + 1) & (rc->cap - 1)) {
		const struct unwind_rule *r = &rc->slots[i];

		if (!r->ip)
			return NULL;
		if (same_key(r, key))
			return r;
	}
}

static struct unwind_rule *insert(struct rule_cache *rc, const struct unwind_rule *rule)
{
	size_t i = slot_of(rc, rule);

	while (rc->slots[i].ip)
		i = (i + 1) & (rc->cap - 1);
	rc->slots[i] = *rule;
	return &rc->slots[i];
}

static int grow(struct rule_cache *rc)
{
	struct rule_cache bigger = { .cap = rc->cap ? rc->cap * 2 : 256 };

	bigger.slots = calloc(bigger.cap, sizeof(*bigger.slots));
	if (!bigger.slots)
		return -ENOMEM;
	for (size_t i = 0; i < rc->cap; i++)
		if (rc->slots[i].ip)
			insert(&bigger, &rc->slots[i]);
	bigger.count = rc->count;
	free(rc->slots);
	*rc = bigger;
	return 0;
}

const struct unwind_rule *rule_cache_add(struct rule_cache *rc, const struct unwind_rule *rule,
					 void *state)
{
	struct unwind_rule stored = *rule;

	/* ip 0 marks free slots; no code lives there. */
	if (!rule->ip) {
		free(state);
		return NULL;
	}
	if (rc->count >= RULE_CACHE_MAX)
		rule_cache_clear(rc);
	/* Keep the load under one half so probe runs stay short. */
	if ((rc->count + 1) * 2 > rc->cap && grow(rc) < 0) {
		free(state);
		return NULL;
	}
	stored.state = state;
	rc->count++;
	return insert(rc, &stored);
}
