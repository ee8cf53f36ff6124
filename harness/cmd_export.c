/* q4tune export --format FORMAT FILE... [-o OUT]: run records (q4tune run,
 * schema q4tune-run v1 and v2) and tuned files (q4tune tune, q4tune-tuned v1)
 * as the input of a CI dashboard.
 *
 * github-bigger, github-smaller: github-action-benchmark's custom tools
 * customBiggerIsBetter and customSmallerIsBetter. Its README (section
 * "Examples", github.com/benchmark-action/github-action-benchmark) and
 * src/extract.ts (the zod BenchmarkResult) take a JSON array of
 * {"name": string, "unit": string, "value": number} with the optional strings
 * "range" (the results' variance) and "extra" (shown in the tooltip).
 * bmf: Bencher Metric Format (bencher.dev/docs/reference/bencher-metric-format
 * and its schema bencher.dev/bmf.json): {"<benchmark>": {"<measure>": {"value":
 * number, "lower_value": number, "upper_value": number}}}, the bounds optional;
 * the built-in measure "latency" is in nanoseconds, other slugs (at most 64
 * characters) are created on first use.
 *
 * Benchmark: "<device id> <model> [d<depth> ]p<prompt> g<gen>[ kv-f32][ tuned]"
 * for a run (what its record's file name says), "<device id> <op> MxNxK
 * (<matrices>)" for a tuned shape; a github name is "<benchmark>: <figure>".
 *   from   figure (github)     unit   BMF measure           better   value                     range, lower..upper
 *   run    TTFT ms             ms     ttft-ms               smaller  ttft_ms.median            p10..p90
 *   run    prefill tok/s       tok/s  prefill-tok-s         bigger   prefill_tok_s.median      p10..p90
 *   run    decode tok/s        tok/s  decode-tok-s          bigger   decode_tok_s.median       p10..p90
 *   run    decode bandwidth %  %      decode-bandwidth-pct  bigger   decode_bandwidth.percent  -
 *   shape  winner µs           µs     latency (in ns)       smaller  winner.median_s           ci_low_s..ci_high_s
 *   shape  winner GOPS         GOPS   throughput-gops       bigger   winner.gops               x median_s/ci_high_s..
 *   shape  winner GB/s         GB/s   bandwidth-gb-s        bigger   winner.gbps                 x median_s/ci_low_s
 * github range: "LO..HI (p10..p90)" or "LO..HI (96.7% CI)", 12 significant
 * digits; extra: the configuration (kernels, threads, mask, binding; for a
 * shape also schedule, tiles, samples). Left out: a decode figure that is null
 * (not measured) and a shape whose search ran out of time (complete: false). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "json.h"
#include "tuned.h"

static const char usage[] =
    "usage: q4tune export --format FORMAT FILE... [-o OUT]\n"
    "  Run records (q4tune run; schema q4tune-run, versions 1 and 2) and tuned files (q4tune tune;\n"
    "  q4tune-tuned, version 1) as the input of a CI dashboard. FORMAT is one of\n"
    "    github-bigger   github-action-benchmark, tool customBiggerIsBetter: per run prefill and\n"
    "                    decode tok/s (median, range p10..p90) and decode bandwidth as a % of the\n"
    "                    measured read bandwidth; per tuned shape the winner's GOPS and GB/s\n"
    "    github-smaller  github-action-benchmark, tool customSmallerIsBetter: per run TTFT in ms\n"
    "                    (median, range p10..p90); per tuned shape the winner's median time in \u00b5s\n"
    "                    (range its confidence interval)\n"
    "    bmf             Bencher Metric Format: all of them, measures ttft-ms, prefill-tok-s,\n"
    "                    decode-tok-s, decode-bandwidth-pct, latency (ns), throughput-gops,\n"
    "                    bandwidth-gb-s, lower_value and upper_value the same bounds\n"
    "  Names say device, model and run (d<depth> p<prompt> g<gen>, kv-f32, tuned) or shape, and the\n"
    "  figure: \"DEVICE tiny p8 g4: decode tok/s\", \"DEVICE gemv 1x2048x2048 (wq,wo): winner \u00b5s\";\n"
    "  the configuration (kernels, threads, mask) is in \"extra\".\n"
    "  Shapes whose search ran out of time are left out (said on stderr). Output to stdout, or to\n"
    "  OUT (-o, --out), written atomically (a temporary file beside it, renamed). Exit 2 when a file\n"
    "  is unreadable, not JSON, not such a file, of another version or lacks a figure, or two files\n"
    "  give the same name; 1 when nothing is left to export; nothing is written then.\n";

typedef enum { FORMAT_BIGGER, FORMAT_SMALLER, FORMAT_BMF } format;

/* One exported figure. */
typedef struct {
    char bench[512];    /* the benchmark: device, model and run, or shape */
    const char *figure; /* what of it, the github name's suffix: "decode tok/s" */
    const char *unit;   /* of value, lo, hi */
    const char *slug;   /* the BMF measure */
    double bmf_scale;   /* BMF value = value * bmf_scale (latency: us to ns) */
    int bigger;         /* bigger is better: github-bigger, else github-smaller */
    double value, lo, hi; /* lo, hi: NAN when there is no range */
    char range_of[32];  /* what lo..hi are: "p10..p90", "96.7% CI" */
    char extra[512];    /* the configuration */
    const char *file;   /* where from */
} figure;

