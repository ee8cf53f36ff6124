/* Task tiles and schedules over a thread pool: see parallel.h. */
#include "parallel.h"

#include <stdatomic.h>
#include <string.h>

#include "registry.h"

typedef struct {
    const q4t_kernel *k;
    const q4t_run_args *a;
    size_t rows, cols;     /* task tile */
    size_t mtasks, ntasks; /* tasks along M and N */
    q4t_schedule schedule;
    atomic_size_t next; /* dynamic: the next task to take */
} job;

static void run_task(const job *j, size_t t)
{
    const size_t m0 = t % j->mtasks * j->rows, n0 = t / j->mtasks * j->cols;
    const size_t m1 = m0 + j->rows < j->a->M ? m0 + j->rows : j->a->M;
    const size_t n1 = n0 + j->cols < j->a->N ? n0 + j->cols : j->a->N;
    j->k->run(j->a, m0, m1, n0, n1);
}

static void worker(void *ctx, int thread, int nthreads)
{
    job *j = ctx;
    const size_t total = j->mtasks * j->ntasks;
    if (j->schedule == Q4T_SCHED_STATIC) {
        const size_t first = total * (size_t)thread / (size_t)nthreads;
        const size_t last = total * ((size_t)thread + 1) / (size_t)nthreads;
        for (size_t t = first; t < last; t++)
            run_task(j, t);
    } else {
        for (size_t t; (t = atomic_fetch_add_explicit(&j->next, 1, memory_order_relaxed)) < total;)
            run_task(j, t);
    }
}

void q4t_parallel_run(q4t_pool *p, const q4t_kernel *k, const q4t_run_args *a, const q4t_split *split)
{
    size_t mr, nr;
    q4t_kernel_tile_size(k, &mr, &nr);
    const size_t threads = (size_t)q4t_pool_size(p);
    const size_t ntiles = (a->N + nr - 1) / nr;
    size_t cols = split->task_cols;
    if (!cols) {
        const size_t share = (ntiles + threads - 1) / threads;
        cols = (split->schedule == Q4T_SCHED_STATIC ? share : (share + 3) / 4) * nr;
    }
    job j = {.k = k,
             .a = a,
             .rows = Q4T_ROUND_UP(split->task_rows ? split->task_rows : a->M, mr),
             .cols = Q4T_ROUND_UP(cols, nr),
             .schedule = split->schedule};
    j.mtasks = (a->M + j.rows - 1) / j.rows;
    j.ntasks = (a->N + j.cols - 1) / j.cols;
    atomic_init(&j.next, 0);
    q4t_pool_run(p, worker, &j);
}

typedef struct {
    const q4t_kernel *k;
    const float *x;
    size_t M, K, rows; /* rows per thread: a multiple of the kernel's mr */
    unsigned char *dst;
} pack_job;

static void pack_worker(void *ctx, int thread, int nthreads)
{
    (void)nthreads;
    const pack_job *j = ctx;
    const size_t m0 = (size_t)thread * j->rows;
    if (m0 >= j->M)
        return;
    const size_t m1 = m0 + j->rows < j->M ? m0 + j->rows : j->M;
    q4t_kernel_pack_x(j->k, j->x + m0 * j->K, m1 - m0, j->K, j->dst + q4t_kernel_packed_x_size(j->k, m0, j->K));
}

void q4t_parallel_pack_x(q4t_pool *p, const q4t_kernel *k, const float *x, size_t M, size_t K, void *dst)
{
    const size_t group = q4t_kernel_x_rows(k), threads = (size_t)q4t_pool_size(p);
    if (!group || threads == 1 || M <= group) {
        q4t_kernel_pack_x(k, x, M, K, dst);
        return;
    }
    const pack_job j = {k, x, M, K, Q4T_ROUND_UP((M + threads - 1) / threads, group), dst};
    q4t_pool_run(p, pack_worker, (void *)&j);
}

const char *q4t_schedule_name(q4t_schedule s)
{
    return s == Q4T_SCHED_DYNAMIC ? "dynamic" : "static";
}

int q4t_schedule_parse(const char *name)
{
    if (!strcmp(name, "static"))
        return Q4T_SCHED_STATIC;
    if (!strcmp(name, "dynamic"))
        return Q4T_SCHED_DYNAMIC;
    return -1;
}
