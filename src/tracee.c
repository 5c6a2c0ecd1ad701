#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>

#include "tracee.h"
#include "vm_space.h"

static void tracee_free(struct tracee *tr)
{
	if (!tr)
		return;
	vm_space_put(tr->vm);
	free(tr->stack.frames);
	free(tr);
}

void tracee_table_init(struct tracee_table *t)
{
	t->slots = NULL;
	t->cap = 0;
	t->count = 0;
	t->ever = 0;
}

void tracee_table_destroy(struct tracee_table *t)
{
	for (size_t i = 0; i < t->cap; i++)
		tracee_free(t->slots[i]);
	free(t->slots);
	tracee_table_init(t);
}

static size_t slot_of(const struct tracee_table *t, pid_t tid)
{
	/* Fibonacci hashing: tids are dense, so spread them. */
	return ((uint32_t)tid * 2654435769u) & (t->cap - 1);
}

struct tracee *tracee_find(struct tracee_table *t, pid_t tid)
{
	if (!t->cap)
		return NULL;
	for (size_t i = slot_of(t, tid);; i = (i + 1) & (t->cap - 1)) {
		if (!t->slots[i])
			return NULL;
		if (t->slots[i]->tid == tid)
			return t->slots[i];
	}
}

static void insert_slot(struct tracee_table *t, struct tracee *tr)
{
	size_t i = slot_of(t, tr->tid);

	while (t->slots[i])
		i = (i + 1) & (t->cap - 1);
	t->slots[i] = tr;
}

static int grow(struct tracee_table *t)
{
	struct tracee_table bigger = { .cap = t->cap ? t->cap * 2 : 16 };

	bigger.slots = calloc(bigger.cap, sizeof(*bigger.slots));
	if (!bigger.slots)
		return -ENOMEM;
	for (size_t i = 0; i < t->cap; i++)
		if (t->slots[i])
			insert_slot(&bigger, t->slots[i]);
	free(t->slots);
	t->slots = bigger.slots;
	t->cap = bigger.cap;
	return 0;
}

struct tracee *tracee_add(struct tracee_table *t, pid_t tid)
{
	struct tracee *tr = tracee_find(t, tid);

	if (tr)
		return tr;
	/* Keep the load under one half so probe runs stay short. */
	if ((t->count + 1) * 2 > t->cap && grow(t) < 0)
		return NULL;
	tr = calloc(1, sizeof(*tr));
	if (!tr)
		return NULL;
	tr->tid = tid;
	insert_slot(t, tr);
	t->count++;
	t->ever++;
	return tr;
}

void tracee_remove(struct tracee_table *t, pid_t tid)
{
	size_t i, j;

	if (!t->cap)
		return;
	for (i = slot_of(t, tid); t->slots[i]; i = (i + 1) & (t->cap - 1))
		if (t->slots[i]->tid == tid)
			break;
	if (!t->slots[i])
		return;
	tracee_free(t->slots[i]);
	t->slots[i] = NULL;
	t->count--;
	/* Re-insert the rest of the probe run so later lookups still find them. */
	for (j = (i + 1) & (t->cap - 1); t->slots[j]; j = (j + 1) & (t->cap - 1)) {
		struct tracee *moved = t->slots[j];

		t->slots[j] = NULL;
		insert_slot(t, moved);
	}
}

/*
 * Copies through /proc/PID/mem, which reads and writes as a debugger does
 * (FOLL_FORCE: a mapping's VM_MAY* rights count). Returns 0 or -errno.
 */
static int tracee_copy_mem(pid_t tid, uint64_t addr, void *buf, size_t len, int to_task)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)tid);
	fd = open(path, (to_task ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = to_task ? pwrite(fd, buf, len, (off_t)addr) : pread(fd, buf, len, (off_t)addr);
	close(fd);
	if (n == (ssize_t)len)
		return 0;
	return n >= 0 || errno == EIO ? -EFAULT : -errno;
}

/* Copies len bytes between buf and the task's memory at addr. Returns 0 or -errno. */
static int tracee_copy(pid_t tid, uint64_t addr, void *buf, size_t len, int to_task)
{
	struct iovec local = { buf, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };
	ssize_t n = to_task ? process_vm_writev(tid, &local, 1, &remote, 1, 0)
			    : process_vm_readv(tid, &local, 1, &remote, 1, 0);

	if (n == (ssize_t)len)
		return 0;
	if (n >= 0 || errno == EFAULT)
		return -EFAULT;
	if (errno != EPERM && errno != ENOSYS)
		return -errno;
	/* process_vm_* may be refused (seccomp in a container): use /proc. */
	return tracee_copy_mem(tid, addr, buf, len, to_task);
}

int tracee_read_forced(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	return tracee_copy_mem(tid, addr, buf, len, 0);
}

int tracee_read(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	return tracee_copy(tid, addr, buf, len, 0);
}

int tracee_write(pid_t tid, uint64_t addr, const void *buf, size_t len)
{
	return tracee_copy(tid, addr, (void *)buf, len, 1);
}
