/* q4tune report DIR|FILE... [-o FILE] [--assets DIR]: one self-contained HTML
 * page of results directories (several devices, or several runs of one).
 *
 * Every JSON file under the arguments (three levels down) is read and sorted
 * by its "schema": tuned, sweep, run (versions 1 and 2), accuracy, vs-llama.cpp,
 * roofline, verify and predict-check (q4tune predict --check --out) records
 * are grouped by device id; each device shows its latest record of each kind
 * (runs: the latest per model, prompt, generation and depth), and the older
 * ones feed the history, where a change between consecutive records is marked
 * when the Mann-Whitney test of their samples gives p < 0.05 (as q4tune
 * compare). The static model's records, predicted and anchors, belong to no
 * device: the page shows the latest of each. Anything else gets a line in the
 * page's list of inputs, never a broken page: a file of another kind, an
 * unknown schema version, broken JSON.
 *
 * The page inlines the plotting library (Vega-Lite, with Vega and vega-embed,
 * installed from npm at build time), report/report.js and report.css, and the
 * data as window.Q4T_REPORT (the contract is at the top of report.js). */
#define _DEFAULT_SOURCE /* DT_DIR, DT_REG */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "json.h"
#include "stats.h"

#ifndef Q4T_REPORT_ASSETS
#define Q4T_REPORT_ASSETS "report"
#endif

static const char usage[] =
    "usage: q4tune report DIR|FILE... [-o FILE (default report.html)] [--assets DIR]\n"
    "  DIR: a results directory (results/<device-id>/..., build/results, or results/ itself);\n"
    "  FILE: one record. Writes one HTML file that opens from disk with no network.\n"
    "  --assets DIR  the page's scripts and styles (default: environment Q4T_REPORT_ASSETS, else\n"
    "                ../share/q4tune/report beside an installed q4tune, else the build's,\n"
    "                " Q4T_REPORT_ASSETS ")\n";

/* What the page inlines, in order, from the assets directory. */
static const char *const scripts[] = {"vega.min.js", "vega-lite.min.js", "vega-embed.min.js"};

enum { MAX_DEPTH = 3, SIGNIFICANCE_PCT = 5 };

typedef enum {
    K_TUNED, K_SWEEP, K_RUN, K_ACCURACY, K_VS_LLAMA, K_ROOFLINE, K_VERIFY, K_PREDICT_CHECK, K_PREDICTED, K_ANCHORS,
    K_COUNT
} kind;
static const struct {
    const char *schema, *name;
    int versions; /* bit v set: version v is read */
    int global;   /* of no device: the page's top level holds the latest (the static model's tables) */
} kinds[K_COUNT] = {
    {"q4tune-tuned", "tuned", 1 << 1, 0},           {"q4tune-sweep", "sweep", 1 << 1, 0},
    {"q4tune-run", "run", 1 << 1 | 1 << 2, 0},       {"q4tune-accuracy", "accuracy", 1 << 1, 0},
    {"q4tune-vs-llama.cpp", "vs-llama", 1 << 1, 0},  {"q4tune-roofline", "roofline", 1 << 1, 0},
    {"q4tune-verify", "verify", 1 << 1, 0},          {"q4tune-predict-check", "predict-check", 1 << 1, 0},
    {"q4tune-predicted", "predicted", 1 << 1, 1},    {"q4tune-anchors", "anchors", 1 << 1, 1},
};

typedef struct {
    char *path;
    kind kind;
    const char *device; /* device.id, in doc; "" for a global kind */
    const char *created; /* "" when the record has no date (run records before 2026-12) */
    cJSON *doc;
    cJSON *input;        /* its line in the page's list of inputs */
    char key[256];       /* a run's model, prompt, gen and depth (run_key); "" for other kinds */
} record;

typedef struct {
    record *v;
    int n, cap;
    cJSON *inputs;
} collection;

