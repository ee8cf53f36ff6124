/* Tuned configurations: defaults, pools, reading tuned.json and selecting. */
#include "tuned.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "json.h"
#include "registry.h"

const char *q4t_pick_name(q4t_pick p)
{
    return p == Q4T_PICK_TUNED ? "tuned" : p == Q4T_PICK_NEAREST ? "nearest" : "default";
}

static int popcount64(uint64_t v)
{
    int n = 0;
    for (; v; v &= v - 1)
        n++;
    return n;
}

/* Does a runnable kernel of the other op share k's packed layout? */
static int has_partner(const q4t_kernel *k, uint64_t features)
{
    for (size_t i = 0; i < q4t_kernel_count(); i++) {
        const q4t_kernel *p = q4t_kernel_at(i);
        if (p->op != k->op && !q4t_kernel_missing(p, features) && !strcmp(p->w_layout, k->w_layout))
            return 1;
    }
    return 0;
}

void q4t_config_default(const q4t_topology *topo, q4t_op op, uint64_t features, const char *w_layout,
                        q4t_config *out)
{
    const q4t_kernel *best = NULL;
    int best_key[3] = {-1, -1, -1};
    for (size_t i = 0; i < q4t_kernel_count(); i++) {
        const q4t_kernel *k = q4t_kernel_at(i);
        if (k->op != op || q4t_kernel_missing(k, features) || (w_layout && strcmp(k->w_layout, w_layout)))
            continue;
        size_t mr, nr;
        q4t_kernel_tile_size(k, &mr, &nr);
        const int key[3] = {has_partner(k, features), popcount64(k->isa), (int)(mr * nr)};
        int cmp = 0; /* lexicographic: a partner of the other op, then more ISA bits, then a wider tile */
        for (int j = 0; j < 3 && !cmp; j++)
            cmp = (key[j] > best_key[j]) - (key[j] < best_key[j]);
        if (cmp > 0) {
            best = k;
            memcpy(best_key, key, sizeof key);
        }
    }
    memset(out, 0, sizeof *out);
    out->kernel = best ? best : q4t_reference(op);
    const q4t_topology_stats s = q4t_topology_get_stats(topo);
    const q4t_cpu_kind *fast = q4t_topology_kind(topo, s.nkinds - 1);
    const int one_kind = s.nkinds == 1 || !s.ranked;
    out->threads = one_kind ? s.cores : fast->cores;
    snprintf(out->mask, sizeof out->mask, "%s", one_kind ? "all-nosmt" : "big-nosmt");
    out->binding = Q4T_BIND_MASK;
    out->split.schedule = Q4T_SCHED_STATIC;
}

q4t_pool *q4t_config_pool(const q4t_topology *topo, const q4t_config *c, char *err, size_t errlen)
{
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    q4t_pool *p = NULL;
    int *order = NULL;
    if (!set || q4t_mask_parse(topo, c->mask, set, err, errlen) < 0)
        goto out;
    const int n = q4t_mask_bind_order(topo, set, NULL, 0);
    order = malloc(sizeof *order * (size_t)(n > 0 ? n : 1));
    if (!order) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    q4t_mask_bind_order(topo, set, order, n);
    p = q4t_pool_create_bound(c->threads, c->binding, set, order, err, errlen);
out:
    free(order);
    hwloc_bitmap_free(set);
    return p;
}

void q4t_config_describe(const q4t_config *c, char *buf, size_t len)
{
    snprintf(buf, len, "%s t%d mask=%s bind=%s %s tiles %zux%zu", c->kernel->name, c->threads, c->mask,
             q4t_binding_name(c->binding), q4t_schedule_name(c->split.schedule), c->split.task_rows,
             c->split.task_cols);
}

/* ---- tuned.json ---- */

typedef struct {
    q4t_op op;
    size_t M, N, K;
    int ncand;
    q4t_config *cand; /* winner first, then the ranked runners-up; kernels known to this build only */
    double *median;   /* of each, seconds */
    char winner[64];  /* the winner's kernel name as stored */
    int complete;     /* false: the search ran out of time; not used by selection */
} tuned_shape;

