/*
 * Trace lines in strace's syntax:
 *   mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7ffff7ff9000
 *   munmap(0x1000, 4096) = -1 EINVAL (Invalid argument)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "flags.h"
#include "printer.h"

static void format_mmap_flags(struct strbuf *sb, uint64_t flags)
{
	uint64_t huge = (flags >> 26) & 0x3f;

	format_value(sb, mmap_type_names, flags & 0xf);
	flags &= ~0xfull & ~(0x3full << 26);
	if (flags) {
		sb_printf(sb, "|");
		format_flags(sb, mmap_flag_names, flags, NULL);
	}
	if (huge)
		sb_printf(sb, "|%llu<<MAP_HUGE_SHIFT", (unsigned long long)huge);
}

static void format_mpol_mode(struct strbuf *sb, uint64_t mode)
{
	uint64_t mode_flags = mode & (7u << 13);

	format_value(sb, mpol_mode_names, mode & ~mode_flags);
	if (mode_flags) {
		sb_printf(sb, "|");
		format_flags(sb, mpol_mode_flag_names, mode_flags, NULL);
	}
}

static void format_arg(struct strbuf *sb, enum arg_kind kind, uint64_t v, enum arch arch)
{
	switch (kind) {
	case ARG_ADDR:
		if (v == 0)
			sb_printf(sb, "NULL");
		else
			sb_printf(sb, "%#llx", (unsigned long long)v);
		break;
	case ARG_SIZE:
		sb_printf(sb, "%llu", (unsigned long long)v);
		break;
	case ARG_INT:
	case ARG_SHMID:
	case ARG_FD:
		/* int arguments: the low 32 bits, signed, on both arches */
		sb_printf(sb, "%d", (int)(uint32_t)v);
		break;
	case ARG_OFFSET:
		sb_printf(sb, v ? "%#llx" : "%llu", (unsigned long long)v);
		break;
	case ARG_HEX:
		sb_printf(sb, "%#x", (unsigned)v);
		break;
	case ARG_PGOFFSET:
		sb_printf(sb, v ? "%#llx" : "%llu", (unsigned long long)(v << 12));
		break;
	case ARG_PROT:
		format_flags(sb, prot_names, v, "PROT_NONE");
		break;
	case ARG_MMAP_FLAGS:
		format_mmap_flags(sb, v);
		break;
	case ARG_MREMAP_FLAGS:
		format_flags(sb, mremap_flag_names, v, NULL);
		break;
	case ARG_MADVICE:
		format_value(sb, madvice_names, v);
		break;
	case ARG_ARCH_PRCTL:
		format_value(sb, arch_prctl_names, v);
		break;
	case ARG_MSYNC_FLAGS:
		format_flags(sb, msync_flag_names, v, NULL);
		break;
	case ARG_MLOCK2_FLAGS:
		format_flags(sb, mlock2_flag_names, v, NULL);
		break;
	case ARG_MLOCKALL_FLAGS:
		format_flags(sb, mlockall_flag_names, v, NULL);
		break;
	case ARG_MPOL_MODE:
		format_mpol_mode(sb, v);
		break;
	case ARG_MPOL_FLAGS:
		format_flags(sb, mpol_flag_names, v, NULL);
		break;
	case ARG_SHM_FLAGS:
		format_flags(sb, shm_flag_names, v, NULL);
		break;
	case ARG_IPC_CALL:
		/* ipc(2) keeps a version number in the high 16 bits */
		format_value(sb, ipc_call_names, v & 0xffff);
		if (v >> 16)
			sb_printf(sb, "|%llu<<16", (unsigned long long)(v >> 16));
		break;
	case ARG_OLD_MMAP_ARGS:
		if (v == 0) {
			sb_printf(sb, "NULL");
			break;
		}
		sb_printf(sb, "%#llx", (unsigned long long)v);
		break;
	case ARG_NONE:
		sb_printf(sb, "%#llx", (unsigned long long)v);
		break;
	}
	(void)arch;
}