static cJSON *input_line(collection *c, const char *path, const char *kind_name, const char *status,
                         const char *note)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "path", path);
    cJSON_AddStringToObject(o, "kind", kind_name);
    cJSON_AddStringToObject(o, "status", status);
    cJSON_AddStringToObject(o, "note", note);
    cJSON_AddItemToArray(c->inputs, o);
    return o;
}

static void set_input(cJSON *input, const char *status, const char *note)
{
    cJSON_ReplaceItemInObject(input, "status", cJSON_CreateString(status));
    cJSON_ReplaceItemInObject(input, "note", cJSON_CreateString(note));
}

/* The key grouping a device's run records: one figure per model, prompt,
 * generation length and depth. */
static void run_key(const cJSON *run, char *buf, size_t len)
{
    const cJSON *r = cJSON_GetObjectItem(run, "run");
    const char *model = q4t_json_str(cJSON_GetObjectItem(run, "model"), "name");
    const int n = snprintf(buf, len, "%s p%g g%g", model ? model : "?", q4t_json_num(r, "prompt"),
                           q4t_json_num(r, "gen"));
    if (q4t_json_num(r, "depth") > 0 && n >= 0 && (size_t)n < len)
        snprintf(buf + n, len - (size_t)n, " depth %g", q4t_json_num(r, "depth"));
}

/* Reads path and files it as a record, or as an input line saying why not. */
static void add_file(collection *c, const char *path)
{
    char err[768], note[512];
    cJSON *doc = q4t_json_read(path, err, sizeof err);
    if (!doc) {
        input_line(c, path, "other", "error", err);
        return;
    }
    const char *schema = q4t_json_str(doc, "schema");
    int k = 0;
    while (k < K_COUNT && !(schema && !strcmp(schema, kinds[k].schema)))
        k++;
    if (k == K_COUNT) {
        const int gbench = cJSON_GetObjectItem(doc, "benchmarks") && cJSON_GetObjectItem(doc, "context");
        const int json_schema = cJSON_GetObjectItem(doc, "$schema") != NULL;
        input_line(c, path, gbench ? "gbench" : "other", "skipped",
                   gbench ? "Google Benchmark JSON (q4tune bench): for dashboards; the tuned file it came from "
                            "holds the same configurations"
                   : json_schema ? "a JSON Schema, not a record"
                   : schema      ? "a JSON file of a schema the report does not read"
                                 : "not a q4tune record (no \"schema\")");
        cJSON_Delete(doc);
        return;
    }
    const cJSON *ver = cJSON_GetObjectItem(doc, "schema_version");
    const int v = cJSON_IsNumber(ver) ? ver->valueint : -1;
    const char *device = q4t_json_str(cJSON_GetObjectItem(doc, "device"), "id");
    if (v < 0 || v > 30 || !(kinds[k].versions & (1 << v))) {
        snprintf(note, sizeof note, "%s schema version %d: not a version this q4tune reads (it reads %s)",
                 kinds[k].name, v, kinds[k].versions == (1 << 1) ? "1" : "1 and 2");
        input_line(c, path, kinds[k].name, "skipped", note);
        cJSON_Delete(doc);
        return;
    }
    if (kinds[k].global) {
        device = "";
    } else if (!device || !*device) {
        input_line(c, path, kinds[k].name, "error", "the record has no device.id");
        cJSON_Delete(doc);
        return;
    }
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 64;
        c->v = realloc(c->v, (size_t)c->cap * sizeof *c->v);
    }
    const char *created = q4t_json_str(doc, "created");
    const char *used_note = k == K_RUN && v == 1 ? "run schema version 1: an older format, without the time "
                                                   "breakdown or a date"
                            : !created && !kinds[k].global ? "the record has no date: left out of the history"
                                                           : "";
    record *r = &c->v[c->n++];
    *r = (record){strdup(path), (kind)k, device, created ? created : "", doc,
                  input_line(c, path, kinds[k].name, "used", used_note), ""};
    if (k == K_RUN)
        run_key(doc, r->key, sizeof r->key);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds the JSON files under dir, depth levels down, in name order; returns how many. */
