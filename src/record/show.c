/* Text forms of recorded things (see show.h). */
#include "record/show.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "printer.h"

void show_call(struct strbuf *sb, const struct syscall_event *ev)
{
	if (ev->row) {
		format_event(sb, ev);
		return;
	}
	/* Not in this memtrace's table (a newer one wrote it): raw words. */
	sb_printf(sb, "syscall_%llu(", (unsigned long long)ev->nr);
	for (int i = 0; i < 6; i++)
		sb_printf(sb, "%s%#llx", i ? ", " : "", (unsigned long long)ev->args[i]);
	if (!ev->has_result)
		sb_printf(sb, ") = ?");
	else if (syscall_result_is_error(ev->result))
		sb_printf(sb, ") = -1 %s", strerrorname_np((int)-ev->result) ?: "E?");
	else
		sb_printf(sb, ") = %#llx", (unsigned long long)ev->result);
}

void show_frame(struct strbuf *sb, const struct record_reader *rd, const struct rec_frame *f)
{
	const char *module = record_reader_string(rd, f->module_id);
	const char *symbol = record_reader_string(rd, f->symbol_id);

	if (!module) {
		sb_printf(sb, "%s%s%#llx", symbol ? symbol : "", symbol ? " " : "",
			  (unsigned long long)f->module_offset);
		return;
	}
	if (symbol)
		sb_printf(sb, "%s+%#llx", symbol, (unsigned long long)f->symbol_offset);
	else
		sb_printf(sb, "??");
	sb_printf(sb, " (%s+%#llx)", module, (unsigned long long)f->module_offset);
}

void show_stack(FILE *out, const struct record_reader *rd, uint32_t stack_id,
		const char *indent)
{
	const struct rec_stack *s = record_reader_stack(rd, stack_id);

	for (uint32_t i = 0; s && i < s->nframes; i++) {
		char line[1024];
		struct strbuf sb;

		sb_init(&sb, line, sizeof(line));
		show_frame(&sb, rd, &s->frames[i]);
		fprintf(out, "%s#%u %s\n", indent, i, line);
	}
}

void show_wait_status(struct strbuf *sb, int status)
{
	if (status == -1)
		sb_printf(sb, "gone (status unknown)");
	else if (WIFEXITED(status))
		sb_printf(sb, "exited with %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		sb_printf(sb, "killed by %s%s", sigabbrev_np(WTERMSIG(status)) ? "SIG" : "signal ",
			  sigabbrev_np(WTERMSIG(status)) ?: "?");
	else
		sb_printf(sb, "ended with status %#x", (unsigned)status);
	if (status != -1 && WIFSIGNALED(status) && WCOREDUMP(status))
		sb_printf(sb, " (core dumped)");
}

void show_bytes(struct strbuf *sb, uint64_t bytes)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = (double)bytes;
	int u = -1;

	if (bytes < 1024) {
		sb_printf(sb, "%llu B", (unsigned long long)bytes);
		return;
	}
	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	sb_printf(sb, "%.1f %s", v, units[u]);
}

const char *task_kind_name(enum record_task_kind kind)
{
	switch (kind) {
	case RECORD_TASK_FORK:
		return "fork";
	case RECORD_TASK_VFORK:
		return "vfork";
	case RECORD_TASK_CLONE:
		return "clone";
	}
	return "?";
}

const char *decision_name(enum record_decision_kind kind)
{
	switch (kind) {
	case RECORD_PASSED:
		return "passed";
	case RECORD_PLACED:
		return "placed";
	case RECORD_REFUSED:
		return "refused";
	case RECORD_RESYNCED:
		return "resynced";
	}
	return "?";
}

const char *arch_name(enum arch arch)
{
	return arch < ARCH_COUNT ? arch_infos[arch].name : "?";
}
