/* The plan: what runs where. It turns a tuned file (tune/tuned.h), the
 * defaults, or forced options into, per weight matrix and phase, the kernel
 * and its task split, and per phase the placement of its pool: threads, a
 * binding and a mask parsed once into a bitmap. It says why it chose what it
 * chose (a pick per choice, a note where a rule had to give way).
 *
 * One entry point, q4t_plan_make: the model asks for its matrices in both
 * phases (prefill at M = batch, decode at M = 1); `bench --tuned` asks for
 * each shape of a tuned file in its own phase, exactly as tuned.
 *
 * Selection of one product (q4t_plan_select): the configuration tuned for
 * exactly that shape; else the nearest tuned shape of the same op (log
 * distance in M, N and K); else the default (q4t_plan_default). Only kernels
 * runnable with the given features are ever chosen, and never from a shape
 * whose search ran out of time.
 *
 * Pairing: the decode GEMV and the prefill GEMM of a matrix read one packed
 * copy of W, so they must share a packed W layout (q4t_kernel_same_w). Of the
 * tuned candidates the pair with the least sum of each phase's median over
 * that phase's best wins (the tuner times runners-up in the winner's
 * placement, so these compare). Failing that, the GEMM is selected and a
 * GEMV of its layout with it; failing that too, the GEMM runs decode at
 * M = 1 (on Arm, the I8MM, SVE and SME v1 GEMMs have no GEMV of their
 * layout). A forced kernel's layout decides; a forced GEMV with no GEMM of
 * its layout runs prefill over M rows.
 *
 * Placement: each phase's pool goes where selection puts the matrix shape
 * moving the most weight bytes per token: the placement of that shape's
 * unconstrained winner for the phase (the layout constraint picks a matrix's
 * kernel, never the phase's threads). Options override threads, mask and
 * binding per phase. Two phases placed alike share one pool.
 *
 * Errors follow the library convention (platform/status.h). */
#ifndef Q4T_PLAN_H
#define Q4T_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "topology.h"
#include "tuned.h"

typedef enum { Q4T_PICK_TUNED, Q4T_PICK_NEAREST, Q4T_PICK_DEFAULT, Q4T_PICK_FORCED } q4t_pick;
const char *q4t_pick_name(q4t_pick p); /* "tuned", "nearest", "default", "forced" */

typedef enum { Q4T_PREFILL, Q4T_DECODE } q4t_phase;
const char *q4t_phase_name(q4t_phase p); /* "prefill", "decode" */

/* The default for op: q4t_kernel_preferred (like non-NULL: packing W as like
 * does), on one thread per core of the fastest kind, mask binding, static
 * schedule. */
void q4t_plan_default(const q4t_topology *topo, q4t_op op, uint64_t features, const q4t_kernel *like,
                      q4t_config *out);

/* The configuration for op on M x N x K (t may be NULL: the default). Tuned
 * candidates whose kernel is not runnable with features or (like non-NULL)
 * packs W otherwise than like are passed over for the next-ranked one. */
q4t_pick q4t_plan_select(const q4t_tuned *t, const q4t_topology *topo, q4t_op op, size_t M, size_t N, size_t K,
                         uint64_t features, const q4t_kernel *like, q4t_config *out);

/* The tuned pair for N x K weights (decode GEMV at M = 1, prefill GEMM at M
 * rows) sharing one packed W, as above. 0, or -1 if the tuned file pairs none. */
int q4t_plan_select_pair(const q4t_tuned *t, size_t M, size_t N, size_t K, uint64_t features, q4t_config *decode,
                         q4t_config *prefill, q4t_pick *decode_pick, q4t_pick *prefill_pick);

/* Where a phase runs. */
typedef struct {
    int threads;
    q4t_binding binding;
    char mask[64];      /* the mask as given or tuned (topology.h's grammar) */
    hwloc_bitmap_t pus; /* its PUs here: parsed once, owned by the plan */
} q4t_placement;

/* A pool for a placement (platform/placement.h). NULL with a message in err. */
q4t_pool *q4t_placement_pool(const q4t_topology *topo, const q4t_placement *p, char *err, size_t errlen);

/* Overrides of what selection gives a phase's placement. */
typedef struct {
    int threads;           /* 0: as selected */
    const q4t_mask *mask;  /* NULL: as selected; else a parsed mask (label and PUs) */
    int binding;           /* -1: as selected; else a q4t_binding */
} q4t_phase_opts;

typedef struct {
    const q4t_topology *topo;
    uint64_t features;
    const q4t_tuned *tuned;        /* NULL: the defaults */
    const q4t_kernel *gemv, *gemm; /* forced kernels, or NULL (q4t_plan_check_forced) */
    q4t_phase_opts phase[2];       /* [Q4T_PREFILL], [Q4T_DECODE] */
} q4t_plan_opts;

/* Forced kernels: each must be of its op and runnable with features; a GEMV
 * and a GEMM forced together must share one packed W. 0, or -1 and why. */
int q4t_plan_check_forced(const q4t_kernel *gemv, const q4t_kernel *gemm, uint64_t features, char *err,
                          size_t errlen);

/* One kernel choice: for a matrix in a phase. */
typedef struct {
    const q4t_kernel *kernel;
    q4t_split split;
    q4t_pick pick;
} q4t_plan_choice;

typedef struct {
    char what[64];                 /* "wq", "w1", "output"; for a tuned shape "gemm 128x2048x2048" */
    size_t N, K;                   /* Y[M][N] = X[M][K] . W[N][K]^T */
    q4t_plan_choice phase[2];      /* [Q4T_PREFILL] at M = batch, [Q4T_DECODE] at M = 1 */
    char note[160];                /* how the pair was found when not by the plain rule; else "" */
} q4t_plan_matrix;

/* What is asked for. Model: matrices (what, N, K, and count, how many of
 * that role one token passes through: it weighs placement), planned in both
 * phases, prefill at M = batch. Tuned: every shape of o->tuned, each exactly
 * as tuned (its winner, its placement), a phase and a pool of its own. */
typedef enum { Q4T_PLAN_MODEL, Q4T_PLAN_TUNED } q4t_plan_kind;

typedef struct {
    const char *what;
    size_t N, K;
    int count;
} q4t_plan_request;

enum { Q4T_PLAN_MAX = 64 };

typedef struct {
    q4t_plan_kind kind;
    size_t batch;                         /* model: M of prefill */
    int n;
    q4t_plan_matrix m[Q4T_PLAN_MAX];      /* model: in the order asked; tuned: the runnable shapes */
    size_t M[Q4T_PLAN_MAX];               /* tuned: each shape's M (its phase: decode for a GEMV) */
    q4t_placement place[Q4T_PLAN_MAX];    /* model: [Q4T_PREFILL], [Q4T_DECODE]; tuned: one per shape */
    int shared;                           /* model: both phases are placed alike (one pool) */
    int placed_by;                        /* model: the matrix whose selection placed the pools */
    int nskipped;                         /* tuned: shapes that cannot run here, each with why */
    char skipped[Q4T_PLAN_MAX][160];
} q4t_plan;

/* Makes the plan (kind MODEL: req[0..n) with batch; kind TUNED: req and
 * batch unused; shapes that cannot run here are listed in skipped, and a
 * plan may then be empty). 0, or -1 with the reason in err (a mask that does
 * not exist here, forced kernels that cannot be). Free with q4t_plan_free. */
int q4t_plan_make(const q4t_plan_opts *o, q4t_plan_kind kind, const q4t_plan_request *req, int n, size_t batch,
                  q4t_plan *out, char *err, size_t errlen);
void q4t_plan_free(q4t_plan *p);

#endif