static int add_dir(collection *c, const char *dir, int depth)
{
    DIR *d = opendir(dir);
    if (!d) {
        char note[600];
        snprintf(note, sizeof note, "cannot read the directory: %s", strerror(errno));
        input_line(c, dir, "other", "error", note);
        return 0;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap)
            names = realloc(names, (cap = cap ? 2 * cap : 32) * sizeof *names);
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    int found = 0;
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        const size_t len = strlen(names[i]);
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode) && depth > 0)
            found += add_dir(c, path, depth - 1);
        else if (S_ISREG(st.st_mode) && len > 5 && !strcmp(names[i] + len - 5, ".json")) {
            add_file(c, path);
            found++;
        }
        free(names[i]);
    }
    free(names);
    return found;
}

/* A copy of doc without its timing samples ("samples_s", "samples"): the page
 * draws medians and intervals, and the samples would make it megabytes. */
static void drop_samples(cJSON *o)
{
    cJSON_DeleteItemFromObjectCaseSensitive(o, "samples_s");
    cJSON_DeleteItemFromObjectCaseSensitive(o, "samples");
    for (cJSON *ch = o->child; ch; ch = ch->next)
        if (cJSON_IsObject(ch) || cJSON_IsArray(ch))
            drop_samples(ch);
}

static cJSON *without_samples(const cJSON *doc)
{
    cJSON *o = cJSON_Duplicate(doc, 1);
    drop_samples(o);
    return o;
}

static int record_order(const void *pa, const void *pb)
{
    const record *a = pa, *b = pb;
    int d = strcmp(a->device, b->device);
    if (!d)
        d = strcmp(a->created, b->created);
    return d ? d : strcmp(a->path, b->path);
}

/* The samples at o[key] (an array of numbers) into a new array; *n its length. */
static double *samples_of(const cJSON *o, const char *key, int *n)
{
    const cJSON *a = cJSON_GetObjectItem(o, key);
    *n = 0;
    double *v = cJSON_IsArray(a) ? malloc(((size_t)cJSON_GetArraySize(a) + 1) * sizeof *v) : NULL;
    for (const cJSON *e = a ? a->child : NULL; v && e; e = e->next)
        if (cJSON_IsNumber(e))
            v[(*n)++] = e->valuedouble;
    return v;
}

static void shape_key(const cJSON *shape, char *buf, size_t len)
{
    const char *what = q4t_json_str(shape, "what");
    snprintf(buf, len, "%s %gx%gx%g (%s)", q4t_json_str(shape, "op"), q4t_json_num(shape, "M"),
             q4t_json_num(shape, "N"), q4t_json_num(shape, "K"), what ? what : "");
}

/* One point of a history: the figure of record r (value with its interval,
 * scale applied to all three), and its Mann-Whitney p against the previous
 * point's samples (prev, *nprev; replaced by this point's). */
static void history_point(cJSON *points, const record *r, double value, double low, double high, double *samples,
                          int n, double **prev, int *nprev)
{
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "created", r->created);
    const char *commit = q4t_json_str(cJSON_GetObjectItem(r->doc, "device"), "q4tune_commit");
    if (commit)
        cJSON_AddStringToObject(p, "commit", commit);
    else
        cJSON_AddNullToObject(p, "commit");
    const char *base = strrchr(r->path, '/');
    char label[300];
    snprintf(label, sizeof label, "%s of %.10s", base ? base + 1 : r->path, r->created);
    cJSON_AddStringToObject(p, "label", label);
    cJSON_AddNumberToObject(p, "value", value);
    cJSON_AddNumberToObject(p, "low", low);
    cJSON_AddNumberToObject(p, "high", high);
    if (*prev && samples && *nprev >= 2 && n >= 2) {
        const double pv = q4t_mann_whitney_p(*prev, *nprev, samples, n);
        cJSON_AddNumberToObject(p, "p", pv);
        cJSON_AddBoolToObject(p, "significant", pv * 100.0 < SIGNIFICANCE_PCT);
    } else {
        cJSON_AddNullToObject(p, "p");
        cJSON_AddBoolToObject(p, "significant", 0);
    }
    cJSON_AddItemToArray(points, p);
    free(*prev);
    *prev = samples;
    *nprev = n;
}

