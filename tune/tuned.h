/* Tuned configurations: what q4tune tune found for each shape on one device
 * (results/<device-id>/tuned.json), and run-time selection from it.
 *
 * A configuration says how to compute Y[M][N] = X[M][K] . W[N][K]^T: which
 * kernel variant, on how many threads, bound how, to which PUs, with which task
 * tiles and schedule. Selection: the configuration tuned for exactly that shape;
 * else the nearest tuned shape of the same op (log-distance in M, N and K);
 * else a default (q4t_config_default). Only kernels runnable with the given
 * features are ever returned, and never from a shape whose search ran out of
 * time ("complete": false). */
#ifndef Q4T_TUNED_H
#define Q4T_TUNED_H

#include <stddef.h>
#include <stdint.h>

#include "kernel.h"
#include "parallel.h"
#include "pool.h"
#include "topology.h"

#define Q4T_TUNED_SCHEMA_VERSION 1

typedef struct {
    const q4t_kernel *kernel;
    int threads;
    q4t_binding binding;
    char mask[64]; /* a mask in topology.h's grammar ("all", "big:2", "0-3"); the PUs to run on */
    q4t_split split;
} q4t_config;

typedef enum { Q4T_PICK_TUNED, Q4T_PICK_NEAREST, Q4T_PICK_DEFAULT } q4t_pick;
const char *q4t_pick_name(q4t_pick p); /* "tuned", "nearest", "default" */

/* The default for op with these features: the runnable kernel that shares its
 * packed-W layout with a kernel of the other op (so decode and prefill can
 * share one packing), then of the newest ISA (most feature bits), then of the
 * widest tile; on one thread per core of the fastest kind, mask binding,
 * static schedule. w_layout non-NULL: only kernels of that layout (falls back
 * to the reference, of another layout, if none). */
void q4t_config_default(const q4t_topology *topo, q4t_op op, uint64_t features, const char *w_layout,
                        q4t_config *out);

/* A pool for running c: threads bound per c->binding to c->mask. NULL with a
 * message in err if the mask does not parse here or the pool cannot be made. */
q4t_pool *q4t_config_pool(const q4t_topology *topo, const q4t_config *c, char *err, size_t errlen);

/* One line: "gemm_q4_avx512vnni_6x32 t2 mask=all bind=none static tiles 0x0". */
void q4t_config_describe(const q4t_config *c, char *buf, size_t len);

/* As JSON: {"kernel", "threads", "mask", "binding", "schedule", "task_rows",
 * "task_cols"}; and back: 1 parsed, 0 parsed but the kernel is not in this
 * build (c->kernel NULL), -1 malformed (message in err). */
struct cJSON;
struct cJSON *q4t_config_json(const q4t_config *c);
int q4t_config_from_json(const struct cJSON *o, q4t_config *c, char *err, size_t errlen);

typedef struct q4t_tuned q4t_tuned;

/* A tuned file as JSON: read, parsed, and checked to be a q4tune tuned file of
 * this schema version with a "shapes" array. NULL (message in err, which names
 * the file) otherwise. Free with cJSON_Delete. */
struct cJSON *q4t_tuned_read(const char *path, char *err, size_t errlen);

/* Loads a tuned file. Refuses (NULL, message in err) a missing or malformed
 * file, another schema version, or another device (unless any_device). */
q4t_tuned *q4t_tuned_load(const char *path, const char *device_id, int any_device, char *err, size_t errlen);
void q4t_tuned_free(q4t_tuned *t);

/* A GEMV for decode (M = 1) and a GEMM for prefill (M rows) of N x K weights
 * that share one packed-W layout: of the usable tuned candidates of the nearest
 * tuned shapes of each op, the pair with the least sum of each phase's median
 * over that phase's best (the tuner times runners-up in the winner's
 * placement, so these compare). Without a pair from the tuned file: decode's
 * selection, and prefill selected in its layout (which may fall back to
 * another layout: check). */
void q4t_tuned_select_pair(const q4t_tuned *t, const q4t_topology *topo, size_t M, size_t N, size_t K,
                           uint64_t features, q4t_config *decode, q4t_config *prefill, q4t_pick *decode_pick,
                           q4t_pick *prefill_pick);

/* The tuned shapes: their count, and shape i with its stored winner (0); -1
 * if this build lacks the winner's kernel (*kernel names it either way); -2
 * if the search of that shape ran out of time (incomplete, never selected). */
int q4t_tuned_count(const q4t_tuned *t);
int q4t_tuned_winner(const q4t_tuned *t, int i, q4t_op *op, size_t *M, size_t *N, size_t *K, q4t_config *out,
                     const char **kernel);

/* The configuration for op on M x N x K (t may be NULL: the default). Tuned
 * entries whose kernel is unknown to this build, not runnable with features,
 * or (w_layout non-NULL) of another layout are passed over: the next-ranked
 * candidate of that shape is taken instead. */
q4t_pick q4t_tuned_select(const q4t_tuned *t, const q4t_topology *topo, q4t_op op, size_t M, size_t N, size_t K,
                          uint64_t features, const char *w_layout, q4t_config *out);

#endif
