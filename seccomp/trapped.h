/*
 * The one declaration of what memtrace traps: every memory syscall, by the
 * name libseccomp knows it by, with how to decode its arguments and result.
 * The seccomp filter (filter.c), the dispatcher (src/arch.c) and the printer
 * (src/printer.c) are all driven by this table.
 */
#ifndef MEMTRACE_TRAPPED_H
#define MEMTRACE_TRAPPED_H

#include <stddef.h>

/* Which syscall tables a row applies to. */
#define TRAP_X86_64 0x1u
#define TRAP_I386   0x2u

/* How one argument is decoded for printing. */
enum arg_kind {
	ARG_NONE = 0,
	ARG_ADDR,		/* hex, NULL for 0 */
	ARG_SIZE,		/* unsigned decimal */
	ARG_INT,		/* signed decimal */
	ARG_SHMID,		/* a System V segment's id: signed decimal; the kernel picks it */
	ARG_HEX,		/* an unsigned int: hex */
	ARG_FD,			/* signed decimal, -1 for none */
	ARG_OFFSET,		/* hex byte offset */
	ARG_PGOFFSET,		/* mmap2: offset in 4 KiB pages, printed as bytes */
	ARG_PROT,		/* PROT_* */
	ARG_MMAP_FLAGS,		/* MAP_* */
	ARG_MREMAP_FLAGS,	/* MREMAP_* */
	ARG_MADVICE,		/* MADV_* value */
	ARG_MSYNC_FLAGS,	/* MS_* */
	ARG_MLOCK2_FLAGS,	/* MLOCK_ONFAULT */
	ARG_MLOCKALL_FLAGS,	/* MCL_* */
	ARG_MPOL_MODE,		/* MPOL_* mode plus MPOL_F_* mode flags */
	ARG_MPOL_FLAGS,		/* MPOL_MF_* */
	ARG_SHM_FLAGS,		/* SHM_RDONLY, SHM_RND, SHM_REMAP, SHM_EXEC */
	ARG_OLD_MMAP_ARGS,	/* i386 #90: pointer to six 32-bit arguments */
	ARG_IPC_CALL,		/* i386 ipc multiplexer: the sub-call */
	ARG_ARCH_PRCTL,		/* arch_prctl's option: ARCH_* */
};

/* How the result is printed when it is not an error. */
enum ret_kind {
	RET_INT,		/* 0 or a count */
	RET_ADDR,		/* an address: hex */
	RET_HEX,		/* an int: hex (personality's old persona) */
};

/* What a call does to the address space, for the dispatcher. */
enum syscall_family {
	FAMILY_BRK,
	FAMILY_MMAP,		/* mmap (x86_64), mmap2 (i386) */
	FAMILY_OLD_MMAP,	/* i386 #90 */
	FAMILY_MUNMAP,
	FAMILY_MPROTECT,	/* mprotect, pkey_mprotect */
	FAMILY_MREMAP,
	FAMILY_MADVISE,
	FAMILY_MSYNC,
	FAMILY_MLOCK,		/* mlock, mlock2, munlock, mlockall, munlockall */
	FAMILY_MBIND,
	FAMILY_REMAP_FILE_PAGES,
	FAMILY_SHM,		/* shmat, shmdt, i386 ipc(SHMAT/SHMDT) */
	FAMILY_MSEAL,		/* mseal (Linux 6.10) */
	FAMILY_PERSONALITY,	/* personality: READ_IMPLIES_EXEC changes what PROT_READ gives */
	FAMILY_KERNEL_PLACED,	/* the kernel maps or unmaps by itself, where it
				   chooses: io_setup's AIO ring (io_destroy unmaps
				   it), arch_prctl(ARCH_MAP_VDSO_*)'s vDSO */
};

struct trapped_syscall {
	const char *name;		/* libseccomp's name for it */
	unsigned arches;		/* TRAP_* */
	enum syscall_family family;
	enum ret_kind ret;
	unsigned char nargs;
	enum arg_kind args[6];
};

/*
 * A call trapped only where its first argument, masked, is one of some
 * values: ipc's shared-memory sub-calls, arch_prctl's vDSO mappings.
 */
struct trapped_arg0 {
	const char *name;		/* the row's */
	unsigned mask;
	unsigned char count;
	unsigned values[3];
};

/*
 * The numbers of trapped calls newer than some libseccomp, which then
 * cannot name them, from the kernel's syscall tables (0: none there).
 */
struct syscall_own_number {
	const char *name;
	unsigned short x86_64, i386;
};

/*
 * Whether the kernel declares the argument as a C int (or unsigned int), so
 * that on x86_64 only its low 32 bits count, whatever the register holds.
 */
static inline int arg_kind_is_c_int(enum arg_kind kind)
{
	switch (kind) {
	case ARG_INT:
	case ARG_SHMID:
	case ARG_HEX:
	case ARG_FD:
	case ARG_MADVICE:
	case ARG_MSYNC_FLAGS:
	case ARG_MLOCK2_FLAGS:
	case ARG_MLOCKALL_FLAGS:
	case ARG_SHM_FLAGS:
	case ARG_ARCH_PRCTL:
		return 1;
	default:
		return 0;
	}
}

extern const struct trapped_syscall trapped_syscalls[];
extern const size_t trapped_syscalls_count;
extern const struct syscall_own_number syscall_own_numbers[];
extern const size_t syscall_own_numbers_count;

/* The first-argument values row is trapped for, or NULL: all of them. */
const struct trapped_arg0 *trapped_arg0_of(const struct trapped_syscall *row);

/* The i386 ipc(2) sub-calls that change an address space. */
#define IPC_CALL_SHMAT 21
#define IPC_CALL_SHMDT 22

/* arch_prctl's options that map a vDSO (Linux 4.9, CONFIG_CHECKPOINT_RESTORE). */
#define ARCH_PRCTL_MAP_VDSO_X32 0x2001
#define ARCH_PRCTL_MAP_VDSO_32 0x2002
#define ARCH_PRCTL_MAP_VDSO_64 0x2003

#endif
