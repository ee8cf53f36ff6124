/* The tuner's selection logic on synthetic timings (a fake clock and a timing
 * model instead of the machine), its statistics, and reading back what it
 * stores: exact, nearest and default selection, and the refusals. */
#define _POSIX_C_SOURCE 200809L /* getpid */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "device.h"
#include "registry.h"
#include "search.h"
#include "stats.h"
#include "json.h"
#include "plan.h"
#include "store.h"
#include "tuned.h"

/* The phone topology: PUs 0-3 Cortex-A510, 4-6 Cortex-A715, 7 Cortex-X3. */
static double pu_speed(int pu)
{
    return pu == 7 ? 1.0 : pu >= 4 ? 0.7 : 0.6;
}

typedef struct {
    const q4t_topology *topo;
    double clock;           /* the fake clock, seconds */
    const q4t_kernel *bad;  /* fails verification */
    int flat;               /* every configuration takes the same time */
    uint64_t rng;
    int verified, measured;
} fake;

static double noise(fake *f) /* 1 +- 0.4% */
{
    f->rng = f->rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return 1.0 + 0.004 * ((double)(f->rng >> 11) / (double)(1ULL << 53) * 2.0 - 1.0);
}

/* Kernel speed: the i-th candidate of its op (registry order) takes 1 + 0.25 i ms. */
static double base_time(const q4t_kernel *k)
{
    int i = 0;
    for (size_t j = 0; j < q4t_kernel_count() && q4t_kernel_at(j) != k; j++)
        i += q4t_kernel_at(j)->op == k->op && q4t_kernel_at(j) != q4t_reference(k->op);
    return 1e-3 * (1.0 + 0.25 * i);
}

/* Static: the slowest of the first t PUs governs; dynamic: their summed speed, 2% overhead. */
static double model_time(fake *f, const q4t_config *c)
{
    if (f->flat)
        return 1e-3;
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    char err[128];
    if (q4t_mask_parse(f->topo, c->mask, set, err, sizeof err)) {
        hwloc_bitmap_free(set);
        return -1;
    }
    int order[8];
    const int n = q4t_mask_bind_order(f->topo, set, order, 8);
    hwloc_bitmap_free(set);
    double slowest = 1.0, sum = 0.0;
    for (int i = 0; i < c->threads && i < n; i++) {
        slowest = fmin(slowest, pu_speed(order[i]));
        sum += pu_speed(order[i]);
    }
    const double b = base_time(c->kernel);
    return c->split.schedule == Q4T_SCHED_STATIC ? b / c->threads / slowest : 1.02 * b / sum;
}

static int fake_verify(void *ctx, const q4t_kernel *k, const q4t_tune_shape *s, char *why, size_t len)
{
    fake *f = ctx;
    (void)s;
    f->verified++;
    f->clock += 0.001;
    if (k == f->bad) {
        snprintf(why, len, "wrong on purpose");
        return -1;
    }
    return 0;
}

static int fake_measure(void *ctx, const q4t_tune_shape *s, const q4t_config *c, int min_reps, int max_reps,
                        double target, double *t, char *why, size_t len)
{
    fake *f = ctx;
    (void)s;
    const double m = model_time(f, c);
    if (m < 0) {
        snprintf(why, len, "mask %s does not parse", c->mask);
        return -1;
    }
    int n = (int)fmin(max_reps, floor(target / m));
    n = n < min_reps ? min_reps : n;
    f->clock += m; /* warm-up */
    for (int i = 0; i < n; i++)
        f->clock += t[i] = m * noise(f);
    f->measured++;
    return n;
}

static double fake_now(void *ctx)
{
    return ((fake *)ctx)->clock;
}

static void fake_progress(void *ctx, const char *line, double done)
{
    (void)ctx, (void)line;
    CHECK(done >= 0.0 && done <= 1.0, "progress within [0, 1]: %g", done);
}