struct q4t_tuned {
    int nshapes;
    tuned_shape *shapes;
};

/* A whole number from 0 to 2^40 (anything larger is no shape or tile). */
static int json_size(const cJSON *o, const char *key, size_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 && v->valuedouble <= 1099511627776.0) ||
        v->valuedouble != floor(v->valuedouble))
        return -1;
    *out = (size_t)v->valuedouble;
    return 0;
}

static const char *json_str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

cJSON *q4t_config_json(const q4t_config *c)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "kernel", c->kernel->name);
    cJSON_AddNumberToObject(o, "threads", c->threads);
    cJSON_AddStringToObject(o, "mask", c->mask);
    cJSON_AddStringToObject(o, "binding", q4t_binding_name(c->binding));
    cJSON_AddStringToObject(o, "schedule", q4t_schedule_name(c->split.schedule));
    cJSON_AddNumberToObject(o, "task_rows", (double)c->split.task_rows);
    cJSON_AddNumberToObject(o, "task_cols", (double)c->split.task_cols);
    return o;
}

int q4t_config_from_json(const cJSON *o, q4t_config *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    const char *kernel = json_str(o, "kernel"), *mask = json_str(o, "mask"), *bind = json_str(o, "binding"),
               *sched = json_str(o, "schedule");
    size_t threads;
    if (!kernel || !mask || !bind || !sched || json_size(o, "threads", &threads) || threads < 1 || threads > 1024 ||
        json_size(o, "task_rows", &c->split.task_rows) || json_size(o, "task_cols", &c->split.task_cols)) {
        snprintf(err, errlen, "a configuration lacks kernel, threads (1 to 1024), mask, binding, schedule or task tiles");
        return -1;
    }
    const int b = q4t_binding_parse(bind), s = q4t_schedule_parse(sched);
    if (b < 0 || s < 0 || strlen(mask) >= sizeof c->mask) {
        snprintf(err, errlen, "a configuration has an unknown binding '%s', schedule '%s' or too long a mask", bind,
                 sched);
        return -1;
    }
    c->threads = (int)threads;
    c->binding = (q4t_binding)b;
    c->split.schedule = (q4t_schedule)s;
    snprintf(c->mask, sizeof c->mask, "%s", mask);
    c->kernel = q4t_kernel_find(kernel);
    return c->kernel != NULL;
}

static int parse_op(const char *s, q4t_op *op)
{
    if (s && !strcmp(s, "gemv"))
        *op = Q4T_OP_GEMV;
    else if (s && !strcmp(s, "gemm"))
        *op = Q4T_OP_GEMM;
    else
        return -1;
    return 0;
}

static int parse_shape(const cJSON *js, tuned_shape *s, char *err, size_t errlen)
{
    if (parse_op(json_str(js, "op"), &s->op) || json_size(js, "M", &s->M) || json_size(js, "N", &s->N) ||
        json_size(js, "K", &s->K) || !s->M || !s->N || !s->K || s->K % Q4T_QK || (s->op == Q4T_OP_GEMV && s->M != 1)) {
        snprintf(err, errlen, "a shape lacks op (gemv or gemm), M, N or K, or they are not a shape (M, N >= 1, K a "
                              "multiple of 32, M = 1 for gemv)");
        return -1;
    }
    const cJSON *complete = cJSON_GetObjectItemCaseSensitive(js, "complete");
    s->complete = !cJSON_IsFalse(complete);
    const cJSON *ranked = cJSON_GetObjectItemCaseSensitive(js, "ranked");
    if (!cJSON_IsArray(ranked) || cJSON_GetArraySize(ranked) < 1) {
        snprintf(err, errlen, "shape %s %zux%zux%zu has no ranked configurations", q4t_op_name(s->op), s->M, s->N,
                 s->K);
        return -1;
    }
    s->cand = calloc((size_t)cJSON_GetArraySize(ranked), sizeof *s->cand);
    s->median = calloc((size_t)cJSON_GetArraySize(ranked), sizeof *s->median);
    if (!s->cand || !s->median) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    const char *winner = json_str(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(ranked, 0), "config"), "kernel");
    snprintf(s->winner, sizeof s->winner, "%s", winner ? winner : "?");
    const cJSON *r;
    cJSON_ArrayForEach(r, ranked)
    {
        const int got = q4t_config_from_json(cJSON_GetObjectItemCaseSensitive(r, "config"), &s->cand[s->ncand],
                                             err, errlen);
        if (got < 0)
            return -1;
        if (got && s->cand[s->ncand].kernel->op != s->op) {
            snprintf(err, errlen, "shape %s %zux%zux%zu ranks %s, a kernel of the other op", q4t_op_name(s->op), s->M,
                     s->N, s->K, s->cand[s->ncand].kernel->name);
            return -1;
        }
        const cJSON *med = cJSON_GetObjectItemCaseSensitive(r, "median_s");
        if (!cJSON_IsNumber(med) || !(med->valuedouble > 0)) {
            snprintf(err, errlen, "a ranked configuration has no median_s");
            return -1;
        }
        s->median[s->ncand] = med->valuedouble;
        s->ncand += got;
    }
    return 0;
}

