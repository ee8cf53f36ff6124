/* The thread pool: see pool.h. A task is published by bumping a generation
 * counter; workers spin on it for a while, then wait on a condition variable.
 * Each worker binds itself before it reports ready. The calling thread is
 * bound lazily: when it runs a bound pool's task and is not already bound for
 * that pool; its own affinity (kept per thread) comes back when it runs an
 * unbound pool, creates a pool, or destroys the pool it is bound for. So
 * pools never leak one's binding into another's threads. */
#define _GNU_SOURCE
#include "pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { SPIN_ROUNDS = 1 << 16 };

struct q4t_pool {
    int n;
    hwloc_topology_t topo;     /* NULL for an unbound pool */
    hwloc_cpuset_t *sets;      /* per thread: where it is bound */
    int nsets;
    atomic_int ready;          /* workers that have bound themselves */
    atomic_int bind_failed;
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

/* The calling thread's own affinity, and the pool it is bound for (if any). */
static _Thread_local cpu_set_t caller_own;
static _Thread_local const q4t_pool *caller_bound_for;

static void caller_unbind(void)
{
    if (caller_bound_for) {
        sched_setaffinity(0, sizeof caller_own, &caller_own);
        caller_bound_for = NULL;
    }
}

static void caller_bind(const q4t_pool *p)
{
    if (caller_bound_for == p)
        return;
    if (!caller_bound_for)
        sched_getaffinity(0, sizeof caller_own, &caller_own);
    hwloc_set_cpubind(p->topo, p->sets[0], HWLOC_CPUBIND_THREAD);
    caller_bound_for = p;
}

static int bind_self(q4t_pool *p, int index)
{
    return hwloc_set_cpubind(p->topo, p->sets[index], HWLOC_CPUBIND_THREAD);
}

static void *worker(void *arg)
{
    worker_arg *w = arg;
    q4t_pool *p = w->pool;
    const int index = w->index;
    free(w);
    if (p->topo && bind_self(p, index))
        atomic_store(&p->bind_failed, 1);
    atomic_fetch_add(&p->ready, 1);
    unsigned seen = 0;
    for (;;) {
        seen = wait_generation(p, seen);
        if (atomic_load(&p->stop))
            return NULL;
        p->fn(p->ctx, index, p->n);
        atomic_fetch_sub_explicit(&p->pending, 1, memory_order_release);
    }
}

static q4t_pool *fail(q4t_pool *p, char *err, size_t errlen, const char *message)
{
    if (err)
        snprintf(err, errlen, "%s", message);
    q4t_pool_destroy(p);
    return NULL;
}

/* The per-thread cpusets of a binding; 0, or -1 with a message. */
static int plan_binding(q4t_pool *p, q4t_binding binding, hwloc_const_cpuset_t mask, const int *order, char *err,
                        size_t errlen)
{
    if (hwloc_bitmap_iszero(mask)) {
        snprintf(err, errlen, "the affinity mask is empty");
        return -1;
    }
    if (!hwloc_bitmap_isincluded(mask, hwloc_topology_get_allowed_cpuset(p->topo))) {
        char *text = NULL;
        hwloc_bitmap_list_asprintf(&text, mask);
        snprintf(err, errlen, "the affinity mask %s names PUs this process may not run on", text ? text : "?");
        free(text);
        return -1;
    }
    if (binding == Q4T_BIND_STRICT && hwloc_bitmap_weight(mask) < p->n) {
        snprintf(err, errlen, "strict binding of %d threads needs %d PUs, the mask has %d", p->n, p->n,
                 hwloc_bitmap_weight(mask));
        return -1;
    }
    int pu = hwloc_bitmap_first(mask);
    for (int i = 0; i < p->n; i++, p->nsets++) {
        if (!(p->sets[i] = hwloc_bitmap_alloc())) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        if (binding == Q4T_BIND_STRICT) {
            if (order && !hwloc_bitmap_isset(mask, (unsigned)order[i])) {
                snprintf(err, errlen, "PU %d of the binding order is not in the mask", order[i]);
                return -1;
            }
            hwloc_bitmap_only(p->sets[i], (unsigned)(order ? order[i] : pu));
            pu = hwloc_bitmap_next(mask, pu);
        } else {
            hwloc_bitmap_copy(p->sets[i], mask);
        }
    }
    return 0;
}

q4t_pool *q4t_pool_create_bound(int nthreads, q4t_binding binding, hwloc_const_cpuset_t mask, const int *order,
                                char *err, size_t errlen)
{
    char scratch[256]; /* the message when the caller wants none */
    if (!err) {
        err = scratch;
        errlen = sizeof scratch;
    }
    if (nthreads < 1)
        return fail(NULL, err, errlen, "a pool needs at least one thread");
    q4t_pool *p = calloc(1, sizeof *p);
    if (!p)
        return fail(NULL, err, errlen, "out of memory");
    p->n = nthreads;
    p->threads = calloc((size_t)nthreads, sizeof *p->threads);
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    p->n = 1; /* threads running so far: destroy joins only those */
    if (!p->threads)
        return fail(p, err, errlen, "out of memory");
    if (binding != Q4T_BIND_NONE) {
        p->n = nthreads;
        if (hwloc_topology_init(&p->topo) || hwloc_topology_load(p->topo) ||
            !(p->sets = calloc((size_t)nthreads, sizeof *p->sets))) {
            p->n = 1;
            return fail(p, err, errlen, "hwloc could not load the topology");
        }
        const int planned = plan_binding(p, binding, mask, order, err, errlen);
        p->n = 1;
        if (planned)
            return fail(p, NULL, 0, NULL);
    }
    caller_unbind(); /* new threads inherit the caller's own affinity */
    for (int i = 1; i < nthreads; i++) {
        worker_arg *w = malloc(sizeof *w);
        if (!w)
            return fail(p, err, errlen, "out of memory");
        *w = (worker_arg){p, i};
        if (pthread_create(&p->threads[i], NULL, worker, w)) {
            free(w);
            return fail(p, err, errlen, "cannot create a thread");
        }
        p->n = i + 1;
    }
    while (atomic_load(&p->ready) < nthreads - 1)
        cpu_relax();
    if (atomic_load(&p->bind_failed))
        return fail(p, err, errlen, "cannot bind a worker thread (hwloc_set_cpubind)");
    return p;
}

q4t_pool *q4t_pool_create(int nthreads)
{
    return q4t_pool_create_bound(nthreads, Q4T_BIND_NONE, NULL, NULL, NULL, 0);
}

const char *q4t_binding_name(q4t_binding b)
{
    return b == Q4T_BIND_STRICT ? "strict" : b == Q4T_BIND_MASK ? "mask" : "none";
}

int q4t_binding_parse(const char *name)
{
    for (int b = Q4T_BIND_NONE; b <= Q4T_BIND_STRICT; b++)
        if (!strcmp(name, q4t_binding_name((q4t_binding)b)))
            return b;
    return -1;
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
    if (p->topo)
        caller_bind(p);
    else
        caller_unbind();
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
    if (caller_bound_for == p)
        caller_unbind();
    if (p->topo) {
        for (int i = 0; i < p->nsets; i++)
            hwloc_bitmap_free(p->sets[i]);
        hwloc_topology_destroy(p->topo);
    }
    free(p->sets);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->wake);
    free(p->threads);
    free(p);
}
