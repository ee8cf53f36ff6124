/* The thread pool: every thread runs every task exactly once, with its own
 * index, and run() returns only when all have finished; bound pools really pin
 * (each thread reports its own binding, through hwloc and sched_getaffinity),
 * bad masks are refused, and the caller's binding comes back. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdatomic.h>
#include <string.h>

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

typedef struct {
    hwloc_topology_t topo;
    hwloc_cpuset_t got[8]; /* hwloc's view of each thread's binding */
    cpu_set_t os[8];       /* the kernel's */
} bindings;

static void report_binding(void *ctx, int thread, int nthreads)
{
    bindings *b = ctx;
    (void)nthreads;
    hwloc_get_cpubind(b->topo, b->got[thread], HWLOC_CPUBIND_THREAD);
    sched_getaffinity(0, sizeof b->os[thread], &b->os[thread]);
}

/* The kernel's affinity of thread t equals set. */
static int os_matches(const cpu_set_t *os, hwloc_const_cpuset_t set)
{
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
        if (!!CPU_ISSET(cpu, os) != hwloc_bitmap_isset(set, (unsigned)cpu))
            return 0;
    return 1;
}

static void check_binding(hwloc_topology_t topo, q4t_binding binding, hwloc_const_cpuset_t mask, int n)
{
    char err[256] = "";
    bindings b = {.topo = topo};
    for (int i = 0; i < n; i++)
        b.got[i] = hwloc_bitmap_alloc();
    hwloc_cpuset_t before = hwloc_bitmap_alloc(), after = hwloc_bitmap_alloc(), want = hwloc_bitmap_alloc();
    hwloc_get_cpubind(topo, before, HWLOC_CPUBIND_THREAD);
    q4t_pool *p = q4t_pool_create_bound(n, binding, mask, NULL, err, sizeof err);
    CHECK(p, "%s pool of %d: %s", q4t_binding_name(binding), n, err);
    if (p) {
        q4t_pool_run(p, report_binding, &b);
        int pu = hwloc_bitmap_first(mask);
        for (int i = 0; i < n; i++) {
            if (binding == Q4T_BIND_STRICT) {
                hwloc_bitmap_only(want, (unsigned)pu);
                pu = hwloc_bitmap_next(mask, pu);
            } else {
                hwloc_bitmap_copy(want, binding == Q4T_BIND_MASK ? mask : before);
            }
            char *g = NULL, *w = NULL;
            hwloc_bitmap_list_asprintf(&g, b.got[i]);
            hwloc_bitmap_list_asprintf(&w, want);
            CHECK(hwloc_bitmap_isequal(b.got[i], want) && os_matches(&b.os[i], want),
                  "%s: thread %d of %d is bound to %s, expected %s", q4t_binding_name(binding), i, n, g, w);
            free(g);
            free(w);
        }
        q4t_pool_destroy(p);
    }
    hwloc_get_cpubind(topo, after, HWLOC_CPUBIND_THREAD);
    CHECK(hwloc_bitmap_isequal(before, after), "%s: the caller's binding is restored", q4t_binding_name(binding));
    for (int i = 0; i < n; i++)
        hwloc_bitmap_free(b.got[i]);
    hwloc_bitmap_free(before);
    hwloc_bitmap_free(after);
    hwloc_bitmap_free(want);
}