static cJSON *history_entry(cJSON *history, const char *device, const char *figure, const char *unit,
                            const char *better)
{
    cJSON *h = cJSON_CreateObject();
    cJSON_AddStringToObject(h, "device", device);
    cJSON_AddStringToObject(h, "figure", figure);
    cJSON_AddStringToObject(h, "unit", unit);
    cJSON_AddStringToObject(h, "better", better);
    cJSON_AddItemToObject(h, "points", cJSON_CreateArray());
    cJSON_AddItemToArray(history, h);
    return cJSON_GetObjectItem(h, "points");
}

/* The dated tuned records of one device, v[0..n) in date order: per shape the
 * winner's median in microseconds, with its confidence interval. */
static void tuned_history(cJSON *history, const char *device, record *const *v, int n)
{
    const cJSON *last = cJSON_GetObjectItem(v[n - 1]->doc, "shapes");
    for (const cJSON *s = last ? last->child : NULL; s; s = s->next) {
        char key[256], figure[320];
        shape_key(s, key, sizeof key);
        snprintf(figure, sizeof figure, "%s: winner's median", key);
        cJSON *points = NULL;
        double *prev = NULL;
        int nprev = 0;
        for (int i = 0; i < n; i++) {
            const cJSON *shapes = cJSON_GetObjectItem(v[i]->doc, "shapes");
            for (const cJSON *t = shapes ? shapes->child : NULL; t; t = t->next) {
                char k2[256];
                shape_key(t, k2, sizeof k2);
                const cJSON *w = cJSON_GetObjectItem(t, "winner");
                if (strcmp(key, k2) || !(q4t_json_num(w, "median_s") > 0))
                    continue;
                if (!points)
                    points = history_entry(history, device, figure, "µs", "lower");
                int ns;
                double *sm = samples_of(w, "samples_s", &ns);
                history_point(points, v[i], 1e6 * q4t_json_num(w, "median_s"), 1e6 * q4t_json_num(w, "ci_low_s"),
                              1e6 * q4t_json_num(w, "ci_high_s"), sm, ns, &prev, &nprev);
                break;
            }
        }
        free(prev);
    }
}

/* The dated run records of one device and key, v[0..n) in date order. */
static void run_history(cJSON *history, const char *device, const char *key, record *const *v, int n)
{
    static const struct {
        const char *field, *name, *unit, *better;
    } figs[] = {{"ttft_ms", "TTFT", "ms", "lower"},
                {"prefill_tok_s", "prefill", "tokens/s", "higher"},
                {"decode_tok_s", "decode", "tokens/s", "higher"}};
    for (size_t f = 0; f < sizeof figs / sizeof figs[0]; f++) {
        char figure[320];
        snprintf(figure, sizeof figure, "%s: %s", key, figs[f].name);
        cJSON *points = history_entry(history, device, figure, figs[f].unit, figs[f].better);
        double *prev = NULL;
        int nprev = 0;
        for (int i = 0; i < n; i++) {
            const cJSON *o = cJSON_GetObjectItem(v[i]->doc, figs[f].field);
            int ns;
            double *sm = samples_of(o, "samples", &ns);
            history_point(points, v[i], q4t_json_num(o, "median"), q4t_json_num(o, "p10"), q4t_json_num(o, "p90"), sm,
                          ns, &prev, &nprev);
        }
        free(prev);
    }
}

