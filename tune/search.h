/* The tuner's search for one shape: which kernel variant, thread count,
 * affinity mask, binding, schedule and task tiles compute it fastest here.
 *
 * Staged, within a time budget:
 *   0. verify: every runnable variant of the op is checked against the
 *      reference on the shape's K, with M and N cut to at most 32 and 1024
 *      (keeping their remainders modulo 16 and 512, so every ragged tile edge
 *      is the shape's own); a wrong one is excluded (and reported).
 *   1. rank:   each variant on one thread on the fastest core (strict binding);
 *              the top few by median go on.
 *   2. place:  those variants x thread counts x the topology's masks of exactly
 *              that many cores (mask binding), plus all PUs left to the OS; then
 *              for the two best: bindings x schedules x task tiles.
 *   3. confirm: the three best configurations again, interleaved round by round
 *              so that frequency drift hits them alike, with more repetitions.
 * The winner is the fastest by median if it beats every other confirmed
 * configuration beyond noise (Mann-Whitney p < significance and a gain of at
 * least min_gain); otherwise the simplest of those it does not beat (fewer
 * threads, fewer PUs, no binding before mask before strict, static before
 * dynamic, default task tiles) wins the tie.
 *
 * A shape whose stages 1 to 3 ran out of time before measuring everything is
 * incomplete: stored, but not used by selection.
 *
 * Timing, verification, the clock and progress go through q4t_tune_env, so the
 * selection logic runs the same on synthetic timings (tests/test_tune.c). */
#ifndef Q4T_SEARCH_H
#define Q4T_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "stats.h"
#include "topology.h"
#include "config.h"

typedef struct {
    q4t_op op;
    size_t M, N, K;
    char what[32]; /* which matrices: "wq,wo", or "" */
} q4t_tune_shape;

typedef struct {
    void *ctx;
    /* 0 if k computes s correctly; else -1 and why. */
    int (*verify)(void *ctx, const q4t_kernel *k, const q4t_tune_shape *s, char *why, size_t len);
    /* One warm-up call, then n timed calls of c on s: n from min_reps to max_reps,
     * as many as fit in target seconds. Seconds per call into t[0..n); returns n,
     * or -1 and why (e.g. the mask does not exist here). */
    int (*measure)(void *ctx, const q4t_tune_shape *s, const q4t_config *c, int min_reps, int max_reps,
                   double target, double *t, char *why, size_t len);
    double (*now)(void *ctx); /* seconds */
    /* A line about what is happening and the fraction of the whole run done. */
    void (*progress)(void *ctx, const char *line, double done);
} q4t_tune_env;

typedef struct {
    const q4t_topology *topo;
    uint64_t features;
    const char *kernels;      /* comma-separated names to consider; NULL: every runnable one */
    int top_kernels;          /* variants kept after stage 1 (3) */
    int max_threads;          /* thread counts 1, 2, 4, ... up to this and itself (PUs) */
    int min_reps, max_reps;   /* per measurement (6, 25: 6 samples give a 97% interval of the median) */
    int confirm_rounds;       /* stage 3 rounds (3) */
    double significance;      /* Mann-Whitney p below this is a real difference (0.05) */
    double min_gain;          /* and a median gain of at least this fraction (0.02) */
} q4t_tune_opts;

void q4t_tune_opts_default(q4t_tune_opts *o, const q4t_topology *topo, uint64_t features);

enum { Q4T_TUNE_MAX_REPS = 64 };

typedef struct {
    q4t_config config;
    int stage; /* 1 to 4 */
    int n;
    double t[Q4T_TUNE_MAX_REPS]; /* seconds per call, sorted */
    q4t_summary sum;
} q4t_tune_run;

typedef struct {
    q4t_tune_shape shape;
    int nruns, cap;
    q4t_tune_run *runs;       /* every measurement, in the order made */
    int nexcluded;
    struct {
        const char *kernel;
        char why[200];
    } excluded[64];           /* variants not timed: failed verification, or could not run */
    int nranked;
    int ranked[64];           /* into runs: winner first, then each other variant in the winner's
                                 placement (stage 4) by median, then any left unmeasured there */
    int winner;               /* into runs; -1 if nothing could be timed */
    char decision[256];
    int skipped;              /* candidates left unmeasured for lack of time */
    int complete;             /* stages 1 to 3 measured everything: the winner can be used */
} q4t_tune_result;

/* Searches one shape until deadline (a time of env->now). done0..done1 is the
 * share of the whole run this shape stands for (progress). Returns 0, or -1 if
 * memory ran out. */
int q4t_tune_search(const q4t_tune_opts *o, const q4t_tune_env *env, const q4t_tune_shape *s, double deadline,
                    double done0, double done1, q4t_tune_result *r);
void q4t_tune_result_free(q4t_tune_result *r);

/* Is a simpler than b (the tie-break order above)? <0 simpler, >0 more complex, 0 alike. */
int q4t_config_simpler(const q4t_config *a, const q4t_config *b);

#endif
