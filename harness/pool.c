/* The thread pool: see pool.h. A task is published by bumping a generation
 * counter; workers spin on it for a while, then wait on a condition variable. */
#define _GNU_SOURCE
#include "pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

enum { SPIN_ROUNDS = 1 << 16 };

struct q4t_pool {
    int n;
    pthread_t *threads;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    atomic_uint generation; /* bumped per task; a worker runs each generation once */
    atomic_int pending;     /* workers still running the current task */
    atomic_int stop;
    q4t_task_fn fn;
    void *ctx;
};

typedef struct {
    q4t_pool *pool;
    int index;
} worker_arg;

static void cpu_relax(void)
{
#if defined(__x86_64__)
    __asm__ volatile("pause");
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

static unsigned wait_generation(q4t_pool *p, unsigned seen)
{
    unsigned g;
    for (int i = 0; i < SPIN_ROUNDS; i++) {
        if ((g = atomic_load_explicit(&p->generation, memory_order_acquire)) != seen)
            return g;
        cpu_relax();
    }
    pthread_mutex_lock(&p->lock);
    while ((g = atomic_load_explicit(&p->generation, memory_order_acquire)) == seen)
        pthread_cond_wait(&p->wake, &p->lock);
    pthread_mutex_unlock(&p->lock);
    return g;
}

static void *worker(void *arg)
{
    worker_arg *w = arg;
    q4t_pool *p = w->pool;
    const int index = w->index;
    free(w);
    unsigned seen = 0;
    for (;;) {
        seen = wait_generation(p, seen);
        if (atomic_load(&p->stop))
            return NULL;
        p->fn(p->ctx, index, p->n);
        atomic_fetch_sub_explicit(&p->pending, 1, memory_order_release);
    }
}

q4t_pool *q4t_pool_create(int nthreads)
{
    if (nthreads < 1)
        return NULL;
    q4t_pool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->n = nthreads;
    p->threads = calloc((size_t)nthreads, sizeof *p->threads);
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    for (int i = 1; i < nthreads; i++) {
        worker_arg *w = malloc(sizeof *w);
        if (!p->threads || !w) {
            free(w);
            p->n = i;
            q4t_pool_destroy(p);
            return NULL;
        }
        *w = (worker_arg){p, i};
        if (pthread_create(&p->threads[i], NULL, worker, w)) {
            free(w);
            p->n = i;
            q4t_pool_destroy(p);
            return NULL;
        }
    }
    return p;
}

int q4t_pool_size(const q4t_pool *p)
{
    return p->n;
}

static void publish(q4t_pool *p)
{
    pthread_mutex_lock(&p->lock);
    atomic_fetch_add_explicit(&p->generation, 1, memory_order_release);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
}

void q4t_pool_run(q4t_pool *p, q4t_task_fn fn, void *ctx)
{
    if (p->n == 1) {
        fn(ctx, 0, 1);
        return;
    }
    p->fn = fn;
    p->ctx = ctx;
    atomic_store_explicit(&p->pending, p->n - 1, memory_order_relaxed);
    publish(p);
    fn(ctx, 0, p->n);
    while (atomic_load_explicit(&p->pending, memory_order_acquire) > 0)
        cpu_relax();
}

void q4t_pool_destroy(q4t_pool *p)
{
    if (!p)
        return;
    atomic_store(&p->stop, 1);
    publish(p);
    for (int i = 1; i < p->n; i++)
        pthread_join(p->threads[i], NULL);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->wake);
    free(p->threads);
    free(p);
}