cJSON *q4t_tuned_read(const char *path, char *err, size_t errlen)
{
    cJSON *root = q4t_json_read(path, err, errlen);
    if (!root)
        return NULL;
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(root, "schema_version");
    const char *schema = json_str(root, "schema");
    if (!schema || strcmp(schema, "q4tune-tuned"))
        snprintf(err, errlen, "%s is not a q4tune tuned file (\"schema\": \"q4tune-tuned\" missing)", path);
    else if (!cJSON_IsNumber(version) || version->valuedouble != Q4T_TUNED_SCHEMA_VERSION)
        snprintf(err, errlen, "%s: schema version %g, this q4tune reads version %d: tune again", path,
                 cJSON_IsNumber(version) ? version->valuedouble : -1.0, Q4T_TUNED_SCHEMA_VERSION);
    else if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(root, "shapes")))
        snprintf(err, errlen, "%s: no \"shapes\" array", path);
    else
        return root;
    cJSON_Delete(root);
    return NULL;
}

q4t_tuned *q4t_tuned_load(const char *path, const char *device_id, int any_device, char *err, size_t errlen)
{
    cJSON *root = q4t_tuned_read(path, err, errlen);
    if (!root)
        return NULL;
    q4t_tuned *t = calloc(1, sizeof *t);
    const cJSON *shapes = cJSON_GetObjectItemCaseSensitive(root, "shapes");
    const char *id = json_str(cJSON_GetObjectItemCaseSensitive(root, "device"), "id");
    char why[256] = "";
    if (!t)
        snprintf(why, sizeof why, "out of memory");
    else if (!id)
        snprintf(why, sizeof why, "no device id");
    else if (!any_device && device_id && strcmp(id, device_id))
        snprintf(why, sizeof why, "tuned on device %s, this is %s (--any-device uses it anyway)", id, device_id);
    else if (!(t->shapes = calloc((size_t)cJSON_GetArraySize(shapes) + 1, sizeof *t->shapes)))
        snprintf(why, sizeof why, "out of memory");
    else {
        const cJSON *s;
        cJSON_ArrayForEach(s, shapes)
        {
            if (parse_shape(s, &t->shapes[t->nshapes++], why, sizeof why) < 0)
                break;
        }
    }
    cJSON_Delete(root);
    if (why[0]) {
        snprintf(err, errlen, "%s: %s", path, why);
        q4t_tuned_free(t);
        return NULL;
    }
    return t;
}

void q4t_tuned_free(q4t_tuned *t)
{
    if (!t)
        return;
    for (int i = 0; i < t->nshapes; i++) {
        free(t->shapes[i].cand);
        free(t->shapes[i].median);
    }
    free(t->shapes);
    free(t);
}

static double log_distance(size_t a, size_t b)
{
    return fabs(log((double)a) - log((double)b));
}