static void bindings_on_this_machine(void)
{
    hwloc_topology_t topo;
    if (hwloc_topology_init(&topo) || hwloc_topology_load(topo)) {
        CHECK(0, "hwloc loads this machine's topology");
        return;
    }
    hwloc_const_cpuset_t allowed = hwloc_topology_get_allowed_cpuset(topo);
    const int pus = hwloc_bitmap_weight(allowed);
    const int n = pus < 4 ? pus : 4;
    hwloc_cpuset_t last = hwloc_bitmap_alloc();
    hwloc_bitmap_only(last, (unsigned)hwloc_bitmap_last(allowed));
    check_binding(topo, Q4T_BIND_STRICT, allowed, n);
    check_binding(topo, Q4T_BIND_MASK, allowed, n);
    check_binding(topo, Q4T_BIND_MASK, last, 2); /* two threads on one PU */
    check_binding(topo, Q4T_BIND_NONE, allowed, n);

    /* A strict pool that has run leaves no binding behind in a new unbound pool. */
    if (pus >= 2) {
        hwloc_cpuset_t own = hwloc_bitmap_alloc();
        hwloc_get_cpubind(topo, own, HWLOC_CPUBIND_THREAD);
        bindings b = {.topo = topo, .got = {hwloc_bitmap_alloc(), hwloc_bitmap_alloc()}};
        q4t_pool *strict = q4t_pool_create_bound(2, Q4T_BIND_STRICT, allowed, NULL, NULL, 0);
        q4t_pool_run(strict, report_binding, &b);
        q4t_pool *none = q4t_pool_create(2);
        q4t_pool_run(none, report_binding, &b);
        CHECK(hwloc_bitmap_isequal(b.got[0], own) && hwloc_bitmap_isequal(b.got[1], own),
              "an unbound pool made after a strict one runs with the caller's own affinity");
        q4t_pool_run(strict, report_binding, &b);
        CHECK(hwloc_bitmap_weight(b.got[0]) == 1 && hwloc_bitmap_weight(b.got[1]) == 1,
              "the strict pool is pinned again when it runs next");
        q4t_pool_destroy(none);
        q4t_pool_destroy(strict);
        hwloc_bitmap_free(b.got[0]);
        hwloc_bitmap_free(b.got[1]);
        hwloc_bitmap_free(own);
    }

    /* Strict binding follows the order it is given: here the last PU first. */
    if (pus >= 2) {
        const int order[2] = {hwloc_bitmap_last(allowed), hwloc_bitmap_first(allowed)};
        bindings b = {.topo = topo, .got = {hwloc_bitmap_alloc(), hwloc_bitmap_alloc()}};
        q4t_pool *p = q4t_pool_create_bound(2, Q4T_BIND_STRICT, allowed, order, NULL, 0);
        q4t_pool_run(p, report_binding, &b);
        CHECK(hwloc_bitmap_first(b.got[0]) == order[0] && hwloc_bitmap_weight(b.got[0]) == 1 &&
                  hwloc_bitmap_first(b.got[1]) == order[1] && hwloc_bitmap_weight(b.got[1]) == 1,
              "strict binding in the given order");
        q4t_pool_destroy(p);
        hwloc_bitmap_free(b.got[0]);
        hwloc_bitmap_free(b.got[1]);
    }

    char err[256];
    hwloc_cpuset_t bad = hwloc_bitmap_alloc();
    CHECK(!q4t_pool_create_bound(2, Q4T_BIND_MASK, bad, NULL, err, sizeof err) && strstr(err, "empty"),
          "an empty mask is refused: %s", err);
    hwloc_bitmap_only(bad, 4000);
    CHECK(!q4t_pool_create_bound(1, Q4T_BIND_STRICT, bad, NULL, err, sizeof err) && strstr(err, "may not run on"),
          "a mask beyond the machine is refused: %s", err);
    CHECK(!q4t_pool_create_bound(pus + 1, Q4T_BIND_STRICT, allowed, NULL, err, sizeof err) && strstr(err, "needs"),
          "strict binding of more threads than PUs is refused: %s", err);
    hwloc_bitmap_free(bad);
    hwloc_bitmap_free(last);
    hwloc_topology_destroy(topo);
    CHECK(q4t_binding_parse("strict") == Q4T_BIND_STRICT && q4t_binding_parse("mask") == Q4T_BIND_MASK &&
              q4t_binding_parse("none") == Q4T_BIND_NONE && q4t_binding_parse("tight") == -1,
          "binding names");
}

int main(void)
{
    bindings_on_this_machine();
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
