/* mseal on the model (see seal.h). */
#include "seal.h"

#include <errno.h>
#include <sys/mman.h>

#include "change.h"

int as_seal(struct address_space *as, uint64_t start, uint64_t len, uint64_t flags)
{
	/* holes are ENOMEM, looked for before anything is sealed */
	const struct as_change chg = { .holes = AS_HOLES_REJECT, .flags_set = MAPPING_SEALED };
	uint64_t aligned = mm_page_align(len);

	if (flags || !mm_page_aligned(start) || (len && !aligned) || start + aligned < start)
		return -EINVAL;
	if (!aligned)
		return 0;
	return as_change_range(as, start, aligned, &chg, NULL);
}

bool as_range_has_sealed(const struct address_space *as, uint64_t start, uint64_t end)
{
	for (const struct mapping *m = as_find(as, start); m && m->start < end; m = as_next(as, m))
		if (m->flags & MAPPING_SEALED)
			return true;
	return false;
}

bool madvise_discards(int advice)
{
	switch (advice) {
	case 4:   /* MADV_DONTNEED */
	case 8:   /* MADV_FREE */
	case 9:   /* MADV_REMOVE */
	case 10:  /* MADV_DONTFORK */
	case 18:  /* MADV_WIPEONFORK */
	case 24:  /* MADV_DONTNEED_LOCKED */
	case 102: /* MADV_GUARD_INSTALL */
		return true;
	default:
		return false;
	}
}

bool seal_refuses_discard(const struct mapping *m)
{
	return (m->flags & MAPPING_SEALED) && mapping_is_private_anonymous(m) &&
	       !(m->prot & PROT_WRITE);
}
