/* The tuner's real environment: see measure.h. */
#define _POSIX_C_SOURCE 200809L /* fileno, isatty */
#include "measure.h"

#include <math.h>
#include <string.h>
#include <unistd.h>

#include "registry.h"
#include "roofline.h"
#include "timer.h"
#include "verify.h"

void q4t_tune_machine_init(q4t_tune_machine *m, const q4t_topology *topo, uint64_t features, FILE *progress)
{
    memset(m, 0, sizeof *m);
    m->topo = topo;
    m->features = features;
    m->span_bytes = q4t_cold_span_bytes();
    m->out = progress;
    m->tty = progress && isatty(fileno(progress));
}

void q4t_tune_machine_free(q4t_tune_machine *m)
{
    for (int i = 0; i < 3; i++)
        q4t_workload_free(&m->wl[i]);
    for (int i = 0; i < m->npools; i++)
        q4t_pool_destroy(m->pools[i].pool);
    m->npools = 0;
    if (m->tty && m->last_line[0])
        fputc('\n', m->out);
    m->last_line[0] = '\0';
}

static q4t_pool *pool_for(q4t_tune_machine *m, const q4t_config *c, char *why, size_t len)
{
    for (int i = 0; i < m->npools; i++)
        if (m->pools[i].threads == c->threads && m->pools[i].binding == c->binding &&
            !strcmp(m->pools[i].mask, c->mask))
            return m->pools[i].pool;
    if (m->npools == (int)(sizeof m->pools / sizeof m->pools[0])) { /* keep the thread count bounded */
        for (int i = 0; i < m->npools; i++)
            q4t_pool_destroy(m->pools[i].pool);
        m->npools = 0;
    }
    q4t_pool *p = q4t_config_pool(m->topo, c, why, len);
    if (p) {
        m->pools[m->npools].threads = c->threads;
        m->pools[m->npools].binding = c->binding;
        snprintf(m->pools[m->npools].mask, sizeof m->pools[0].mask, "%s", c->mask);
        m->pools[m->npools++].pool = p;
    }
    return p;
}

static int verify(void *ctx, const q4t_kernel *k, const q4t_tune_shape *s, char *why, size_t len)
{
    (void)ctx;
    /* The shape's K; M and N cut down, keeping their remainders modulo 16 and
     * 512 (so the ragged edge of every register tile is the shape's own), so
     * that the scalar reference stays cheap. */
    const q4t_shape v = {s->M <= 32 ? s->M : 16 + s->M % 16, s->N <= 1024 ? s->N : 512 + s->N % 512, s->K};
    q4t_verify_result r;
    if (q4t_verify(k, v, 1, &r)) {
        snprintf(why, len, "out of memory verifying on %zux%zux%zu", v.M, v.N, v.K);
        return -1;
    }
    if (!r.ok)
        snprintf(why, len,
                 "wrong on %zux%zux%zu: y[%zu][%zu] = %g vs %g (%.3g x tolerance), %d untouched, %d written outside, "
                 "%d differ tile by tile",
                 v.M, v.N, v.K, r.worst_m, r.worst_n, r.y, r.y_ref, r.worst, r.untouched, r.overwritten,
                 r.split_differs);
    return r.ok ? 0 : -1;
}

/* One call as the model makes it: quantize and pack X on the pool, then run
 * over all of Y. */
static double timed_call(q4t_workload *wl, q4t_pool *pool, const q4t_split *split)
{
    const double t0 = q4t_now();
    q4t_parallel_pack_x(pool, wl->k, wl->xf, wl->s.M, wl->s.K, wl->x);
    const q4t_run_args a = q4t_workload_next(wl);
    q4t_parallel_run(pool, wl->k, &a, split);
    return q4t_now() - t0;
}

