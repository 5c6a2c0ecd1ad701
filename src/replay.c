/*
 * Replaying a recording. The recorded run's placements are imposed call by
 * call: the k-th call of the n-th task (tasks numbered by their first call,
 * as the comparison numbers them) gets the address its recorded twin was
 * given, when that range is free in the model. The new run is recorded to
 * a temporary file and compared with the old one by the same code as
 * `memtrace diff`: the first difference is shown with both call stacks.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "record/commands.h"
#include "record/intern.h"
#include "record/reader.h"
#include "replay.h"
#include "supervisor.h"

/* One task's recorded calls: the address memtrace gave each (0: none). */
struct task_calls {
	pid_t recorded_tid, live_tid;
	size_t count, cap, next;
	uint64_t *nr, *placed;
};

struct replay {
	struct task_calls *tasks;
	size_t ntasks, cap;
	/* recorded tid -> index + 1 in tasks: a recording may hold many tasks */
	struct intern_table recorded_tids;
	unsigned long imposed, missed;
};

static struct task_calls *live_task(struct replay *rp, pid_t tid)
{
	for (size_t i = 0; i < rp->ntasks; i++)
		if (rp->tasks[i].live_tid == tid)
			return &rp->tasks[i];
	return NULL;
}

static struct task_calls *add_task(struct replay *rp, pid_t recorded_tid)
{
	if (rp->ntasks == rp->cap) {
		size_t cap = rp->cap ? rp->cap * 2 : 8;
		struct task_calls *t = realloc(rp->tasks, cap * sizeof(*t));

		if (!t)
			return NULL;
		rp->tasks = t;
		rp->cap = cap;
	}
	memset(&rp->tasks[rp->ntasks], 0, sizeof(rp->tasks[0]));
	rp->tasks[rp->ntasks].recorded_tid = recorded_tid;
	return &rp->tasks[rp->ntasks++];
}

/* The recorded task tid, added at its first call; NULL when out of memory. */
static struct task_calls *recorded_task(struct replay *rp, pid_t tid)
{
	int added;
	uint32_t id = intern_id(&rp->recorded_tids, &tid, sizeof(tid), &added);

	if (!id)
		return NULL;
	return added ? add_task(rp, tid) : &rp->tasks[id - 1];
}

static int add_call(struct task_calls *t, uint64_t nr, uint64_t placed)
{
	if (t->count == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		uint64_t *n = realloc(t->nr, cap * sizeof(*n)), *p;

		if (!n)
			return -ENOMEM;
		t->nr = n;
		p = realloc(t->placed, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		t->placed = p;
		t->cap = cap;
	}
	t->nr[t->count] = nr;
	t->placed[t->count++] = placed;
	return 0;
}

/* Reads the recorded calls and the command line. Returns 0, or 2 (said). */
static int load(struct replay *rp, const char *path, char ***argv)
{
	struct record_reader *rd = command_open(path);
	const struct rec_header *h;
	struct record_item item;
	int status = 0;

	if (!rd)
		return 2;
	h = record_reader_header(rd);
	if (!h->argc) {
		error_msg("%s holds no command line to run", path);
		record_reader_close(rd);
		return 2;
	}
	*argv = calloc(h->argc + 1, sizeof(char *));
	for (int i = 0; *argv && i < h->argc; i++)
		if (!((*argv)[i] = strdup(h->argv[i])))
			status = 2;
	while (status == 0 && record_reader_next(rd, &item) == 1) {
		const struct rec_event *e = &item.event;
		struct task_calls *t;

		if (item.kind != RECORD_KIND_EVENT)
			continue;
		t = recorded_task(rp, e->ev.tid);
		if (!t || add_call(t, e->ev.nr, e->d.kind == RECORD_PLACED ? e->d.addr : 0) < 0) {
			error_msg("out of memory reading %s", path);
			status = 2;
		}
	}
	if (status == 0)
		status = command_finish(rd, 0, NULL, 0);
	record_reader_close(rd);
	if (!*argv) {
		error_msg("out of memory reading %s", path);
		status = 2;
	}
	return status;
}

/* The service's hook: where the recording placed this call (0: nowhere). */
static uint64_t recorded_address(void *ctx, const struct tracee *tr)
{
	struct replay *rp = ctx;
	struct task_calls *t = live_task(rp, tr->tid);

	if (!t) {
		/* a task's first call: it is the next task the recording saw first */
		for (size_t i = 0; i < rp->ntasks && !t; i++)
			if (!rp->tasks[i].live_tid)
				t = &rp->tasks[i];
		if (!t)
			return 0;
		t->live_tid = tr->tid;
	}
	if (t->next >= t->count || t->nr[t->next] != tr->call.nr) {
		t->next++;
		rp->missed++;
		return 0;
	}
	return t->placed[t->next++];
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: memtrace replay [--check=exact|shape|summary] [--tolerance=PCT]\n"
		   "                       [-o TRACE] [--verify] [--keep=FILE] RECORDING\n"
		   "                       [-- PROG [ARGS...]]\n");
}

