/* q4tune verify [--shapes MxNxK,...] [--kernel NAME,...] [--seed N] [-v]
 * [--out DIR [--emulated WHAT]]: every runnable kernel against the reference
 * kernel of its op, a table of results, exit 1 on any mismatch; with --out,
 * also the record DIR/<device-id>/verify.json (schema q4tune-verify, version
 * 1): each kernel's status, and WHAT emulated this CPU (its timings mean
 * nothing, so such a device's record holds correctness and configuration). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "device.h"
#include "text.h"
#include "registry.h"
#include "verify.h"

enum { MAX_SHAPES = 128 };

static void print_failure(const q4t_shape *s, const q4t_verify_result *r)
{
    printf("    FAIL %zux%zux%zu: worst y[%zu][%zu] = %.9g vs reference %.9g (error %.3g x tolerance);"
           " %d not written, %d written outside Y, %d differ when run tile by tile\n",
           s->M, s->N, s->K, r->worst_m, r->worst_n, r->y, r->y_ref, r->worst, r->untouched, r->overwritten,
           r->split_differs);
}

static const char usage[] =
    "usage: q4tune verify [--shapes MxNxK,...] [--kernel NAME,...] [--seed N] [-v]\n"
    "                     [--out DIR [--emulated WHAT]] [--isa=LIST]\n"
    "  default shapes: per kernel, M from 1 to past its tile, N ragged around its tile,\n"
    "  K from one block (32) to 4128\n"
    "  --out DIR       also write DIR/<device-id>/verify.json\n"
    "  --emulated WHAT the record says this CPU is emulated, by WHAT (e.g. 'qemu-aarch64 11.0 -cpu max')\n";

/* One kernel's line of the record. */
static void record_kernel(cJSON *kernels, const q4t_kernel *k, const char *tile, const char *status,
                          const char *reason, size_t shapes, double worst)
{
    if (!kernels)
        return;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", k->name);
    cJSON_AddStringToObject(o, "op", q4t_op_name(k->op));
    cJSON_AddStringToObject(o, "tile", tile);
    cJSON_AddItemToObject(o, "isa", q4t_features_json(k->isa));
    cJSON_AddStringToObject(o, "status", status);
    if (reason)
        cJSON_AddStringToObject(o, "reason", reason);
    if (shapes) {
        cJSON_AddNumberToObject(o, "shapes", (double)shapes);
        cJSON_AddNumberToObject(o, "worst_err_over_tol", worst);
    }
    cJSON_AddItemToArray(kernels, o);
}

static int write_record(const char *out_dir, const char *emulated, const q4t_cpu *cpu, cJSON *kernels,
                        int passed, int failed, int skipped)
{
    cJSON *rec = q4t_cli_record("verify", "q4tune-verify", 1, cpu);
    if (!rec) {
        cJSON_Delete(kernels);
        return Q4T_EXIT_FAIL;
    }
    cJSON_AddItemToObject(rec, "features_used", q4t_features_json(cpu->features));
    if (emulated)
        cJSON_AddStringToObject(rec, "emulated", emulated);
    else
        cJSON_AddNullToObject(rec, "emulated");
    cJSON_AddNumberToObject(rec, "passed", passed);
    cJSON_AddNumberToObject(rec, "failed", failed);
    cJSON_AddNumberToObject(rec, "not_runnable", skipped);
    cJSON_AddItemToObject(rec, "kernels", kernels);
    return q4t_cli_record_write("verify", rec, out_dir, "verify.json", stdout);
}

