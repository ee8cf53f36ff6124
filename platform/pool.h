/* A persistent pool of worker threads for running one task on n threads at once.
 * The calling thread is thread 0 and takes part; workers spin briefly for the
 * next task (low dispatch latency for GEMV), then sleep.
 *
 * Binding (hwloc, per thread): strict = thread i on one PU of the mask, in a
 * given order (the mask needs at least as many PUs as threads); mask = every thread may run
 * on any PU of the mask; none = the OS decides (the baseline). The calling
 * thread, thread 0, runs its share bound as the pool says; outside bound runs
 * (an unbound pool's run, creating or destroying a pool) it has its own
 * affinity back, so one pool's binding never leaks into another's threads. */
#ifndef Q4T_POOL_H
#define Q4T_POOL_H

#include <stddef.h>

#include <hwloc.h>

typedef struct q4t_pool q4t_pool;
/* Runs on every thread of the pool: thread in [0, nthreads). */
typedef void (*q4t_task_fn)(void *ctx, int thread, int nthreads);

typedef enum { Q4T_BIND_NONE, Q4T_BIND_MASK, Q4T_BIND_STRICT } q4t_binding;

/* An unbound pool; NULL if the threads cannot be created. */
q4t_pool *q4t_pool_create(int nthreads);
/* A pool bound per binding to mask (a PU set by OS index; ignored for
 * Q4T_BIND_NONE). Strict binding pins thread i to order[i] (the PUs of the mask
 * in the order to use them: q4t_mask_bind_order puts the fastest cores first),
 * or to the i-th PU of the mask if order is NULL. NULL with a message in err
 * if the mask is empty, names PUs this process may not use, has fewer PUs than
 * threads for strict binding, or the threads cannot be created or bound. */
q4t_pool *q4t_pool_create_bound(int nthreads, q4t_binding binding, hwloc_const_cpuset_t mask, const int *order,
                                char *err, size_t errlen);
/* "strict", "mask", "none"; and back (-1 if unknown). */
const char *q4t_binding_name(q4t_binding b);
int q4t_binding_parse(const char *name);
int q4t_pool_size(const q4t_pool *p);
/* Runs fn on all threads, returns when every one has finished. */
void q4t_pool_run(q4t_pool *p, q4t_task_fn fn, void *ctx);
void q4t_pool_destroy(q4t_pool *p);

#endif
