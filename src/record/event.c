/*
 * EVENT payloads, encoder beside decoder (see payload.h; memtrace-format(5)
 * gives each field's order).
 */
#include "record/payload.h"

#include <errno.h>
#include <string.h>

#include "record/fields.h"
#include "record/format.h"

static int arg_is_address(const struct trapped_syscall *row, int i)
{
	return row && (row->args[i] == ARG_ADDR || row->args[i] == ARG_OLD_MMAP_ARGS);
}

/* Sizes and byte offsets: page multiples, mostly. */
static int arg_is_size(const struct trapped_syscall *row, int i)
{
	return row && (row->args[i] == ARG_SIZE || row->args[i] == ARG_OFFSET);
}

static int arg_is_c_int(const struct trapped_syscall *row, int i)
{
	return row && arg_kind_is_c_int(row->args[i]);
}

/* Registers a call does not read: what the program left there, often what
 * it left there the last time it made the same call. */
static int arg_is_unused(const struct trapped_syscall *row, int i)
{
	return !row || row->args[i] == ARG_NONE;
}

/*
 * What is recorded of argument register i: registers the call does not
 * read are recorded as 0 (what the program left there says nothing about
 * its memory), so they cost nothing.
 */
static uint64_t recorded_arg(const struct trapped_syscall *row, const struct syscall_event *ev,
			     int i)
{
	return arg_is_unused(row, i) ? 0 : ev->args[i] & arch_infos[ev->arch].word_mask;
}

/* Where st->regs keeps a call's registers and ip: the usual memory calls
 * of either arch have slots of their own. */
static uint64_t *regs_slot(struct payload_state *st, enum arch arch, uint64_t nr)
{
	size_t slots = sizeof(st->regs) / sizeof(st->regs[0]);

	return st->regs[(nr * 2 + arch_to_file(arch)) % slots];
}

static int result_is_address(const struct trapped_syscall *row, const struct syscall_event *ev)
{
	return row && row->ret == RET_ADDR && ev->has_result &&
	       !syscall_result_is_error(ev->result);
}

/*
 * The range a call worked on, in whole pages: [result, result + length)
 * for an mmap, [address, address + length) for munmap, mprotect and
 * madvise.  The writer's window for the call unless it was widened to a
 * mapping the call cut or merged with.  Returns 0 for a call without one.
 */
static int call_range(const struct trapped_syscall *row, const struct syscall_event *ev,
		      uint64_t *lo, uint64_t *hi)
{
	uint64_t start = ev->args[0], len = ev->args[1];

	if (!row || !ev->has_result || syscall_result_is_error(ev->result))
		return 0;
	switch (row->family) {
	case FAMILY_MMAP:
		start = (uint64_t)ev->result;
		break;
	case FAMILY_MUNMAP:
	case FAMILY_MPROTECT:
	case FAMILY_MADVISE:
		break;
	default:
		return 0;
	}
	if (!mm_page_aligned(start) || len == 0 || len > UINT64_MAX - MM_PAGE_SIZE - start)
		return 0;
	*lo = start;
	*hi = mm_page_align(start + len);
	return 1;
}

/* Whether every address the event codes is page-aligned (window edges and
 * mappings always are). */
static int addresses_page_aligned(const struct trapped_syscall *row, const struct rec_event *e)
{
	const struct syscall_event *ev = &e->ev;

	for (int i = 0; i < 6; i++)
		if (arg_is_address(row, i) && !mm_page_aligned(ev->args[i]))
			return 0;
	if (row && row->family == FAMILY_OLD_MMAP && !mm_page_aligned(ev->ind_args[0]))
		return 0;
	if (result_is_address(row, ev) && !mm_page_aligned((uint64_t)ev->result))
		return 0;
	return e->d.kind != RECORD_PLACED || mm_page_aligned(e->d.addr);
}

/* old_mmap's block; kept for any call that has something in it, so that a
 * round trip gives back exactly what was recorded. */
