/* q4tune compare A.json B.json [--fail-above PCT] [--alpha P]: per shape the
 * two tuned configurations and B's time relative to A's, flagged only when the
 * Mann-Whitney U test over their samples says the difference is real. Works
 * across devices and across commits. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "json.h"
#include "stats.h"
#include "tuned.h"

static const char usage[] =
    "usage: q4tune compare A.json B.json [--fail-above PCT] [--alpha P]\n"
    "  Two tuned files (q4tune tune; any devices, any commits): for every shape in both,\n"
    "  each side's winning configuration, B's median time as a ratio of A's with the range\n"
    "  its 95% confidence intervals allow, and the Mann-Whitney U p-value of the samples.\n"
    "  A change is flagged only when p < alpha (default 0.05). Exit 1 with --fail-above PCT\n"
    "  when a flagged shape is more than PCT percent slower in B, or a shape of A is missing\n"
    "  in B (a regression gate for CI); exit 2 when a file or a winner is malformed.\n";

/* The string at a JSON item, or fallback. */
static const char *str_or(const cJSON *item, const char *fallback)
{
    const char *s = cJSON_GetStringValue(item);
    return s ? s : fallback;
}

static cJSON *load(const char *path)
{
    char err[512];
    cJSON *j = q4t_tuned_read(path, err, sizeof err);
    if (!j)
        fprintf(stderr, "q4tune compare: %s\n", err);
    return j;
}

static int same_shape(const cJSON *a, const cJSON *b)
{
    return !strcmp(str_or(cJSON_GetObjectItem(a, "op"), ""),
                   str_or(cJSON_GetObjectItem(b, "op"), "")) &&
           q4t_json_num(a, "M") == q4t_json_num(b, "M") && q4t_json_num(a, "N") == q4t_json_num(b, "N") &&
           q4t_json_num(a, "K") == q4t_json_num(b, "K");
}

/* The samples of a winner (every one a number above 0); n set; NULL if malformed. */
static double *samples(const cJSON *winner, int *n)
{
    const cJSON *s = cJSON_GetObjectItem(winner, "samples_s"), *v;
    *n = cJSON_IsArray(s) ? cJSON_GetArraySize(s) : 0;
    double *out = *n > 0 ? malloc(sizeof *out * (size_t)*n) : NULL;
    int i = 0;
    cJSON_ArrayForEach(v, s)
    {
        if (!out || !cJSON_IsNumber(v) || !(v->valuedouble > 0)) {
            free(out);
            return NULL;
        }
        out[i++] = v->valuedouble;
    }
    return out;
}

static void describe(const cJSON *winner, char *buf, size_t len)
{
    const cJSON *c = cJSON_GetObjectItem(winner, "config");
    snprintf(buf, len, "%s t%g %s/%s/%s", str_or(cJSON_GetObjectItem(c, "kernel"), "?"),
             q4t_json_num(c, "threads"), str_or(cJSON_GetObjectItem(c, "mask"), "?"),
             str_or(cJSON_GetObjectItem(c, "binding"), "?"),
             str_or(cJSON_GetObjectItem(c, "schedule"), "?"));
}