typedef struct {
    figure *f;
    int n, cap;
} figures;

/* The file being read, and where its error goes. */
typedef struct {
    const char *file;
    char *err;
    size_t errlen;
} source;

/* "FILE: <message>" into the error; returns -1. */
static int bad(const source *s, const char *fmt, ...)
{
    const int n = snprintf(s->err, s->errlen, "%s: ", s->file);
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < s->errlen)
        vsnprintf(s->err + n, s->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

/* "path.key", or "key" at the top. */
static void join(char *buf, size_t len, const char *path, const char *key)
{
    snprintf(buf, len, "%s%s%s", path, *path ? "." : "", key);
}

/* The object at o.key; NULL (error said) if it is missing or not an object. */
static const cJSON *object(const source *s, const cJSON *o, const char *path, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (cJSON_IsObject(v))
        return v;
    char at[256];
    join(at, sizeof at, path, key);
    bad(s, "%s %s", at, v ? "is not an object" : "missing");
    return NULL;
}

static int string(const source *s, const cJSON *o, const char *path, const char *key, const char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    char at[256];
    join(at, sizeof at, path, key);
    if (!cJSON_IsString(v))
        return bad(s, "%s %s", at, v ? "is not a string" : "missing");
    *out = v->valuestring;
    return 0;
}

/* The number at o.key: finite and above 0 (positive) or at least 0. */
static int number(const source *s, const cJSON *o, const char *path, const char *key, int positive, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    char at[256];
    join(at, sizeof at, path, key);
    if (!v)
        return bad(s, "%s missing", at);
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || !(positive ? v->valuedouble > 0 : v->valuedouble >= 0))
        return bad(s, "%s is not a number %s", at, positive ? "above 0" : "at least 0");
    *out = v->valuedouble;
    return 0;
}

static int whole(const source *s, const cJSON *o, const char *path, const char *key, size_t *out)
{
    char at[256];
    join(at, sizeof at, path, key);
    if (q4t_json_size(o, key, out))
        return bad(s, "%s %s", at, cJSON_GetObjectItemCaseSensitive(o, key) ? "is not a whole number" : "missing");
    return 0;
}