static q4t_tune_env env_of(fake *f)
{
    return (q4t_tune_env){f, fake_verify, fake_measure, fake_now, fake_progress};
}

static void check_stats(void)
{
    double v[10] = {7, 3, 10, 1, 5, 9, 2, 8, 4, 6};
    const q4t_summary s = q4t_summarize(v, 10);
    CHECK(s.median == 5.5 && s.lo == 2 && s.hi == 9 && fabs(s.level - (1.0 - 22.0 / 1024)) < 1e-12,
          "summary of 1..10: median %g, CI [%g, %g] at %g", s.median, s.lo, s.hi, s.level);
    double a[10], b[10], c[10];
    for (int i = 0; i < 10; i++)
        a[i] = i + 1, b[i] = i + 11, c[i] = i + 1.5;
    const double p = q4t_mann_whitney_p(a, 10, b, 10);
    CHECK(fabs(p - 1.8e-4) < 0.2e-4, "Mann-Whitney 1..10 vs 11..20: p = %g, want 1.8e-4", p);
    CHECK(q4t_mann_whitney_p(a, 10, c, 10) > 0.5, "interleaved samples are alike");
    CHECK(q4t_mann_whitney_p(a, 10, a, 10) == 1.0, "identical samples: p = 1");
    CHECK(q4t_mann_whitney_p(a, 1, b, 10) == 1.0, "one sample says nothing");
}

/* The first runnable candidate of op (registry order, not the reference). */
static const q4t_kernel *candidate(q4t_op op, uint64_t features, int nth)
{
    for (size_t j = 0; j < q4t_kernel_count(); j++) {
        const q4t_kernel *k = q4t_kernel_at(j);
        if (k->op == op && k != q4t_reference(op) && !q4t_kernel_missing(k, features) && nth-- == 0)
            return k;
    }
    return NULL;
}

static cJSON *ranked_entry(const char *kernel, double median)
{
    const q4t_config c = {.kernel = q4t_kernel_find(kernel), .threads = 2, .binding = Q4T_BIND_MASK, .mask = "all"};
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "config", q4t_config_json(&c));
    cJSON_AddNumberToObject(o, "median_s", median);
    return o;
}

/* Pairing: GEMV ranked [v0 (layout X) 1.0, v1 (layout Y) 1.1], GEMM ranked
 * [m0 (Y) 1.0, m1 (X) 1.5]: (v1, m0) costs 2.1 against 2.5 for (v0, m1). */
