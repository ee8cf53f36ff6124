/* q4tune roofline [--json] [--threads N] [--out DIR]: measured read bandwidth
 * and int8 dot-product peaks, 1 thread and all threads; with --out, also the
 * record DIR/<device-id>/roofline.json (schema q4tune-roofline, version 1). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "roofline.h"

static int write_record(const char *out_dir, const q4t_roofline *r, const q4t_cpu *cpu, FILE *said)
{
    cJSON *rec = q4t_cli_record("roofline", "q4tune-roofline", 1, cpu);
    if (!rec)
        return Q4T_EXIT_FAIL;
    cJSON *fig = q4t_roofline_json(r);
    for (cJSON *f; (f = fig->child);) { /* the figures, moved into the record */
        cJSON_DetachItemViaPointer(fig, f);
        cJSON_AddItemToObject(rec, f->string, f); /* copies the key before it frees the old one */
    }
    cJSON_Delete(fig);
    return q4t_cli_record_write("roofline", rec, out_dir, "roofline.json", said);
}

int q4t_cmd_roofline(int argc, char **argv, q4t_cpu *cpu)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                         {"threads", required_argument, NULL, 't'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"help", no_argument, NULL, 'h'},
                                         Q4T_LONGOPT_ISA,
                                         {0, 0, 0, 0}};
    int json = 0, threads = cpu->ncpus, c, rc;
    const char *out_dir = NULL;
    char *end;
    while ((c = getopt_long(argc, argv, "jt:h", opts, NULL)) != -1) {
        if (c == 'j') {
            json = 1;
        } else if (c == 'o') {
            out_dir = optarg;
        } else if (c == 't') {
            threads = (int)strtol(optarg, &end, 10);
            if (*end || threads < 1 || threads > 1024) {
                fprintf(stderr, "q4tune roofline: --threads wants a count from 1 to 1024, not '%s'\n", optarg);
                return Q4T_EXIT_USAGE;
            }
        } else if ((rc = q4t_cli_common_option(
                        c, cpu, "usage: q4tune roofline [--json] [--threads N (default: all CPUs)] [--out DIR] [--isa=LIST]\n"
                           "  --out DIR  also write DIR/<device-id>/roofline.json\n")) >= 0) {
            return rc;
        }
    }
    if ((rc = q4t_cli_no_operands(argc, argv, "roofline")))
        return rc;

    q4t_pool *pool = q4t_pool_create(threads);
    q4t_roofline r;
    if (!pool || q4t_roofline_measure(&r, cpu, pool)) {
        fprintf(stderr, "q4tune roofline: out of memory or threads\n");
        q4t_pool_destroy(pool);
        return Q4T_EXIT_FAIL;
    }
    q4t_pool_destroy(pool);
    if (json) {
        cJSON *o = q4t_roofline_json(&r);
        char *text = cJSON_Print(o);
        puts(text);
        free(text);
        cJSON_Delete(o);
        return out_dir ? write_record(out_dir, &r, cpu, stderr) : Q4T_EXIT_OK;
    }
    printf("memory read bandwidth (%zu MiB buffer, last-level cache %zu KiB):\n", r.buffer_bytes >> 20,
           r.llc_bytes >> 10);
    printf("  1 thread    %8.1f GB/s\n  %d threads %s%8.1f GB/s\n", r.read_gbs_1t, r.threads,
           r.threads < 10 ? " " : "", r.read_gbs_all);
    printf("int8 dot-product peak (GOPS: 2 ops per multiply-add):\n");
    printf("  %-26s %10s %10s\n", "isa", "1 thread", "all");
    for (int i = 0; i < r.npeaks; i++)
        printf("  %-26s %10.1f %10.1f\n", r.peaks[i].name, r.peaks[i].gops_1t, r.peaks[i].gops_all);
    if (r.npeaks == 0)
        printf("  (no int8 dot-product ISA on this CPU, or all masked off)\n");
    return out_dir ? write_record(out_dir, &r, cpu, stdout) : Q4T_EXIT_OK;
}