/* Without a roofline record (results from before q4tune roofline --out), the
 * read bandwidth that the latest run record measured, with no peaks; or null. */
static cJSON *roofline_from_run(const record *v, int n, cJSON *notes)
{
    for (int i = n - 1; i >= 0; i--) {
        const cJSON *bw = cJSON_GetObjectItem(v[i].doc, "decode_bandwidth");
        if (v[i].kind != K_RUN || !(q4t_json_num(bw, "read_gbs") > 0))
            continue;
        const char *base = strrchr(v[i].path, '/');
        char source[600];
        snprintf(source, sizeof source, "the read bandwidth %s measured (no roofline record: no int8 peaks)",
                 base ? base + 1 : v[i].path);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "source", source);
        cJSON_AddNumberToObject(o, "threads", q4t_json_num(bw, "read_threads"));
        cJSON_AddNullToObject(o, "read_gbs_1t");
        cJSON_AddNumberToObject(o, "read_gbs_all", q4t_json_num(bw, "read_gbs"));
        cJSON_AddItemToObject(o, "int8_peaks", cJSON_CreateArray());
        cJSON_AddItemToArray(notes, cJSON_CreateString(source));
        return o;
    }
    return cJSON_CreateNull();
}

/* The page's entry of one device: its records v[0..n), in date order. */
static cJSON *device_entry(cJSON *history, record *v, int n)
{
    cJSON *d = cJSON_CreateObject(), *notes = cJSON_CreateArray(), *dates = cJSON_CreateArray();
    cJSON_AddStringToObject(d, "id", v[0].device);
    cJSON_AddItemToObject(d, "device", cJSON_Duplicate(cJSON_GetObjectItem(v[n - 1].doc, "device"), 1));
    const record *latest[K_COUNT] = {0};
    for (int i = 0; i < n; i++) {
        if (v[i].kind != K_RUN && v[i].kind != K_VS_LLAMA && v[i].kind != K_ACCURACY) {
            if (latest[v[i].kind])
                set_input(latest[v[i].kind]->input, "superseded",
                          v[i].created[0] ? "a later record of this kind and device is shown; this one is in the "
                                            "history"
                                          : "a later record of this kind and device is shown");
            latest[v[i].kind] = &v[i];
        }
        const int seen = cJSON_GetArraySize(dates) &&
                         !strcmp(cJSON_GetArrayItem(dates, cJSON_GetArraySize(dates) - 1)->valuestring, v[i].created);
        if (v[i].created[0] && !seen)
            cJSON_AddItemToArray(dates, cJSON_CreateString(v[i].created));
    }
    const record *ver = latest[K_VERIFY];
    const char *emulated = ver ? q4t_json_str(ver->doc, "emulated") : NULL;
    if (emulated) {
        char text[600];
        snprintf(text, sizeof text, "%s: correctness and configuration only, no timings", emulated);
        cJSON_AddStringToObject(d, "emulated", text);
    } else {
        cJSON_AddNullToObject(d, "emulated");
    }
    cJSON_AddItemToObject(d, "dates", dates);
    static const kind shown_latest[] = {K_TUNED, K_SWEEP, K_ROOFLINE, K_VERIFY, K_PREDICT_CHECK};
    for (size_t i = 0; i < sizeof shown_latest / sizeof shown_latest[0]; i++) {
        const kind k = shown_latest[i];
        const char *key = k == K_PREDICT_CHECK ? "predict_check" : kinds[k].name; /* a name for JavaScript */
        if (latest[k])
            cJSON_AddItemToObject(d, key, without_samples(latest[k]->doc));
        else if (k == K_ROOFLINE && !emulated)
            cJSON_AddItemToObject(d, key, roofline_from_run(v, n, notes));
        else
            cJSON_AddNullToObject(d, key);
    }
    if (emulated && (latest[K_TUNED] || latest[K_SWEEP] || latest[K_ROOFLINE] || latest[K_PREDICT_CHECK]))
        cJSON_AddItemToArray(notes, cJSON_CreateString("this device's verify record says it is emulated: its "
                                                       "timings measure the emulator, not the CPU"));

    /* Runs: the latest per key is shown; every dated one of a key with two or
     * more is in the history. Accuracy and llama.cpp records: all shown. */
    cJSON *runs = cJSON_AddArrayToObject(d, "runs"), *vs = cJSON_AddArrayToObject(d, "vs_llama"),
          *acc = cJSON_AddArrayToObject(d, "accuracy");
    record **group = malloc((size_t)n * sizeof *group);
    for (int i = 0; i < n; i++) {
        if (v[i].kind == K_VS_LLAMA || v[i].kind == K_ACCURACY) {
            cJSON_AddItemToArray(v[i].kind == K_VS_LLAMA ? vs : acc, without_samples(v[i].doc));
            continue;
        }
        if (v[i].kind != K_RUN)
            continue;
        int later = 0;
        for (int j = i + 1; j < n && !later; j++)
            later = v[j].kind == K_RUN && !strcmp(v[i].key, v[j].key);
        if (later)
            set_input(v[i].input, "superseded", "a later run of this device, model and lengths is shown");
        else
            cJSON_AddItemToArray(runs, without_samples(v[i].doc));
    }
    for (int i = 0; i < n; i++) { /* the histories, once per key, from its first record */
        if (v[i].kind != K_RUN || !v[i].created[0])
            continue;
        int ng = 0, first = 1;
        for (int j = 0; j < n; j++)
            if (v[j].kind == K_RUN && v[j].created[0] && !strcmp(v[i].key, v[j].key)) {
                first &= j >= i;
                group[ng++] = &v[j];
            }
        if (first && ng >= 2)
            run_history(history, v[i].device, v[i].key, group, ng);
    }
    int nt = 0;
    for (int i = 0; i < n; i++)
        if (v[i].kind == K_TUNED && v[i].created[0])
            group[nt++] = &v[i];
    if (nt >= 2)
        tuned_history(history, v[0].device, group, nt);
    free(group);
    cJSON_AddItemToObject(d, "notes", notes);
    return d;
}

