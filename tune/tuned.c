/* Tuned files: see tuned.h. */
#include "tuned.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "json.h"
#include "registry.h"

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

static int parse_shape(const cJSON *js, q4t_tuned_shape *s, char *err, size_t errlen)
{
    if (parse_op(q4t_json_str(js, "op"), &s->op) || q4t_json_size(js, "M", &s->M) || q4t_json_size(js, "N", &s->N) ||
        q4t_json_size(js, "K", &s->K) || !s->M || !s->N || !s->K || s->K % Q4T_QK || (s->op == Q4T_OP_GEMV && s->M != 1)) {
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
    const char *winner = q4t_json_str(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(ranked, 0), "config"), "kernel");
    snprintf(s->winner, sizeof s->winner, "%s", winner ? winner : "?");
    const cJSON *r;
    cJSON_ArrayForEach(r, ranked)
    {
        q4t_config *c = &s->cand[s->ncand];
        if (q4t_config_from_json(cJSON_GetObjectItemCaseSensitive(r, "config"), c, err, errlen))
            return -1;
        if (c->kernel && c->kernel->op != s->op) {
            snprintf(err, errlen, "shape %s %zux%zux%zu ranks %s, a kernel of the other op", q4t_op_name(s->op), s->M,
                     s->N, s->K, c->kernel->name);
            return -1;
        }
        const cJSON *med = cJSON_GetObjectItemCaseSensitive(r, "median_s");
        if (!cJSON_IsNumber(med) || !(med->valuedouble > 0)) {
            snprintf(err, errlen, "a ranked configuration has no median_s");
            return -1;
        }
        s->median[s->ncand] = med->valuedouble;
        s->ncand += c->kernel != NULL;
    }
    return 0;
}

cJSON *q4t_tuned_read(const char *path, char *err, size_t errlen)
{
    cJSON *root = q4t_json_read(path, err, errlen);
    if (!root)
        return NULL;
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(root, "schema_version");
    const char *schema = q4t_json_str(root, "schema");
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
    const char *id = q4t_json_str(cJSON_GetObjectItemCaseSensitive(root, "device"), "id");
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
