/* Primitives for mremap and stack growth.  The syscall layer checks flags and
 * lengths and chooses between growing in place and moving; these carry out
 * the result on the model, with Linux's rules about which ranges qualify. */
#ifndef MEMTRACE_MM_REMAP_H
#define MEMTRACE_MM_REMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "address_space.h"

/* Can [addr, addr + old_len) grow in place to new_len bytes (both page
 * multiples, new_len > old_len)?
 * Return 0 when it can; -EFAULT when addr is unmapped, the old range runs
 * past its mapping, or the mapping may not grow (MAPPING_DONTEXPAND: vdso,
 * vvar); -ENOMEM when it cannot grow here (the old range does not end where
 * its mapping ends, the pages above are not free, or the end would pass
 * task_size): mremap then moves it if MREMAP_MAYMOVE allows. */
int as_can_expand(const struct address_space *as, uint64_t addr, uint64_t old_len,
		  uint64_t new_len);

/* Returns true when [addr, addr + len) runs over mappings the model keeps
 * apart only by their offset: private anonymous memory alike in all else.
 * Linux's offset there is the creation address, unless the memory was
 * moved by mremap before a page of it was written (copy_vma then takes the
 * new address), and page faults decide that, which the model does not see:
 * Linux may hold the range as one VMA. */
bool as_cut_by_offset_only(const struct address_space *as, uint64_t addr, uint64_t len);

/* Joins the mappings over [addr, addr + len) that as_cut_by_offset_only
 * found, the upper ones taking offsets that continue the lowest one's: the
 * kernel has shown they are one VMA. */
void as_join_cut_by_offset(struct address_space *as, uint64_t addr, uint64_t len);

/* Grows the mapping in place, then merges it with the mapping above if they
 * now touch and match (Linux's vma_merge_extend).
 * Return 0, or as_can_expand's error with nothing changed. */
int as_expand(struct address_space *as, uint64_t addr, uint64_t old_len, uint64_t new_len);

enum as_move_flags {
	/* MREMAP_DONTUNMAP: leave the old range mapped (empty); Linux clears
	 * VM_LOCKED and VM_LOCKONFAULT on the whole old mapping. */
	AS_MOVE_KEEP_OLD = 1u << 0,
};

/* Moves [old_addr, old_addr + old_len), which must lie inside one mapping,
 * to [new_addr, new_addr + new_len), replacing whatever is there (the caller
 * has chosen the place: a free hole, or MREMAP_FIXED).  The new mapping keeps
 * the attributes and the offset of the old range's start, so file offsets
 * stay right and a moved anonymous mapping keeps its vm_pgoff; created_by
 * becomes seq.  Growing (new_len > old_len) extends the copy; shrinking drops
 * the old range's tail.  old_len 0 duplicates a shared mapping (the old range
 * stays).  Linux's move_vma refuses when map_count >= max_map_count - 3;
 * mremap_to (MREMAP_FIXED, MREMAP_DONTUNMAP) refuses earlier, at
 * map_count + 2 >= max_map_count - 3 and before it unmaps the destination:
 * that check is the caller's, which orders those steps.
 * Return 0; -EFAULT (old range not inside one mapping); -EINVAL (unaligned,
 * empty new_len, overlapping ranges, old_len 0 on a private mapping);
 * -ENOMEM (past task_size, map count, out of memory). */
int as_move(struct address_space *as, uint64_t old_addr, uint64_t old_len, uint64_t new_addr,
	    uint64_t new_len, unsigned flags, uint64_t seq);

/* Grows the growsdown mapping above addr down to cover addr's page, as a
 * stack fault does (expand_downwards).  The caller checks RLIMIT_STACK.
 * Return 0 (also when addr is already mapped); -EFAULT when the mapping above
 * is not growsdown or there is none; -EPERM below mmap_min_addr; -ENOMEM when
 * an accessible non-growsdown mapping below would come within
 * stack_guard_gap. */
int as_grow_down(struct address_space *as, uint64_t addr);

#endif
