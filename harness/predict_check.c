/* q4tune predict --check CORE: the static model against this machine. Every
 * kernel of the table that runs here is timed on one thread with its data
 * hot in L2 (GEMV 1 x 512 x 1024, GEMM 48 x 256 x 1024: packed W, X and Y
 * under 400 KB), and its MACs per second are turned into MACs per cycle with
 * the clock this core sustains now (q4t_clock_ghz: a dependent-add chain,
 * measured before and after, not the nominal clock). Beside each, what the
 * table predicts on CORE, and the error; then whether the model's best tile
 * of each op and ISA family is the measured best or within 5% of it. */
#include "predict_check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "json.h"
#include "registry.h"
#include "timer.h"
#include "workload.h"

enum { CHECK_SAMPLES = 21, CHECK_MAX = 64 };
static const double CHECK_SAMPLE_S = 0.004; /* each sample at least this long */
static const double CHECK_RANK_SLACK = 0.05; /* the model's best within 5% of the measured best */

typedef struct {
    const char *name, *op;
    char family[24]; /* the ISA family of the name: avx2, avxvnni, ... */
    double predicted, measured, p10, p90;
} check_row;

/* MACs per second of k on one thread, hot: median and p10, p90 of samples. */
static int time_kernel(const q4t_kernel *k, q4t_shape s, double *med, double *p10, double *p90)
{
    q4t_workload wl;
    if (q4t_workload_init(&wl, k, s, 0) != 0)
        return -1;
    q4t_run_args a = q4t_workload_next(&wl);
    int calls = 1;
    for (;;) { /* warm up, and size a sample */
        const double t0 = q4t_now();
        for (int c = 0; c < calls; c++)
            k->run(&a, 0, s.M, 0, s.N);
        if (q4t_now() - t0 >= CHECK_SAMPLE_S)
            break;
        calls *= 2;
    }
    double rate[CHECK_SAMPLES];
    for (int r = 0; r < CHECK_SAMPLES; r++) {
        const double t0 = q4t_now();
        for (int c = 0; c < calls; c++)
            k->run(&a, 0, s.M, 0, s.N);
        rate[r] = (double)calls * (double)s.M * (double)s.N * (double)s.K / (q4t_now() - t0);
    }
    *med = q4t_median(rate, CHECK_SAMPLES); /* sorts */
    *p10 = rate[CHECK_SAMPLES / 10];
    *p90 = rate[CHECK_SAMPLES - 1 - CHECK_SAMPLES / 10];
    q4t_workload_free(&wl);
    return 0;
}

/* The ISA family of a kernel name <op>_q4_<family>_<tile>. */
static void family_of(const char *name, char *buf, size_t len)
{
    const char *p = strstr(name, "_q4_");
    const char *start = p ? p + 4 : name;
    const char *end = strrchr(start, '_');
    const size_t n = end && end > start ? (size_t)(end - start) : strlen(start);
    snprintf(buf, len, "%.*s", (int)(n < len ? n : len - 1), start);
}

static int cmp_abs(const void *a, const void *b)
{
    const double x = fabs(*(const double *)a), y = fabs(*(const double *)b);
    return (x > y) - (x < y);
}

/* Per op and family: the model's best and the measured best, printed and
 * added to arr. Returns the number of groups whose model's best is more than
 * the slack below the measured best. */
static int rank_groups(const check_row *rows, int n, cJSON *arr)
{
    int misses = 0;
    int done[CHECK_MAX] = {0};
    for (int i = 0; i < n; i++) {
        if (done[i])
            continue;
        int model = i, meas = i, count = 0;
        for (int j = i; j < n; j++) {
            if (strcmp(rows[j].op, rows[i].op) != 0 || strcmp(rows[j].family, rows[i].family) != 0)
                continue;
            done[j] = 1;
            count++;
            if (rows[j].predicted > rows[model].predicted)
                model = j;
            if (rows[j].measured > rows[meas].measured)
                meas = j;
        }
        const double ratio = rows[model].measured / rows[meas].measured;
        const int ok = ratio >= 1.0 - CHECK_RANK_SLACK;
        misses += !ok;
        printf("  %s %-10s %d tiles: the model's best %s, measured best %s%s\n", rows[i].op, rows[i].family, count,
               rows[model].name, rows[meas].name,
               model == meas ? " (the same)" : ok ? " (within 5%)" : " (MISS: more than 5% below)");
        cJSON *g = cJSON_CreateObject();
        cJSON_AddStringToObject(g, "op", rows[i].op);
        cJSON_AddStringToObject(g, "family", rows[i].family);
        cJSON_AddNumberToObject(g, "tiles", count);
        cJSON_AddStringToObject(g, "model_best", rows[model].name);
        cJSON_AddStringToObject(g, "measured_best", rows[meas].name);
        cJSON_AddNumberToObject(g, "model_best_measured_ratio", ratio);
        cJSON_AddBoolToObject(g, "within_5pct", ok);
        cJSON_AddItemToArray(arr, g);
    }
    return misses;
}