static int has_ind_args(const struct trapped_syscall *row, const struct syscall_event *ev)
{
	if (ev->ind_fault)
		return 1;
	for (int i = 0; i < 6; i++)
		if (ev->ind_args[i])
			return 1;
	return row && row->family == FAMILY_OLD_MMAP;
}

void encode_event(struct bytebuf *b, struct payload_state *st, uint64_t time_ns,
		  const struct rec_event *e, const struct mapping *const *maps, size_t count)
{
	const struct syscall_event *ev = &e->ev;
	const struct trapped_syscall *row = arch_lookup(ev->arch, ev->nr);
	int pages = addresses_page_aligned(row, e);
	unsigned flags = e->d.kind & EV_DECISION_MASK, mask = 0;
	uint64_t *regs;

	if (e->frames && e->nframes > 0)
		flags |= EV_STACK;
	if (e->has_window)
		flags |= EV_WINDOW;
	if (ev->tid != st->tid)
		flags |= EV2_TID;
	if (ev->nr != st->nr)
		flags |= EV_NR;
	regs = regs_slot(st, ev->arch, ev->nr);
	if (ev->ip != regs[6])
		flags |= EV_IP;
	if (!pages)
		flags |= EV_BYTE_ADDR;
	if (ev->arch != st->arch)
		flags |= EV_ARCH;
	if (!ev->has_result)
		flags |= EV_PENDING;
	if (has_ind_args(row, ev))
		flags |= EV_OLD_MMAP;
	if (ev->ind_fault)
		flags |= EV_IND_FAULT;
	if (ev->has_result && syscall_result_is_error(ev->result))
		flags |= EV_ERROR;
	if (e->d.seq != st->seq + 1)
		flags |= EV_SEQ;
	/* memtrace's choice is what the call returned, unless the kernel moved it */
	if (e->d.kind == RECORD_PLACED &&
	    !(result_is_address(row, ev) && e->d.addr == (uint64_t)ev->result))
		flags |= EV2_PLACED_AT;

	put_uvarint(b, flags);
	if (flags & EV2_TID)
		put_uvarint(b, (uint64_t)ev->tid);
	if (flags & EV_ARCH)
		put_u8(b, (uint8_t)arch_to_file(ev->arch));
	if (flags & EV_SEQ)
		put_svarint(b, (int64_t)(e->d.seq - st->seq));
	put_time_delta(b, st, time_ns);
	/* programs make the same call several times in a row */
	if (flags & EV_NR)
		put_uvarint(b, ev->nr);
	st->nr = ev->nr;
	if (flags & EV_IP)
		put_svarint(b, (int64_t)(ev->ip - regs[6]));
	regs[6] = ev->ip;
	st->tid = ev->tid;
	st->arch = ev->arch;
	st->seq = e->d.seq;
	st->ip = ev->ip;

	/* Addresses are given unless NULL; other arguments unless the same as
	 * the last time: a call tends to pass the same flags, fd and protection. */
	for (int i = 0; i < 6; i++) {
		uint64_t v = recorded_arg(row, ev, i);

		mask |= (arg_is_address(row, i) ? v != 0 : v != regs[i]) << i;
	}
	put_uvarint(b, mask);
	for (int i = 0; i < 6; i++) {
		uint64_t v = recorded_arg(row, ev, i);

		if (!(mask & (1u << i)))
			continue;
		if (arg_is_address(row, i))
			put_address(b, st, v, pages);
		else if (arg_is_size(row, i))
			put_size(b, v, ev->arch);
		else if (arg_is_c_int(row, i))
			put_c_int(b, v, ev->arch);
		else if (arg_is_unused(row, i))
			put_svarint(b, (int64_t)(v - regs[i]));
		else
			put_word(b, v, ev->arch);
	}
	for (int i = 0; i < 6; i++)
		regs[i] = recorded_arg(row, ev, i);
	if (flags & EV_OLD_MMAP) {
		mask = 0;
		for (int i = 0; i < 6; i++)
			mask |= (ev->ind_args[i] ? 1u : 0) << i;
		put_uvarint(b, mask);
		for (int i = 0; i < 6; i++) {
			if (!(mask & (1u << i)))
				continue;
			if (i == 0)
				put_address(b, st, ev->ind_args[0], pages);
			else
				put_svarint(b, (int32_t)ev->ind_args[i]);
		}
	}
	if (flags & EV_ERROR)
		put_uvarint(b, (uint64_t)-ev->result);
	else if (ev->has_result && result_is_address(row, ev))
		put_address(b, st, (uint64_t)ev->result, pages);
	else if (ev->has_result)
		put_svarint(b, ev->result);
	if (flags & EV2_PLACED_AT)
		put_address(b, st, e->d.addr, pages);
	else if (e->d.kind == RECORD_REFUSED)
		put_uvarint(b, (uint64_t)e->d.err);
	if (flags & EV_STACK)
		put_stack_ref(b, &st->defs, st->index, e->frames,
			      e->nframes < RECORD_MAX_FRAMES ? e->nframes : RECORD_MAX_FRAMES);
	if (flags & EV_WINDOW) {
		/* A new or changed mapping fills the window it was widened to. */
		int one = !e->whole && count == 1 && maps[0]->start == e->lo &&
			  maps[0]->end == e->hi;
		uint64_t lo, hi;
		int call = !e->whole && call_range(row, ev, &lo, &hi) && lo == e->lo && hi == e->hi;

		put_uvarint(b, e->whole ? WINDOW_WHOLE
				: (one ? WINDOW_ONE : 0) | (call ? WINDOW_CALL : 0));
		if (!e->whole && !call) {
			put_address(b, st, e->lo, 1);
			put_uvarint(b, (e->hi - e->lo) >> PAGE_SHIFT);
		}
		if (one)
			put_mapping_alone(b, st, maps[0]);
		else
			put_mapping_list(b, st, maps, count, e->whole ? 0 : e->lo);
	}
}

