/*
 * memtrace dump: every record in order.
 *
 * Text: events as the live trace prints them ("[pid N] " once a second
 * task exists, as live), each followed by its stack indented; exec, fork
 * and exit as "---" and "+++" lines; the header and the end as "#" lines.
 * Strings and stacks show only inside the events that use them.
 *
 * --json: JSON Lines, one object per record with every field, strings
 * and stacks included.  Integers are exact decimals (an address may pass
 * 2^53: read them as 64-bit integers).
 */
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "diag.h"
#include "record/commands.h"
#include "record/format.h"
#include "record/json.h"
#include "record/show.h"

struct dump {
	FILE *out;
	struct record_reader *rd;
	int show_pid;
};

/* ---- text ---- */

static void text_header(struct dump *d, const struct rec_header *h)
{
	char when[64] = "?";
	time_t t = (time_t)h->start_sec;
	struct tm tm;
	int major, minor;

	if (gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	record_reader_format(d->rd, &major, &minor);
	fprintf(d->out, "# memtrace recording, format %d.%d, written by memtrace %s\n", major,
		minor, h->version);
	fprintf(d->out, "# command:");
	for (int i = 0; i < h->argc; i++)
		fprintf(d->out, " %s", h->argv[i]);
	fprintf(d->out, "\n# started %s on %s %s %s\n", when, h->sysname, h->release, h->machine);
	if (h->flags)
		fprintf(d->out, "# flags:%s%s\n", h->flags & RECORD_HEADER_STACKS ? " stacks" : "",
			h->flags & RECORD_HEADER_VERIFY ? " verify" : "");
}

static void text_event(struct dump *d, const struct rec_event *e)
{
	char line[1024];
	struct strbuf sb;

	sb_init(&sb, line, sizeof(line));
	if (d->show_pid)
		sb_printf(&sb, "[pid %d] ", (int)e->ev.tid);
	show_call(&sb, &e->ev);
	fprintf(d->out, "%s\n", line);
	show_stack(d->out, d->rd, e->stack_id, "    ");
}

static void text_item(struct dump *d, const struct record_item *it)
{
	char line[256];
	struct strbuf sb;

	switch (it->kind) {
	case RECORD_KIND_HEADER:
		text_header(d, it->header);
		break;
	case RECORD_KIND_STRING:
	case RECORD_KIND_STACK:
		break;
	case RECORD_KIND_EXEC:
		fprintf(d->out, "[pid %d] --- exec \"%s\" (%s): %zu mappings, brk %#" PRIx64 " ---\n",
			(int)it->exec.tid, record_reader_string(d->rd, it->exec.path_id) ?: "?",
			arch_name(it->exec.arch), it->exec.mappings->count, it->exec.brk_current);
		break;
	case RECORD_KIND_TASK:
		d->show_pid = 1;
		fprintf(d->out, "[pid %d] --- %s: child %d (%s) ---\n", (int)it->task.parent,
			task_kind_name(it->task.kind), (int)it->task.child,
			it->task.shares_vm ? "shares the address space"
					   : "a copy of the address space");
		break;
	case RECORD_KIND_EXIT:
		sb_init(&sb, line, sizeof(line));
		show_wait_status(&sb, it->exit.status);
		fprintf(d->out, "[pid %d] +++ %s +++\n", (int)it->exit.tid, line);
		break;
	case RECORD_KIND_EVENT:
		text_event(d, &it->event);
		break;
	case RECORD_KIND_END:
		fprintf(d->out, "# end: %" PRIu64 " events in %.6f s\n", it->end.events,
			(double)it->time_ns / 1e9);
		break;
	default:
		fprintf(d->out, "# a record of unknown kind %d (%zu bytes) at byte %" PRIu64
			", skipped\n", it->kind, it->unknown_len, it->offset);
		break;
	}
}

/* ---- JSON ---- */

static void json_frame(struct dump *d, const struct rec_frame *f)
{
	fprintf(d->out, "{\"module\":");
	json_string(d->out, record_reader_string(d->rd, f->module_id));
	fprintf(d->out, ",\"module_offset\":%" PRIu64 ",\"symbol\":", f->module_offset);
	json_string(d->out, record_reader_string(d->rd, f->symbol_id));
	fprintf(d->out, ",\"symbol_offset\":%" PRIu64 "}", f->symbol_offset);
}

static void json_frames(struct dump *d, const struct rec_stack *s)
{
	putc('[', d->out);
	for (uint32_t i = 0; s && i < s->nframes; i++) {
		if (i)
			putc(',', d->out);
		json_frame(d, &s->frames[i]);
	}
	putc(']', d->out);
}

static void json_mappings(struct dump *d, const struct rec_mappings *list)
{
	putc('[', d->out);
	for (size_t i = 0; i < list->count; i++) {
		const struct mapping *m = &list->maps[i];

		fprintf(d->out,
			"%s{\"start\":%" PRIu64 ",\"end\":%" PRIu64 ",\"perms\":\"%c%c%c%c\","
			"\"prot\":%u,\"max_prot\":%u,\"flags\":%u,\"kind\":\"%s\",\"offset\":%" PRIu64
			",\"advice\":%u,\"path\":",
			i ? "," : "", m->start, m->end, m->prot & PROT_READ ? 'r' : '-',
			m->prot & PROT_WRITE ? 'w' : '-', m->prot & PROT_EXEC ? 'x' : '-',
			m->flags & MAPPING_SHARED ? 's' : 'p', m->prot, m->max_prot, m->flags,
			mapping_kind_name(m->kind), m->offset, m->advice);
		json_string(d->out, mapping_path_name(m));
		fprintf(d->out, ",\"dev\":\"%02x:%02x\",\"inode\":%" PRIu64 ",\"file_id\":%" PRIu64,
			m->backing.dev_major, m->backing.dev_minor, m->backing.inode,
			m->backing.file_id);
		if (m->policy.mode || m->policy.flags || m->policy.nodemask)
			fprintf(d->out, ",\"policy\":{\"mode\":%u,\"flags\":%u,\"nodemask\":%" PRIu64 "}",
				m->policy.mode, m->policy.flags, m->policy.nodemask);
		putc('}', d->out);
	}
	putc(']', d->out);
}

static void json_header(struct dump *d, const struct rec_header *h)
{
	int major, minor;

	record_reader_format(d->rd, &major, &minor);
	fprintf(d->out, ",\"format\":\"%d.%d\",\"memtrace_version\":", major, minor);
	json_string(d->out, h->version);
	fprintf(d->out, ",\"flags\":%u,\"stacks\":%s,\"verify\":%s,\"argv\":[", h->flags,
		h->flags & RECORD_HEADER_STACKS ? "true" : "false",
		h->flags & RECORD_HEADER_VERIFY ? "true" : "false");
	for (int i = 0; i < h->argc; i++) {
		if (i)
			putc(',', d->out);
		json_string(d->out, h->argv[i]);
	}
	fprintf(d->out, "],\"start_sec\":%" PRIu64 ",\"start_nsec\":%u,\"uname\":{\"sysname\":",
		h->start_sec, h->start_nsec);
	json_string(d->out, h->sysname);
	fprintf(d->out, ",\"release\":");
	json_string(d->out, h->release);
	fprintf(d->out, ",\"version\":");
	json_string(d->out, h->kversion);
	fprintf(d->out, ",\"machine\":");
	json_string(d->out, h->machine);
	putc('}', d->out);
}

static void json_args(FILE *out, const char *name, const uint64_t *args, const uint32_t *ind)
{
	fprintf(out, ",\"%s\":[", name);
	for (int i = 0; i < 6; i++)
		fprintf(out, "%s%" PRIu64, i ? "," : "", args ? args[i] : (uint64_t)ind[i]);
	putc(']', out);
}

static void json_event(struct dump *d, const struct rec_event *e)
{
	const struct syscall_event *ev = &e->ev;
	char line[1024];
	struct strbuf sb;

	fprintf(d->out, ",\"seq\":%" PRIu64 ",\"tid\":%d,\"arch\":\"%s\",\"nr\":%" PRIu64
		",\"name\":", e->d.seq, (int)ev->tid, arch_name(ev->arch), ev->nr);
	json_string(d->out, ev->row ? ev->row->name : NULL);
	json_args(d->out, "args", ev->args, NULL);
	if (ev->row && ev->row->family == FAMILY_OLD_MMAP) {
		json_args(d->out, "old_mmap_args", NULL, ev->ind_args);
		fprintf(d->out, ",\"old_mmap_fault\":%s", ev->ind_fault ? "true" : "false");
	}
	fprintf(d->out, ",\"ip\":%" PRIu64, ev->ip);
	if (!ev->has_result)
		fprintf(d->out, ",\"result\":null");
	else
		fprintf(d->out, ",\"result\":%" PRId64, ev->result);
	if (ev->has_result && syscall_result_is_error(ev->result)) {
		fprintf(d->out, ",\"error\":");
		json_string(d->out, strerrorname_np((int)-ev->result));
	}
	fprintf(d->out, ",\"decision\":\"%s\"", decision_name(e->d.kind));
	if (e->d.kind == RECORD_PLACED)
		fprintf(d->out, ",\"placed_at\":%" PRIu64, e->d.addr);
	if (e->d.kind == RECORD_REFUSED) {
		fprintf(d->out, ",\"refused_with\":");
		json_string(d->out, strerrorname_np(e->d.err));
	}
	fprintf(d->out, ",\"stack_id\":%u,\"stack\":", e->stack_id);
	json_frames(d, record_reader_stack(d->rd, e->stack_id));
	if (e->has_window) {
		fprintf(d->out, ",\"window\":{\"whole\":%s,\"lo\":%" PRIu64 ",\"hi\":%" PRIu64
			"},\"mappings\":", e->whole ? "true" : "false", e->lo, e->hi);
		json_mappings(d, e->mappings);
	}
	sb_init(&sb, line, sizeof(line));
	show_call(&sb, ev);
	fprintf(d->out, ",\"text\":");
	json_string(d->out, line);
}

static void json_item(struct dump *d, const struct record_item *it)
{
	static const char *const types[] = {
		[RECORD_KIND_HEADER] = "header", [RECORD_KIND_STRING] = "string",
		[RECORD_KIND_STACK] = "stack",	 [RECORD_KIND_EXEC] = "exec",
		[RECORD_KIND_TASK] = "task",	 [RECORD_KIND_EXIT] = "exit",
		[RECORD_KIND_EVENT] = "event",	 [RECORD_KIND_END] = "end",
	};
	int known = it->kind >= RECORD_KIND_HEADER && it->kind <= RECORD_KIND_END;

	fprintf(d->out, "{\"type\":\"%s\",\"offset\":%" PRIu64, known ? types[it->kind] : "unknown",
		it->offset);
	if (it->kind >= RECORD_KIND_EXEC && it->kind <= RECORD_KIND_END)
		fprintf(d->out, ",\"time_ns\":%" PRIu64, it->time_ns);
	switch (it->kind) {
	case RECORD_KIND_HEADER:
		json_header(d, it->header);
		break;
	case RECORD_KIND_STRING:
		fprintf(d->out, ",\"id\":%u,\"value\":", it->string.id);
		json_string(d->out, it->string.value);
		break;
	case RECORD_KIND_STACK:
		fprintf(d->out, ",\"id\":%u,\"frames\":", it->stack->id);
		json_frames(d, it->stack);
		break;
	case RECORD_KIND_EXEC:
		fprintf(d->out, ",\"tid\":%d,\"arch\":\"%s\",\"path\":", (int)it->exec.tid,
			arch_name(it->exec.arch));
		json_string(d->out, record_reader_string(d->rd, it->exec.path_id));
		fprintf(d->out, ",\"task_size\":%" PRIu64 ",\"mmap_base\":%" PRIu64
			",\"brk_start\":%" PRIu64 ",\"brk\":%" PRIu64 ",\"mappings\":",
			it->exec.layout.task_size, it->exec.layout.mmap_base,
			it->exec.layout.brk_start, it->exec.brk_current);
		json_mappings(d, it->exec.mappings);
		break;
	case RECORD_KIND_TASK:
		fprintf(d->out, ",\"kind\":\"%s\",\"parent\":%d,\"child\":%d,\"shares_vm\":%s",
			task_kind_name(it->task.kind), (int)it->task.parent, (int)it->task.child,
			it->task.shares_vm ? "true" : "false");
		break;
	case RECORD_KIND_EXIT:
		fprintf(d->out, ",\"tid\":%d,\"status\":%d", (int)it->exit.tid, it->exit.status);
		break;
	case RECORD_KIND_EVENT:
		json_event(d, &it->event);
		break;
	case RECORD_KIND_END:
		fprintf(d->out, ",\"events\":%" PRIu64 ",\"records\":%" PRIu64, it->end.events,
			it->end.records);
		break;
	default:
		fprintf(d->out, ",\"kind\":%d,\"length\":%zu", it->kind, it->unknown_len);
		break;
	}
	fputs("}\n", d->out);
}

int record_dump(const char *path, const struct dump_options *o, FILE *out)
{
	struct dump d = { out, command_open(path), 0 };
	struct record_item it;
	int status;

	if (!d.rd)
		return 2;
	/* The header came with opening: it is the first item to show. */
	it.kind = RECORD_KIND_HEADER;
	it.offset = RECORD_PREAMBLE_LEN;
	it.time_ns = 0;
	it.header = record_reader_header(d.rd);
	do {
		if (o->json)
			json_item(&d, &it);
		else
			text_item(&d, &it);
	} while (record_reader_next(d.rd, &it));
	status = command_finish(d.rd, o->strict, NULL, 0);
	if (fflush(out) == EOF || ferror(out)) {
		error_msg("cannot write the dump of %s", path);
		status = 2;
	}
	record_reader_close(d.rd);
	return status;
}
