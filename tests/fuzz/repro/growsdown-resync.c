/*
 * brk may not grow to within stack_guard_gap (256 pages) of a MAP_GROWSDOWN
 * mapping above it: the kernel checks newbrk + PAGE_SIZE against the next
 * mapping's vm_start_gap().  The model knew the rule but forgot which
 * mappings grow down whenever it took the kernel's view (after a failed
 * MREMAP_FIXED, for one): /proc/PID/maps does not show VM_GROWSDOWN, and
 * the VmFlags it then read from smaps had no "gd".
 *
 *   brk start                       +64 pages
 *   [ heap ... -> (asked: +8 pages)   ...  [ growsdown mapping ]
 *              \___ within the guard gap below it: refused ___/
 */
#include "common.h"
int main(void)
{
	unsigned long b = syscall(SYS_brk, 0), r;
	char *gd, *other;
	long moved;

	/* Nothing here may call malloc before the brk calls: stdio would move
	 * the break. */
	gd = mmap((void *)(b + 64 * PG), 4 * PG, PROT_READ,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN | MAP_FIXED_NOREPLACE, -1, 0);
	other = mmap(NULL, 4 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	/* Old and new ranges overlap: EINVAL, after memtrace has had to take
	 * the kernel's view of the whole address space. */
	moved = (long)mremap(other, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, other + PG);
	r = syscall(SYS_brk, b + 8 * PG);
	printf("growsdown mapping = %s\n", gd == MAP_FAILED ? strerrorname_np(errno) : "ok");
	printf("overlapping mremap = %s\n", moved == -1 ? "failed" : "moved");
	printf("brk(start + 8 pages) below a growsdown mapping at +64 pages = %s\n",
	       r == b ? "old break" : r == b + 8 * PG ? "new break" : "?");
	return 0;
}