/* A new figure at the end of out, zeroed but for no range; NULL if out of memory. */
static figure *add(figures *out, const source *s, const char *bench, const char *fig, const char *unit,
                   const char *slug, int bigger, double value)
{
    if (out->n == out->cap) {
        const int cap = out->cap ? 2 * out->cap : 32;
        figure *f = realloc(out->f, sizeof *f * (size_t)cap);
        if (!f) {
            bad(s, "out of memory");
            return NULL;
        }
        out->f = f;
        out->cap = cap;
    }
    figure *f = &out->f[out->n++];
    memset(f, 0, sizeof *f);
    snprintf(f->bench, sizeof f->bench, "%s", bench);
    f->figure = fig;
    f->unit = unit;
    f->slug = slug;
    f->bmf_scale = 1.0;
    f->bigger = bigger;
    f->value = value;
    f->lo = f->hi = NAN;
    f->file = s->file;
    return f;
}

/* "<kernel>[, <kernel>...]; N threads, mask M, binding B" of one phase of a
 * run: its matrices' distinct kernels (selection[].<phase>.kernel) and its
 * pool (pools.<phase>). len > 0. */
static int phase_config(const source *s, const cJSON *root, const char *phase, char *buf, size_t len)
{
    const cJSON *sel = cJSON_GetObjectItemCaseSensitive(root, "selection"), *m;
    if (!cJSON_IsArray(sel) || !cJSON_GetArraySize(sel))
        return bad(s, "selection %s", sel ? "is not an array of matrices" : "missing");
    size_t n = 0;
    int i = 0;
    buf[0] = '\0';
    cJSON_ArrayForEach(m, sel)
    {
        char at[64];
        snprintf(at, sizeof at, "selection[%d]", i);
        const cJSON *choice = object(s, m, at, phase);
        const char *kernel = NULL;
        snprintf(at + strlen(at), sizeof at - strlen(at), ".%s", phase);
        if (!choice || string(s, choice, at, "kernel", &kernel))
            return -1;
        int seen = 0; /* by an earlier matrix (checked, so a string) */
        for (int j = 0; j < i; j++)
            seen |= !strcmp(kernel, q4t_json_str(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(sel, j), phase),
                                                 "kernel"));
        if (!seen)
            n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "", kernel);
        n = n < len ? n : len - 1; /* truncated */
        i++;
    }
    char at[64];
    snprintf(at, sizeof at, "pools.%s", phase);
    const cJSON *pools = object(s, root, "", "pools"), *pool = pools ? object(s, pools, "pools", phase) : NULL;
    size_t threads = 0;
    const char *mask = NULL, *binding = NULL;
    if (!pool || whole(s, pool, at, "threads", &threads) || string(s, pool, at, "mask", &mask) ||
        string(s, pool, at, "binding", &binding))
        return -1;
    snprintf(buf + n, len - n, "; %zu thread%s, mask %s, binding %s", threads, threads == 1 ? "" : "s",
             mask, binding);
    return 0;
}

/* A run figure ({median, p10, p90, ...}) at root.key, or none (0, *f NULL)
 * when it is null (not measured) and nullable. */
static int distribution(const source *s, figures *out, const cJSON *root, const char *key, int nullable,
                        const char *bench, const char *fig, const char *unit, const char *slug, int bigger,
                        const char *extra)
{
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(root, key);
    if (nullable && cJSON_IsNull(d))
        return 0;
    double median = 0, p10 = 0, p90 = 0;
    if (!(d = object(s, root, "", key)) || number(s, d, key, "median", 1, &median) ||
        number(s, d, key, "p10", 1, &p10) || number(s, d, key, "p90", 1, &p90))
        return -1;
    figure *f = add(out, s, bench, fig, unit, slug, bigger, median);
    if (!f)
        return -1;
    f->lo = p10;
    f->hi = p90;
    snprintf(f->range_of, sizeof f->range_of, "p10..p90");
    snprintf(f->extra, sizeof f->extra, "%s", extra);
    return 0;
}

