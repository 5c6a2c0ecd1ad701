/*
 * The recording format's constants, shared by the writer and the reader.
 * man/memtrace-format.5 is the specification; keep the two in step.
 *
 *   file    = preamble record*
 *   preamble= magic[8] major[1] minor[1] reserved[2]
 *   record  = kind[1] length(uvarint) payload[length] crc32[4, little endian]
 *
 * The CRC covers kind, length and payload.  A reader stops at the first
 * record that is short or whose CRC does not match: everything before it is
 * intact, whatever happened to the writer.
 *
 * Version 2 defines strings and stacks inside the records that first refer
 * to them (defs.h); version 1 gave each its own STRING or STACK record.
 * Readers read both.
 */
#ifndef MEMTRACE_RECORD_FORMAT_H
#define MEMTRACE_RECORD_FORMAT_H

#include <stdint.h>

#define RECORD_MAGIC "\x89MEMTRC\n"
#define RECORD_MAGIC_LEN 8
#define RECORD_PREAMBLE_LEN 12

/* A reader refuses a newer major version; a newer minor only adds record
 * kinds (skipped) and fields at the end of payloads (ignored). */
#define RECORD_VERSION_MAJOR 2
#define RECORD_VERSION_MINOR 0
/* The oldest major version a reader still reads. */
#define RECORD_VERSION_OLDEST 1

/* The largest payload a writer produces (a snapshot of max_map_count
 * mappings fits with room to spare) and so the most a reader allocates. */
#define RECORD_MAX_PAYLOAD (64u << 20)
/* Frames kept per stack; deeper stacks are cut (innermost frames kept). */
#define RECORD_MAX_FRAMES 256

enum record_kind {
	RECORD_KIND_HEADER = 1,
	RECORD_KIND_STRING = 2,		/* version 1 only */
	RECORD_KIND_STACK = 3,		/* version 1 only */
	RECORD_KIND_EXEC = 4,
	RECORD_KIND_TASK = 5,
	RECORD_KIND_EXIT = 6,
	RECORD_KIND_EVENT = 7,
	RECORD_KIND_END = 8,
};

/* HEADER flags. */
#define RECORD_HEADER_STACKS 0x1u	/* call stacks were captured */
#define RECORD_HEADER_VERIFY 0x2u	/* --verify was on */

/* Architectures as the file numbers them (not enum arch's values). */
#define RECORD_ARCH_X86_64 0
#define RECORD_ARCH_I386 1

/*
 * EVENT flags, the payload's first field.  The common cases (same task and
 * arch as the event before, a result, page-aligned addresses, and in
 * version 2 the same call as the event before) leave the high bits clear so
 * the flags take one byte.
 */
#define EV_DECISION_MASK 0x3u	/* enum record_decision_kind */
#define EV_STACK	(1u << 2)	/* stack id follows */
#define EV_WINDOW	(1u << 3)	/* after-image follows */
#define EV_TID		(1u << 4)	/* version 1: tid follows; else the previous event's */
#define EV_NR		(1u << 4)	/* version 2: nr follows; else the previous event's */
#define EV_IP		(1u << 5)	/* ip delta follows; else the previous event's ip */
#define EV_BYTE_ADDR	(1u << 6)	/* address deltas in bytes; else in pages */
#define EV_ARCH		(1u << 7)	/* arch follows; else the previous event's */
#define EV_PENDING	(1u << 8)	/* no result (the call never returned) */
#define EV_OLD_MMAP	(1u << 9)	/* old_mmap's six indirect arguments follow */
#define EV_IND_FAULT	(1u << 10)	/* they could not be read */
#define EV_ERROR	(1u << 11)	/* the result is an error: its errno follows */
#define EV_SEQ		(1u << 12)	/* version 2: a seq delta follows; else seq + 1 */
#define EV2_TID		(1u << 13)	/* version 2: tid follows; else the previous event's */
#define EV2_PLACED_AT	(1u << 14)	/* version 2: a placed address follows; else the result */

/* Window flags. */
#define WINDOW_WHOLE 0x1u		/* the whole address space */
#define WINDOW_ONE 0x2u		/* version 2: one mapping, the window exactly */
#define WINDOW_CALL 0x4u	/* version 2: the window is the call's own range */

/*
 * Mapping flags ("mflags") of version 1, which readers also use for
 * version 2's once they have read them (fields.c): bits 0-3 hold the
 * mapping kind.
 */
#define MF_KIND_MASK	0xfu
#define MF_OFF_START	(1u << 4)	/* offset == start (fresh private anonymous memory) */
#define MF_OFFSET	(1u << 5)	/* offset follows */
#define MF_PATH		(1u << 6)	/* path string id follows */
#define MF_DEV		(1u << 7)	/* dev major, minor and inode follow */
#define MF_FILE_ID_INODE (1u << 8)	/* file_id == inode */
#define MF_FILE_ID	(1u << 9)	/* file_id follows */
#define MF_ADVICE	(1u << 10)	/* advice follows */
#define MF_POLICY	(1u << 11)	/* NUMA policy mode, flags, nodemask follow */
#define MF_DEV_SAME	(1u << 12)	/* dev and inode: the last ones coded */
#define MF_OFFSET_PAGES	(1u << 13)	/* the offset follows in pages */
#define MF_INODE	(1u << 14)	/* the last dev coded; the inode follows */

/*
 * Version 2's mapping flags, laid out so that the usual file mapping and
 * fresh anonymous memory take one byte: the offset is the start for
 * anonymous, heap and stack mappings and 0 for others unless an offset
 * follows, and file_id is the inode unless it follows.
 */
#define MF2_DEV_SAME	(1u << 4)	/* dev and inode: the last ones coded */
#define MF2_OFFSET	(1u << 5)	/* offset follows, in pages */
#define MF2_PATH	(1u << 6)	/* path string reference follows */
#define MF2_DEV		(1u << 7)	/* dev major, minor and inode follow */
#define MF2_FILE_ID	(1u << 8)	/* file_id follows */
#define MF2_ADVICE	(1u << 9)	/* advice follows */
#define MF2_POLICY	(1u << 10)	/* NUMA policy mode, flags, nodemask follow */
#define MF2_OFFSET_BYTES (1u << 11)	/* with MF2_OFFSET: in bytes */
#define MF2_INODE	(1u << 12)	/* the last device coded; the inode follows */

#endif