/* The workload of k on s, made if needed (the least recent one goes); NULL if out of memory. */
static q4t_workload *workload_for(q4t_tune_machine *m, const q4t_kernel *k, q4t_shape s)
{
    int i = 0;
    while (i < 3 && !(m->wl[i].k == k && !memcmp(&m->wl[i].s, &s, sizeof s)))
        i++;
    q4t_workload found;
    if (i < 3) {
        found = m->wl[i];
    } else {
        i = 2;
        q4t_workload_free(&m->wl[2]);
        if (q4t_workload_init(&found, k, s, m->span_bytes))
            return NULL;
    }
    memmove(&m->wl[1], &m->wl[0], sizeof m->wl[0] * (size_t)i);
    m->wl[0] = found;
    return &m->wl[0];
}

static int measure(void *ctx, const q4t_tune_shape *s, const q4t_config *c, int min_reps, int max_reps,
                   double target, double *t, char *why, size_t len)
{
    q4t_tune_machine *m = ctx;
    q4t_workload *wl = workload_for(m, c->kernel, (q4t_shape){s->M, s->N, s->K});
    if (!wl) {
        snprintf(why, len, "out of memory for %zux%zux%zu", s->M, s->N, s->K);
        return -1;
    }
    q4t_pool *pool = pool_for(m, c, why, len);
    if (!pool)
        return -1;
    const double warm = timed_call(wl, pool, &c->split);
    int n = warm > 0 ? (int)fmin(max_reps, floor(target / warm)) : max_reps;
    n = n < min_reps ? min_reps : n;
    for (int i = 0; i < n; i++)
        t[i] = timed_call(wl, pool, &c->split);
    return n;
}

static double now(void *ctx)
{
    (void)ctx;
    return q4t_now();
}

static void progress(void *ctx, const char *line, double done)
{
    q4t_tune_machine *m = ctx;
    if (!m->out || !strcmp(line, m->last_line))
        return;
    snprintf(m->last_line, sizeof m->last_line, "%s", line);
    if (m->tty) {
        char bar[31];
        const int fill = (int)(done * 30.0 + 0.5);
        for (int i = 0; i < 30; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[30] = '\0';
        fprintf(m->out, "\r\033[K[%s] %3.0f%% %s", bar, 100.0 * done, line);
    } else {
        fprintf(m->out, "tune: %3.0f%% %s\n", 100.0 * done, line);
    }
    fflush(m->out);
}

q4t_tune_env q4t_tune_machine_env(q4t_tune_machine *m)
{
    return (q4t_tune_env){.ctx = m, .verify = verify, .measure = measure, .now = now, .progress = progress};
}

int q4t_drift_probe(q4t_tune_machine *m, double *seconds, char *what, size_t len)
{
    q4t_config c = {.kernel = q4t_kernel_preferred(Q4T_OP_GEMV, m->features, NULL), .threads = 1,
                     .binding = Q4T_BIND_NONE, .mask = "all"};
    const q4t_shape s = {1, 1024, 1024};
    q4t_workload wl;
    if (q4t_workload_init(&wl, c.kernel, s, 0))
        return -1;
    char err[200];
    q4t_pool *pool = pool_for(m, &c, err, sizeof err);
    if (!pool) {
        q4t_workload_free(&wl);
        return -1;
    }
    const q4t_run_args a = q4t_workload_next(&wl);
    double t0 = q4t_now();
    q4t_parallel_run(pool, c.kernel, &a, &c.split); /* warm-up, and the length of one call */
    const double one = q4t_now() - t0;
    const int calls = one > 0 && one < 2e-3 ? (int)(2e-3 / one) : 1; /* samples of about 2 ms */
    double t[7];
    for (int i = 0; i < 7; i++) {
        t0 = q4t_now();
        for (int j = 0; j < calls; j++)
            q4t_parallel_run(pool, c.kernel, &a, &c.split);
        t[i] = (q4t_now() - t0) / calls;
    }
    *seconds = q4t_median(t, 7);
    snprintf(what, len, "%s 1x1024x1024, 1 thread, hot weights, median of 7 x %d calls", c.kernel->name, calls);
    q4t_workload_free(&wl);
    return 0;
}