static int run_figures(const source *s, const cJSON *root, int version, figures *out)
{
    const cJSON *device = object(s, root, "", "device"), *model = device ? object(s, root, "", "model") : NULL;
    const cJSON *run = model ? object(s, root, "", "run") : NULL;
    const char *id = NULL, *name = NULL, *kv = "f16";
    size_t prompt = 0, gen = 0, depth = 0;
    if (!run || string(s, device, "device", "id", &id) || string(s, model, "model", "name", &name) ||
        whole(s, run, "run", "prompt", &prompt) || whole(s, run, "run", "gen", &gen) ||
        (version >= 2 && (whole(s, run, "run", "depth", &depth) || string(s, run, "run", "kv_cache", &kv))))
        return -1;
    const cJSON *tuned = cJSON_GetObjectItemCaseSensitive(run, "tuned");
    if (!cJSON_IsString(tuned) && !cJSON_IsNull(tuned))
        return bad(s, "run.tuned %s", tuned ? "is neither a file name nor null" : "missing");
    char bench[512], depth_s[32] = "", prefill[400], decode[400], extra[512];
    if (depth)
        snprintf(depth_s, sizeof depth_s, "d%zu ", depth);
    snprintf(bench, sizeof bench, "%s %s %sp%zu g%zu%s%s", id, name, depth_s, prompt, gen,
             strcmp(kv, "f16") ? " kv-" : "", strcmp(kv, "f16") ? kv : "");
    if (cJSON_IsString(tuned))
        snprintf(bench + strlen(bench), sizeof bench - strlen(bench), " tuned");
    if (phase_config(s, root, "prefill", prefill, sizeof prefill) ||
        phase_config(s, root, "decode", decode, sizeof decode))
        return -1;
    snprintf(extra, sizeof extra, "prefill: %s", prefill);
    if (distribution(s, out, root, "ttft_ms", 0, bench, "TTFT ms", "ms", "ttft-ms", 0, extra) ||
        distribution(s, out, root, "prefill_tok_s", 0, bench, "prefill tok/s", "tok/s", "prefill-tok-s", 1, extra))
        return -1;
    snprintf(extra, sizeof extra, "decode: %s", decode);
    if (distribution(s, out, root, "decode_tok_s", 1, bench, "decode tok/s", "tok/s", "decode-tok-s", 1, extra))
        return -1;
    const cJSON *bw = cJSON_GetObjectItemCaseSensitive(root, "decode_bandwidth");
    if (cJSON_IsNull(bw)) /* not measured (--no-roofline) */
        return 0;
    double pct = 0, gbs = 0, read_gbs = 0;
    if (!(bw = object(s, root, "", "decode_bandwidth")) || number(s, bw, "decode_bandwidth", "percent", 0, &pct) ||
        number(s, bw, "decode_bandwidth", "gbs", 0, &gbs) ||
        number(s, bw, "decode_bandwidth", "read_gbs", 1, &read_gbs))
        return -1;
    figure *f = add(out, s, bench, "decode bandwidth %", "%", "decode-bandwidth-pct", 1, pct);
    if (!f)
        return -1;
    snprintf(f->extra, sizeof f->extra, "%.2f GB/s of %.2f GB/s measured read bandwidth; decode: %s", gbs, read_gbs,
             decode);
    return 0;
}

/* A tuned winner's figure with its range lo..hi over the confidence interval
 * of level. */
static int winner_figure(const source *s, figures *out, const char *bench, const char *fig, const char *unit,
                         const char *slug, double bmf_scale, int bigger, double value, double lo, double hi,
                         double level, const char *extra)
{
    figure *f = add(out, s, bench, fig, unit, slug, bigger, value);
    if (!f)
        return -1;
    f->bmf_scale = bmf_scale;
    f->lo = lo;
    f->hi = hi;
    snprintf(f->range_of, sizeof f->range_of, "%.1f%% CI", 100.0 * level);
    snprintf(f->extra, sizeof f->extra, "%s", extra);
    return 0;
}

