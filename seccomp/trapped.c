/*
 * What memtrace traps. Adding a syscall is one row here plus its handler;
 * a trapped call without a handler is reported, never silently passed.
 *
 * On i386, libseccomp calls #90 (old_mmap, whose one argument points to the
 * six real ones) "mmap"; #192 is mmap2 with the offset in 4 KiB pages.
 * i386 shmat/shmdt also arrive through the ipc(2) multiplexer (#117); the
 * filter traps ipc only for those two sub-calls.
 *
 * A call newer than the build's libseccomp has its numbers in
 * syscall_own_numbers[]; gen-filter puts a test for them in front of
 * libseccomp's filter.
 */
#include <string.h>

#include "trapped.h"

#define BOTH (TRAP_X86_64 | TRAP_I386)

const struct trapped_syscall trapped_syscalls[] = {
	{ "brk", BOTH, FAMILY_BRK, RET_ADDR, 1, { ARG_ADDR } },
	{ "mmap", TRAP_X86_64, FAMILY_MMAP, RET_ADDR, 6,
	  { ARG_ADDR, ARG_SIZE, ARG_PROT, ARG_MMAP_FLAGS, ARG_FD, ARG_OFFSET } },
	{ "mmap", TRAP_I386, FAMILY_OLD_MMAP, RET_ADDR, 1, { ARG_OLD_MMAP_ARGS } },
	{ "mmap2", TRAP_I386, FAMILY_MMAP, RET_ADDR, 6,
	  { ARG_ADDR, ARG_SIZE, ARG_PROT, ARG_MMAP_FLAGS, ARG_FD, ARG_PGOFFSET } },
	{ "munmap", BOTH, FAMILY_MUNMAP, RET_INT, 2, { ARG_ADDR, ARG_SIZE } },
	{ "mprotect", BOTH, FAMILY_MPROTECT, RET_INT, 3, { ARG_ADDR, ARG_SIZE, ARG_PROT } },
	{ "pkey_mprotect", BOTH, FAMILY_MPROTECT, RET_INT, 4,
	  { ARG_ADDR, ARG_SIZE, ARG_PROT, ARG_INT } },
	{ "mremap", BOTH, FAMILY_MREMAP, RET_ADDR, 5,
	  { ARG_ADDR, ARG_SIZE, ARG_SIZE, ARG_MREMAP_FLAGS, ARG_ADDR } },
	{ "madvise", BOTH, FAMILY_MADVISE, RET_INT, 3, { ARG_ADDR, ARG_SIZE, ARG_MADVICE } },
	{ "msync", BOTH, FAMILY_MSYNC, RET_INT, 3, { ARG_ADDR, ARG_SIZE, ARG_MSYNC_FLAGS } },
	{ "mlock", BOTH, FAMILY_MLOCK, RET_INT, 2, { ARG_ADDR, ARG_SIZE } },
	{ "mlock2", BOTH, FAMILY_MLOCK, RET_INT, 3, { ARG_ADDR, ARG_SIZE, ARG_MLOCK2_FLAGS } },
	{ "munlock", BOTH, FAMILY_MLOCK, RET_INT, 2, { ARG_ADDR, ARG_SIZE } },
	{ "mlockall", BOTH, FAMILY_MLOCK, RET_INT, 1, { ARG_MLOCKALL_FLAGS } },
	{ "munlockall", BOTH, FAMILY_MLOCK, RET_INT, 0, { ARG_NONE } },
	{ "mbind", BOTH, FAMILY_MBIND, RET_INT, 6,
	  { ARG_ADDR, ARG_SIZE, ARG_MPOL_MODE, ARG_ADDR, ARG_SIZE, ARG_MPOL_FLAGS } },
	{ "remap_file_pages", BOTH, FAMILY_REMAP_FILE_PAGES, RET_INT, 5,
	  { ARG_ADDR, ARG_SIZE, ARG_PROT, ARG_SIZE, ARG_INT } },
	{ "shmat", BOTH, FAMILY_SHM, RET_ADDR, 3, { ARG_SHMID, ARG_ADDR, ARG_SHM_FLAGS } },
	{ "shmdt", BOTH, FAMILY_SHM, RET_INT, 1, { ARG_ADDR } },
	/* the sixth argument only matters to semtimedop, which is not trapped */
	{ "ipc", TRAP_I386, FAMILY_SHM, RET_INT, 5,
	  { ARG_IPC_CALL, ARG_SHMID, ARG_INT, ARG_ADDR, ARG_ADDR } },
	/* flags is an unsigned long: all 64 bits count (ARG_SIZE, not ARG_INT) */
	{ "mseal", BOTH, FAMILY_MSEAL, RET_INT, 3, { ARG_ADDR, ARG_SIZE, ARG_SIZE } },
	{ "personality", BOTH, FAMILY_PERSONALITY, RET_HEX, 1, { ARG_HEX } },
	/* the kernel maps the ring itself, where it chooses: libaio's contexts */
	{ "io_setup", BOTH, FAMILY_KERNEL_PLACED, RET_INT, 2, { ARG_INT, ARG_ADDR } },
	{ "io_destroy", BOTH, FAMILY_KERNEL_PLACED, RET_INT, 1, { ARG_ADDR } },
	/*
	 * A vDSO mapped again after its munmap (CRIU's restore), near the
	 * hint; its other options (fs and gs bases, CPUID) run untraced. An
	 * i386 task's arch_prctl has no such option (EINVAL).
	 */
	{ "arch_prctl", TRAP_X86_64, FAMILY_KERNEL_PLACED, RET_INT, 2,
	  { ARG_ARCH_PRCTL, ARG_ADDR } },
};

const size_t trapped_syscalls_count = sizeof(trapped_syscalls) / sizeof(trapped_syscalls[0]);

static const struct trapped_arg0 trapped_arg0s[] = {
	/* ipc(2) keeps a version in the call's high 16 bits */
	{ "ipc", 0xffff, 2, { IPC_CALL_SHMAT, IPC_CALL_SHMDT } },
	/* option is an int */
	{ "arch_prctl", 0xffffffffu, 3,
	  { ARCH_PRCTL_MAP_VDSO_X32, ARCH_PRCTL_MAP_VDSO_32, ARCH_PRCTL_MAP_VDSO_64 } },
};

const struct trapped_arg0 *trapped_arg0_of(const struct trapped_syscall *row)
{
	for (size_t i = 0; i < sizeof(trapped_arg0s) / sizeof(trapped_arg0s[0]); i++)
		if (strcmp(trapped_arg0s[i].name, row->name) == 0)
			return &trapped_arg0s[i];
	return NULL;
}

const struct syscall_own_number syscall_own_numbers[] = {
	{ "mseal", 462, 462 },	/* Linux 6.10; libseccomp 2.5 does not know it */
};

const size_t syscall_own_numbers_count = sizeof(syscall_own_numbers) / sizeof(syscall_own_numbers[0]);
