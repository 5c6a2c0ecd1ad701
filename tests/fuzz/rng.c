/*
 * The fuzzer's own generator (splitmix64): the same stream from the same
 * seed on every arch and libc, which rand() does not promise.
 */
#include "fuzz.h"

uint64_t rng_next(struct fuzz *f)
{
	uint64_t z = (f->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Returns a number in [0, n); 0 when n is 0. */
unsigned rng_below(struct fuzz *f, unsigned n)
{
	return n ? (unsigned)(rng_next(f) % n) : 0;
}

int rng_percent(struct fuzz *f, unsigned pct)
{
	return rng_below(f, 100) < pct;
}

unsigned long rng_pick(struct fuzz *f, const unsigned long *values, unsigned n)
{
	return values[rng_below(f, n)];
}