int q4t_cmd_compare(int argc, char **argv, q4t_cpu *cpu)
{
    static const struct option opts[] = {{"fail-above", required_argument, NULL, 'f'},
                                         {"alpha", required_argument, NULL, 'a'},
                                         {"help", no_argument, NULL, 'h'},
                                         Q4T_LONGOPT_ISA,
                                         {NULL, 0, NULL, 0}};
    double fail_above = INFINITY, alpha = 0.05;
    char *end;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            fail_above = strtod(optarg, &end);
            if (*end || !(fail_above >= 0)) {
                fprintf(stderr, "q4tune compare: --fail-above wants a percentage >= 0, not '%s'\n", optarg);
                return Q4T_EXIT_USAGE;
            }
            break;
        case 'a':
            alpha = strtod(optarg, &end);
            if (*end || !(alpha > 0 && alpha < 1)) {
                fprintf(stderr, "q4tune compare: --alpha wants a p-value threshold in (0, 1), not '%s'\n", optarg);
                return Q4T_EXIT_USAGE;
            }
            break;
        default: {
            const int rc = q4t_cli_common_option(c, cpu, usage);
            if (rc >= 0)
                return rc;
        }
        }
    }
    if (argc - optind != 2) {
        fprintf(stderr, "%s", usage);
        return Q4T_EXIT_USAGE;
    }
    const char *pa = argv[optind], *pb = argv[optind + 1];
    cJSON *a = load(pa), *b = a ? load(pb) : NULL;
    if (!a || !b) {
        cJSON_Delete(a);
        return Q4T_EXIT_USAGE;
    }
    const char *ida = str_or(cJSON_GetObjectItem(cJSON_GetObjectItem(a, "device"), "id"), "?");
    const char *idb = str_or(cJSON_GetObjectItem(cJSON_GetObjectItem(b, "device"), "id"), "?");
    printf("A: %s (%s, %s)\nB: %s (%s, %s)\n", pa, ida, str_or(cJSON_GetObjectItem(a, "created"), "?"),
           pb, idb, str_or(cJSON_GetObjectItem(b, "created"), "?"));
    for (int i = 0; i < 2; i++) {
        const cJSON *drift = cJSON_GetObjectItem(i ? b : a, "drift");
        if (cJSON_IsTrue(cJSON_GetObjectItem(drift, "exceeded")))
            printf("note: %s: the reference workload drifted %.1f%% during tuning (threshold %g%%): its timings are "
                   "suspect\n",
                   i ? pb : pa, q4t_json_num(drift, "max_pct"), q4t_json_num(drift, "threshold_pct"));
    }
    printf("B/A is B's median time over A's (below 1: B faster); range from the two 95%% CIs; "
           "flagged when Mann-Whitney p < %g\n\n",
           alpha);
    printf("%-22s %-48s %-48s %9s %9s %7s %17s %8s  %s\n", "shape", "A winner", "B winner", "A us", "B us", "B/A",
           "range", "p", "verdict");
    int regressions = 0, compared = 0, missing = 0, malformed = 0;
    double log_sum = 0.0;
    const cJSON *sa, *sb;
    cJSON_ArrayForEach(sa, cJSON_GetObjectItem(a, "shapes"))
    {
        char shape[64];
        snprintf(shape, sizeof shape, "%s %gx%gx%g", str_or(cJSON_GetObjectItem(sa, "op"), "?"),
                 q4t_json_num(sa, "M"), q4t_json_num(sa, "N"), q4t_json_num(sa, "K"));
        const cJSON *match = NULL;
        cJSON_ArrayForEach(sb, cJSON_GetObjectItem(b, "shapes")) if (!match && same_shape(sa, sb)) match = sb;
        if (!match) {
            printf("%-22s only in A%s\n", shape, isfinite(fail_above) ? ": missing in B counts as a failure" : "");
            missing++;
            continue;
        }
        const cJSON *wa = cJSON_GetObjectItem(sa, "winner"), *wb = cJSON_GetObjectItem(match, "winner");
        int na, nb;
        double *xa = samples(wa, &na), *xb = samples(wb, &nb);
        const double ma = q4t_json_num(wa, "median_s"), mb = q4t_json_num(wb, "median_s");
        if (!xa || !xb || !(ma > 0) || !(mb > 0)) {
            printf("%-22s malformed winner (median_s, samples_s) in %s\n", shape, !xa || !(ma > 0) ? pa : pb);
            malformed++;
            free(xa);
            free(xb);
            continue;
        }
        const double p = q4t_mann_whitney_p(xa, na, xb, nb), ratio = mb / ma;
        const double lo = q4t_json_num(wb, "ci_low_s") / q4t_json_num(wa, "ci_high_s"),
                     hi = q4t_json_num(wb, "ci_high_s") / q4t_json_num(wa, "ci_low_s");
        const double change = 100.0 * (ratio - 1.0);
        const char *verdict = p >= alpha ? "same within noise" : ratio > 1.0 ? "SLOWER" : "faster";
        const int regress = p < alpha && change > fail_above;
        regressions += regress;
        compared++;
        log_sum += log(ratio);
        char da[128], db[128], range[40];
        describe(wa, da, sizeof da);
        describe(wb, db, sizeof db);
        snprintf(range, sizeof range, "%.3f-%.3f", lo, hi);
        printf("%-22s %-48s %-48s %9.1f %9.1f %7.3f %17s %8.2g  %s %+.1f%%%s\n", shape, da, db, ma * 1e6, mb * 1e6,
               ratio, range, p, verdict, change, regress ? " > --fail-above" : "");
        free(xa);
        free(xb);
    }
    cJSON_ArrayForEach(sb, cJSON_GetObjectItem(b, "shapes"))
    {
        int found = 0;
        cJSON_ArrayForEach(sa, cJSON_GetObjectItem(a, "shapes")) found |= same_shape(sa, sb);
        if (!found)
            printf("%s %gx%gx%g only in B\n", str_or(cJSON_GetObjectItem(sb, "op"), "?"),
                   q4t_json_num(sb, "M"), q4t_json_num(sb, "N"), q4t_json_num(sb, "K"));
    }
    if (compared)
        printf("\n%d shapes compared; geometric mean of B/A: %.3f\n", compared, exp(log_sum / compared));
    else
        printf("\nno shape in common\n");
    cJSON_Delete(a);
    cJSON_Delete(b);
    if (malformed) {
        fprintf(stderr, "q4tune compare: %d shapes have malformed winners\n", malformed);
        return Q4T_EXIT_USAGE;
    }
    if (regressions)
        printf("%d shapes slower beyond noise by more than %g%%\n", regressions, fail_above);
    if (missing && isfinite(fail_above))
        printf("%d shapes of A missing in B\n", missing);
    return regressions || (missing && isfinite(fail_above)) ? Q4T_EXIT_FAIL : Q4T_EXIT_OK;
}