static int shape_figures(const source *s, const cJSON *shape, const char *at, const char *id, const char *note,
                         figures *out)
{
    const char *op = NULL, *what = "";
    size_t M = 0, N = 0, K = 0;
    if (string(s, shape, at, "op", &op) || whole(s, shape, at, "M", &M) || whole(s, shape, at, "N", &N) ||
        whole(s, shape, at, "K", &K))
        return -1;
    if (strcmp(op, "gemv") && strcmp(op, "gemm"))
        return bad(s, "%s.op is '%s', not gemv or gemm", at, op);
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(shape, "what");
    if (cJSON_IsString(w))
        what = w->valuestring;
    char bench[512];
    snprintf(bench, sizeof bench, "%s %s %zux%zux%zu%s%s%s", id, op, M, N, K, *what ? " (" : "", what,
             *what ? ")" : "");
    if (cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(shape, "complete"))) {
        fprintf(stderr, "q4tune export: %s: %s left out: its search ran out of time (complete: false)\n", s->file,
                bench);
        return 0;
    }
    char wat[96], cat[128];
    snprintf(wat, sizeof wat, "%s.winner", at);
    snprintf(cat, sizeof cat, "%s.config", wat);
    const cJSON *winner = object(s, shape, at, "winner"), *config = winner ? object(s, winner, wat, "config") : NULL;
    const char *kernel = NULL, *mask = NULL, *binding = NULL, *schedule = NULL;
    size_t threads = 0, rows = 0, cols = 0, n = 0;
    double median = 0, ci_low = 0, ci_high = 0, level = 0, gops = 0, gbps = 0;
    if (!config || string(s, config, cat, "kernel", &kernel) || whole(s, config, cat, "threads", &threads) ||
        string(s, config, cat, "mask", &mask) || string(s, config, cat, "binding", &binding) ||
        string(s, config, cat, "schedule", &schedule) || whole(s, winner, wat, "n", &n) ||
        number(s, winner, wat, "median_s", 1, &median) || number(s, winner, wat, "ci_low_s", 1, &ci_low) ||
        number(s, winner, wat, "ci_high_s", 1, &ci_high) || number(s, winner, wat, "ci_level", 1, &level) ||
        number(s, winner, wat, "gops", 0, &gops) || number(s, winner, wat, "gbps", 0, &gbps))
        return -1;
    if (level > 1)
        return bad(s, "%s.ci_level is %g, above 1", wat, level);
    q4t_json_size(config, "task_rows", &rows);
    q4t_json_size(config, "task_cols", &cols);
    char extra[512], tiles[48] = "";
    if (rows || cols)
        snprintf(tiles, sizeof tiles, ", tiles %zux%zu", rows, cols);
    snprintf(extra, sizeof extra, "%s, %zu thread%s, mask %s, binding %s, schedule %s%s; median of %zu%s", kernel,
             threads, threads == 1 ? "" : "s", mask, binding, schedule, tiles, n, note);
    return winner_figure(s, out, bench, "winner \u00b5s", "\u00b5s", "latency", 1e3, 0, median * 1e6, ci_low * 1e6,
                         ci_high * 1e6, level, extra) ||
                   winner_figure(s, out, bench, "winner GOPS", "GOPS", "throughput-gops", 1.0, 1, gops,
                                 gops * median / ci_high, gops * median / ci_low, level, extra) ||
                   winner_figure(s, out, bench, "winner GB/s", "GB/s", "bandwidth-gb-s", 1.0, 1, gbps,
                                 gbps * median / ci_high, gbps * median / ci_low, level, extra)
               ? -1
               : 0;
}

