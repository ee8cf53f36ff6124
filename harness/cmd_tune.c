/* q4tune tune [--model NAME [--batch M] | --shapes MxNxK,...] [--budget 5m] [--kernel NAME,...]
 *             [--max-threads N] [--out DIR] [--drift-threshold PCT]:
 * finds the fastest correct configuration of every shape on this device and
 * stores it in DIR/<device-id>/tuned.json (tune/search.h, tune/store.h). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "config.h"
#include "device.h"
#include "measure.h"
#include "registry.h"
#include "json.h"
#include "store.h"
#include "timer.h"
#include "verify.h"

static const char usage[] =
    "usage: q4tune tune [--model NAME [--batch M] | --shapes MxNxK,...] [--budget DURATION]\n"
    "                   [--kernel NAME,...] [--max-threads N] [--out DIR] [--drift-threshold PCT] [--isa=LIST]\n"
    "  For every shape, verifies each runnable kernel variant against the reference, then\n"
    "  times variants x threads x affinity masks x bindings x schedules x task tiles in\n"
    "  stages within the budget (e.g. 90s, 3m, 1h; default 5m), and stores the winner,\n"
    "  the ranked runners-up and every measurement in DIR/<device-id>/tuned.json and\n"
    "  sweep.json (DIR default: results). Shapes: the weight matrices of a model preset\n"
    "  (default tinyllama-1.1b) at M = 1 (GEMV, decode) and M = batch (GEMM, prefill;\n"
    "  default 128), or explicit MxNxK (M = 1: GEMV). Models:";

/* "90", "90s", "3m", "1.5h" -> seconds; -1 if malformed. */
static double parse_duration(const char *s)
{
    char *end;
    const double v = strtod(s, &end);
    const double unit = !strcmp(end, "") || !strcmp(end, "s") ? 1 : !strcmp(end, "m") ? 60 : !strcmp(end, "h") ? 3600 : -1;
    return end == s || unit < 0 || !(v > 0) ? -1 : v * unit;
}

static void print_usage(FILE *f)
{
    fputs(usage, f);
    for (size_t i = 0; i < q4t_model_preset_count(); i++)
        fprintf(f, " %s", q4t_model_preset_at(i)->name);
    fputc('\n', f);
}

static void print_table(const q4t_tune_result *r, int n)
{
    printf("\n%-22s %-7s %-62s %10s %21s %8s %7s\n", "shape", "what", "winner", "median us", "95% CI us", "GOPS",
           "GB/s");
    for (int i = 0; i < n; i++) {
        const q4t_tune_shape *s = &r[i].shape;
        char shape[48], cfg[160];
        snprintf(shape, sizeof shape, "%s %zux%zux%zu", q4t_op_name(s->op), s->M, s->N, s->K);
        if (r[i].winner < 0) {
            printf("%-22s %-7s %s\n", shape, s->what, r[i].decision);
            continue;
        }
        const q4t_tune_run *u = &r[i].runs[r[i].winner];
        q4t_config_describe(&u->config, cfg, sizeof cfg);
        double ops, bytes;
        q4t_call_work(u->config.kernel, (q4t_shape){s->M, s->N, s->K}, &ops, &bytes);
        char ci[40];
        snprintf(ci, sizeof ci, "%.1f - %.1f", u->sum.lo * 1e6, u->sum.hi * 1e6);
        printf("%-22s %-7s %-62s %10.1f %21s %8.1f %7.1f\n", shape, s->what, cfg, u->sum.median * 1e6, ci,
               ops / u->sum.median * 1e-9, bytes / u->sum.median * 1e-9);
        printf("%-22s %-7s   %s; %d measurements, %d skipped for time\n", "", "", r[i].decision, r[i].nruns,
               r[i].skipped);
        for (int e = 0; e < r[i].nexcluded; e++)
            printf("%-22s %-7s   excluded %s: %s\n", "", "", r[i].excluded[e].kernel, r[i].excluded[e].why);
    }
}

