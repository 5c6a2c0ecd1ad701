/* Dispatch and option parsing for the offline subcommands (see commands.h). */
#include "record/commands.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "diag.h"
#include "record/reader.h"

struct record_reader *command_open(const char *path)
{
	struct record_reader *rd;
	char msg[512];

	if (record_reader_open(&rd, path, msg, sizeof(msg)) < 0) {
		error_msg("%s", msg);
		return NULL;
	}
	return rd;
}

int command_finish(struct record_reader *rd, int strict, const char *rebuild_why,
		   uint64_t item_offset)
{
	enum reader_status status = record_reader_status(rd);

	if (rebuild_why) {
		if (!strict && strcmp(rebuild_why, "out of memory")) {
			notice_msg("%s: byte %llu: %s; the output stops before this record",
				   record_reader_path(rd), (unsigned long long)item_offset,
				   rebuild_why);
			return 0;
		}
		error_msg("%s: byte %llu: %s", record_reader_path(rd),
			  (unsigned long long)item_offset, rebuild_why);
		return 2;
	}
	switch (status) {
	case READER_MORE:
	case READER_COMPLETE:
		return 0;
	case READER_FAILED:
		error_msg("%s", record_reader_message(rd));
		return 2;
	case READER_UNFINISHED:
	case READER_TRUNCATED:
	case READER_CORRUPT:
		if (strict) {
			error_msg("%s", record_reader_message(rd));
			return 2;
		}
		notice_msg("%s (the output stops at the last complete record; --strict makes "
			   "this an error)", record_reader_message(rd));
		return 0;
	}
	return 0;
}

static int usage(const char *cmd, int status)
{
	FILE *f = status ? stderr : stdout;

	if (strcmp(cmd, "dump") == 0)
		fprintf(f, "Usage: memtrace dump FILE [--json] [--strict]\n"
			   "Print every record of a recording, events as the live trace prints them.\n");
	else if (strcmp(cmd, "report") == 0)
		fprintf(f, "Usage: memtrace report FILE [--json] [--strict]\n"
			   "Sum up a recording: calls, errors, bytes, peaks, call sites.\n");
	else if (strcmp(cmd, "maps") == 0)
		fprintf(f, "Usage: memtrace maps FILE --at N|end [--pid TID] [--strict]\n"
			   "Print the address space after event N as /proc/PID/maps would.\n");
	else
		fprintf(f, "Usage: memtrace diff A B [--check=exact|shape|summary] "
			   "[--tolerance=PCT] [--strict]\n"
			   "Compare two recordings; exit 0 if they agree, 1 if not, 2 on errors.\n");
	fprintf(f, "See memtrace-format(5).\n");
	return status;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || end == s || *end || *s == '-' ? -EINVAL : 0;
}

#define OPT(letter) (1u << ((letter) - 'a'))

/* The options each subcommand takes. */
static unsigned options_of(const char *cmd)
{
	if (strcmp(cmd, "maps") == 0)
		return OPT('s') | OPT('a') | OPT('p');
	if (strcmp(cmd, "diff") == 0)
		return OPT('s') | OPT('c') | OPT('t');
	return OPT('j') | OPT('s');
}

int record_command_known(const char *name)
{
	return strcmp(name, "dump") == 0 || strcmp(name, "report") == 0 ||
	       strcmp(name, "maps") == 0 || strcmp(name, "diff") == 0;
}

int record_command_main(int argc, char *argv[])
{
	static const struct option long_options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "strict", no_argument, NULL, 's' },
		{ "at", required_argument, NULL, 'a' },
		{ "pid", required_argument, NULL, 'p' },
		{ "check", required_argument, NULL, 'c' },
		{ "tolerance", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = argv[0];
	int json = 0, strict = 0, have_at = 0, opt;
	unsigned seen = 0;	/* options given, by their letter's bit */
	struct maps_options maps = { 0 };
	struct diff_options diff = { RECORD_CHECK_EXACT, 0, 0 };
	uint64_t v;
	char *end;

	/* Events are decoded by the syscall table, as the tracer does. */
	if (arch_tables_init() < 0) {
		error_msg("libseccomp does not know a syscall memtrace traps: cannot decode events");
		return 2;
	}
	optind = 0;	/* a fresh scan: argv is not main's */
	while ((opt = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
		if (opt >= 'a' && opt <= 'z')
			seen |= 1u << (opt - 'a');
		switch (opt) {
		case 'j':
			json = 1;
			break;
		case 's':
			strict = 1;
			break;
		case 'a':
			have_at = 1;
			if (strcmp(optarg, "end") == 0) {
				maps.at_end = 1;
			} else if (parse_u64(optarg, &maps.at) < 0) {
				error_msg("--at wants an event number or \"end\", not \"%s\"", optarg);
				return 2;
			}
			break;
		case 'p':
			if (parse_u64(optarg, &v) < 0 || v == 0 || v > INT32_MAX) {
				error_msg("--pid wants a task id, not \"%s\"", optarg);
				return 2;
			}
			maps.pid = (pid_t)v;
			break;
		case 'c':
			if (record_check_parse(optarg, &diff.check) < 0) {
				error_msg("--check is exact, shape or summary, not \"%s\"", optarg);
				return 2;
			}
			break;
		case 't':
			diff.tolerance_pct = strtod(optarg, &end);
			if (end == optarg || *end || !(diff.tolerance_pct >= 0)) {
				error_msg("--tolerance wants a percentage, not \"%s\"", optarg);
				return 2;
			}
			break;
		case 'h':
			return usage(cmd, 0);
		default:
			return usage(cmd, 2);
		}
	}
	if (seen & ~options_of(cmd)) {
		error_msg("an option that %s does not take", cmd);
		return usage(cmd, 2);
	}
	argc -= optind;
	argv += optind;
	if (strcmp(cmd, "diff") == 0) {
		if (argc != 2)
			return usage(cmd, 2);
		diff.strict = strict;
		return record_diff(argv[0], argv[1], &diff, stdout);
	}
	if (argc != 1)
		return usage(cmd, 2);
	if (strcmp(cmd, "dump") == 0) {
		struct dump_options o = { json, strict };

		return record_dump(argv[0], &o, stdout);
	}
	if (strcmp(cmd, "report") == 0) {
		struct report_options o = { json, strict };

		return record_report(argv[0], &o, stdout);
	}
	if (!have_at) {
		error_msg("maps needs --at N (an event number) or --at end");
		return usage(cmd, 2);
	}
	maps.strict = strict;
	return record_maps(argv[0], &maps, stdout);
}