static int tuned_figures(const source *s, const cJSON *root, figures *out)
{
    const cJSON *device = object(s, root, "", "device"), *shapes = cJSON_GetObjectItemCaseSensitive(root, "shapes");
    const char *id = NULL;
    if (!device || string(s, device, "device", "id", &id))
        return -1;
    if (!cJSON_IsArray(shapes))
        return bad(s, "shapes %s", shapes ? "is not an array" : "missing");
    char note[128] = "";
    const cJSON *drift = cJSON_GetObjectItemCaseSensitive(root, "drift"), *shape;
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(drift, "exceeded"))) {
        const cJSON *pct = cJSON_GetObjectItemCaseSensitive(drift, "max_pct");
        snprintf(note, sizeof note, "; suspect: the reference workload drifted %.1f%% during tuning",
                 cJSON_IsNumber(pct) ? pct->valuedouble : NAN);
    }
    int i = 0;
    cJSON_ArrayForEach(shape, shapes)
    {
        char at[32];
        snprintf(at, sizeof at, "shapes[%d]", i++);
        if (!cJSON_IsObject(shape))
            return bad(s, "%s is not an object", at);
        if (shape_figures(s, shape, at, id, note, out))
            return -1;
    }
    return 0;
}

/* Reads one file and adds its figures. */
static int read_figures(const char *path, figures *out, char *err, size_t errlen)
{
    const source s = {path, err, errlen};
    cJSON *root = q4t_json_read(path, err, errlen);
    if (!root)
        return -1;
    const char *schema = q4t_json_str(root, "schema");
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(root, "schema_version");
    const int is_run = schema && !strcmp(schema, "q4tune-run"), is_tuned = schema && !strcmp(schema, "q4tune-tuned");
    const double v = cJSON_IsNumber(version) ? version->valuedouble : NAN;
    int rc;
    if (!is_run && !is_tuned)
        rc = schema ? bad(&s, "not a q4tune run record or tuned file (\"schema\": \"%s\", not \"q4tune-run\" or "
                              "\"q4tune-tuned\")",
                          schema)
                    : bad(&s, "not a q4tune run record or tuned file (no \"schema\": \"q4tune-run\" or "
                              "\"q4tune-tuned\")");
    else if (!cJSON_IsNumber(version))
        rc = bad(&s, "schema_version missing or not a number");
    else if (is_run && v != 1 && v != 2)
        rc = bad(&s, "run record of schema version %g; this q4tune reads versions 1 and 2", v);
    else if (is_tuned && v != Q4T_TUNED_SCHEMA_VERSION)
        rc = bad(&s, "tuned file of schema version %g; this q4tune reads version %d", v, Q4T_TUNED_SCHEMA_VERSION);
    else
        rc = is_run ? run_figures(&s, root, (int)v, out) : tuned_figures(&s, root, out);
    cJSON_Delete(root);
    return rc;
}

/* The output document of the figures fmt exports; NULL if out of memory. */
static cJSON *render(const figures *in, format fmt, int *count)
{
    cJSON *doc = fmt == FORMAT_BMF ? cJSON_CreateObject() : cJSON_CreateArray();
    *count = 0;
    for (int i = 0; doc && i < in->n; i++) {
        const figure *f = &in->f[i];
        if (fmt != FORMAT_BMF && f->bigger != (fmt == FORMAT_BIGGER))
            continue;
        cJSON *o = cJSON_CreateObject();
        if (!o) {
            cJSON_Delete(doc);
            return NULL;
        }
        if (fmt == FORMAT_BMF) {
            cJSON *bench = cJSON_GetObjectItemCaseSensitive(doc, f->bench);
            if (!bench)
                bench = cJSON_AddObjectToObject(doc, f->bench);
            cJSON_AddItemToObject(bench, f->slug, o);
            cJSON_AddNumberToObject(o, "value", f->value * f->bmf_scale);
            if (!isnan(f->lo)) {
                cJSON_AddNumberToObject(o, "lower_value", f->lo * f->bmf_scale);
                cJSON_AddNumberToObject(o, "upper_value", f->hi * f->bmf_scale);
            }
        } else {
            char name[600], range[128];
            snprintf(name, sizeof name, "%s: %s", f->bench, f->figure);
            cJSON_AddStringToObject(o, "name", name);
            cJSON_AddStringToObject(o, "unit", f->unit);
            cJSON_AddNumberToObject(o, "value", f->value);
            if (!isnan(f->lo)) {
                snprintf(range, sizeof range, "%.12g..%.12g (%s)", f->lo, f->hi, f->range_of);
                cJSON_AddStringToObject(o, "range", range);
            }
            if (f->extra[0])
                cJSON_AddStringToObject(o, "extra", f->extra);
            cJSON_AddItemToArray(doc, o);
        }
        ++*count;
    }
    return doc;
}

