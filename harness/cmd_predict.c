/* q4tune predict [--core ID,...] [--kernel NAME,...] [--op gemv|gemm] [--arch ARCH]
 *                [--metric macs|peak|gops|cycles] [--table FILE] [--out DIR]
 * The static per-core model of every kernel: what llvm-mca-19 predicted, at
 * build time (scripts/predict.py, cmake/predict.cmake), for each kernel's own
 * compiled block loop under each core's LLVM scheduling model. It reads the
 * shipped table (schema q4tune-predicted, version 1), so it runs where no LLVM
 * is installed: the build tree's, or share/q4tune/predicted.json beside an
 * installed q4tune or in the bundle.
 *
 * Without --core: one matrix per architecture, kernels by cores, the metric in
 * each cell ("-" where the core lacks the kernel's features, "sme" where LLVM
 * has no model: SME kernels have instruction counts, not cycles). With --core:
 * per kernel, cycles per step, MACs per cycle, GOPS at the table's clock, % of
 * the core's int8 issue peak and the bottleneck llvm-mca names (SME: its
 * instructions per step by kind). Every figure is labelled predicted. */
#define _DEFAULT_SOURCE /* readlink, gmtime_r, PATH_MAX */
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "json.h"
#include "predict_check.h"
#include "text.h"

#ifndef Q4T_PREDICTED
#define Q4T_PREDICTED "predicted/predicted.json"
#endif

static const char usage[] =
    "usage: q4tune predict [--core ID,...] [--kernel NAME,...] [--op gemv|gemm] [--arch aarch64|x86_64]\n"
    "                      [--metric macs|peak|gops|cycles] [--table FILE] [--out DIR] [--check CORE]\n"
    "  PREDICTED, not measured: llvm-mca-19 over each kernel's own compiled block loop under each\n"
    "  core's LLVM scheduling model (at build time; no LLVM is needed here). A step is one 32-weight\n"
    "  block of the whole MR x NR tile, scale and conversion work included. The model does not know\n"
    "  memory and cache misses, the clock under load, or SME units shared between cores; SME kernels\n"
    "  get instructions per step by kind (LLVM has no SME model).\n"
    "  --core ID,...   per kernel on these cores: cycles/step, MACs/cycle, GOPS at the table's clock,\n"
    "                  % of the core's int8 issue peak, bottleneck (default: a kernels x cores matrix)\n"
    "  --kernel NAME,...  only these kernels     --op gemv|gemm  only this op\n"
    "  --arch ARCH     only this architecture's kernels and cores\n"
    "  --metric M      the matrix's cells: macs (int8 MACs/cycle, default), peak (% of the core's\n"
    "                  int8 issue peak), gops (GOPS at the table's clock), cycles (cycles per step)\n"
    "  --table FILE    the predicted table (default: environment Q4T_PREDICTED, else\n"
    "                  ../share/q4tune/predicted.json beside an installed q4tune, else the build's,\n"
    "                  " Q4T_PREDICTED ")\n"
    "  --out DIR       also write DIR/predicted.json (schema q4tune-predicted, version 1)\n"
    "  --check CORE    the model against this machine, taken to be CORE of the table: each selected\n"
    "                  kernel timed on one thread, hot in L2, in MACs per cycle at the clock a\n"
    "                  dependent-add chain sustains; predicted, measured, error, median |error|, and\n"
    "                  whether the model's best tile per op and ISA family is the measured best or\n"
    "                  within 5% (with --out, also DIR/<device id>/predict-check.json, schema\n"
    "                  q4tune-predict-check, version 1)\n";

typedef enum { METRIC_MACS, METRIC_PEAK, METRIC_GOPS, METRIC_CYCLES } metric;

typedef struct {
    const char *cores, *kernels, *op, *arch, *table, *out, *check;
    metric metric;
} predict_opts;

/* The table's path: --table, Q4T_PREDICTED, beside an installed q4tune
 * (<prefix>/bin/q4tune or <bundle>/lib/q4tune), else the build's. */
static const char *table_path(const char *given, char *buf, size_t len)
{
    if (given)
        return given;
    const char *env = getenv("Q4T_PREDICTED");
    if (env && *env)
        return env;
    char exe[PATH_MAX / 2];
    const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        struct stat st;
        if (slash) {
            *slash = '\0';
            snprintf(buf, len, "%s/../share/q4tune/predicted.json", exe);
            if (stat(buf, &st) == 0)
                return buf;
        }
    }
    return Q4T_PREDICTED;
}

