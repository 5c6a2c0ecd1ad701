/*
 * mmfuzz SEED COUNT: makes COUNT seeded pseudo-random memory calls and
 * prints, for each, the call, its outcome and what changed in the memory
 * the program owns (see fuzz.h).  The output is the same natively and under
 * a correct memtrace; tests/fuzz/run-fuzz.sh compares the two.
 *
 * Before call N it makes munmap(0xfa22001, N), which fails (EINVAL) and
 * marks in memtrace's trace where call N starts.
 *
 * MMFUZZ_DEBUG=1 prints the raw arguments and results on stderr;
 * MMFUZZ_MAPS_BEFORE=N also prints /proc/self/smaps there before call N;
 * MMFUZZ_AVOID=NAME,... steers clear of known divergences (avoid.c).
 * Exit: 0, or 1 when the setup fails, 2 on usage errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fuzz.h"

#define MARK_ADDR 0xfa22001UL
#define MAP_32BIT_X86_64 0x40

/*
 * Natively the layout must not be randomized either (memtrace turns
 * randomization off for its child): re-run once without it.
 */
static void no_randomization(char **argv)
{
	int persona = personality(0xffffffff);

	if (persona == -1 || (persona & ADDR_NO_RANDOMIZE))
		return;
	if (personality((unsigned long)persona | ADDR_NO_RANDOMIZE) == -1)
		return;
	execv("/proc/self/exe", argv);
}

static unsigned long read_min_addr(void)
{
	char buf[32] = "";
	int fd = open("/proc/sys/vm/mmap_min_addr", O_RDONLY);

	if (fd >= 0) {
		if (read(fd, buf, sizeof(buf) - 1) < 0)
			buf[0] = '\0';
		close(fd);
	}
	return buf[0] ? strtoul(buf, NULL, 10) : 65536;
}