int q4t_predict_check(const cJSON *table, const cJSON *core, q4t_check_filter selected, const void *ctx,
                      const q4t_cpu *cpu, cJSON **check)
{
    const char *core_id = q4t_json_str(core, "id");
    if (strcmp(q4t_json_str(core, "arch"), cpu->arch) != 0) {
        fprintf(stderr, "q4tune predict: --check %s: that core is %s, this machine %s\n", core_id,
                q4t_json_str(core, "arch"), cpu->arch);
        return -1;
    }
    const q4t_shape gemv = {1, 512, 1024}, gemm = {48, 256, 1024};
    const double ghz0 = q4t_clock_ghz();
    int model_len = (int)strlen(cpu->model);
    while (model_len > 0 && cpu->model[model_len - 1] == ' ')
        model_len--;
    printf("\ncheck: PREDICTED on %s (-mcpu=%s) against MEASURED here (%.*s): one thread, hot in L2 "
           "(gemv %zux%zux%zu, gemm %zux%zux%zu)\n",
           core_id, q4t_json_str(core, "llvm_mcpu"), model_len, cpu->model, gemv.M, gemv.N, gemv.K, gemm.M, gemm.N,
           gemm.K);
    printf("  %-26s %10s %24s %8s\n", "kernel", "predicted", "measured (p10-p90)", "error");
    check_row rows[CHECK_MAX];
    int n = 0;
    const cJSON *kt;
    cJSON_ArrayForEach(kt, cJSON_GetObjectItemCaseSensitive(table, "kernels"))
    {
        const char *name = q4t_json_str(kt, "name");
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(kt, "cores"), core_id);
        const q4t_kernel *k = q4t_kernel_find(name);
        if (!e || !k || n == CHECK_MAX || isnan(q4t_json_num(e, "macs_per_cycle")) || !selected(kt, ctx))
            continue;
        if (q4t_kernel_missing(k, cpu->features)) {
            printf("  %-26s %10.1f %24s\n", name, q4t_json_num(e, "macs_per_cycle"), "not runnable here");
            continue;
        }
        check_row *r = &rows[n];
        r->name = name;
        r->op = k->op == Q4T_OP_GEMV ? "gemv" : "gemm";
        r->predicted = q4t_json_num(e, "macs_per_cycle");
        if (time_kernel(k, k->op == Q4T_OP_GEMV ? gemv : gemm, &r->measured, &r->p10, &r->p90) != 0) {
            fprintf(stderr, "q4tune predict: --check: out of memory timing %s\n", name);
            return -1;
        }
        n++;
    }
    const double ghz1 = q4t_clock_ghz(), ghz = 0.5 * (ghz0 + ghz1);
    cJSON *arr = cJSON_CreateArray();
    double err[CHECK_MAX];
    for (int i = 0; i < n; i++) {
        check_row *r = &rows[i];
        family_of(r->name, r->family, sizeof r->family);
        r->measured /= ghz * 1e9, r->p10 /= ghz * 1e9, r->p90 /= ghz * 1e9;
        err[i] = 100.0 * (r->predicted - r->measured) / r->measured;
        printf("  %-26s %10.1f %10.1f (%5.1f-%5.1f) %+7.1f%%\n", r->name, r->predicted, r->measured, r->p10, r->p90,
               err[i]);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", r->name);
        cJSON_AddNumberToObject(o, "predicted_macs_per_cycle", r->predicted);
        cJSON_AddNumberToObject(o, "measured_macs_per_cycle", r->measured);
        cJSON_AddNumberToObject(o, "measured_p10", r->p10);
        cJSON_AddNumberToObject(o, "measured_p90", r->p90);
        cJSON_AddNumberToObject(o, "error_pct", err[i]);
        cJSON_AddItemToArray(arr, o);
    }
    double med = NAN;
    if (n > 0) {
        qsort(err, (size_t)n, sizeof *err, cmp_abs);
        med = n % 2 ? fabs(err[n / 2]) : 0.5 * (fabs(err[n / 2 - 1]) + fabs(err[n / 2]));
    }
    printf("  MACs per cycle at the sustained clock, %.2f GHz (dependent adds, %.2f before, %.2f after)\n", ghz, ghz0,
           ghz1);
    printf("  median |error| %.1f%% over %d kernels\n  ranking, per op and ISA family:\n", med, n);
    cJSON *ranks = cJSON_CreateArray();
    const int misses = rank_groups(rows, n, ranks);
    *check = cJSON_CreateObject();
    cJSON_AddStringToObject(*check, "core", core_id);
    cJSON_AddStringToObject(*check, "cpu", cpu->model);
    cJSON_AddNumberToObject(*check, "clock_ghz", ghz);
    cJSON_AddNumberToObject(*check, "clock_ghz_before", ghz0);
    cJSON_AddNumberToObject(*check, "clock_ghz_after", ghz1);
    cJSON_AddStringToObject(*check, "method", "one thread, hot in L2: gemv 1x512x1024, gemm 48x256x1024; MACs per "
                                              "second over the sustained clock of a dependent-add chain");
    cJSON_AddNumberToObject(*check, "median_abs_error_pct", med);
    cJSON_AddItemToObject(*check, "kernels", arr);
    cJSON_AddItemToObject(*check, "ranking", ranks);
    cJSON_AddNumberToObject(*check, "ranking_misses", misses);
    return 0;
}