/* The latest record of global kind k (records sorted, so the last one), with
 * its file as "_path", or null; the earlier ones are superseded. */
static cJSON *global_entry(const collection *c, kind k)
{
    const record *latest = NULL;
    for (int i = 0; i < c->n; i++) {
        if (c->v[i].kind != k)
            continue;
        if (latest)
            set_input(latest->input, "superseded", "a later record of this kind is shown");
        latest = &c->v[i];
    }
    if (!latest)
        return cJSON_CreateNull();
    cJSON *o = without_samples(latest->doc);
    cJSON_AddStringToObject(o, "_path", latest->path);
    return o;
}

/* The contents of dir/name, NUL-terminated; NULL with a message in err. */
static char *read_asset(const char *dir, const char *name, char *err, size_t errlen)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen,
                 "cannot read the report's %s: %s: %s (the build installs the plotting library from npm into %s;"
                 " give --assets DIR or Q4T_REPORT_ASSETS for another copy)",
                 name, path, strerror(errno), Q4T_REPORT_ASSETS);
        return NULL;
    }
    char *text = NULL;
    size_t len = 0, cap = 0, got;
    do {
        if (len + 65536 + 1 > cap)
            text = realloc(text, cap = 2 * cap + 65536 + 1);
        got = fread(text + len, 1, cap - len - 1, f);
        len += got;
    } while (got);
    fclose(f);
    text[len] = '\0';
    return text;
}

/* Writes text into an inline <script> or <style> element: every "</" whose
 * next letters would close the element ("</script", "</style", any case)
 * becomes "<\/", which means the same in JavaScript strings, regular
 * expressions and CSS. */