int q4t_cmd_tune(int argc, char **argv, q4t_cpu *cpu)
{
    static const struct option opts[] = {
        {"model", required_argument, NULL, 'm'},   {"batch", required_argument, NULL, 'b'},
        {"shapes", required_argument, NULL, 's'},  {"budget", required_argument, NULL, 'B'},
        {"kernel", required_argument, NULL, 'k'},  {"max-threads", required_argument, NULL, 't'},
        {"out", required_argument, NULL, 'o'},     {"drift-threshold", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},          Q4T_LONGOPT_ISA,
        {NULL, 0, NULL, 0}};
    const char *model = NULL, *shapes_arg = NULL, *kernels = NULL, *out_dir = "results";
    double budget = 300.0, drift_threshold = 10.0;
    long batch = 128, max_threads = 0;
    char *end;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'm': model = optarg; break;
        case 's': shapes_arg = optarg; break;
        case 'k': kernels = optarg; break;
        case 'o': out_dir = optarg; break;
        case 'b':
            batch = strtol(optarg, &end, 10);
            if (*end || batch < 2 || batch > 65536) {
                fprintf(stderr, "q4tune tune: --batch wants a prefill batch from 2 to 65536 rows, not '%s'\n", optarg);
                return Q4T_EXIT_USAGE;
            }
            break;
        case 't':
            max_threads = strtol(optarg, &end, 10);
            if (*end || max_threads < 1 || max_threads > 1024) {
                fprintf(stderr, "q4tune tune: --max-threads wants 1 to 1024, not '%s'\n", optarg);
                return Q4T_EXIT_USAGE;
            }
            break;
        case 'B':
            if ((budget = parse_duration(optarg)) < 1.0) {
                fprintf(stderr, "q4tune tune: --budget wants a duration of 1s or more (90, 90s, 3m, 1h), not '%s'\n",
                        optarg);
                return Q4T_EXIT_USAGE;
            }
            break;
        case 'd':
            drift_threshold = strtod(optarg, &end);
            if (*end || !(drift_threshold > 0)) {
                fprintf(stderr, "q4tune tune: --drift-threshold wants a percentage above 0, not '%s'\n", optarg);
                return Q4T_EXIT_USAGE;
            }
            break;
        case 'h': print_usage(stdout); return Q4T_EXIT_OK;
        default: {
            const int rc = q4t_cli_common_option(c, cpu, usage);
            if (rc >= 0)
                return rc;
        }
        }
    }
    if (q4t_cli_no_operands(argc, argv, "tune"))
        return Q4T_EXIT_USAGE;
    if (model && shapes_arg) {
        fprintf(stderr, "q4tune tune: give --model or --shapes, not both\n");
        return Q4T_EXIT_USAGE;
    }
    char err[512];
    q4t_tune_shape shapes[Q4T_TUNE_MAX_SHAPES];
    int nshapes = 0;
    if (shapes_arg) {
        q4t_shape s[Q4T_TUNE_MAX_SHAPES];
        size_t n;
        if (q4t_shapes_parse(shapes_arg, s, Q4T_TUNE_MAX_SHAPES, &n, err, sizeof err)) {
            fprintf(stderr, "q4tune tune: --shapes: %s\n", err);
            return Q4T_EXIT_USAGE;
        }
        for (size_t i = 0; i < n; i++)
            shapes[nshapes++] = (q4t_tune_shape){s[i].M == 1 ? Q4T_OP_GEMV : Q4T_OP_GEMM, s[i].M, s[i].N, s[i].K, ""};
    } else {
        if (!model)
            model = "tinyllama-1.1b";
        const q4t_model_config *mc = q4t_model_preset(model);
        if (!mc) {
            fprintf(stderr, "q4tune tune: unknown model '%s'; known:", model);
            for (size_t i = 0; i < q4t_model_preset_count(); i++)
                fprintf(stderr, " %s", q4t_model_preset_at(i)->name);
            fputc('\n', stderr);
            return Q4T_EXIT_USAGE;
        }
        q4t_matrix_shape m[5];
        const size_t nm = q4t_model_matrices(mc, m);
        for (int op = Q4T_OP_GEMV; op <= Q4T_OP_GEMM; op++)
            for (size_t i = 0; i < nm; i++) {
                q4t_tune_shape *s = &shapes[nshapes++];
                *s = (q4t_tune_shape){(q4t_op)op, op == Q4T_OP_GEMV ? 1 : (size_t)batch, m[i].N, m[i].K, ""};
                snprintf(s->what, sizeof s->what, "%s", m[i].what);
            }
    }
    const int bad_kernel = q4t_cli_kernels(kernels, "tune");
    if (bad_kernel)
        return bad_kernel;

    q4t_topology *topo;
    if (q4t_topology_load(&topo, NULL, err, sizeof err)) {
        fprintf(stderr, "q4tune tune: %s\n", err);
        return Q4T_EXIT_FAIL;
    }
    char id[128];
    q4t_device_id(cpu->arch, cpu->model, cpu->detected, topo, id, sizeof id);
    q4t_tune_opts o;
    q4t_tune_opts_default(&o, topo, cpu->features);
    o.kernels = kernels;
    if (max_threads)
        o.max_threads = (int)max_threads;
    q4t_tune_machine m;
    q4t_tune_machine_init(&m, topo, cpu->features, stderr);
    q4t_tune_env env = q4t_tune_machine_env(&m);
    q4t_tune_meta meta = {.model = shapes_arg ? NULL : model, .batch = (size_t)batch, .budget_s = budget,
                          .drift_threshold_pct = drift_threshold};
    q4t_tune_result *results = calloc((size_t)nshapes, sizeof *results);
    int rc = Q4T_EXIT_FAIL;
    fprintf(stderr, "q4tune tune: device %s, %d shapes, budget %.0f s\n", id, nshapes, budget);
    const double start = q4t_now(), deadline = start + budget;
    if (!results || q4t_drift_probe(&m, &meta.drift_s[meta.ndrift++], meta.drift_what, sizeof meta.drift_what)) {
        fprintf(stderr, "q4tune tune: out of memory\n");
        goto out;
    }
    for (int i = 0; i < nshapes; i++) {
        const double now = q4t_now(), shape_deadline = now + (deadline - now) / (nshapes - i);
        if (q4t_tune_search(&o, &env, &shapes[i], shape_deadline, (double)i / nshapes, (double)(i + 1) / nshapes,
                            &results[i]) ||
            q4t_drift_probe(&m, &meta.drift_s[meta.ndrift++], meta.drift_what, sizeof meta.drift_what)) {
            fprintf(stderr, "q4tune tune: out of memory at %s %zux%zux%zu; nothing stored\n",
                    q4t_op_name(shapes[i].op), shapes[i].M, shapes[i].N, shapes[i].K);
            goto out;
        }
    }
    q4t_tune_machine_free(&m);
    meta.elapsed_s = q4t_now() - start;
    for (int i = 1; i < meta.ndrift; i++)
        meta.drift_pct = fmax(meta.drift_pct, 100.0 * fabs(meta.drift_s[i] / meta.drift_s[0] - 1.0));
    print_table(results, nshapes);
    printf("\nelapsed %.1f s of a %.0f s budget; drift of the reference workload (%s): %.1f%%%s\n", meta.elapsed_s,
           budget, meta.drift_what, meta.drift_pct,
           meta.drift_pct > drift_threshold ? " -- ABOVE the threshold: the timings of this run are suspect" : "");

    char path[1024];
    cJSON *tuned = q4t_tuned_json(cpu, topo, &meta, results, nshapes);
    cJSON *sweep = q4t_sweep_json(cpu, topo, results, nshapes);
    snprintf(path, sizeof path, "%s/%s/tuned.json", out_dir, id);
    rc = q4t_json_write(path, tuned, err, sizeof err) ? Q4T_EXIT_FAIL : Q4T_EXIT_OK;
    if (rc == Q4T_EXIT_OK) {
        printf("wrote %s\n", path);
        snprintf(path, sizeof path, "%s/%s/sweep.json", out_dir, id);
        rc = q4t_json_write(path, sweep, err, sizeof err) ? Q4T_EXIT_FAIL : Q4T_EXIT_OK;
        if (rc == Q4T_EXIT_OK)
            printf("wrote %s\n", path);
    }
    if (rc != Q4T_EXIT_OK)
        fprintf(stderr, "q4tune tune: %s\n", err);
    for (int i = 0; i < nshapes; i++)
        if (results[i].winner < 0) {
            fprintf(stderr, "q4tune tune: no configuration for %s %zux%zux%zu\n", q4t_op_name(results[i].shape.op),
                    results[i].shape.M, results[i].shape.N, results[i].shape.K);
            rc = Q4T_EXIT_FAIL;
        }
    cJSON_Delete(tuned);
    cJSON_Delete(sweep);
out:
    q4t_tune_machine_free(&m);
    for (int i = 0; results && i < nshapes; i++)
        q4t_tune_result_free(&results[i]);
    free(results);
    q4t_topology_free(topo);
    return rc;
}
