/*
 * Per-task state: the /proc/PID/maps snapshot (without a model) and the
 * task's vdso image. It lives until stack_forget_task.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "stack/stack_internal.h"
#include "tracee.h"

/* The vdso is two to four pages; anything much larger is not one. */
#define VDSO_MAX_BYTES (64 * 1024)

static struct stack_task **bucket_of(struct stack_unwinder *u, pid_t tid)
{
	return &u->tasks[(uint32_t)tid % STACK_TASK_BUCKETS];
}

struct stack_task *task_get(struct stack_unwinder *u, pid_t tid)
{
	struct stack_task **head = bucket_of(u, tid);
	struct stack_task *t;

	for (t = *head; t; t = t->next)
		if (t->tid == tid)
			return t;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->tid = tid;
	t->next = *head;
	*head = t;
	return t;
}

static void task_free(struct stack_task *t)
{
	if (t->maps_loaded)
		proc_maps_free(&t->maps);
	free(t);
}

void task_forget(struct stack_unwinder *u, pid_t tid)
{
	struct stack_task **link = bucket_of(u, tid);

	for (; *link; link = &(*link)->next) {
		struct stack_task *t = *link;

		if (t->tid == tid) {
			*link = t->next;
			task_free(t);
			return;
		}
	}
}

void task_forget_all(struct stack_unwinder *u)
{
	for (size_t b = 0; b < STACK_TASK_BUCKETS; b++) {
		struct stack_task *t = u->tasks[b], *next;

		for (; t; t = next) {
			next = t->next;
			task_free(t);
		}
		u->tasks[b] = NULL;
	}
}

struct stack_module *task_vdso(struct capture *c, const struct stack_region *r)
{
	struct stack_task *t = c->task;
	uint64_t len = r->end - r->start;
	void *buf;

	if (t->vdso_tried)
		return t->vdso;
	t->vdso_tried = true;
	if (len > VDSO_MAX_BYTES)
		return NULL;
	buf = malloc(len);
	if (!buf)
		return NULL;
	/* Straight from the task, not through the page cache: read once, kept by content. */
	if (tracee_read(t->tid, r->start, buf, len) == 0)
		t->vdso = module_cache_image(&c->u->modules, "[vdso]", buf, len);
	free(buf);
	return t->vdso;
}