static void put_inline(FILE *f, const char *text, const char *tag)
{
    const size_t tl = strlen(tag);
    for (const char *p = text; *p;) {
        const char *q = strstr(p, "</");
        if (!q) {
            fputs(p, f);
            break;
        }
        fwrite(p, 1, (size_t)(q - p), f);
        fputs(strncasecmp(q + 2, tag, tl) ? "</" : "<\\/", f);
        p = q + 2;
    }
}

static int write_page(const char *out, const char *assets, const cJSON *data, char *err, size_t errlen)
{
    char *parts[5] = {0};
    const char *names[5] = {scripts[0], scripts[1], scripts[2], "report.js", "report.css"};
    for (int i = 0; i < 5; i++)
        if (!(parts[i] = read_asset(assets, names[i], err, errlen))) {
            for (int j = 0; j < i; j++)
                free(parts[j]);
            return -1;
        }
    char *page = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&page, &len);
    char *json = cJSON_PrintUnformatted(data);
    int ok = f && json;
    if (ok) {
        fputs("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>q4tune report</title><style>",
              f);
        put_inline(f, parts[4], "style");
        fputs("</style></head><body><div id=\"app\"></div>\n", f);
        for (int i = 0; i < 3; i++) {
            fputs("<script>", f);
            put_inline(f, parts[i], "script");
            fputs("</script>\n", f);
        }
        fputs("<script>window.Q4T_REPORT = ", f);
        put_inline(f, json, ""); /* every "</" of the data: "<\/" is the same JSON string */
        fputs(";</script>\n<script>", f);
        put_inline(f, parts[3], "script");
        fputs("</script></body></html>\n", f);
    }
    ok = f && fclose(f) == 0 && ok;
    free(json);
    for (int i = 0; i < 5; i++)
        free(parts[i]);
    if (!ok) {
        snprintf(err, errlen, "out of memory writing the page");
        free(page);
        return -1;
    }
    const int rc = q4t_file_write(out, page, "", err, errlen);
    free(page);
    return rc;
}

/* An installed q4tune's assets: <prefix>/share/q4tune/report beside
 * <prefix>/bin/q4tune (cmake --install) or <bundle>/lib/q4tune (the bundle).
 * 1 with the directory in buf if it holds the plotting library. */
static int installed_assets(char *buf, size_t len)
{
    char exe[900];
    const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return 0;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return 0;
    *slash = '\0';
    struct stat st;
    char lib[1000];
    snprintf(buf, len, "%s/../share/q4tune/report", exe);
    snprintf(lib, sizeof lib, "%s/vega.min.js", buf);
    return stat(lib, &st) == 0;
}

