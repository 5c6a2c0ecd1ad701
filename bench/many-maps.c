/*
 * many-maps COUNT [BLOCK]: builds COUNT distinct mappings and prints the
 * time per call of each BLOCK calls, so that a tracer whose cost grows
 * with the number of mappings shows as a rising series. Adjacent pages of
 * one PROT_NONE reservation get alternating protections, so no two merge:
 *
 *   start:      [ NONE NONE NONE NONE ... NONE ]             1 mapping
 *   after i+1:  [ R ][ RW ][ R ] .. [ page i ][ NONE .. NONE ]  i + 2
 *   at the end: [ R ][ RW ][ R ] ... [ R or RW ]                COUNT
 *
 * Each call splits the reservation's PROT_NONE tail (1 trapped call per
 * mapping). vm.max_map_count (65530 by default) bounds COUNT, with the
 * program's own mappings besides.
 *
 * Last it prints its parent's peak RSS (VmHWM): run by a tracer, that is
 * the tracer's, whose model holds COUNT mappings more than on an empty run
 * (many-maps 0).
 */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"

/* VmHWM of pid in KiB. Returns it, or -1 if /proc does not say. */
static long peak_rss_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

int main(int argc, char *argv[])
{
	const char *usage = "COUNT [BLOCK]   (mappings to build, calls per timed block)";
	long count = bench_arg(argc, argv, 1, -1, usage);
	long block = bench_arg(argc, argv, 2, 5000, usage);
	char *reservation = NULL;
	double t0;

	if (block == 0)
		bench_usage(argv[0], usage);
	if (count) {
		reservation = mmap(NULL, count * BENCH_PAGE, PROT_NONE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (reservation == MAP_FAILED)
			bench_fail("mmap (reservation)");
	}
	t0 = bench_now_us();
	for (long i = 0; i < count; i++) {
		int prot = i % 2 ? PROT_READ | PROT_WRITE : PROT_READ;

		if (mprotect(reservation + i * BENCH_PAGE, BENCH_PAGE, prot) < 0)
			bench_fail("mprotect (vm.max_map_count too low for COUNT?)");
		if ((i + 1) % block == 0 || i + 1 == count) {
			double t1 = bench_now_us();
			long calls = (i + 1) % block ? (i + 1) % block : block;

			/* block NUMBER MAPPINGS_SO_FAR US_PER_CALL */
			printf("block %ld %ld %.3f\n", i / block + 1, i + 1, (t1 - t0) / calls);
			t0 = t1;
		}
	}
	printf("parent_vmhwm_kib %ld\n", peak_rss_kib(getppid()));
	return 0;
}