int q4t_cmd_verify(int argc, char **argv, q4t_cpu *cpu)
{
    static const struct option opts[] = {
        {"shapes", required_argument, NULL, 's'}, {"kernel", required_argument, NULL, 'k'},
        {"seed", required_argument, NULL, 'S'},   {"verbose", no_argument, NULL, 'v'},
        {"out", required_argument, NULL, 'o'},    {"emulated", required_argument, NULL, 'E'},
        {"help", no_argument, NULL, 'h'},         Q4T_LONGOPT_ISA,
        {0, 0, 0, 0}};
    q4t_shape user_shapes[MAX_SHAPES];
    size_t n_user = 0;
    const char *kernels = NULL, *out_dir = NULL, *emulated = NULL;
    unsigned seed = 1;
    int verbose = 0, c, rc;
    char *end, err[256];
    while ((c = getopt_long(argc, argv, "s:k:vh", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            if (q4t_shapes_parse(optarg, user_shapes, MAX_SHAPES, &n_user, err, sizeof err)) {
                fprintf(stderr, "q4tune verify: %s\n", err);
                return Q4T_EXIT_USAGE;
            }
            break;
        case 'k':
            kernels = optarg;
            break;
        case 'S':
            seed = (unsigned)strtoul(optarg, &end, 0);
            if (*end || !*optarg) {
                fprintf(stderr, "q4tune verify: --seed wants a number, not '%s'\n", optarg);
                return Q4T_EXIT_USAGE;
            }
            break;
        case 'v':
            verbose = 1;
            break;
        case 'o':
            out_dir = optarg;
            break;
        case 'E':
            emulated = optarg;
            break;
        default:
            if ((rc = q4t_cli_common_option(c, cpu, usage)) >= 0)
                return rc;
        }
    }
    if ((rc = q4t_cli_no_operands(argc, argv, "verify")))
        return rc;
    if ((rc = q4t_cli_kernels(kernels, "verify")))
        return rc;
    if (emulated && !out_dir) {
        fprintf(stderr, "q4tune verify: --emulated describes the record of --out DIR; give --out too\n");
        return Q4T_EXIT_USAGE;
    }
    cJSON *record = out_dir ? cJSON_CreateArray() : NULL;

    printf("%-28s %-5s %-8s %6s %13s  %s\n", "kernel", "op", "tile", "shapes", "worst err/tol", "result");
    int passed = 0, failed = 0, skipped = 0;
    for (size_t i = 0; i < q4t_kernel_count(); i++) {
        const q4t_kernel *k = q4t_kernel_at(i);
        if (!q4t_list_selects(kernels, k->name))
            continue;
        char tile[16];
        q4t_kernel_tile(k, tile, sizeof tile);
        const uint64_t missing = q4t_kernel_missing(k, cpu->features);
        if (missing) {
            char names[256];
            q4t_features_format(missing, ",", names, sizeof names);
            printf("%-28s %-5s %-8s %6s %13s  skipped: not runnable here (needs %s)\n", k->name,
                   q4t_op_name(k->op), tile, "-", "-", names);
            char reason[300];
            snprintf(reason, sizeof reason, "needs %s", names);
            record_kernel(record, k, tile, "not runnable", reason, 0, 0.0);
            skipped++;
            continue;
        }
        q4t_shape shapes[MAX_SHAPES];
        const size_t n = n_user ? n_user : q4t_verify_shapes(k, shapes, MAX_SHAPES);
        if (n_user)
            memcpy(shapes, user_shapes, n * sizeof *shapes);
        double worst = 0.0;
        int bad = 0;
        for (size_t s = 0; s < n; s++) {
            q4t_verify_result r;
            if (q4t_verify(k, shapes[s], seed + (unsigned)s, &r)) {
                fprintf(stderr, "q4tune verify: out of memory at %zux%zux%zu\n", shapes[s].M, shapes[s].N,
                        shapes[s].K);
                cJSON_Delete(record);
                return Q4T_EXIT_FAIL;
            }
            if (r.worst > worst)
                worst = r.worst;
            if (!r.ok) {
                if (!bad++)
                    printf("%-28s %-5s %-8s %6zu %13s  MISMATCH\n", k->name, q4t_op_name(k->op), tile, n, "");
                print_failure(&shapes[s], &r);
            } else if (verbose) {
                printf("    ok   %zux%zux%zu: err/tol %.3f\n", shapes[s].M, shapes[s].N, shapes[s].K, r.worst);
            }
        }
        char reason[64];
        snprintf(reason, sizeof reason, "%d of %zu shapes failed", bad, n);
        record_kernel(record, k, tile, bad ? "FAIL" : "ok", bad ? reason : NULL, n, worst);
        if (bad) {
            printf("    %s\n", reason);
            failed++;
        } else {
            printf("%-28s %-5s %-8s %6zu %13.3f  ok\n", k->name, q4t_op_name(k->op), tile, n, worst);
            passed++;
        }
    }
    for (size_t i = 0; i < q4t_unbuilt_count(); i++)
        if (q4t_list_selects(kernels, q4t_unbuilt_name(i)))
            printf("%-28s %-5s %-8s %6s %13s  skipped: not built (%s)\n", q4t_unbuilt_name(i), "-", "-", "-", "-",
                   q4t_unbuilt_reason(i));
    printf("verify: %d kernels passed, %d failed, %d not runnable on this CPU\n", passed, failed, skipped);
    if (record && (rc = write_record(out_dir, emulated, cpu, record, passed, failed, skipped)))
        return rc;
    return failed ? Q4T_EXIT_FAIL : Q4T_EXIT_OK;
}
