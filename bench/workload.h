/* A seeded random problem for timing one kernel on one shape: W packed once
 * (one copy, or enough copies to rotate past the last-level cache: "cold"),
 * X as fp32 and packed, Y. Shared by q4tune bench and q4tune tune. */
#ifndef Q4T_WORKLOAD_H
#define Q4T_WORKLOAD_H

#include <stddef.h>

#include "kernel.h"
#include "verify.h"

typedef struct {
    const q4t_kernel *k;
    q4t_shape s;
    void **w;      /* packed W copies */
    size_t copies, next;
    float *xf;     /* X, fp32, M x K */
    void *x;       /* X packed by k */
    float *y;      /* M x N */
} q4t_workload;

/* span_bytes 0: one copy of W (hot); else copies enough to exceed span_bytes.
 * Returns 0, or -1 if memory ran out (wl then holds nothing). */
int q4t_workload_init(q4t_workload *wl, const q4t_kernel *k, q4t_shape s, size_t span_bytes);
void q4t_workload_free(q4t_workload *wl);
/* What one call of k over all of an M x N x K shape does: 2 M N K operations,
 * and the bytes it moves (packed W + packed X + Y). */
void q4t_call_work(const q4t_kernel *k, q4t_shape s, double *ops, double *bytes);

/* Run arguments over the next copy of W (in turn). */
q4t_run_args q4t_workload_next(q4t_workload *wl);

#endif
