/* Kernel micro-benchmarks: see bench.h.
 *
 * One case = kernel x shape x threads (x mask x binding x schedule), named
 * <kernel>/<M>x<N>x<K>/t<threads>[/<mask>/<binding>/<schedule>] and labelled
 * with all of them. The timed loop runs the kernel over the whole of Y on a
 * pool bound as asked (q4t_parallel_run: task tiles, schedule); W is packed
 * once (hot: one copy; cold: enough copies, used in turn, to span 4 x the
 * last-level cache and the read-bandwidth buffer) and X is quantized once, outside the loop (its cost
 * per call is the pack_x_us counter). Counters, from the wall time of the loop:
 *   GOPS          2 M N K
 *   GB/s          packed W + packed X + Y bytes
 *   bw_pct        GB/s as a % of the measured read bandwidth
 *   peak_pct      GOPS as a % of the measured int8 peak of the kernel's ISA
 *   roofline_pct  GOPS as a % of min(peak, arithmetic intensity x bandwidth)
 * Beside them, pool_dispatch/t<threads>/<mask>/<binding> times an empty task
 * on every thread of each pool: the dispatch overhead every kernel call pays.
 */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gbench.h"
#include "placement.h"
#include "pool.h"
#include "registry.h"
#include "roofline.h"
#include "text.h"
#include "timer.h"
#include "workload.h"

typedef struct {
    const q4t_kernel *k;
    q4t_shape s;
    q4t_pool *pool;
    q4t_split split;
    char label[160];
    const q4t_roofline *roof;
    int cold;
    char name[160];
} bench_case;

/* The workload of the case being run; freed when another case starts. */
static struct {
    const bench_case *c;
    q4t_workload wl;
    double pack_x_us;
} live;

static int prepare(const bench_case *c)
{
    if (live.c == c)
        return 0;
    q4t_workload_free(&live.wl);
    live.c = NULL;
    if (q4t_workload_init(&live.wl, c->k, c->s, c->cold ? q4t_cold_span_bytes() : 0))
        return -1;
    double t[3];
    for (int r = 0; r < 3; r++) {
        const double t0 = q4t_now();
        q4t_kernel_pack_x(c->k, live.wl.xf, c->s.M, c->s.K, live.wl.x);
        t[r] = q4t_now() - t0;
    }
    live.pack_x_us = 1e6 * q4t_median(t, 3);
    live.c = c;
    return 0;
}

static void bench_fn(q4t_gb_state *st, void *ctx)
{
    const bench_case *c = ctx;
    if (prepare(c)) {
        q4t_gb_skip_with_error(st, "out of memory");
        return;
    }
    const q4t_shape s = c->s;
    q4t_gb_set_label(st, c->label);
    const double t0 = q4t_now();
    while (q4t_gb_keep_running(st)) {
        const q4t_run_args args = q4t_workload_next(&live.wl);
        q4t_parallel_run(c->pool, c->k, &args, &c->split);
    }
    const double per_iteration = (q4t_now() - t0) / (double)q4t_gb_iterations(st);
    const int all = q4t_pool_size(c->pool) > 1;
    double ops, bytes;
    q4t_call_work(c->k, s, &ops, &bytes);
    const double bw = (all ? c->roof->read_gbs_all : c->roof->read_gbs_1t) * 1e9;
    const double peak = q4t_roofline_peak(c->roof, c->k->isa, all, NULL) * 1e9;
    const double bound = peak > 0.0 && peak < ops / bytes * bw ? peak : ops / bytes * bw;
    /* Rates from the loop's own wall time, so that counters read as plain values. */
    q4t_gb_counter(st, "GOPS", ops / per_iteration * 1e-9, Q4T_GB_VALUE);
    q4t_gb_counter(st, "GB/s", bytes / per_iteration * 1e-9, Q4T_GB_VALUE);
    q4t_gb_counter(st, "bw_pct", bytes / per_iteration / bw * 100.0, Q4T_GB_VALUE);
    if (peak > 0.0)
        q4t_gb_counter(st, "peak_pct", ops / per_iteration / peak * 100.0, Q4T_GB_VALUE);
    q4t_gb_counter(st, "roofline_pct", ops / per_iteration / bound * 100.0, Q4T_GB_VALUE);
    q4t_gb_counter(st, "pack_x_us", live.pack_x_us, Q4T_GB_VALUE);
}

static void no_work(void *ctx, int thread, int nthreads)
{
    (void)ctx, (void)thread, (void)nthreads;
}

/* The pool's dispatch overhead: one empty task on every thread, start to finish. */
static void dispatch_fn(q4t_gb_state *st, void *ctx)
{
    q4t_pool *pool = ctx;
    while (q4t_gb_keep_running(st))
        q4t_pool_run(pool, no_work, NULL);
}

/* One Google Benchmark case, in microseconds, with p10 and p90 beside the median. */
static void register_case(const char *name, q4t_gb_fn fn, void *ctx)
{
    q4t_gb_bench *b = q4t_gb_register(name, fn, ctx);
    q4t_gb_unit(b, Q4T_GB_US);
    q4t_gb_percentiles(b);
}