int q4t_cmd_report(int argc, char **argv, q4t_cpu *cpu)
{
    static const struct option opts[] = {{"out", required_argument, NULL, 'o'},
                                         {"assets", required_argument, NULL, 'a'},
                                         {"help", no_argument, NULL, 'h'},
                                         Q4T_LONGOPT_ISA,
                                         {0, 0, 0, 0}};
    const char *out = "report.html", *assets = getenv("Q4T_REPORT_ASSETS");
    int c, rc, help = 0;
    while ((c = getopt_long(argc, argv, "o:a:h", opts, NULL)) != -1) {
        if (c == 'o')
            out = optarg;
        else if (c == 'a')
            assets = optarg;
        else if (c == 'h')
            help = 1;
        else if ((rc = q4t_cli_common_option(c, cpu, usage)) >= 0)
            return rc;
    }
    char beside[960];
    if ((!assets || !*assets) && installed_assets(beside, sizeof beside))
        assets = beside;
    if (!assets || !*assets)
        assets = Q4T_REPORT_ASSETS;
    if (help) {
        printf("%s  assets here: %s\n", usage, assets);
        return Q4T_EXIT_OK;
    }
    if (optind == argc) {
        fprintf(stderr, "q4tune report: name one or more results directories or records\n%s", usage);
        return Q4T_EXIT_USAGE;
    }
    collection col = {.inputs = cJSON_CreateArray()};
    for (int i = optind; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st)) {
            fprintf(stderr, "q4tune report: %s: %s\n", argv[i], strerror(errno));
            cJSON_Delete(col.inputs);
            return Q4T_EXIT_USAGE;
        }
        const size_t len = strlen(argv[i]);
        if (S_ISDIR(st.st_mode)) {
            if (!add_dir(&col, argv[i], MAX_DEPTH))
                input_line(&col, argv[i], "other", "skipped", "no JSON files in this directory");
        } else if (len > 5 && !strcmp(argv[i] + len - 5, ".json")) {
            add_file(&col, argv[i]);
        } else {
            input_line(&col, argv[i], "other", "skipped", "not a directory or a JSON record");
        }
    }

    qsort(col.v, (size_t)col.n, sizeof *col.v, record_order);
    cJSON *data = cJSON_CreateObject();
    cJSON_AddStringToObject(data, "schema", "q4tune-report-data");
    cJSON_AddNumberToObject(data, "schema_version", 1);
    char when[32];
    const time_t now = time(NULL);
    struct tm tm;
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    cJSON_AddStringToObject(data, "generated", when);
    cJSON_AddStringToObject(data, "q4tune_version", Q4T_VERSION);
    cJSON *devices = cJSON_AddArrayToObject(data, "devices"), *history = cJSON_CreateArray();
    int real = 0, emulated = 0;
    for (int pass = 0; pass < 2; pass++) /* real devices first, then emulated ones */
        for (int i = 0, j; i < col.n; i = j) {
            for (j = i; j < col.n && !strcmp(col.v[j].device, col.v[i].device);)
                j++;
            if (!col.v[i].device[0]) /* the global kinds' records */
                continue;
            int emu = 0;
            for (int k = i; k < j; k++)
                emu |= col.v[k].kind == K_VERIFY && q4t_json_str(col.v[k].doc, "emulated");
            if (emu != pass)
                continue;
            cJSON_AddItemToArray(devices, device_entry(history, col.v + i, j - i));
            *(emu ? &emulated : &real) += 1;
        }
    cJSON_AddItemToObject(data, "history", history);
    for (int k = 0; k < K_COUNT; k++)
        if (kinds[k].global)
            cJSON_AddItemToObject(data, kinds[k].name, global_entry(&col, (kind)k));
    cJSON_AddItemToObject(data, "inputs", col.inputs);

    char err[3072];
    rc = write_page(out, assets, data, err, sizeof err);
    int skipped = 0, errors = 0;
    for (const cJSON *in = col.inputs->child; in; in = in->next) {
        const char *status = q4t_json_str(in, "status");
        skipped += !strcmp(status, "skipped");
        errors += !strcmp(status, "error");
        /* Said here: what is broken, and records of a kind the report reads
         * that it left out; the page lists every input. */
        if (!strcmp(status, "error") || (!strcmp(status, "skipped") && strcmp(q4t_json_str(in, "kind"), "other")))
            printf("  %s %s: %s\n", status, q4t_json_str(in, "path"), q4t_json_str(in, "note"));
    }
    for (int i = 0; i < col.n; i++) {
        cJSON_Delete(col.v[i].doc);
        free(col.v[i].path);
    }
    free(col.v);
    const int nhist = cJSON_GetArraySize(history);
    cJSON_Delete(data);
    if (rc) {
        fprintf(stderr, "q4tune report: %s\n", err);
        return Q4T_EXIT_FAIL;
    }
    printf("report: %d devices (%d emulated), %d records, %d histories; %d files skipped, %d unreadable"
           " (the page lists them)\n",
           real + emulated, emulated, col.n, nhist, skipped, errors);
    printf("wrote %s\n", out);
    return Q4T_EXIT_OK;
}