/* The short column name of a core id: without its vendor prefix. */
static const char *short_id(const char *id)
{
    static const char *const prefixes[] = {"cortex-", "neoverse-", "apple-"};
    for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
        if (strncmp(id, prefixes[i], strlen(prefixes[i])) == 0)
            return id + strlen(prefixes[i]);
    return id;
}

static int kernel_selected(const cJSON *k, const void *ctx)
{
    const predict_opts *o = ctx;
    return q4t_list_selects(o->kernels, q4t_json_str(k, "name")) && (!o->op || strcmp(o->op, q4t_json_str(k, "op")) == 0) &&
           (!o->arch || strcmp(o->arch, q4t_json_str(k, "arch")) == 0);
}

static double cell_value(const cJSON *e, metric m)
{
    static const char *const keys[] = {"macs_per_cycle", "pct_of_peak", "gops", "cycles_per_step"};
    return q4t_json_num(e, keys[m]);
}

/* One matrix per architecture: selected kernels by that architecture's cores. */
static void print_matrix(const cJSON *table, const predict_opts *o)
{
    static const char *const names[] = {"int8 MACs per cycle", "% of the core's int8 issue peak",
                                        "GOPS at the table's clock", "cycles per step"};
    static const char *const archs[] = {"aarch64", "x86_64"};
    const cJSON *cores = cJSON_GetObjectItemCaseSensitive(table, "cores");
    const cJSON *kernels = cJSON_GetObjectItemCaseSensitive(table, "kernels");
    for (size_t a = 0; a < 2; a++) {
        if (o->arch && strcmp(o->arch, archs[a]) != 0)
            continue;
        int any = 0;
        const cJSON *k;
        cJSON_ArrayForEach(k, kernels) any |= strcmp(q4t_json_str(k, "arch"), archs[a]) == 0 && kernel_selected(k, o);
        if (!any)
            continue;
        printf("\n%s: PREDICTED %s (llvm-mca; '-' the core lacks the kernel's features, 'sme' no LLVM model)\n",
               archs[a], names[o->metric]);
        printf("%-26s", "kernel");
        const cJSON *c;
        cJSON_ArrayForEach(c, cores) if (strcmp(q4t_json_str(c, "arch"), archs[a]) == 0)
            printf(" %7.7s", short_id(q4t_json_str(c, "id")));
        printf("\n");
        cJSON_ArrayForEach(k, kernels)
        {
            if (strcmp(q4t_json_str(k, "arch"), archs[a]) != 0 || !kernel_selected(k, o))
                continue;
            printf("%-26s", q4t_json_str(k, "name"));
            const cJSON *per = cJSON_GetObjectItemCaseSensitive(k, "cores");
            cJSON_ArrayForEach(c, cores)
            {
                if (strcmp(q4t_json_str(c, "arch"), archs[a]) != 0)
                    continue;
                const cJSON *e = cJSON_GetObjectItemCaseSensitive(per, q4t_json_str(c, "id"));
                const double v = e ? cell_value(e, o->metric) : NAN;
                if (!e)
                    printf(" %7s", "-");
                else if (isnan(v))
                    printf(" %7s", "sme");
                else
                    printf(" %7.1f", v);
            }
            printf("\n");
        }
    }
}

/* Per kernel on one core, with the bottleneck (or the SME counts). */
static void print_core(const cJSON *table, const cJSON *core, const predict_opts *o)
{
    const char *id = q4t_json_str(core, "id");
    printf("\n%s (%s, %s, LLVM model of -mcpu=%s%s), %.2f GHz (%s)\n", id, q4t_json_str(core, "name"),
           q4t_json_str(core, "arch"), q4t_json_str(core, "llvm_mcpu"),
           cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(core, "own_model")) ? ", a stand-in" : "",
           q4t_json_num(core, "clock_ghz"), q4t_json_str(core, "clock_of") ? q4t_json_str(core, "clock_of") : "");
    printf("  int8 issue peak (PREDICTED, MACs/cycle):");
    const cJSON *p;
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(core, "int8_peak_macs_per_cycle"))
        printf(" %s %.1f", p->string, p->valuedouble);
    printf("\n  %-26s %9s %10s %8s %7s  %s\n", "kernel (PREDICTED)", "cyc/step", "MACs/cyc", "GOPS", "% peak",
           "bottleneck");
    const cJSON *k;
    cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(table, "kernels"))
    {
        if (!kernel_selected(k, o))
            continue;
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(k, "cores"), id);
        if (!e)
            continue;
        printf("  %-26s", q4t_json_str(k, "name"));
        if (isnan(q4t_json_num(e, "cycles_per_step"))) {
            printf(" %9s %10s %8s %7s  instructions per step:", "-", "-", "-", "-");
            const cJSON *n;
            cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(e, "instructions_per_step"))
                printf(" %s %.4g", n->string, n->valuedouble);
            printf(" (no LLVM model of SME)\n");
            continue;
        }
        printf(" %9.2f %10.1f %8.1f %7.1f  %s\n", q4t_json_num(e, "cycles_per_step"), q4t_json_num(e, "macs_per_cycle"),
               q4t_json_num(e, "gops"), q4t_json_num(e, "pct_of_peak"), q4t_json_str(e, "bottleneck"));
    }
}

