/* The results store: see store.h. */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "device.h"
#include "registry.h"
#include "tuned.h"
#include "workload.h"

/* A run as JSON: config, stage, samples and their summary, GOPS and GB/s. */
static cJSON *run_json(const q4t_tune_shape *s, const q4t_tune_run *u)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "config", q4t_config_json(&u->config));
    cJSON_AddNumberToObject(o, "stage", u->stage);
    cJSON_AddNumberToObject(o, "n", u->n);
    cJSON_AddNumberToObject(o, "median_s", u->sum.median);
    cJSON_AddNumberToObject(o, "ci_low_s", u->sum.lo);
    cJSON_AddNumberToObject(o, "ci_high_s", u->sum.hi);
    cJSON_AddNumberToObject(o, "ci_level", u->sum.level);
    cJSON_AddNumberToObject(o, "min_s", u->sum.min);
    cJSON_AddNumberToObject(o, "max_s", u->sum.max);
    double ops, bytes;
    q4t_call_work(u->config.kernel, (q4t_shape){s->M, s->N, s->K}, &ops, &bytes);
    cJSON_AddNumberToObject(o, "gops", ops / u->sum.median * 1e-9);
    cJSON_AddNumberToObject(o, "gbps", bytes / u->sum.median * 1e-9);
    cJSON_AddItemToObject(o, "samples_s", cJSON_CreateDoubleArray(u->t, u->n));
    return o;
}

static cJSON *shape_json(const q4t_tune_shape *s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "op", q4t_op_name(s->op));
    cJSON_AddNumberToObject(o, "M", (double)s->M);
    cJSON_AddNumberToObject(o, "N", (double)s->N);
    cJSON_AddNumberToObject(o, "K", (double)s->K);
    cJSON_AddStringToObject(o, "what", s->what);
    return o;
}

static cJSON *header(const char *schema, const q4t_cpu *cpu, const q4t_topology *topo)
{
    cJSON *o = q4t_record_json(schema, Q4T_TUNED_SCHEMA_VERSION, cpu, topo);
    cJSON_AddItemToObject(o, "features_used", q4t_features_json(cpu->features));
    return o;
}

cJSON *q4t_tuned_json(const q4t_cpu *cpu, const q4t_topology *topo, const q4t_tune_meta *meta,
                      const q4t_tune_result *r, int n)
{
    cJSON *o = header("q4tune-tuned", cpu, topo);
    if (meta->model)
        cJSON_AddStringToObject(o, "model", meta->model);
    else
        cJSON_AddNullToObject(o, "model");
    cJSON_AddNumberToObject(o, "batch", (double)meta->batch);
    cJSON_AddNumberToObject(o, "budget_s", meta->budget_s);
    cJSON_AddNumberToObject(o, "elapsed_s", meta->elapsed_s);
    cJSON_AddStringToObject(o, "timed", "pack_x (quantize X, on the pool where the layout allows) + run over all of Y, weights rotated past the last-level cache");
    cJSON *drift = cJSON_AddObjectToObject(o, "drift");
    cJSON_AddStringToObject(drift, "workload", meta->drift_what);
    cJSON_AddItemToObject(drift, "samples_s", cJSON_CreateDoubleArray(meta->drift_s, meta->ndrift));
    cJSON_AddNumberToObject(drift, "max_pct", meta->drift_pct);
    cJSON_AddNumberToObject(drift, "threshold_pct", meta->drift_threshold_pct);
    cJSON_AddBoolToObject(drift, "exceeded", meta->drift_pct > meta->drift_threshold_pct);
    cJSON *shapes = cJSON_AddArrayToObject(o, "shapes");
    for (int i = 0; i < n; i++) {
        if (r[i].winner < 0)
            continue; /* nothing could be timed: said on the terminal, nothing to store */
        cJSON *js = shape_json(&r[i].shape);
        cJSON_AddStringToObject(js, "decision", r[i].decision);
        cJSON_AddBoolToObject(js, "complete", r[i].complete);
        cJSON_AddNumberToObject(js, "measurements", r[i].nruns);
        cJSON_AddNumberToObject(js, "skipped_for_time", r[i].skipped);
        cJSON_AddItemToObject(js, "winner", run_json(&r[i].shape, &r[i].runs[r[i].winner]));
        cJSON *ranked = cJSON_AddArrayToObject(js, "ranked");
        for (int j = 0; j < r[i].nranked; j++)
            cJSON_AddItemToArray(ranked, run_json(&r[i].shape, &r[i].runs[r[i].ranked[j]]));
        cJSON *ex = cJSON_AddArrayToObject(js, "excluded");
        for (int j = 0; j < r[i].nexcluded; j++) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "kernel", r[i].excluded[j].kernel);
            cJSON_AddStringToObject(e, "reason", r[i].excluded[j].why);
            cJSON_AddItemToArray(ex, e);
        }
        cJSON_AddItemToArray(shapes, js);
    }
    return o;
}

cJSON *q4t_sweep_json(const q4t_cpu *cpu, const q4t_topology *topo, const q4t_tune_result *r, int n)
{
    cJSON *o = header("q4tune-sweep", cpu, topo);
    cJSON *shapes = cJSON_AddArrayToObject(o, "shapes");
    for (int i = 0; i < n; i++) {
        cJSON *js = shape_json(&r[i].shape);
        cJSON *runs = cJSON_AddArrayToObject(js, "runs");
        for (int j = 0; j < r[i].nruns; j++)
            cJSON_AddItemToArray(runs, run_json(&r[i].shape, &r[i].runs[j]));
        cJSON_AddItemToArray(shapes, js);
    }
    return o;
}