static void check_pair(const char *v0, const char *v1, const char *m0, const char *m1)
{
    const q4t_kernel *k[4] = {q4t_kernel_find(v0), q4t_kernel_find(v1), q4t_kernel_find(m0), q4t_kernel_find(m1)};
    if (!k[0] || !k[1] || !k[2] || !k[3]) {
        CHECK(0, "the pairing kernels are in this build");
        return;
    }
    CHECK(q4t_kernel_same_w(k[0], k[3]) && q4t_kernel_same_w(k[1], k[2]) && !q4t_kernel_same_w(k[0], k[1]),
          "the pairing kernels have the layouts the test assumes");
    const uint64_t features = k[0]->isa | k[1]->isa | k[2]->isa | k[3]->isa;
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "schema", "q4tune-tuned");
    cJSON_AddNumberToObject(j, "schema_version", Q4T_TUNED_SCHEMA_VERSION);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(j, "device"), "id", "pairing");
    cJSON *shapes = cJSON_AddArrayToObject(j, "shapes");
    for (int op = 0; op < 2; op++) {
        cJSON *sh = cJSON_CreateObject();
        cJSON_AddStringToObject(sh, "op", op ? "gemm" : "gemv");
        cJSON_AddNumberToObject(sh, "M", op ? 64 : 1);
        cJSON_AddNumberToObject(sh, "N", 512);
        cJSON_AddNumberToObject(sh, "K", 512);
        cJSON *ranked = cJSON_AddArrayToObject(sh, "ranked");
        cJSON_AddItemToArray(ranked, ranked_entry(op ? m0 : v0, 1.0));
        cJSON_AddItemToArray(ranked, ranked_entry(op ? m1 : v1, op ? 1.5 : 1.1));
        cJSON_AddItemToArray(shapes, sh);
    }
    char err[256];
    q4t_json_write("test_tune.pair.json", j, err, sizeof err);
    cJSON_Delete(j);
    q4t_tuned *t = q4t_tuned_load("test_tune.pair.json", "pairing", 0, err, sizeof err);
    CHECK(t != NULL, "the pairing file loads: %s", err);
    q4t_config d, p;
    q4t_pick dp, pp;
    CHECK(q4t_plan_select_pair(t, 64, 512, 512, features, &d, &p, &dp, &pp) == 0 && d.kernel == k[1] && p.kernel == k[2] && dp == Q4T_PICK_TUNED && pp == Q4T_PICK_TUNED,
          "the pair %s + %s (cost 2.1), not %s + %s (2.5): got %s + %s", v1, m0, v0, m1, d.kernel->name, p.kernel->name);
    CHECK(q4t_plan_select_pair(t, 64, 512, 512, k[0]->isa | k[3]->isa, &d, &p, &dp, &pp) == 0 && d.kernel == k[0] && p.kernel == k[3], "without the features of the better pair: %s + %s (got %s + %s)", v0,
          m1, d.kernel->name, p.kernel->name);
    q4t_tuned_free(t);
    remove("test_tune.pair.json");
}