static int parse(int argc, char **argv, q4t_cpu *cpu, predict_opts *o)
{
    static const struct option opts[] = {{"core", required_argument, NULL, 'c'},
                                         {"kernel", required_argument, NULL, 'k'},
                                         {"op", required_argument, NULL, 'p'},
                                         {"arch", required_argument, NULL, 'a'},
                                         {"metric", required_argument, NULL, 'm'},
                                         {"table", required_argument, NULL, 't'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"check", required_argument, NULL, 'x'},
                                         {"help", no_argument, NULL, 'h'},
                                         Q4T_LONGOPT_ISA,
                                         {NULL, 0, NULL, 0}};
    static const char *const metrics[] = {"macs", "peak", "gops", "cycles"};
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': o->cores = optarg; break;
        case 'k': o->kernels = optarg; break;
        case 'p': o->op = optarg; break;
        case 'a': o->arch = optarg; break;
        case 't': o->table = optarg; break;
        case 'o': o->out = optarg; break;
        case 'x': o->check = optarg; break;
        case 'm': {
            size_t i = 0;
            while (i < 4 && strcmp(optarg, metrics[i]) != 0)
                i++;
            if (i == 4) {
                fprintf(stderr, "q4tune predict: --metric wants macs, peak, gops or cycles, not '%s'\n", optarg);
                return Q4T_EXIT_USAGE;
            }
            o->metric = (metric)i;
            break;
        }
        default: {
            const int rc = q4t_cli_common_option(c, cpu, usage);
            if (rc != Q4T_CLI_CONTINUE)
                return rc;
        }
        }
    }
    if (o->op && strcmp(o->op, "gemv") != 0 && strcmp(o->op, "gemm") != 0) {
        fprintf(stderr, "q4tune predict: --op wants gemv or gemm, not '%s'\n", o->op);
        return Q4T_EXIT_USAGE;
    }
    if (o->arch && strcmp(o->arch, "aarch64") != 0 && strcmp(o->arch, "x86_64") != 0) {
        fprintf(stderr, "q4tune predict: --arch wants aarch64 or x86_64, not '%s'\n", o->arch);
        return Q4T_EXIT_USAGE;
    }
    return q4t_cli_no_operands(argc, argv, "predict");
}

/* The table, checked to be one this q4tune reads; NULL with the message printed. */
static cJSON *read_table(const char *path)
{
    char err[512];
    cJSON *t = q4t_json_read(path, err, sizeof err);
    if (!t) {
        fprintf(stderr,
                "q4tune predict: %s\n  (the predicted table is made at build time with llvm-mca-19, clang-19 and "
                "python3: scripts/deps cross installs them; or give --table FILE)\n",
                err);
        return NULL;
    }
    const char *schema = q4t_json_str(t, "schema");
    if (!schema || strcmp(schema, "q4tune-predicted") != 0 || q4t_json_num(t, "schema_version") != 1 ||
        !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(t, "cores")) ||
        !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(t, "kernels"))) {
        fprintf(stderr, "q4tune predict: %s is not a q4tune predicted table of schema version 1\n", path);
        cJSON_Delete(t);
        return NULL;
    }
    return t;
}

/* Refuses names in list that the table lacks (key "id" of cores, "name" of kernels). */
static int check_names(const cJSON *items, const char *key, const char *list, const char *what)
{
    char name[128];
    int len;
    for (const char *p = list; p && (len = q4t_list_next(&p, name, sizeof name)) >= 0;) {
        int found = 0;
        const cJSON *it;
        cJSON_ArrayForEach(it, items)
        {
            const char *n = q4t_json_str(it, key);
            found |= n && (size_t)len < sizeof name && strcmp(n, name) == 0;
        }
        if (!found) {
            fprintf(stderr, "q4tune predict: the table has no %s '%s' (q4tune predict lists them)\n", what, name);
            return Q4T_EXIT_USAGE;
        }
    }
    return 0;
}

