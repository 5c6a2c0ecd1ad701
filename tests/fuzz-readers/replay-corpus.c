/*
 * replay-corpus [-t SECONDS] FILE|DIR...: runs each saved input (the
 * seed corpus, the crash reproducers) once through the readers' harness,
 * without libFuzzer, so any compiler builds it and make check catches a
 * regression.  An input that takes longer than SECONDS (default 10) is a
 * hang: exit 1.  A crash ends the process with its signal.  Each file is
 * named on stdout before it runs, so the log says which one did it; the
 * readers' messages and any sanitizer's report go to stderr.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_readers.h"

static unsigned timeout_s = 10;
static unsigned long inputs;

static void on_alarm(int sig)
{
	static const char msg[] = "FAIL: the input above ran past the time limit (a hang)\n";

	(void)sig;
	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	_exit(1);
}

/* Returns 0, or -1 when the file cannot be read (said). */
static int run_file(const char *path)
{
	struct stat st;
	uint8_t *data;
	ssize_t got;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0) {
		printf("ERROR: cannot read %s: %s\n", path, strerror(errno));
		return -1;
	}
	data = malloc(st.st_size ? (size_t)st.st_size : 1);
	got = data ? read(fd, data, (size_t)st.st_size) : -1;
	close(fd);
	if (got != st.st_size) {
		printf("ERROR: cannot read %s whole\n", path);
		free(data);
		return -1;
	}
	printf("%s\n", path);
	fflush(stdout);
	alarm(timeout_s);
	LLVMFuzzerTestOneInput(data, (size_t)st.st_size);
	alarm(0);
	free(data);
	inputs++;
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int run_path(const char *path)
{
	struct dirent **names;
	struct stat st;
	int n, err = 0;

	if (stat(path, &st) == 0 && !S_ISDIR(st.st_mode))
		return run_file(path);
	n = scandir(path, &names, NULL, by_name);
	if (n < 0) {
		printf("ERROR: cannot list %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char child[4096];

		if (names[i]->d_name[0] != '.' && !err) {
			snprintf(child, sizeof(child), "%s/%s", path, names[i]->d_name);
			err = run_file(child);
		}
		free(names[i]);
	}
	free(names);
	return err;
}

int main(int argc, char *argv[])
{
	int opt;

	while ((opt = getopt(argc, argv, "t:")) != -1) {
		if (opt == 't')
			timeout_s = (unsigned)atoi(optarg);
		else
			return 99;
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: replay-corpus [-t SECONDS] FILE|DIR...\n");
		return 99;
	}
	signal(SIGALRM, on_alarm);
	for (int i = optind; i < argc; i++)
		if (run_path(argv[i]) < 0)
			return 99;
	if (!inputs) {
		printf("ERROR: no inputs in the paths given\n");
		return 99;
	}
	printf("%lu inputs replayed without a crash or hang\n", inputs);
	return 0;
}