static int usable(const q4t_config *c, uint64_t features, const char *w_layout)
{
    return !q4t_kernel_missing(c->kernel, features) && (!w_layout || !strcmp(c->kernel->w_layout, w_layout));
}

/* The tuned shape of op nearest M x N x K with a usable candidate; NULL if none. */
static const tuned_shape *nearest(const q4t_tuned *t, q4t_op op, size_t M, size_t N, size_t K, uint64_t features,
                                  const char *w_layout, double *distance)
{
    const tuned_shape *best = NULL;
    *distance = INFINITY;
    for (int i = 0; t && i < t->nshapes; i++) {
        const tuned_shape *s = &t->shapes[i];
        int any = 0;
        for (int c = 0; c < s->ncand && !any; c++)
            any = usable(&s->cand[c], features, w_layout);
        const double d = log_distance(s->M, M) + log_distance(s->N, N) + log_distance(s->K, K);
        if (s->op == op && s->complete && any && d < *distance) {
            best = s;
            *distance = d;
        }
    }
    return best;
}

q4t_pick q4t_tuned_select(const q4t_tuned *t, const q4t_topology *topo, q4t_op op, size_t M, size_t N, size_t K,
                          uint64_t features, const char *w_layout, q4t_config *out)
{
    double d;
    const tuned_shape *s = nearest(t, op, M, N, K, features, w_layout, &d);
    if (!s) {
        q4t_config_default(topo, op, features, w_layout, out);
        return Q4T_PICK_DEFAULT;
    }
    int c = 0;
    while (!usable(&s->cand[c], features, w_layout))
        c++;
    *out = s->cand[c];
    return d == 0 ? Q4T_PICK_TUNED : Q4T_PICK_NEAREST;
}

void q4t_tuned_select_pair(const q4t_tuned *t, const q4t_topology *topo, size_t M, size_t N, size_t K,
                           uint64_t features, q4t_config *decode, q4t_config *prefill, q4t_pick *decode_pick,
                           q4t_pick *prefill_pick)
{
    double dv, dm;
    const tuned_shape *v = nearest(t, Q4T_OP_GEMV, 1, N, K, features, NULL, &dv);
    const tuned_shape *m = nearest(t, Q4T_OP_GEMM, M, N, K, features, NULL, &dm);
    double best_cost = INFINITY;
    for (int i = 0; v && m && i < v->ncand; i++)
        for (int j = 0; j < m->ncand; j++) {
            if (!usable(&v->cand[i], features, NULL) || !usable(&m->cand[j], features, v->cand[i].kernel->w_layout))
                continue;
            /* each phase's time over its own best (the first candidate is the winner) */
            const double cost = v->median[i] / v->median[0] + m->median[j] / m->median[0];
            if (cost < best_cost) {
                best_cost = cost;
                *decode = v->cand[i];
                *prefill = m->cand[j];
            }
        }
    if (best_cost < INFINITY) {
        *decode_pick = dv == 0 ? Q4T_PICK_TUNED : Q4T_PICK_NEAREST;
        *prefill_pick = dm == 0 ? Q4T_PICK_TUNED : Q4T_PICK_NEAREST;
        return;
    }
    /* Nothing tuned shares a layout: decode's choice, and prefill in its layout. */
    *decode_pick = q4t_tuned_select(t, topo, Q4T_OP_GEMV, 1, N, K, features, NULL, decode);
    *prefill_pick = q4t_tuned_select(t, topo, Q4T_OP_GEMM, M, N, K, features, decode->kernel->w_layout, prefill);
}

int q4t_tuned_count(const q4t_tuned *t)
{
    return t->nshapes;
}

int q4t_tuned_winner(const q4t_tuned *t, int i, q4t_op *op, size_t *M, size_t *N, size_t *K, q4t_config *out,
                     const char **kernel)
{
    const tuned_shape *s = &t->shapes[i];
    *op = s->op, *M = s->M, *N = s->N, *K = s->K;
    *kernel = s->winner;
    if (!s->complete)
        return -2;
    if (!s->ncand || strcmp(s->cand[0].kernel->name, s->winner))
        return -1;
    *out = s->cand[0];
    return 0;
}
