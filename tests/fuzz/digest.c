/*
 * What the program can see of its domains after a call, page by page: the
 * permissions and backing /proc/self/maps shows, whether a read faults, and
 * a hash of the contents; and the contents of the data file.  Runs of
 * alike pages print as one, e.g.
 *
 *    A: 0-2 ---p, 2-5 rw-p =0, 5-6 rw-p =3fa2c1d0, 6-9 hole, 9-11 r--s f@1 =..., 11-12 r--s f@3 BUS
 *
 * (pages from the domain's start; "f@1": our file from its page 1; "=0": all
 * zero).  A run never spans two mappings.  A domain is printed when its
 * digest changed since last printed.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

#define FILE_NAME "mmfuzz.dat"

/*
 * Reads that may fault jump back here.  SA_NODEFER keeps the signal
 * unblocked, so sigsetjmp need not save the mask (a system call each time).
 */
static sigjmp_buf probe_env;
static volatile sig_atomic_t probing;

static void on_fault(int sig)
{
	if (!probing) {
		/* A real crash: let the default action report it. */
		signal(sig, SIG_DFL);
		return;
	}
	siglongjmp(probe_env, sig);
}

void probe_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fault;
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
}

static uint64_t hash_words(const volatile uint64_t *w, size_t n, uint64_t h)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ w[i]) * 0x100000001b3ULL;
	return h;
}

/* Returns 0 and the page's hash, or the signal reading it raised. */
static int read_page(const volatile uint64_t *page, uint64_t *hash)
{
	int sig;

	probing = 1;
	sig = sigsetjmp(probe_env, 0);
	if (sig == 0)
		*hash = hash_words(page, PG / 8, 0xcbf29ce484222325ULL);
	probing = 0;
	return sig;
}

/* Writes value at addr (8-aligned). Returns 0 or the signal it raised. */
int touch(volatile uint64_t *word, uint64_t value)
{
	int sig;

	probing = 1;
	sig = sigsetjmp(probe_env, 0);
	if (sig == 0)
		*word = value;
	probing = 0;
	return sig;
}

static char kind_of(const char *path)
{
	size_t n = strlen(path);

	if (n == 0)
		return 'a';
	if (n >= sizeof(FILE_NAME) && strcmp(path + n - sizeof(FILE_NAME) + 1, FILE_NAME) == 0 &&
	    path[n - sizeof(FILE_NAME)] == '/')
		return 'f';
	if (strncmp(path, "/dev/zero", 9) == 0)
		return 'z';
	if (strncmp(path, "/SYSV", 5) == 0)
		return 'S';
	if (strcmp(path, "[heap]") == 0)
		return 'h';
	return 'o';
}

/*
 * Reads /proc/self/maps with plain read(2) into a static buffer: stdio would
 * allocate, and malloc's brk would race the fuzzer's own.  Returns 0 or -1.
 */
int maps_read(struct maps *m)
{
	static char buf[1 << 17];
	size_t used = 0;
	ssize_t n;
	char *line;
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while (used < sizeof(buf) - 1 && (n = read(fd, buf + used, sizeof(buf) - 1 - used)) > 0)
		used += (size_t)n;
	close(fd);
	buf[used] = '\0';
	m->n = 0;
	for (line = buf; *line && m->n < sizeof(m->v) / sizeof(m->v[0]);) {
		char *eol = strchr(line, '\n'), *p;
		struct vma *v = &m->v[m->n];
		int field;

		if (eol)
			*eol = '\0';
		v->start = strtoul(line, &p, 16);
		v->end = strtoul(p + 1, &p, 16);
		memcpy(v->perms, p + 1, 4);
		v->perms[4] = '\0';
		v->offset = strtoul(p + 6, &p, 16);
		/* Skip dev and inode to the path, if any. */
		for (field = 0; field < 2; field++) {
			while (*p == ' ')
				p++;
			while (*p && *p != ' ')
				p++;
		}
		while (*p == ' ')
			p++;
		v->kind = kind_of(p);
		m->n++;
		if (!eol)
			break;
		line = eol + 1;
	}
	return 0;
}

const struct vma *maps_find(const struct maps *m, unsigned long addr)
{
	unsigned lo = 0, hi = m->n;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;

		if (addr < m->v[mid].start)
			hi = mid;
		else if (addr >= m->v[mid].end)
			lo = mid + 1;
		else
			return &m->v[mid];
	}
	return NULL;
}

/*
 * What one page looks like; pages of one mapping alike in all but a
 * following file page coalesce.  Where mappings begin and end shows: it
 * decides what mremap accepts, and /proc/self/maps shows it.
 */
struct page_view {
	const struct vma *vma;	/* NULL: a hole */
	const char *perms;
	char kind;
	long file_page;		/* -1 when not backed by a file */
	int sig;
	int read;
	uint64_t hash;
};