static int write_out(cJSON *table, const char *dir)
{
    char when[32], path[PATH_MAX], err[512];
    const time_t now = time(NULL);
    struct tm tm;
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    cJSON_DeleteItemFromObjectCaseSensitive(table, "q4tune_version");
    cJSON_DeleteItemFromObjectCaseSensitive(table, "created");
    cJSON_AddStringToObject(table, "q4tune_version", Q4T_VERSION);
    cJSON_AddStringToObject(table, "created", when);
    snprintf(path, sizeof path, "%s/predicted.json", dir);
    if (q4t_json_write(path, table, err, sizeof err) != 0) {
        fprintf(stderr, "q4tune predict: %s\n", err);
        return Q4T_EXIT_FAIL;
    }
    printf("predict: wrote %s\n", path);
    return Q4T_EXIT_OK;
}

/* DIR/<device id>/predict-check.json: this device's record (schema
 * q4tune-predict-check, version 1) of the check against the table. */
static int write_check(const cJSON *check, const cJSON *table, const q4t_cpu *cpu, const char *dir)
{
    cJSON *rec = q4t_cli_record("predict", "q4tune-predict-check", 1, cpu);
    if (!rec)
        return Q4T_EXIT_FAIL;
    cJSON_AddStringToObject(rec, "llvm_mca", q4t_json_str(table, "llvm_mca"));
    cJSON_AddItemToObject(rec, "compilers",
                          cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(table, "compilers"), 1));
    const cJSON *item;
    cJSON_ArrayForEach(item, check) cJSON_AddItemToObject(rec, item->string, cJSON_Duplicate(item, 1));
    return q4t_cli_record_write("predict", rec, dir, "predict-check.json", stdout);
}

int q4t_cmd_predict(int argc, char **argv, q4t_cpu *cpu)
{
    predict_opts o = {.metric = METRIC_MACS};
    int rc = parse(argc, argv, cpu, &o);
    if (rc != 0)
        return rc;
    char buf[PATH_MAX];
    const char *path = table_path(o.table, buf, sizeof buf);
    cJSON *table = read_table(path);
    if (!table)
        return Q4T_EXIT_FAIL;
    const cJSON *cores = cJSON_GetObjectItemCaseSensitive(table, "cores");
    const cJSON *kernels = cJSON_GetObjectItemCaseSensitive(table, "kernels");
    if ((rc = check_names(cores, "id", o.cores, "core")) != 0 ||
        (rc = check_names(kernels, "name", o.kernels, "kernel")) != 0) {
        cJSON_Delete(table);
        return rc;
    }
    printf("predict: %s: llvm-mca %s; compilers", path, q4t_json_str(table, "llvm_mca"));
    const cJSON *arch;
    cJSON_ArrayForEach(arch, cJSON_GetObjectItemCaseSensitive(table, "compilers"))
    {
        const cJSON *cc;
        cJSON_ArrayForEach(cc, arch) printf(" %s: %s", arch->string, cc->valuestring);
    }
    printf("\n  %s\n", q4t_json_str(table, "about"));
    if (o.cores) {
        const cJSON *c;
        cJSON_ArrayForEach(c, cores) if (q4t_list_selects(o.cores, q4t_json_str(c, "id"))) print_core(table, c, &o);
    } else if (!o.check) {
        print_matrix(table, &o);
    }
    if (o.check) {
        const cJSON *core = NULL, *c;
        cJSON_ArrayForEach(c, cores) if (strcmp(q4t_json_str(c, "id"), o.check) == 0) core = c;
        cJSON *check = NULL;
        if (!core) {
            fprintf(stderr, "q4tune predict: --check: the table has no core '%s' (q4tune predict lists them)\n",
                    o.check);
            cJSON_Delete(table);
            return Q4T_EXIT_USAGE;
        }
        if (q4t_predict_check(table, core, kernel_selected, &o, cpu, &check) != 0) {
            cJSON_Delete(table);
            return Q4T_EXIT_FAIL;
        }
        rc = o.out ? write_check(check, table, cpu, o.out) : Q4T_EXIT_OK;
        cJSON_Delete(check);
        if (rc != Q4T_EXIT_OK) {
            cJSON_Delete(table);
            return rc;
        }
    }
    rc = o.out ? write_out(table, o.out) : Q4T_EXIT_OK;
    cJSON_Delete(table);
    return rc;
}