size_t q4t_bench_default_shapes(q4t_shape *shapes, size_t max)
{
    static const size_t nk[][2] = {
        {4096, 4096}, {1024, 4096}, {14336, 4096}, {4096, 14336}, /* Llama-3-8B: q/o, k/v, gate/up, down */
        {896, 896},   {128, 896},   {4864, 896},   {896, 4864},   /* Qwen2.5-0.5B */
    };
    static const size_t ms[] = {1, 512};
    size_t n = 0;
    for (size_t m = 0; m < 2; m++)
        for (size_t i = 0; i < sizeof nk / sizeof nk[0] && n < max; i++)
            shapes[n++] = (q4t_shape){ms[m], nk[i][0], nk[i][1]};
    return n;
}

static void add_context(const q4t_cpu *cpu, const q4t_roofline *roof, int cold)
{
    char buf[512];
    q4t_gb_add_context("q4tune_version", Q4T_VERSION);
    q4t_gb_add_context("cpu_model", cpu->model);
    q4t_gb_add_context("arch", cpu->arch);
    q4t_features_format(cpu->features, " ", buf, sizeof buf);
    q4t_gb_add_context("isa_features", buf);
    FILE *f = fopen("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "r");
    if (!f || !fgets(buf, sizeof buf, f))
        snprintf(buf, sizeof buf, "unknown");
    if (f)
        fclose(f);
    buf[strcspn(buf, "\n")] = '\0';
    q4t_gb_add_context("governor", buf);
    q4t_gb_add_context("weights", cold ? "cold (copies rotated past the last-level cache)" : "hot (one copy)");
    snprintf(buf, sizeof buf, "%.2f", roof->read_gbs_1t);
    q4t_gb_add_context("read_gbs_1t", buf);
    snprintf(buf, sizeof buf, "%.2f (%d threads)", roof->read_gbs_all, roof->threads);
    q4t_gb_add_context("read_gbs_all", buf);
    for (int i = 0; i < roof->npeaks; i++) {
        char key[64];
        snprintf(key, sizeof key, "int8_peak_gops %s", roof->peaks[i].name);
        snprintf(buf, sizeof buf, "%.1f 1t, %.1f all", roof->peaks[i].gops_1t, roof->peaks[i].gops_all);
        q4t_gb_add_context(key, buf);
    }
}

/* argv[0], our defaults as Google Benchmark flags, then the user's flags (later
 * ones win). */
static char **with_defaults(const q4t_bench_opts *o, int *argc, char **argv, char *reps, char *min_time)
{
    char **out = calloc((size_t)*argc + 3, sizeof *out);
    if (!out)
        return NULL;
    int n = 0;
    out[n++] = argv[0];
    if (o->repetitions > 0)
        out[n++] = reps;
    if (o->min_time > 0.0)
        out[n++] = min_time;
    for (int i = 1; i < *argc; i++)
        out[n++] = argv[i];
    *argc = n;
    return out;
}

/* One pool per threads x mask x binding; NULL (reported) where it cannot be made. */
typedef struct {
    int threads;
    const q4t_mask *mask; /* NULL for binding none */
    q4t_binding binding;
    q4t_pool *pool;
} pool_slot;

int q4t_bench_run(const q4t_bench_opts *o, const q4t_cpu *cpu, int *argc, char **argv)
{
    char reps[64], min_time[64];
    snprintf(reps, sizeof reps, "--benchmark_repetitions=%d", o->repetitions);
    snprintf(min_time, sizeof min_time, "--benchmark_min_time=%g", o->min_time);
    char **gb_argv = with_defaults(o, argc, argv, reps, min_time);
    if (!gb_argv || q4t_gb_init(argc, gb_argv)) {
        free(gb_argv);
        return -1;
    }
    free(gb_argv);
    const size_t nslots = o->nthreads * (o->nmasks + 1) * o->nbindings;
    pool_slot *slots = calloc(nslots, sizeof *slots);
    bench_case *cases = calloc(q4t_kernel_count() * o->nshapes * nslots * o->nschedules + o->ntuned, sizeof *cases);
    q4t_pool *probe_pool = NULL;
    q4t_roofline roof;
    size_t used = 0, n = 0;
    int rc = -1, max_threads = 1;
    if (!slots || !cases)
        goto out;
    for (size_t ti = 0; ti < o->nthreads; ti++) {
        max_threads = o->threads[ti] > max_threads ? o->threads[ti] : max_threads;
        for (size_t bi = 0; bi < o->nbindings; bi++) {
            const int unbound = o->bindings[bi] == Q4T_BIND_NONE;
            for (size_t mi = 0; mi < (unbound ? 1 : o->nmasks); mi++) {
                pool_slot *sl = &slots[used++];
                char err[256];
                *sl = (pool_slot){o->threads[ti], unbound ? NULL : &o->masks[mi], o->bindings[bi], NULL};
                sl->pool = unbound ? q4t_pool_create_bound(sl->threads, sl->binding, NULL, NULL, err, sizeof err)
                                   : q4t_pool_place(o->topo, sl->threads, sl->binding, sl->mask->pus, err, sizeof err);
                if (!sl->pool)
                    fprintf(stderr, "q4tune bench: t%d, binding %s, mask %s not run: %s\n", sl->threads,
                            q4t_binding_name(sl->binding), unbound ? "-" : sl->mask->label, err);
            }
        }
    }
    fprintf(stderr, "q4tune bench: measuring the roofline (read bandwidth, int8 peaks)...\n");
    if (!(probe_pool = q4t_pool_create(max_threads)) || q4t_roofline_measure(&roof, cpu, probe_pool))
        goto out;
    q4t_pool_destroy(probe_pool);
    probe_pool = NULL;
    add_context(cpu, &roof, o->cold);

    for (size_t i = 0; i < o->ntuned; i++) {
        const q4t_bench_tuned *t = &o->tuned[i];
        bench_case *c = &cases[n++];
        *c = (bench_case){.k = t->kernel, .s = t->shape, .pool = t->pool, .split = t->split, .roof = &roof,
                          .cold = o->cold};
        snprintf(c->label, sizeof c->label, "tuned %s/%s tiles %zux%zu", t->placement,
                 q4t_schedule_name(t->split.schedule), t->split.task_rows, t->split.task_cols);
        snprintf(c->name, sizeof c->name, "%s/%zux%zux%zu/%s/%s", t->kernel->name, t->shape.M, t->shape.N,
                 t->shape.K, t->placement, q4t_schedule_name(t->split.schedule));
        register_case(c->name, bench_fn, c);
    }
    for (size_t i = 0; i < q4t_kernel_count() && !o->ntuned; i++) {
        const q4t_kernel *k = q4t_kernel_at(i);
        if (!q4t_list_selects(o->kernels, k->name))
            continue;
        if (q4t_kernel_missing(k, cpu->features)) {
            char names[256];
            q4t_features_format(q4t_kernel_missing(k, cpu->features), ",", names, sizeof names);
            fprintf(stderr, "q4tune bench: %s not run: this CPU lacks %s\n", k->name, names);
            continue;
        }
        for (size_t si = 0; si < o->nshapes; si++) {
            const q4t_shape s = o->shapes[si];
            if ((k->op == Q4T_OP_GEMV) != (s.M == 1))
                continue; /* GEMV kernels at M = 1, GEMM kernels at M > 1 */
            for (size_t pi = 0; pi < used; pi++) {
                const pool_slot *sl = &slots[pi];
                for (size_t sci = 0; sl->pool && sci < o->nschedules; sci++) {
                    bench_case *c = &cases[n++];
                    const char *mask = sl->mask ? sl->mask->label : "-";
                    *c = (bench_case){.k = k, .s = s, .pool = sl->pool, .split = {.schedule = o->schedules[sci]},
                                      .roof = &roof, .cold = o->cold};
                    snprintf(c->label, sizeof c->label, "threads=%d mask=%s binding=%s schedule=%s", sl->threads,
                             mask, q4t_binding_name(sl->binding), q4t_schedule_name(c->split.schedule));
                    int len = snprintf(c->name, sizeof c->name, "%s/%zux%zux%zu/t%d", k->name, s.M, s.N, s.K,
                                       sl->threads);
                    if (o->placement_in_name)
                        snprintf(c->name + len, sizeof c->name - (size_t)len, "/%s/%s/%s", mask,
                                 q4t_binding_name(sl->binding), q4t_schedule_name(c->split.schedule));
                    /* Repetitions and min time come as flags (above): set here they
                     * would be appended to the name. The main thread takes part in
                     * every run, so its CPU time is the wall time. */
                    register_case(c->name, bench_fn, c);
                }
            }
        }
    }
    char (*dispatch_names)[96] = calloc(used, sizeof *dispatch_names);
    for (size_t pi = 0; pi < used && dispatch_names && n > 0 && !o->ntuned; pi++) {
        const pool_slot *sl = &slots[pi];
        if (!sl->pool)
            continue;
        snprintf(dispatch_names[pi], sizeof dispatch_names[pi], "pool_dispatch/t%d/%s/%s", sl->threads,
                 sl->mask ? sl->mask->label : "-", q4t_binding_name(sl->binding));
        register_case(dispatch_names[pi], dispatch_fn, sl->pool);
    }
    if (n == 0) {
        fprintf(stderr, "q4tune bench: no kernel x shape to run (GEMV kernels take M = 1, GEMM kernels M > 1)\n");
        free(dispatch_names);
        goto out;
    }
    rc = q4t_gb_run_all(NULL, NULL) > 0 ? 0 : -1;
    free(dispatch_names);
out:
    q4t_workload_free(&live.wl);
    live.c = NULL;
    q4t_gb_shutdown();
    q4t_pool_destroy(probe_pool);
    for (size_t i = 0; i < used; i++)
        q4t_pool_destroy(slots[i].pool);
    free(slots);
    free(cases);
    return rc;
}
