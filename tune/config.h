/* A configuration: how to compute Y[M][N] = X[M][K] . W[N][K]^T on this
 * machine. Which kernel variant, on how many threads, bound how, to which
 * PUs, with which task tiles and schedule. The search (search.h) measures
 * them, the store (store.h) writes them, tuned files (tuned.h) hold them and
 * the plan (plan/plan.h) chooses among them. */
#ifndef Q4T_CONFIG_H
#define Q4T_CONFIG_H

#include <stddef.h>

#include "kernel.h"
#include "parallel.h"
#include "pool.h"
#include "topology.h"

typedef struct {
    const q4t_kernel *kernel;
    int threads;
    q4t_binding binding;
    char mask[64]; /* a mask in topology.h's grammar ("all", "big:2", "0-3"); the PUs to run on */
    int pus;       /* how many PUs mask selects here, where known (the search's configurations); else 0 */
    q4t_split split;
} q4t_config;

/* A pool for running c: threads bound per c->binding to c->mask, parsed here.
 * NULL with a message in err if the mask does not parse here or the pool
 * cannot be made. */
q4t_pool *q4t_config_pool(const q4t_topology *topo, const q4t_config *c, char *err, size_t errlen);

/* One line: "gemm_q4_avx512vnni_6x32 t2 mask=all bind=none static tiles 0x0". */
void q4t_config_describe(const q4t_config *c, char *buf, size_t len);

/* As JSON: {"kernel", "threads", "mask", "binding", "schedule", "task_rows",
 * "task_cols"}; and back: 0 parsed (c->kernel NULL if this build lacks the
 * kernel), or -1 malformed (message in err). */
struct cJSON;
struct cJSON *q4t_config_json(const q4t_config *c);
int q4t_config_from_json(const struct cJSON *o, q4t_config *c, char *err, size_t errlen);

#endif