static int open_files(struct fuzz *f)
{
	static unsigned char data[FILE_SIZE];
	int pipe_fds[2];

	for (unsigned i = 0; i < FILE_SIZE; i++)
		data[i] = (unsigned char)rng_next(f);
	f->fd_rw = open("mmfuzz.dat", O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (f->fd_rw < 0 || write(f->fd_rw, data, FILE_SIZE) != FILE_SIZE)
		return -1;
	f->fd_ro = open("mmfuzz.dat", O_RDONLY);
	f->fd_wo = open("mmfuzz.dat", O_WRONLY);
	f->fd_dir = open(".", O_RDONLY | O_DIRECTORY);
	f->fd_zero = open("/dev/zero", O_RDWR);
	if (pipe(pipe_fds) < 0)
		return -1;
	f->fd_pipe = pipe_fds[0];
	/* Last, so that nothing opened later gets its number. */
	f->fd_closed = dup(f->fd_rw);
	close(f->fd_closed);
	return f->fd_ro < 0 || f->fd_wo < 0 || f->fd_dir < 0 || f->fd_zero < 0 ? -1 : 0;
}

/* The arenas, the heap, the low pages and the shm segment's first attachment. */
static int make_domains(struct fuzz *f)
{
	static uint32_t block32[8];
	unsigned long arena_flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
	struct domain *heap;
	void *p;
	char where[48];

	p = mmap(NULL, PAGES(ARENA_PAGES), PROT_NONE, arena_flags, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	domain_add(f, DOM_ARENA, "A", (unsigned long)p, PAGES(ARENA_PAGES), 0);
	f->block = block32;
	f->block_fault = (unsigned long)p;
	if (!f->is_i386) {
		/* Reachable by i386 calls: MAP_32BIT places below 2 GiB. */
		p = mmap(NULL, PAGES(ARENA32_PAGES), PROT_NONE, arena_flags | MAP_32BIT_X86_64, -1, 0);
		if (p == MAP_FAILED)
			return -1;
		domain_add(f, DOM_ARENA, "A32", (unsigned long)p, PAGES(ARENA32_PAGES), 1);
		printf("A32 below 2 GiB: %s\n", (unsigned long)p + PAGES(ARENA32_PAGES) <= 1UL << 31 ? "yes" : "no");
		f->block_fault = (unsigned long)p;
		p = mmap(NULL, PG, PROT_READ | PROT_WRITE, arena_flags | MAP_32BIT_X86_64, -1, 0);
		if (p == MAP_FAILED)
			return -1;
		f->block = p;
	}
	f->brk_start = f->brk_cur = (unsigned long)syscall(SYS_brk, 0);
	heap = domain_add(f, DOM_HEAP, "H", f->brk_start & ~(PG - 1), PAGES(HEAP_PAGES), f->is_i386);
	domain_add(f, DOM_LOW, "Z", 0, PAGES(LOW_PAGES), 1);
	maps_read(&f->maps);
	for (unsigned long a = heap->start; a < heap->end; a += PG)
		if (maps_find(&f->maps, a)) {
			printf("heap room: taken at H+%#lx\n", a - heap->start);
			break;
		}

	f->shm_id = shmget(IPC_PRIVATE, PAGES(4), IPC_CREAT | 0600);
	if (f->shm_id >= 0) {
		/* Attached once, then removed: it lives while attached, and goes with the program. */
		p = shmat(f->shm_id, NULL, 0);
		shmctl(f->shm_id, IPC_RMID, NULL);
		if (p != (void *)-1)
			name_result(f, (unsigned long)p, PAGES(4), f->is_i386, where, sizeof(where));
	}
	return 0;
}

static int count_floating(const struct fuzz *f)
{
	int n = 0;

	for (unsigned i = 0; i < f->ndom; i++)
		n += f->dom[i].kind == DOM_FLOATING;
	return n;
}

static void make_call(struct fuzz *f)
{
	enum { MMAP, MUNMAP, MREMAP, MPROTECT, MADVISE, MSYNC, MLOCK, BRK, SHM, MBIND, RFP, FORK, MSEAL,
	       KINDS };
	static const unsigned weights[KINDS] = { 20, 10, 14, 12, 12, 4, 5, 6, 4, 2, 2, 1, 1 };
	unsigned total = 0, n, kind = 0;
	int via80;

	for (unsigned i = 0; i < KINDS; i++)
		total += weights[i];
	n = rng_below(f, total);
	while (n >= weights[kind])
		n -= weights[kind++];
	via80 = f->is_i386 ? rng_percent(f, 40) : f->int80 && rng_percent(f, 25);
	if (!f->is_i386 && ((avoiding(f, AVOID_INT80_PLACE) && (kind == MMAP || kind == MREMAP || kind == SHM)) ||
			    (avoiding(f, AVOID_INT80_BRK) && kind == BRK)))
		via80 = 0;
	if (kind == MBIND && avoiding(f, AVOID_MBIND_POLICY))
		kind = MPROTECT;
	if (count_floating(f) >= MAX_FLOATING && (kind == MMAP || kind == MREMAP || kind == SHM)) {
		call_munmap(f, 0, 1);
		return;
	}
	switch (kind) {
	case MMAP: call_mmap(f, via80); break;
	case MUNMAP: call_munmap(f, via80, 0); break;
	case MREMAP: call_mremap(f, via80); break;
	case MPROTECT: call_mprotect(f, via80); break;
	case MADVISE: call_madvise(f, via80); break;
	case MSYNC: call_msync(f, via80); break;
	case MLOCK: call_mlock(f, via80); break;
	case BRK: call_brk(f, via80); break;
	case SHM: call_shm(f, via80); break;
	case MBIND: call_mbind(f); break;
	case RFP: call_remap_file_pages(f); break;
	case MSEAL: call_mseal(f, via80); break;
	default: call_fork(f); break;
	}
}

/* Sometimes write to a page of a domain, or to the file, so contents move too. */
static void scribble(struct fuzz *f)
{
	static const char *const outcome[] = { "ok", "SEGV", "BUS" };
	struct domain *d = pick_domain(f, 0);
	unsigned long addr = d->start + PAGES(rng_below(f, (unsigned)((d->end - d->start) / PG)));
	uint64_t value = rng_next(f);
	char where[48];
	int sig;

	addr += 8 * rng_below(f, PG / 8);
	if (rng_percent(f, 40) && d->kind != DOM_STALE && maps_find(&f->maps, addr)) {
		sig = touch((volatile uint64_t *)addr, value);
		printf("   write %s: %s\n", addr_name(f, addr, where, sizeof(where)),
		       outcome[sig == 0 ? 0 : sig == SIGSEGV ? 1 : 2]);
	}
	if (rng_percent(f, 4)) {
		off_t off = 8 * (off_t)rng_below(f, FILE_SIZE / 8);

		printf("   pwrite file+%#lx: %s\n", (unsigned long)off,
		       pwrite(f->fd_rw, &value, 8, off) == 8 ? "ok" : "failed");
	}
}

/* /proc/self/smaps on stderr, each mapping's line and its VmFlags (raw
 * addresses: for debugging). */
static void print_own_maps(void)
{
	char line[512];
	FILE *smaps = fopen("/proc/self/smaps", "r");

	while (smaps && fgets(line, sizeof(line), smaps))
		if (strchr("0123456789abcdef", line[0]) || strncmp(line, "VmFlags:", 8) == 0)
			fputs(line, stderr);
	if (smaps)
		fclose(smaps);
}

int main(int argc, char **argv)
{
	static char out[1 << 16];
	static struct fuzz fz;
	struct fuzz *f = &fz;
	unsigned long count, maps_before;

	setvbuf(stdout, out, _IOFBF, sizeof(out));
	if (argc != 3) {
		fprintf(stderr, "usage: mmfuzz SEED COUNT\n");
		return 2;
	}
	no_randomization(argv);
	f->rng = strtoull(argv[1], NULL, 0);
	count = strtoul(argv[2], NULL, 0);
	f->is_i386 = sizeof(long) == 4;
	f->debug = getenv("MMFUZZ_DEBUG") && strcmp(getenv("MMFUZZ_DEBUG"), "1") == 0;
	maps_before = getenv("MMFUZZ_MAPS_BEFORE") ? strtoul(getenv("MMFUZZ_MAPS_BEFORE"), NULL, 0) : 0;
	if (getenv("MMFUZZ_AVOID") && avoid_parse(f, getenv("MMFUZZ_AVOID")) < 0)
		return 2;
	f->min_addr = read_min_addr();
	f->pkey = (int)syscall(SYS_pkey_alloc, 0, 0);
	probe_init();
	f->int80 = !f->is_i386 && int80_works();
	if (open_files(f) < 0 || make_domains(f) < 0) {
		fprintf(stderr, "mmfuzz: setup failed: %s\n", strerror(errno));
		return 1;
	}
	printf("mmfuzz seed %s, %lu calls, %s; int80 %s, shm %s, pkey %s\n", argv[1], count,
	       f->is_i386 ? "i386" : "x86_64", f->int80 || f->is_i386 ? "yes" : "no", f->shm_id >= 0 ? "yes" : "no",
	       f->pkey >= 0 ? "yes" : "no");
	digest_print(f, "   ", 1);
	for (f->index = 1; f->index <= count; f->index++) {
		syscall(SYS_munmap, MARK_ADDR, (unsigned long)f->index);
		if (f->debug)
			fprintf(stderr, "mmfuzz: call %u, generator %#llx\n", f->index, (unsigned long long)f->rng);
		if (f->index == maps_before)
			print_own_maps();
		make_call(f);
		maps_read(&f->maps);
		scribble(f);
		digest_print(f, "   ", 0);
		domains_update(f);
		fflush(stdout);
	}
	printf("done\n");
	return 0;
}
