/* A persistent pool of worker threads for running one task on n threads at once.
 * The calling thread is thread 0 and takes part; workers spin briefly for the
 * next task (low dispatch latency for GEMV), then sleep. Core affinity and
 * schedules come with the topology work (issue 5). */
#ifndef Q4T_POOL_H
#define Q4T_POOL_H

typedef struct q4t_pool q4t_pool;
/* Runs on every thread of the pool: thread in [0, nthreads). */
typedef void (*q4t_task_fn)(void *ctx, int thread, int nthreads);

/* NULL if the threads cannot be created. */
q4t_pool *q4t_pool_create(int nthreads);
int q4t_pool_size(const q4t_pool *p);
/* Runs fn on all threads, returns when every one has finished. */
void q4t_pool_run(q4t_pool *p, q4t_task_fn fn, void *ctx);
void q4t_pool_destroy(q4t_pool *p);

#endif