static int decode_window(struct cursor *c, struct payload_state *st, struct rec_event *e,
			 const char **why)
{
	uint64_t wflags = get_uvarint(c), pages;

	e->has_window = 1;
	e->whole = (wflags & WINDOW_WHOLE) != 0;
	if (wflags & (WINDOW_ONE | WINDOW_CALL) && (e->whole || st->major < 2))
		return payload_fail(why, "an event has a bad window");
	e->lo = 0;
	e->hi = UINT64_MAX;
	if (wflags & WINDOW_CALL) {
		if (!call_range(e->ev.row, &e->ev, &e->lo, &e->hi))
			return payload_fail(why, "an event takes its window from a call without one");
	} else if (!e->whole) {
		e->lo = get_address(c, st, 1);
		pages = get_uvarint(c);
		if (pages == 0 || pages > (UINT64_MAX - e->lo) >> PAGE_SHIFT)
			return payload_fail(why, "an event has a bad window");
		e->hi = e->lo + (pages << PAGE_SHIFT);
	}
	if (c->bad)
		return payload_fail(why, "an event's window is cut short");
	if (wflags & WINDOW_ONE)
		return get_mapping_alone(c, st, e->mappings, e->lo, e->hi, why);
	return get_mapping_list(c, st, e->mappings, e->lo, e->whole ? 0 : e->hi, why);
}

int decode_event(struct cursor *c, struct payload_state *st, uint64_t *time_ns,
		 struct rec_event *e, const char **why)
{
	struct syscall_event *ev = &e->ev;
	const struct trapped_syscall *row;
	uint64_t flags = get_uvarint(c), mask, *regs;
	int pages = !(flags & EV_BYTE_ADDR);