/* Tuned files that parse as JSON but are not shapes: each refused with a message. */
static void check_refusals(void)
{
    static const struct {
        const char *shape, *config, *want;
    } bad[] = {
        {"\"op\": \"gemm\", \"M\": 0, \"N\": 64, \"K\": 64", NULL, "not a shape"},
        {"\"op\": \"gemm\", \"M\": 4, \"N\": 64, \"K\": 33", NULL, "not a shape"},
        {"\"op\": \"gemm\", \"M\": 1e30, \"N\": 64, \"K\": 64", NULL, "not a shape"},
        {"\"op\": \"gemv\", \"M\": 2, \"N\": 64, \"K\": 64", NULL, "not a shape"},
        {"\"op\": \"gemm\", \"M\": 4, \"N\": 64, \"K\": 64", "\"threads\": 3e9", "threads (1 to 1024)"},
        {"\"op\": \"gemm\", \"M\": 4, \"N\": 64, \"K\": 64", "\"kernel\": \"gemv_q4_ref_1x1\"", "a kernel of the other op"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[1024], err[256];
        snprintf(text, sizeof text,
                 "{\"schema\": \"q4tune-tuned\", \"schema_version\": 1, \"device\": {\"id\": \"x\"}, \"shapes\": [{%s, "
                 "\"ranked\": [{\"median_s\": 1, \"config\": {%s%s\"kernel\": \"gemm_q4_ref_1x1\", \"threads\": 1, "
                 "\"mask\": \"all\", \"binding\": \"none\", \"schedule\": \"static\", \"task_rows\": 0, \"task_cols\": 0}}]}]}",
                 bad[i].shape, bad[i].config ? bad[i].config : "", bad[i].config ? ", " : "");
        FILE *f = fopen("test_tune.bad.json", "w");
        fputs(text, f);
        fclose(f);
        q4t_tuned *t = q4t_tuned_load("test_tune.bad.json", "x", 0, err, sizeof err);
        CHECK(!t && strstr(err, bad[i].want), "refused (%s): %s", bad[i].want, t ? "loaded" : err);
        q4t_tuned_free(t);
    }
    FILE *f = fopen("test_tune.bad.json", "w");
    fputs("{\"schema\": \"q4tune-tuned\", \"schema_version\": 1.5, \"device\": {\"id\": \"x\"}, \"shapes\": []}", f);
    fclose(f);
    char err[256];
    CHECK(!q4t_tuned_load("test_tune.bad.json", "x", 0, err, sizeof err) && strstr(err, "schema version 1.5"),
          "schema version 1.5 is not 1: %s", err);
    remove("test_tune.bad.json");
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_tune TOPOLOGY_DIR\n");
        return 2;
    }
    check_stats();
    check_refusals();
    char path[1024], err[512];
    snprintf(path, sizeof path, "%s/phone.xml", argv[1]);
    q4t_topology *topo;
    if (q4t_topology_load(&topo, path, err, sizeof err)) {
        CHECK(0, "phone.xml loads: %s", err);
        return check_done("test_tune");
    }
    q4t_cpu cpu;
    q4t_cpu_detect(&cpu);
    q4t_tune_opts o;
    q4t_tune_opts_default(&o, topo, cpu.features);
    const q4t_tune_shape gemv = {Q4T_OP_GEMV, 1, 4096, 4096, "wq,wo"};
    const q4t_kernel *first = candidate(Q4T_OP_GEMV, cpu.features, 0), *second = candidate(Q4T_OP_GEMV, cpu.features, 1);
    CHECK(first != NULL, "a GEMV variant runs here");

    /* A clear winner: the fastest variant, on every core with a dynamic schedule
     * (static is held back by the slowest core: 12% slower on all 8 cores, and
     * fewer cores are slower still). The first variant fails
     * verification when there is another. */
    fake f = {.topo = topo, .rng = 1, .bad = second ? first : NULL};
    q4t_tune_env env = env_of(&f);
    q4t_tune_result r;
    CHECK(q4t_tune_search(&o, &env, &gemv, 60.0, 0.0, 1.0, &r) == 0, "search runs");
    const q4t_kernel *best = second ? second : first;
    CHECK(r.winner >= 0 && r.runs[r.winner].config.kernel == best, "winner is %s (got %s)", best->name,
          r.winner >= 0 ? r.runs[r.winner].config.kernel->name : "none");
    if (r.winner >= 0) {
        const q4t_config *w = &r.runs[r.winner].config;
        CHECK(w->threads == 8 && w->split.schedule == Q4T_SCHED_DYNAMIC, "winner uses 8 threads, dynamic: %d, %s",
              w->threads, q4t_schedule_name(w->split.schedule));
        CHECK(strstr(r.decision, "beyond noise") || strstr(r.decision, "simplest"), "decision: %s", r.decision);
        for (int i = 0; i < r.nruns; i++)
            CHECK(r.runs[i].sum.median >= r.runs[r.winner].sum.median * 0.99 || r.runs[i].stage < 3,
                  "no confirmed run is clearly faster than the winner");
    }
    if (second) {
        CHECK(r.nexcluded == 1 && !strcmp(r.excluded[0].kernel, first->name) &&
                  !strcmp(r.excluded[0].why, "wrong on purpose"),
              "the wrong variant is excluded with its reason");
        for (int i = 0; i < r.nruns; i++)
            CHECK(r.runs[i].config.kernel != first, "the wrong variant is never timed");
    }
    CHECK(f.clock <= 60.0, "within the deadline: %g s", f.clock);
    CHECK(r.nranked >= 1 && r.ranked[0] == r.winner, "ranked starts with the winner");
    for (int i = 1; i < r.nranked; i++) {
        const q4t_tune_run *u = &r.runs[r.ranked[i]], *w = &r.runs[r.winner];
        CHECK(u->config.kernel != r.runs[r.ranked[i - 1]].config.kernel, "ranked: one entry per variant");
        CHECK(u->config.threads == w->config.threads && !strcmp(u->config.mask, w->config.mask) &&
                  u->config.split.schedule == w->config.split.schedule,
              "ranked: %s in the winner's placement", u->config.kernel->name);
        CHECK(i == 1 || u->sum.median >= r.runs[r.ranked[i - 1]].sum.median, "ranked by median");
    }

    /* Stored and read back */
    q4t_tune_meta meta = {.model = "test", .batch = 8, .budget_s = 60, .elapsed_s = f.clock, .ndrift = 1,
                          .drift_s = {1e-3}, .drift_threshold_pct = 10};
    cJSON *j = q4t_tuned_json(&cpu, topo, &meta, &r, 1);
    char id[128];
    q4t_device_id(cpu.arch, cpu.model, cpu.detected, topo, id, sizeof id);
    snprintf(path, sizeof path, "test_tune.%d.json", (int)getpid());
    CHECK(q4t_json_write(path, j, err, sizeof err) == 0, "writes %s: %s", path, err);
    q4t_tuned *t = q4t_tuned_load(path, id, 0, err, sizeof err);
    CHECK(t != NULL, "reads it back: %s", err);
    q4t_config c;
    CHECK(q4t_plan_select(t, topo, Q4T_OP_GEMV, 1, 4096, 4096, cpu.features, NULL, &c) == Q4T_PICK_TUNED &&
              r.winner >= 0 && c.kernel == r.runs[r.winner].config.kernel && c.threads == r.runs[r.winner].config.threads,
          "the tuned shape gives the winner");
    CHECK(q4t_plan_select(t, topo, Q4T_OP_GEMV, 1, 2048, 5632, cpu.features, NULL, &c) == Q4T_PICK_NEAREST &&
              r.winner >= 0 && c.kernel == r.runs[r.winner].config.kernel,
          "another GEMV shape gives the nearest tuned one");
    CHECK(q4t_plan_select(t, topo, Q4T_OP_GEMM, 64, 4096, 4096, cpu.features, NULL, &c) == Q4T_PICK_DEFAULT &&
              c.kernel->op == Q4T_OP_GEMM,
          "an op never tuned gets the default");
    CHECK(q4t_plan_select(t, topo, Q4T_OP_GEMV, 1, 4096, 4096, cpu.features, q4t_reference(Q4T_OP_GEMM), &c) ==
                  Q4T_PICK_DEFAULT &&
              c.kernel == q4t_reference(Q4T_OP_GEMV),
          "W packed as the reference does: no tuned candidate does, the default in that layout is the reference");
    CHECK(q4t_plan_select(t, topo, Q4T_OP_GEMV, 1, 4096, 4096, 0, NULL, &c) == Q4T_PICK_DEFAULT &&
              !q4t_kernel_missing(c.kernel, 0),
          "without the tuned kernels' features: a runnable default");
    q4t_tuned_free(t);
    CHECK(q4t_tuned_load(path, "another-device", 0, err, sizeof err) == NULL && strstr(err, "tuned on device"),
          "another device is refused: %s", err);
    t = q4t_tuned_load(path, "another-device", 1, err, sizeof err);
    CHECK(t != NULL, "unless told to take any device");
    q4t_tuned_free(t);
    cJSON_ReplaceItemInObject(j, "schema_version", cJSON_CreateNumber(Q4T_TUNED_SCHEMA_VERSION + 1));
    q4t_json_write(path, j, err, sizeof err);
    CHECK(q4t_tuned_load(path, id, 0, err, sizeof err) == NULL && strstr(err, "schema version"),
          "another schema version is refused: %s", err);
    CHECK(q4t_tuned_load("no/such/file.json", id, 0, err, sizeof err) == NULL && strstr(err, "cannot open"),
          "a missing file is refused: %s", err);
    remove(path);
    cJSON_Delete(j);
    q4t_tune_result_free(&r);

    /* A tie everywhere: the simplest confirmed configuration wins. */
    f = (fake){.topo = topo, .rng = 7, .flat = 1};
    CHECK(q4t_tune_search(&o, &env, &gemv, 60.0, 0.0, 1.0, &r) == 0, "search runs");
    CHECK(r.winner >= 0, "a winner");
    for (int i = 0; r.winner >= 0 && i < r.nruns; i++)
        if (r.runs[i].stage == 3)
            CHECK(q4t_config_simpler(&r.runs[r.winner].config, &r.runs[i].config) <= 0,
                  "the winner is the simplest of the confirmed (decision: %s)", r.decision);
    q4t_tune_result_free(&r);

    /* A budget too small for everything: candidates are skipped, the deadline holds. */
    f = (fake){.topo = topo, .rng = 3};
    const double deadline = 0.05;
    CHECK(q4t_tune_search(&o, &env, &gemv, deadline, 0.0, 1.0, &r) == 0, "search runs");
    CHECK(r.winner >= 0 && r.skipped > 0, "a winner, %d candidates skipped for time", r.skipped);
    CHECK(f.clock <= deadline + 0.1, "the deadline holds within one measurement: %g s", f.clock);
    CHECK(!r.complete && !strncmp(r.decision, "INCOMPLETE", 10), "out of time: incomplete (%s)", r.decision);
    {
        cJSON *ji = q4t_tuned_json(&cpu, topo, &meta, &r, 1);
        q4t_json_write("test_tune.incomplete.json", ji, err, sizeof err);
        cJSON_Delete(ji);
        q4t_tuned *ti = q4t_tuned_load("test_tune.incomplete.json", NULL, 1, err, sizeof err);
        q4t_config ci;
        CHECK(ti && q4t_plan_select(ti, topo, Q4T_OP_GEMV, 1, 4096, 4096, cpu.features, NULL, &ci) == Q4T_PICK_DEFAULT,
              "an incomplete shape is stored but not selected");
        q4t_tuned_free(ti);
        remove("test_tune.incomplete.json");
    }
    q4t_tune_result_free(&r);

    /* Many placements: with x86-64's nine GEMM variants the runs array grows
     * past 64 while the runners-up are timed, so stage 4 must not hold a
     * pointer into it (under ASan the old code failed here: heap-use-after-free). */
    snprintf(path, sizeof path, "%s/hybrid.xml", argv[1]);
    q4t_topology *hybrid;
    if (q4t_topology_load(&hybrid, path, err, sizeof err) == 0) {
        q4t_tune_opts oh;
        q4t_tune_opts_default(&oh, hybrid, cpu.features);
        f = (fake){.topo = hybrid, .rng = 5, .flat = 1};
        const q4t_tune_shape gemm = {Q4T_OP_GEMM, 64, 256, 256, ""};
        CHECK(q4t_tune_search(&oh, &env, &gemm, 600.0, 0.0, 1.0, &r) == 0 && r.winner >= 0, "search runs");
        printf("hybrid topology, 64x256x256: %d measurements\n", r.nruns);
        for (int i = 1; i < r.nranked; i++)
            CHECK(r.runs[r.ranked[i]].config.threads == r.runs[r.winner].config.threads &&
                      !strcmp(r.runs[r.ranked[i]].config.mask, r.runs[r.winner].config.mask),
                  "runner-up %s in the winner's placement", r.runs[r.ranked[i]].config.kernel->name);
        q4t_tune_result_free(&r);
        q4t_topology_free(hybrid);
    } else {
        CHECK(0, "hybrid.xml loads: %s", err);
    }

#if defined(__x86_64__)
    check_pair("gemv_q4_avx2_1x8", "gemv_q4_avx512vnni_1x32", "gemm_q4_avx512vnni_6x32", "gemm_q4_avx2_4x8");
#else
    check_pair("gemv_q4_neon_1x4", "gemv_q4_sdot_1x4", "gemm_q4_sdot_4x4", "gemm_q4_neon_4x4");
#endif
    q4t_topology_free(topo);
    return check_done("test_tune");
}
