/* The results store: results/<device-id>/tuned.json (per shape the winning
 * configuration, its figures and the ranked runners-up; schema
 * results/schema/tuned-v1.schema.json) and sweep.json beside it (every
 * measurement the search made). */
#ifndef Q4T_STORE_H
#define Q4T_STORE_H

#include "cpu.h"
#include "search.h"

enum { Q4T_TUNE_MAX_SHAPES = 64 }; /* shapes in one tuning run */

typedef struct {
    const char *model;       /* preset the shapes came from, NULL for --shapes */
    size_t batch;            /* GEMM M for the model's shapes */
    double budget_s, elapsed_s;
    char drift_what[160];    /* the reference workload */
    double drift_s[Q4T_TUNE_MAX_SHAPES + 1]; /* its median seconds: at the start, after each shape */
    int ndrift;
    double drift_pct;        /* largest |t / t_start - 1|, percent */
    double drift_threshold_pct;
} q4t_tune_meta;

struct cJSON;
struct cJSON *q4t_tuned_json(const q4t_cpu *cpu, const q4t_topology *topo, const q4t_tune_meta *meta,
                             const q4t_tune_result *r, int n);
struct cJSON *q4t_sweep_json(const q4t_cpu *cpu, const q4t_topology *topo, const q4t_tune_result *r, int n);

#endif