int q4t_cmd_export(int argc, char **argv, q4t_cpu *cpu)
{
    static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"help", no_argument, NULL, 'h'},
                                         Q4T_LONGOPT_ISA,
                                         {NULL, 0, NULL, 0}};
    static const char *const names[] = {"github-bigger", "github-smaller", "bmf"};
    int fmt = -1, c;
    const char *out_path = NULL;
    while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
                if (!strcmp(optarg, names[i]))
                    fmt = i;
            if (fmt < 0) {
                fprintf(stderr, "q4tune export: --format wants github-bigger, github-smaller or bmf, not '%s'\n",
                        optarg);
                return Q4T_EXIT_USAGE;
            }
            break;
        case 'o':
            out_path = optarg;
            break;
        default: {
            const int rc = q4t_cli_common_option(c, cpu, usage);
            if (rc >= 0)
                return rc;
        }
        }
    }
    if (fmt < 0 || optind >= argc) {
        fprintf(stderr, "q4tune export: %s\n%s", fmt < 0 ? "give --format" : "give at least one file", usage);
        return Q4T_EXIT_USAGE;
    }
    figures all = {NULL, 0, 0};
    char err[1024];
    int rc = Q4T_EXIT_OK;
    for (int i = optind; i < argc && rc == Q4T_EXIT_OK; i++)
        if (read_figures(argv[i], &all, err, sizeof err))
            rc = Q4T_EXIT_USAGE;
    for (int i = 0; i < all.n && rc == Q4T_EXIT_OK; i++)
        for (int j = 0; j < i && rc == Q4T_EXIT_OK; j++)
            if (!strcmp(all.f[i].bench, all.f[j].bench) && !strcmp(all.f[i].figure, all.f[j].figure)) {
                snprintf(err, sizeof err, "%s: '%s: %s' again (%s gave it first): give each run and tuned file once",
                         all.f[i].file, all.f[i].bench, all.f[i].figure, all.f[j].file);
                rc = Q4T_EXIT_USAGE;
            }
    int count = 0;
    cJSON *doc = rc == Q4T_EXIT_OK ? render(&all, (format)fmt, &count) : NULL;
    char *text = doc ? cJSON_Print(doc) : NULL;
    if (rc == Q4T_EXIT_OK && !text) {
        snprintf(err, sizeof err, "out of memory");
        rc = Q4T_EXIT_FAIL;
    } else if (rc == Q4T_EXIT_OK && !count) {
        snprintf(err, sizeof err, "nothing to export as %s in the files given", names[fmt]);
        rc = Q4T_EXIT_FAIL;
    } else if (rc == Q4T_EXIT_OK && out_path && strcmp(out_path, "-")) {
        if (q4t_file_write(out_path, text, "\n", err, sizeof err))
            rc = Q4T_EXIT_FAIL;
    } else if (rc == Q4T_EXIT_OK && (puts(text) == EOF || fflush(stdout))) {
        snprintf(err, sizeof err, "cannot write to stdout: %s", strerror(errno));
        rc = Q4T_EXIT_FAIL;
    }
    if (rc != Q4T_EXIT_OK)
        fprintf(stderr, "q4tune export: %s\n", err);
    free(text);
    cJSON_Delete(doc);
    free(all.f);
    return rc;
}
