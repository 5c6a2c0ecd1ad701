/* What service.c shares with the files that service one family each. */
#ifndef MEMTRACE_SERVICE_INTERNAL_H
#define MEMTRACE_SERVICE_INTERNAL_H

#include <stdint.h>
#include <sys/user.h>

#include "mm/mapping.h"
#include "service.h"

/* The model and the kernel disagree: said loudly, counted. */
void internal_error(struct service *svc, const struct tracee *tr, const char *what,
		    int64_t model, int64_t kernel);
/* Compares the model's verdict (0 or -errno) with the kernel's result. */
void check_same(struct service *svc, struct tracee *tr, int model, int64_t kernel);

/*
 * A rewrite of the call's registers: begin reads them (0 or -errno), finish
 * keeps the new ones for service_send_registers.
 */
int begin_rewrite(struct tracee *tr, struct user_regs_struct *regs);
void finish_rewrite(struct tracee *tr, struct user_regs_struct *regs);

/* A call whose effect the model does not compute (why says which): the kernel's view is taken. */
void take_kernel_view(struct service *svc, struct tracee *tr, const char *why);

/*
 * Copies the backing (device, inode, path) of the kernel's mapping at addr
 * into m; *end (where not NULL) gets where that mapping ends. 0 or -errno.
 */
int take_kernel_backing(const struct tracee *tr, uint64_t addr, struct mapping *m, uint64_t *end);

/*
 * Where a mapping of len bytes goes: the recording's address when
 * replaying and it is free, else Linux's choice for hint. Returns 0 or -errno.
 */
int choose_address(const struct tracee *tr, uint64_t hint, uint64_t len, uint64_t *chosen);

/* System V shared memory (service_shm.c). */
void plan_shm(struct service *svc, struct tracee *tr);
void commit_shm(struct service *svc, struct tracee *tr, int64_t result);

#endif