int replay_main(int argc, char *argv[])
{
	static const struct option long_options[] = {
		{ "check", required_argument, NULL, 'c' },
		{ "tolerance", required_argument, NULL, 't' },
		{ "output", required_argument, NULL, 'o' },
		{ "verify", no_argument, NULL, 'v' },
		{ "keep", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct diff_options diff = { RECORD_CHECK_EXACT, 0, 0 };
	struct replay rp = { 0 };
	struct supervisor sv;
	const char *recording, *keep = NULL, *output = NULL;
	char new_run[] = "/tmp/memtrace-replay.XXXXXX", **recorded_argv = NULL, **run_argv;
	int opt, status, fd;
	char *end;

	memset(&sv, 0, sizeof(sv));
	optind = 0;
	while ((opt = getopt_long(argc, argv, "+o:h", long_options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			if (record_check_parse(optarg, &diff.check) < 0) {
				error_msg("--check: exact, shape or summary, not '%s'", optarg);
				return 2;
			}
			break;
		case 't':
			diff.tolerance_pct = strtod(optarg, &end);
			if (*end || diff.tolerance_pct < 0) {
				error_msg("--tolerance: a percentage, not '%s'", optarg);
				return 2;
			}
			break;
		case 'o':
			output = optarg;
			break;
		case 'v':
			sv.service.verify = 1;
			break;
		case 'k':
			keep = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	recording = argv[optind++];
	if (optind < argc && strcmp(argv[optind], "--") == 0)
		optind++;
	if (arch_tables_init() < 0) {
		error_msg("the syscall tables built in (seccomp/compiled.c) are corrupt");
		return 2;
	}
	status = load(&rp, recording, &recorded_argv);
	if (status)
		goto out;
	run_argv = optind < argc ? &argv[optind] : recorded_argv;

	/* The new run's recording: kept where asked, else a temporary file. */
	if (keep) {
		sv.record_path = keep;
	} else {
		fd = mkstemp(new_run);
		if (fd < 0) {
			errno_msg(errno, "cannot create a temporary file for the new run");
			status = 2;
			goto out;
		}
		close(fd);
		sv.record_path = new_run;
	}
	sv.printer.out = output ? fopen(output, "we") : fopen("/dev/null", "we");
	if (!sv.printer.out) {
		errno_msg(errno, "cannot open %s", output ? output : "/dev/null");
		status = 2;
		goto out;
	}
	sv.service.recorded_address = recorded_address;
	sv.service.replay_ctx = &rp;
	status = supervisor_run(&sv, run_argv);
	fclose(sv.printer.out);
	debug_msg("replay: %lu calls did not line up with the recording", rp.missed);
	if (status > 125 && !sv.program_started) {
		status = 2;	/* the program could not run: said already */
	} else {
		fflush(stderr);
		status = record_diff(recording, sv.record_path, &diff, stdout);
	}
out:
	/* The temporary file, once made (sv.record_path then names it). */
	if (!keep && sv.record_path)
		unlink(new_run);
	for (size_t i = 0; i < rp.ntasks; i++) {
		free(rp.tasks[i].nr);
		free(rp.tasks[i].placed);
	}
	free(rp.tasks);
	intern_free(&rp.recorded_tids);
	for (char **a = recorded_argv; a && *a; a++)
		free(*a);
	free(recorded_argv);
	return status;
}
