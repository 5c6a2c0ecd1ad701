/*
 * memtrace report: what a recording adds up to (see stats.h for the
 * figures, rebuild.h for how peaks and bytes are counted).
 */
#include <inttypes.h>
#include <string.h>

#include "diag.h"
#include "record/commands.h"
#include "record/json.h"
#include "record/show.h"
#include "record/stats.h"

#define TOP_SITES 10

static const char *errno_name(int err)
{
	return strerrorname_np(err) ?: "E?";
}

static void text_bytes(FILE *out, const char *label, uint64_t bytes)
{
	char human[32];
	struct strbuf sb;

	sb_init(&sb, human, sizeof(human));
	show_bytes(&sb, bytes);
	fprintf(out, "%-16s %14" PRIu64 "  (%s)\n", label, bytes, human);
}

static void text_sites(FILE *out, const struct record_stats *s, int by_bytes)
{
	size_t idx[TOP_SITES], n = stats_top_sites(s, by_bytes, idx, TOP_SITES);

	fprintf(out, "\ntop call sites by %s:\n", by_bytes ? "bytes mapped" : "calls");
	if (!n) {
		fprintf(out, "  (none)\n");
		return;
	}
	fprintf(out, "  %12s %10s  site\n", "bytes", "calls");
	for (size_t i = 0; i < n; i++) {
		const struct site_tally *t = &s->sites[idx[i]];
		char human[32];
		struct strbuf sb;

		sb_init(&sb, human, sizeof(human));
		show_bytes(&sb, t->bytes);
		fprintf(out, "  %12s %10" PRIu64 "  %s\n", human, t->calls, t->name);
	}
}

static void text_report(FILE *out, const struct record_reader *rd, const struct record_stats *s)
{
	const struct rec_header *h = record_reader_header(rd);

	fprintf(out, "memtrace report: %s\ncommand:", record_reader_path(rd));
	for (int i = 0; i < h->argc; i++)
		fprintf(out, " %s", h->argv[i]);
	fprintf(out, "\nrecorded by memtrace %s on %s %s %s\n", h->version, h->sysname, h->release,
		h->machine);
	fprintf(out, "events: %" PRIu64 " (%" PRIu64 " failed), %" PRIu64 " execs, %" PRIu64
		" tasks started, over %.6f s\n\n", s->events, s->errors, s->execs, s->tasks,
		(double)s->duration_ns / 1e9);

	fprintf(out, "  %10s %10s  syscall\n", "calls", "errors");
	for (size_t i = 0; i < s->nsyscalls; i++) {
		const struct syscall_tally *t = &s->syscalls[i];

		fprintf(out, "  %10" PRIu64 " %10" PRIu64 "  %s", t->calls, t->errors, t->name);
		for (size_t j = 0; j < t->nerrnos; j++)
			fprintf(out, "%s%s %" PRIu64, j ? ", " : ": ", errno_name(t->errnos[j].err),
				t->errnos[j].count);
		putc('\n', out);
	}
	putc('\n', out);
	text_bytes(out, "bytes mapped", s->bytes_mapped);
	text_bytes(out, "bytes unmapped", s->bytes_unmapped);
	text_bytes(out, "peak mapped", s->peak.mapped);
	for (int k = 0; k < MAPPING_KIND_COUNT; k++) {
		char label[32];

		if (!s->peak.by_kind[k])
			continue;
		snprintf(label, sizeof(label), "  peak %s", mapping_kind_name(k));
		text_bytes(out, label, s->peak.by_kind[k]);
	}
	text_bytes(out, "peak locked", s->peak.locked);
	text_sites(out, s, 1);
	text_sites(out, s, 0);
}

static void json_sites(FILE *out, const struct record_stats *s, int by_bytes)
{
	size_t idx[TOP_SITES], n = stats_top_sites(s, by_bytes, idx, TOP_SITES);

	fprintf(out, ",\"top_sites_by_%s\":[", by_bytes ? "bytes" : "calls");
	for (size_t i = 0; i < n; i++) {
		const struct site_tally *t = &s->sites[idx[i]];

		fprintf(out, "%s{\"site\":", i ? "," : "");
		json_string(out, t->name);
		fprintf(out, ",\"calls\":%" PRIu64 ",\"bytes\":%" PRIu64 "}", t->calls, t->bytes);
	}
	putc(']', out);
}

static void json_report(FILE *out, const struct record_reader *rd, const struct record_stats *s,
			int complete)
{
	const struct rec_header *h = record_reader_header(rd);

	fprintf(out, "{\"file\":");
	json_string(out, record_reader_path(rd));
	fprintf(out, ",\"complete\":%s,\"argv\":[", complete ? "true" : "false");
	for (int i = 0; i < h->argc; i++) {
		if (i)
			putc(',', out);
		json_string(out, h->argv[i]);
	}
	fprintf(out, "],\"events\":%" PRIu64 ",\"errors\":%" PRIu64 ",\"execs\":%" PRIu64
		",\"tasks\":%" PRIu64 ",\"duration_ns\":%" PRIu64 ",\"syscalls\":[",
		s->events, s->errors, s->execs, s->tasks, s->duration_ns);
	for (size_t i = 0; i < s->nsyscalls; i++) {
		const struct syscall_tally *t = &s->syscalls[i];

		fprintf(out, "%s{\"name\":", i ? "," : "");
		json_string(out, t->name);
		fprintf(out, ",\"calls\":%" PRIu64 ",\"errors\":%" PRIu64 ",\"errnos\":{", t->calls,
			t->errors);
		for (size_t j = 0; j < t->nerrnos; j++)
			fprintf(out, "%s\"%s\":%" PRIu64, j ? "," : "", errno_name(t->errnos[j].err),
				t->errnos[j].count);
		fputs("}}", out);
	}
	fprintf(out, "],\"bytes_mapped\":%" PRIu64 ",\"bytes_unmapped\":%" PRIu64
		",\"peak_mapped\":%" PRIu64 ",\"peak_locked\":%" PRIu64 ",\"peak_by_kind\":{",
		s->bytes_mapped, s->bytes_unmapped, s->peak.mapped, s->peak.locked);
	for (int k = 0; k < MAPPING_KIND_COUNT; k++)
		fprintf(out, "%s\"%s\":%" PRIu64, k ? "," : "", mapping_kind_name(k),
			s->peak.by_kind[k]);
	putc('}', out);
	json_sites(out, s, 1);
	json_sites(out, s, 0);
	fputs("}\n", out);
}

int record_report(const char *path, const struct report_options *o, FILE *out)
{
	struct record_reader *rd = command_open(path);
	const char *why = NULL;
	uint64_t offset = 0;
	struct record_stats s;
	struct rebuild rb;
	struct record_item it;
	int status;

	if (!rd)
		return 2;
	rebuild_init(&rb);
	stats_init(&s);
	while (record_reader_next(rd, &it)) {
		offset = it.offset;
		if (rebuild_apply(&rb, &it) < 0) {
			why = rb.why;
			break;
		}
		if (stats_add(&s, rd, &it, &rb) < 0) {
			why = "out of memory";
			break;
		}
	}
	stats_finish(&s, &rb);
	status = command_finish(rd, o->strict, why, offset);
	if (status == 0) {
		int complete = !why && record_reader_status(rd) == READER_COMPLETE;

		if (o->json)
			json_report(out, rd, &s, complete);
		else
			text_report(out, rd, &s);
		if (fflush(out) == EOF || ferror(out)) {
			error_msg("cannot write the report of %s", path);
			status = 2;
		}
	}
	stats_free(&s);
	rebuild_free(&rb);
	record_reader_close(rd);
	return status;
}
