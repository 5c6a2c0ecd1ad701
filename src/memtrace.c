/* memtrace: the command line, then hand over to the supervisor. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "diag.h"
#include "record/commands.h"
#include "replay.h"
#include "stop_wait.h"
#include "supervisor.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: memtrace [OPTIONS] -- PROG [ARGS...]\n"
		"       memtrace replay [--check=MODE] RECORDING [-- PROG [ARGS...]]\n"
		"       memtrace dump|report|maps|diff RECORDING... (see memtrace-format(5))\n"
		"Run PROG (an x86_64 or i386 program) and trace its memory syscalls.\n"
		"\n"
		"  -o, --output=FILE   write the trace to FILE instead of standard error\n"
		"      --record=FILE   also record every call, with its call stack and what it\n"
		"                      changed, to FILE (read it with dump, report, maps, diff,\n"
		"                      replay)\n"
		"  -f, --follow-forks  follow children and threads (always on: the filter is\n"
		"                      inherited, so every descendant must be traced)\n"
		"      --verify        after every call, compare memtrace's model of the\n"
		"                      address space with /proc/PID/maps; report differences\n"
		"      --stops=N       stops per call the kernel runs: 1 (its exit is read\n"
		"                      back from memtrace's stub page in the program) or 2\n"
		"                      (an exit stop each); the default is 1, or 2 with\n"
		"                      --verify\n"
		"      --poll=USEC     wait up to USEC microseconds for the program's next\n"
		"                      stop before sleeping, while its stops come that fast\n"
		"                      (default 0: none; 50 suits programs that make\n"
		"                      memory calls back to back)\n"
		"  -q, --quiet         do not print notices (randomization, signal deaths)\n"
		"  -d, --debug         print memtrace's own debugging messages\n"
		"  -h, --help          print this help and exit\n"
		"  -V, --version       print the version and exit\n"
		"\n"
		"Exit status: PROG's own; 128+N if PROG was killed by signal N; 127 if PROG\n"
		"was not found; 126 if it could not be executed; 1 on memtrace's own errors.\n"
		"See memtrace(1).\n");
}

int main(int argc, char *argv[])
{
	static const struct option long_options[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "follow-forks", no_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verify", no_argument, NULL, 'v' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "record", required_argument, NULL, 'r' },
		{ "stops", required_argument, NULL, 's' },
		{ "poll", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	struct supervisor sv;
	const char *output = NULL;
	int opt, stops = 0;
	uint64_t poll_ns = 0;

	/* Subcommands read recordings; they trace nothing. */
	if (argc > 1 && record_command_known(argv[1]))
		return record_command_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "replay") == 0)
		return replay_main(argc - 1, argv + 1);
	memset(&sv, 0, sizeof(sv));
	/* '+': options end at PROG, so PROG's own options are left alone. */
	while ((opt = getopt_long(argc, argv, "+o:fqdhV", long_options, NULL)) != -1) {
		switch (opt) {
		case 'o':
			output = optarg;
			break;
		case 'f':
			break;
		case 'r':
			sv.record_path = optarg;
			break;
		case 'q':
			diag.quiet = 1;
			break;
		case 'v':
			sv.service.verify = 1;
			break;
		case 's':
			if (strcmp(optarg, "1") && strcmp(optarg, "2")) {
				error_msg("--stops takes 1 or 2, not '%s'", optarg);
				return 2;
			}
			stops = optarg[0] - '0';
			break;
		case 'p': {
			char *end;
			unsigned long usec;

			errno = 0;
			usec = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-' || usec > 1000000) {
				error_msg("--poll takes microseconds from 0 to 1000000, not '%s'", optarg);
				return 2;
			}
			poll_ns = (uint64_t)usec * 1000;
			break;
		}
		case 'd':
			diag.debug = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("memtrace %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		error_msg("no program given");
		usage(stderr);
		return 2;
	}

	/*
	 * --verify checks after every call: by default it keeps the exit stop
	 * to check at. Asked for, one stop starts at the first call; by
	 * default only once a program has made enough calls to pay for the stub.
	 */
	if (stops)
		sv.service.one_stop = stops == 1 ? ONE_STOP_ALWAYS : ONE_STOP_NEVER;
	else
		sv.service.one_stop = sv.service.verify ? ONE_STOP_NEVER : ONE_STOP_WHERE_IT_PAYS;
	stop_wait_setup(poll_ns);
	sv.printer.out = stderr;
	if (output) {
		int fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);

		if (fd < 0 || !(sv.printer.out = fdopen(fd, "w"))) {
			errno_msg(errno, "cannot open the output file %s", output);
			return 1;
		}
	}
	int status = supervisor_run(&sv, &argv[optind]);
	if (output && fclose(sv.printer.out) == EOF && !sv.output_failed) {
		errno_msg(errno, "cannot write the output file %s", output);
		if (!status)
			status = 1;
	}
	return status;
}
