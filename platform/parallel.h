/* Running a kernel over the whole of Y on a thread pool: Y is cut into task
 * tiles (multiples of the kernel's register tile), handed out statically (equal
 * contiguous shares) or dynamically (an atomic counter: faster cores take more,
 * as big.LITTLE needs). Tasks are ordered column panel by column panel, so that
 * threads working at the same time share weights in the last-level cache.
 * Results do not depend on the split: every element is computed by exactly one
 * run() call over the same blocks in the same order. */
#ifndef Q4T_PARALLEL_H
#define Q4T_PARALLEL_H

#include <stddef.h>

#include "kernel.h"
#include "pool.h"

typedef enum { Q4T_SCHED_STATIC, Q4T_SCHED_DYNAMIC } q4t_schedule;

typedef struct {
    q4t_schedule schedule;
    size_t task_rows, task_cols; /* rounded up to the register tile; 0: defaults (below) */
} q4t_split;

/* Defaults: task_rows = all of M; task_cols = an equal share per thread
 * (static) or a quarter of that (dynamic). The kernel must be runnable here. */
void q4t_parallel_run(q4t_pool *p, const q4t_kernel *k, const q4t_run_args *a, const q4t_split *split);

/* Packs X for k over the pool when its X layout packs by row groups
 * (q4t_kernel_x_rows): each thread packs a share of whole row groups at its
 * offset, the packed size of the rows before it; the same bytes as one call
 * (tests/test_parallel.c checks every kernel). Otherwise one call. */
void q4t_parallel_pack_x(q4t_pool *p, const q4t_kernel *k, const float *x, size_t M, size_t K, void *dst);

const char *q4t_schedule_name(q4t_schedule s);
int q4t_schedule_parse(const char *name); /* -1 if unknown */

#endif
