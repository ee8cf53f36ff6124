/* The thread pool: every thread runs every task exactly once, with its own
 * index, and run() returns only when all have finished. */
#include <stdatomic.h>

#include "check.h"
#include "pool.h"

typedef struct {
    atomic_int calls[8];
    atomic_int total;
    int nthreads_seen;
} tally;

static void count(void *ctx, int thread, int nthreads)
{
    tally *t = ctx;
    atomic_fetch_add(&t->calls[thread], 1);
    atomic_fetch_add(&t->total, 1);
    t->nthreads_seen = nthreads;
}

int main(void)
{
    for (int n = 1; n <= 4; n++) {
        q4t_pool *p = q4t_pool_create(n);
        CHECK(p && q4t_pool_size(p) == n, "a pool of %d", n);
        tally t = {0};
        for (int i = 0; i < 1000; i++) {
            q4t_pool_run(p, count, &t);
            CHECK(atomic_load(&t.total) == (i + 1) * n, "run %d returned before all %d threads finished", i, n);
            if (atomic_load(&t.total) != (i + 1) * n)
                break;
        }
        for (int i = 0; i < n; i++)
            CHECK(atomic_load(&t.calls[i]) == 1000, "thread %d of %d ran %d times", i, n, atomic_load(&t.calls[i]));
        CHECK(t.nthreads_seen == n, "threads see the pool size");
        q4t_pool_destroy(p);
    }
    CHECK(q4t_pool_create(0) == NULL, "no pool of 0 threads");
    return check_done("test_pool");
}
