#ifndef MEMTRACE_FILTER_H
#define MEMTRACE_FILTER_H

#include <linux/filter.h>

/*
 * SECCOMP_RET_DATA of the filter's TRACE verdicts: the index of the row in
 * trapped_syscalls[], or SECCOMP_DATA_BADARCH for a call of an architecture
 * or ABI memtrace does not handle (x32, or anything but x86_64 and i386).
 */
#define SECCOMP_DATA_BADARCH 0xffffu

/*
 * Calls made from these instruction pointers (the address just past their
 * syscall instruction) pass untraced: the mmap and madvise of the bootstrap
 * that finishes memtrace's stub page at 0x100000 (src/stub_code.c puts
 * them there, and checks that no slot's call ends at one), so that making
 * the stub costs two stops fewer. Only the paths of mmap, mmap2 and
 * madvise test the ip, so that the kernel's cache of calls the filter
 * always allows holds for every other call. A program's own syscall
 * instruction ending at one of them would pass untraced as well
 * (memtrace(1), BUGS).
 */
#define SECCOMP_UNTRACED_IP_MAP		0x100030u
#define SECCOMP_UNTRACED_IP_ADVISE	0x100060u

struct seccomp_program {
	struct sock_filter *insns;
	unsigned short len;
};

/* Builds the filter from trapped_syscalls[]. Returns 0 or -errno. */
int seccomp_program_build(struct seccomp_program *prog);
void seccomp_program_free(struct seccomp_program *prog);

/*
 * Installs the filter in the calling process. Allocates nothing, so it is
 * safe between fork and exec. Returns 0 or -errno.
 */
int seccomp_program_install(const struct seccomp_program *prog);

#endif