static void view_page(const struct maps *m, unsigned long addr, struct page_view *pv)
{
	const struct vma *v = maps_find(m, addr);

	memset(pv, 0, sizeof(*pv));
	pv->file_page = -1;
	if (!v)
		return;
	pv->vma = v;
	pv->perms = v->perms;
	pv->kind = v->kind;
	/*
	 * A private mapping of /dev/zero is anonymous memory: its "offset" is
	 * where it was first mapped (Linux 6.18 also moves it with mremap).
	 */
	if (v->kind == 'f' || v->kind == 'S' || (v->kind == 'z' && v->perms[3] == 's'))
		pv->file_page = (long)((v->offset + (addr - v->start)) / PG);
	if (v->perms[0] == 'r') {
		pv->read = 1;
		pv->sig = read_page((const volatile uint64_t *)addr, &pv->hash);
	}
}

static int continues(const struct page_view *run, unsigned long len, const struct page_view *pv)
{
	if (!run->vma || !pv->vma)
		return !run->vma && !pv->vma;
	return run->vma == pv->vma && run->kind == pv->kind && run->read == pv->read &&
	       run->sig == pv->sig && run->hash == pv->hash &&
	       (run->file_page < 0 ? pv->file_page < 0 : pv->file_page == run->file_page + (long)len);
}

static uint64_t zero_page_hash(void)
{
	static const uint64_t zeros[PG / 8];

	return hash_words(zeros, PG / 8, 0xcbf29ce484222325ULL);
}

/* Appends one run of alike pages, [first, end) from the domain's start. */
static size_t put_run(char *out, size_t size, size_t used, unsigned long first, unsigned long end,
		      const struct page_view *run, uint64_t zero)
{
	char backing[32] = "", content[32] = "";
	int n;

	if (run->perms && run->file_page >= 0)
		snprintf(backing, sizeof(backing), " %c@%ld", run->kind, run->file_page);
	else if (run->perms && run->kind != 'a')
		snprintf(backing, sizeof(backing), " %c", run->kind);
	if (run->sig)
		snprintf(content, sizeof(content), " %s", run->sig == SIGBUS ? "BUS" : "SEGV");
	else if (run->read)
		snprintf(content, sizeof(content), " =%llx",
			 run->hash == zero ? 0ULL : (unsigned long long)(run->hash >> 32));
	n = snprintf(out + used, size - used, "%s%lu-%lu %s%s%s", used ? ", " : "", first, end,
		     run->perms ? run->perms : "hole", backing, content);
	used += n > 0 ? (size_t)n : 0;
	return used < size ? used : size - 1;
}

/* The domain's digest line (without its name). */
static void digest_domain(struct fuzz *f, const struct domain *d, char *out, size_t size)
{
	struct page_view run, pv;
	unsigned long first = 0, npages = (d->end - d->start) / PG;
	uint64_t zero = zero_page_hash();
	size_t used = 0;

	out[0] = '\0';
	for (unsigned long i = 0; i < npages; i++) {
		view_page(&f->maps, d->start + PAGES(i), &pv);
		if (i > 0 && continues(&run, i - first, &pv))
			continue;
		if (i > 0)
			used = put_run(out, size, used, first, i, &run, zero);
		run = pv;
		first = i;
	}
	if (npages)
		put_run(out, size, used, first, npages, &run, zero);
}

static uint64_t file_hash(struct fuzz *f, long *size)
{
	static uint64_t buf[(FILE_SIZE + 2 * PG) / 8];
	ssize_t n;

	memset(buf, 0, sizeof(buf));
	n = pread(f->fd_rw, buf, sizeof(buf), 0);
	*size = n;
	return hash_words(buf, sizeof(buf) / 8, 0xcbf29ce484222325ULL);
}

/* Prints each domain whose digest changed (all: every domain), then the file's. */
void digest_print(struct fuzz *f, const char *prefix, int all)
{
	static char line[DIGEST_MAX];
	uint64_t h;
	long size;

	maps_read(&f->maps);
	for (unsigned i = 0; i < f->ndom; i++) {
		struct domain *d = &f->dom[i];

		if (d->kind == DOM_STALE)
			continue;
		digest_domain(f, d, line, sizeof(line));
		if (!all && strcmp(line, d->shown) == 0)
			continue;
		printf("%s%s: %s\n", prefix, d->name, line);
		memcpy(d->shown, line, sizeof(d->shown));
	}
	h = file_hash(f, &size);
	if (all || h != f->file_hash)
		printf("%sfile: %ld bytes =%llx\n", prefix, size, (unsigned long long)(h >> 32));
	f->file_hash = h;
}
