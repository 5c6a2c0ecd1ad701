/*
 * memtrace maps: a task's address space after a given event, rebuilt from
 * the recording alone and printed as /proc/PID/maps shows it.  A task that
 * has ended shows the address space it ended with.
 */
#include <inttypes.h>

#include "diag.h"
#include "mm/maps_format.h"
#include "record/commands.h"
#include "record/format.h"
#include "record/rebuild.h"

int record_maps(const char *path, const struct maps_options *o, FILE *out)
{
	struct record_reader *rd = command_open(path);
	const struct address_space *as;
	const char *why = NULL;
	uint64_t offset = 0, first_seq = 0, last_seq = 0;
	pid_t pid = o->pid, first_exec = 0;
	struct rebuild rb;
	struct record_item it;
	int found = 0, status;

	if (!rd)
		return 2;
	rebuild_init(&rb);
	rb.keep_exited = 1;
	while (!found && record_reader_next(rd, &it)) {
		offset = it.offset;
		if (rebuild_apply(&rb, &it) < 0) {
			why = rb.why;
			break;
		}
		if (it.kind == RECORD_KIND_EXEC && !first_exec)
			first_exec = it.exec.tid;
		if (it.kind != RECORD_KIND_EVENT)
			continue;
		if (!first_seq)
			first_seq = it.event.d.seq;
		last_seq = it.event.d.seq;
		if (!o->at_end && it.event.d.seq == o->at) {
			found = 1;
			if (!pid)
				pid = it.event.ev.tid;
		}
	}
	status = command_finish(rd, o->strict, why, offset);
	if (status)
		goto out;
	if (o->at_end) {
		found = 1;
		if (!pid)
			pid = first_exec;
	}
	if (!found) {
		error_msg("%s: no event %" PRIu64 " (its events run from %" PRIu64 " to %" PRIu64 ")",
			  path, o->at, first_seq, last_seq);
		status = 1;
		goto out;
	}
	as = rebuild_space_of(&rb, pid);
	if (!as) {
		error_msg("%s: no address space is known for pid %d at that point (no exec or "
			  "fork of it recorded before)", path, (int)pid);
		status = 1;
		goto out;
	}
	if (as_format_maps(as, out) < 0 || fflush(out) == EOF) {
		error_msg("cannot write the maps of %s", path);
		status = 2;
	}
out:
	rebuild_free(&rb);
	record_reader_close(rd);
	return status;
}