	memset(ev, 0, sizeof(*ev));
	e->has_window = e->whole = 0;
	e->lo = e->hi = 0;
	e->mappings->count = 0;
	if (flags & (st->major < 2 ? EV_TID : EV2_TID)) {
		if (get_tid(c, &st->tid) < 0)
			return payload_fail(why, "a bad tid");
	}
	if (flags & EV_ARCH) {
		if (arch_from_file(get_u8(c), &st->arch) < 0)
			return payload_fail(why, "an unknown arch");
	}
	/* Version 1 always gives the delta; version 2 when it is not 1. */
	st->seq += st->major < 2 || (flags & EV_SEQ) ? (uint64_t)get_svarint(c) : 1;
	*time_ns = get_time_delta(c, st);
	if (st->major < 2 || (flags & EV_NR))
		st->nr = get_uvarint(c);
	ev->nr = st->nr;
	regs = regs_slot(st, st->arch, ev->nr);
	/* Version 1 gives the ip against the last event's, version 2 against
	 * the last time of the same call. */
	if (st->major >= 2)
		st->ip = regs[6];
	if (flags & EV_IP)
		st->ip += (uint64_t)get_svarint(c);
	regs[6] = st->ip;
	ev->tid = st->tid;
	ev->arch = st->arch;
	ev->ip = st->ip;
	ev->row = row = arch_lookup(ev->arch, ev->nr);

	mask = get_uvarint(c);
	for (int i = 0; i < 6; i++) {
		/* Version 1 leaves out what is 0, version 2 addresses that are 0
		 * and other arguments that the call's slot holds. */
		if (!(mask & (1u << i))) {
			ev->args[i] = st->major < 2 || arg_is_address(row, i) ? 0 : regs[i];
			continue;
		}
		if (arg_is_address(row, i))
			ev->args[i] = get_address(c, st, pages) & arch_infos[ev->arch].word_mask;
		else if (st->major >= 2 && arg_is_size(row, i))
			ev->args[i] = get_size(c, ev->arch);
		else if (st->major >= 2 && arg_is_c_int(row, i))
			ev->args[i] = get_c_int(c, ev->arch);
		else if (st->major >= 2 && arg_is_unused(row, i))
			ev->args[i] = (regs[i] + (uint64_t)get_svarint(c)) &
				      arch_infos[ev->arch].word_mask;
		else
			ev->args[i] = get_word(c, ev->arch);
	}
	for (int i = 0; i < 6; i++)
		regs[i] = ev->args[i];
	if (flags & EV_OLD_MMAP) {
		mask = get_uvarint(c);
		for (int i = 0; i < 6; i++) {
			if (!(mask & (1u << i)))
				continue;
			ev->ind_args[i] = i == 0 ? (uint32_t)get_address(c, st, pages)
						 : (uint32_t)get_svarint(c);
		}
	}
	ev->ind_fault = (flags & EV_IND_FAULT) != 0;
	ev->has_result = !(flags & EV_PENDING);
	if (ev->has_result && (flags & EV_ERROR)) {
		uint64_t err = get_uvarint(c);

		if (err == 0 || err > 4095)
			return payload_fail(why, "an event has a bad errno");
		ev->result = -(int64_t)err;
	} else if (ev->has_result) {
		ev->result = row && row->ret == RET_ADDR ? (int64_t)get_address(c, st, pages)
							 : get_svarint(c);
	}
	e->d.seq = st->seq;
	e->d.kind = flags & EV_DECISION_MASK;
	e->d.addr = 0;
	e->d.err = 0;
	if (e->d.kind == RECORD_PLACED && (st->major < 2 || (flags & EV2_PLACED_AT))) {
		e->d.addr = get_address(c, st, pages);
	} else if (e->d.kind == RECORD_PLACED) {
		if (!result_is_address(row, ev))
			return payload_fail(why, "a placed event without the address placed");
		e->d.addr = (uint64_t)ev->result;
	} else if (e->d.kind == RECORD_REFUSED) {
		uint64_t err = get_uvarint(c);

		if (err > 4095)
			return payload_fail(why, "an event has a bad errno");
		e->d.err = (int)err;
	}
	e->stack_id = 0;
	if (c->bad)
		return payload_fail(why, "an event is cut short");
	if (flags & EV_STACK) {
		int err = get_stack_ref(c, st->major, &st->defs, &e->stack_id, why);

		if (err)
			return err;
	}
	if (flags & EV_WINDOW)
		return decode_window(c, st, e, why);
	return 0;
}