/* The kinds of mmap2's arguments, which old_mmap's struct holds too (offset in bytes). */
static const enum arg_kind old_mmap_kinds[6] = {
	ARG_ADDR, ARG_SIZE, ARG_PROT, ARG_MMAP_FLAGS, ARG_FD, ARG_OFFSET,
};

static void format_result(struct strbuf *sb, const struct syscall_event *ev)
{
	if (!ev->has_result) {
		sb_printf(sb, " = ?");
		return;
	}
	if (syscall_result_is_error(ev->result)) {
		int err = (int)-ev->result;
		const char *name = strerrorname_np(err);

		if (name)
			sb_printf(sb, " = -1 %s (%s)", name, strerror(err));
		else
			sb_printf(sb, " = -1 E%d (%s)", err, strerror(err));
		return;
	}
	if (ev->row->ret == RET_ADDR)
		sb_printf(sb, " = %#llx", (unsigned long long)ev->result);
	else if (ev->row->ret == RET_HEX)
		sb_printf(sb, " = %#x", (unsigned)ev->result);
	else
		sb_printf(sb, " = %lld", (long long)ev->result);
}

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

/* How many arguments the call has: mremap's new address only counts when used. */
static int shown_args(const struct syscall_event *ev)
{
	if (ev->row->family == FAMILY_MREMAP && !(ev->args[3] & (MREMAP_FIXED | MREMAP_DONTUNMAP)))
		return 4;
	return ev->row->nargs;
}

void format_event(struct strbuf *sb, const struct syscall_event *ev)
{
	const struct trapped_syscall *row = ev->row;

	sb_printf(sb, "%s(", row->name);
	if (row->args[0] == ARG_OLD_MMAP_ARGS && !ev->ind_fault) {
		for (int i = 0; i < 6; i++) {
			if (i)
				sb_printf(sb, ", ");
			format_arg(sb, old_mmap_kinds[i], ev->ind_args[i], ev->arch);
		}
	} else {
		for (int i = 0; i < shown_args(ev); i++) {
			if (i)
				sb_printf(sb, ", ");
			format_arg(sb, row->args[i], ev->args[i], ev->arch);
		}
	}
	sb_printf(sb, ")");
	format_result(sb, ev);
}

/* Room for gathered lines; a line is at most 1 KiB. */
#define GATHER_SIZE 65536

void printer_start(struct printer *p)
{
	p->gather = p->out != stderr && !isatty(fileno(p->out));
	if (p->gather && !(p->buf = malloc(GATHER_SIZE)))
		p->gather = 0;
	p->len = 0;
}

int printer_flush(struct printer *p)
{
	size_t done = 0;

	while (done < p->len) {
		ssize_t n = write(fileno(p->out), p->buf + done, p->len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			p->len = 0;
			return n < 0 ? -errno : -EIO;
		}
		done += (size_t)n;
	}
	p->len = 0;
	return 0;
}

/* Returns 0 or -errno. */
int print_event(struct printer *p, const struct syscall_event *ev)
{
	char line[1024];
	struct strbuf sb;
	char *keep;
	size_t n;

	sb_init(&sb, line, sizeof(line));
	if (p->show_pid)
		sb_printf(&sb, "[pid %d] ", (int)ev->tid);
	format_event(&sb, ev);
	n = strlen(line);
	if (!p->gather) {
		/* the line alone, from a buffer of its own */
		struct printer one = { .out = p->out, .buf = line, .len = n + 1 };

		line[n] = '\n';
		return printer_flush(&one);
	}
	if (p->len + n + 1 > GATHER_SIZE) {
		int err = printer_flush(p);

		if (err < 0)
			return err;
	}
	keep = p->buf + p->len;
	memcpy(keep, line, n);
	keep[n] = '\n';
	p->len += n + 1;
	return 0;
}

int printer_finish(struct printer *p)
{
	int err = p->gather ? printer_flush(p) : 0;

	free(p->buf);
	p->buf = NULL;
	p->gather = 0;
	return err;
}
