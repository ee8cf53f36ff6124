/* The tuner's search for one shape: see search.h. */
#include "search.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"
#include "text.h"

void q4t_tune_opts_default(q4t_tune_opts *o, const q4t_topology *topo, uint64_t features)
{
    *o = (q4t_tune_opts){.topo = topo, .features = features, .top_kernels = 3,
                         .max_threads = q4t_topology_get_stats(topo).pus, .min_reps = 6, .max_reps = 25,
                         .confirm_rounds = 3, .significance = 0.05, .min_gain = 0.02};
}

void q4t_tune_result_free(q4t_tune_result *r)
{
    free(r->runs);
    memset(r, 0, sizeof *r);
}

/* PUs of a mask here; 0 if it does not parse. */
static int mask_pus(const q4t_topology *topo, const char *mask)
{
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    char err[160];
    const int n = set && !q4t_mask_parse(topo, mask, set, err, sizeof err) ? hwloc_bitmap_weight(set) : 0;
    hwloc_bitmap_free(set);
    return n;
}

int q4t_config_simpler(const q4t_config *a, const q4t_config *b)
{
    static const int bind_rank[] = {[Q4T_BIND_NONE] = 0, [Q4T_BIND_MASK] = 1, [Q4T_BIND_STRICT] = 2};
    const int keys_a[] = {a->threads, a->pus, bind_rank[a->binding], a->split.schedule,
                          a->split.task_rows || a->split.task_cols};
    const int keys_b[] = {b->threads, b->pus, bind_rank[b->binding], b->split.schedule,
                          b->split.task_rows || b->split.task_cols};
    for (size_t i = 0; i < sizeof keys_a / sizeof keys_a[0]; i++)
        if (keys_a[i] != keys_b[i])
            return keys_a[i] < keys_b[i] ? -1 : 1;
    return 0;
}

static int same_config(const q4t_config *a, const q4t_config *b)
{
    return a->kernel == b->kernel && a->threads == b->threads && a->binding == b->binding &&
           !strcmp(a->mask, b->mask) && a->split.schedule == b->split.schedule &&
           a->split.task_rows == b->split.task_rows && a->split.task_cols == b->split.task_cols;
}

typedef struct {
    const q4t_tune_opts *o;
    const q4t_tune_env *env;
    const q4t_tune_shape *s;
    q4t_tune_result *r;
    double deadline, done0, done1, start;
} search;

static void progress(search *S, const char *fmt, const char *what)
{
    char line[256];
    snprintf(line, sizeof line, fmt, what);
    const double now = S->env->now(S->env->ctx), span = S->deadline - S->start;
    const double f = span > 0 ? fmin(1.0, (now - S->start) / span) : 1.0;
    S->env->progress(S->env->ctx, line, S->done0 + f * (S->done1 - S->done0));
}

static void exclude(q4t_tune_result *r, const q4t_kernel *k, const char *why)
{
    for (int i = 0; i < r->nexcluded; i++)
        if (!strcmp(r->excluded[i].kernel, k->name))
            return;
    if (r->nexcluded < (int)(sizeof r->excluded / sizeof r->excluded[0])) {
        r->excluded[r->nexcluded].kernel = k->name;
        snprintf(r->excluded[r->nexcluded++].why, sizeof r->excluded[0].why, "%s", why);
    }
}

/* The estimated seconds per call of c, from the fastest earlier call of its
 * kernel, scaled by thread count as if ideally (0: no call yet). */
static double estimate(const search *S, const q4t_config *c)
{
    double best = 0.0;
    for (int i = 0; i < S->r->nruns; i++) {
        const q4t_tune_run *u = &S->r->runs[i];
        const double guess = u->sum.min * u->config.threads / c->threads;
        if (u->config.kernel == c->kernel && u->n && (best == 0.0 || guess < best))
            best = guess;
    }
    return best;
}

/* Measures c within target seconds (or appends to the samples of run `into`);
 * the index of its run, -1 if it could not run, -2 if out of time or memory. */
static int measure(search *S, const q4t_config *c, int stage, double target, int into)
{
    const q4t_tune_opts *o = S->o;
    /* Out of time unless this is the shape's first measurement: a kernel not
     * timed yet is guessed at the fastest call seen so far. */
    const double now = S->env->now(S->env->ctx);
    double est = estimate(S, c);
    for (int i = 0; i < S->r->nruns && est == 0.0; i++)
        est = S->r->runs[i].sum.min;
    if (S->r->nruns > 0 && now + est * (o->min_reps + 1) > S->deadline) {
        S->r->skipped++;
        return -2;
    }
    q4t_tune_result *r = S->r;
    if (into < 0 && r->nruns == r->cap) {
        const int cap = r->cap ? 2 * r->cap : 64;
        q4t_tune_run *runs = realloc(r->runs, sizeof *runs * (size_t)cap);
        if (!runs)
            return -2;
        r->runs = runs;
        r->cap = cap;
    }
    q4t_tune_run *u = into >= 0 ? &r->runs[into] : &r->runs[r->nruns];
    if (into < 0)
        *u = (q4t_tune_run){.config = *c, .stage = stage};
    char why[200] = "";
    const int room = Q4T_TUNE_MAX_REPS - u->n;
    const int max = o->max_reps < room ? o->max_reps : room, min = o->min_reps < max ? o->min_reps : max;
    const int n = max > 0 ? S->env->measure(S->env->ctx, S->s, c, min, max, target, u->t + u->n, why, sizeof why) : 0;
    if (n < 0) {
        char buf[256];
        q4t_config_describe(c, buf, sizeof buf);
        fprintf(stderr, "q4tune tune: %s: not measured: %s\n", buf, why);
        return -1;
    }
    u->n += n;
    double sorted[Q4T_TUNE_MAX_REPS];
    memcpy(sorted, u->t, sizeof sorted[0] * (size_t)u->n);
    u->sum = q4t_summarize(sorted, u->n);
    memcpy(u->t, sorted, sizeof sorted[0] * (size_t)u->n);
    if (into >= 0)
        return into;
    u->stage = stage;
    return r->nruns++;
}

static int by_median_of(const search *S, int a, int b)
{
    const double x = S->r->runs[a].sum.median, y = S->r->runs[b].sum.median;
    return (x > y) - (x < y);
}

/* Sorts idx[0..n) by median (insertion sort: n is small). */
static void sort_by_median(const search *S, int *idx, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && by_median_of(S, idx[j - 1], idx[j]) > 0; j--) {
            const int t = idx[j];
            idx[j] = idx[j - 1];
            idx[j - 1] = t;
        }
}

static int find_run(const search *S, const q4t_config *c)
{
    for (int i = 0; i < S->r->nruns; i++)
        if (same_config(&S->r->runs[i].config, c))
            return i;
    return -1;
}

/* Stage 2's placements of kernel k: thread counts x masks of exactly that many
 * PUs, plus every PU left to the OS. Returns how many went into out. */
static int placements(const search *S, const q4t_kernel *k, const q4t_mask_list *cands, q4t_config *out, int max)
{
    const int all = q4t_topology_get_stats(S->o->topo).pus;
    int n = 0;
    for (int t = 1; t <= S->o->max_threads; t = t * 2 > S->o->max_threads && t < S->o->max_threads ? S->o->max_threads : t * 2) {
        for (int m = 0; m < cands->n && n < max; m++)
            if (hwloc_bitmap_weight(cands->items[m].pus) == t && strlen(cands->items[m].label) < sizeof out->mask) {
                out[n] = (q4t_config){.kernel = k, .threads = t, .binding = Q4T_BIND_MASK, .pus = t};
                snprintf(out[n++].mask, sizeof out->mask, "%s", cands->items[m].label);
            }
        if (n < max && t > 1) {
            out[n] = (q4t_config){.kernel = k, .threads = t, .binding = Q4T_BIND_NONE, .pus = all};
            snprintf(out[n++].mask, sizeof out->mask, "all");
        }
        if (t == S->o->max_threads)
            break;
    }
    return n;
}

/* Variations of a placement: bindings (mask, strict; none stays none) x
 * schedules x task tiles (default, or narrow column panels and for GEMM
 * 64-row blocks). */
static int variations(const q4t_config *base, q4t_config *out, int max)
{
    size_t mr, nr;
    q4t_kernel_tile_size(base->kernel, &mr, &nr);
    const int nbind = base->binding == Q4T_BIND_NONE || base->threads == 1 ? 1 : 2;
    const q4t_binding binds[2] = {base->binding, Q4T_BIND_STRICT};
    const size_t tiles[2][2] = {{0, 0}, {base->kernel->op == Q4T_OP_GEMM ? 64 : 0, nr * 32}};
    int n = 0;
    for (int b = 0; b < nbind; b++)
        for (int sc = Q4T_SCHED_STATIC; sc <= Q4T_SCHED_DYNAMIC; sc++)
            for (int t = 0; t < 2 && n < max; t++) {
                out[n] = *base;
                out[n].binding = binds[b];
                out[n++].split = (q4t_split){(q4t_schedule)sc, tiles[t][0], tiles[t][1]};
            }
    return n;
}

static void decide(search *S, int *conf, int nconf)
{
    q4t_tune_result *r = S->r;
    const q4t_tune_opts *o = S->o;
    sort_by_median(S, conf, nconf);
    const q4t_tune_run *fast = &r->runs[conf[0]];
    int win = conf[0], ties = 0;
    double worst_p = 0.0, least_gain = INFINITY;
    for (int i = 1; i < nconf; i++) {
        const q4t_tune_run *u = &r->runs[conf[i]];
        const double p = q4t_mann_whitney_p(fast->t, fast->n, u->t, u->n);
        const double gain = u->sum.median / fast->sum.median - 1.0;
        least_gain = fmin(least_gain, gain);
        worst_p = fmax(worst_p, p);
        if (p < o->significance && gain >= o->min_gain)
            continue; /* really slower */
        ties++;
        if (q4t_config_simpler(&u->config, &r->runs[win].config) < 0)
            win = conf[i];
    }
    r->winner = win;
    char a[160];
    q4t_config_describe(&r->runs[win].config, a, sizeof a);
    if (nconf == 1)
        snprintf(r->decision, sizeof r->decision, "only configuration confirmed: %s", a);
    else if (!ties)
        snprintf(r->decision, sizeof r->decision, "fastest beyond noise: %.1f%% or more ahead (p <= %.3g)",
                 100.0 * least_gain, worst_p);
    else if (win == conf[0])
        snprintf(r->decision, sizeof r->decision,
                 "fastest, and the simplest of %d configurations within noise of it", ties + 1);
    else {
        const q4t_tune_run *w = &r->runs[win];
        const double p = q4t_mann_whitney_p(fast->t, fast->n, w->t, w->n);
        const double ahead = 100.0 * (w->sum.median / fast->sum.median - 1.0);
        if (p < o->significance)
            snprintf(r->decision, sizeof r->decision,
                     "the fastest by median is %.1f%% ahead (p = %.2g), under the %.0f%% that counts: the simpler "
                     "configuration wins",
                     ahead, p, 100.0 * o->min_gain);
        else
            snprintf(r->decision, sizeof r->decision,
                     "the fastest by median (%.1f%% ahead) is not ahead beyond noise (p = %.2g): the simpler "
                     "configuration wins",
                     ahead, p);
    }
}

int q4t_tune_search(const q4t_tune_opts *o, const q4t_tune_env *env, const q4t_tune_shape *s, double deadline,
                    double done0, double done1, q4t_tune_result *r)
{
    memset(r, 0, sizeof *r);
    r->shape = *s;
    r->winner = -1;
    search S = {o, env, s, r, deadline, done0, done1, env->now(env->ctx)};
    const double budget = deadline - S.start;
    char name[96];
    snprintf(name, sizeof name, "%s %zux%zux%zu", q4t_op_name(s->op), s->M, s->N, s->K);

    /* 0: verify. The reference is the yardstick, not a candidate, unless it
     * is all there is (or asked for by name). */
    const q4t_kernel *ok[64], *ref = q4t_reference(s->op);
    int nok = 0, others = 0;
    for (size_t i = 0; i < q4t_kernel_count(); i++) {
        const q4t_kernel *k = q4t_kernel_at(i);
        others += k != ref && k->op == s->op && !q4t_kernel_missing(k, o->features) &&
                  q4t_list_selects(o->kernels, k->name);
    }
    for (size_t i = 0; i < q4t_kernel_count() && nok < 64; i++) {
        const q4t_kernel *k = q4t_kernel_at(i);
        if (k->op != s->op || q4t_kernel_missing(k, o->features) || !q4t_list_selects(o->kernels, k->name) ||
            (k == ref && others && !o->kernels))
            continue;
        char why[200];
        progress(&S, "%s: verifying", name);
        if (env->verify(env->ctx, k, s, why, sizeof why))
            exclude(r, k, why);
        else
            ok[nok++] = k;
    }

    /* 1: rank the variants on one thread of the fastest core */
    q4t_config one = {.threads = 1, .binding = Q4T_BIND_STRICT};
    snprintf(one.mask, sizeof one.mask, "fastest:1-nosmt");
    if (!(one.pus = mask_pus(o->topo, one.mask))) { /* kinds without an order */
        one.binding = Q4T_BIND_NONE;
        one.pus = q4t_topology_get_stats(o->topo).pus;
        snprintf(one.mask, sizeof one.mask, "all");
    }
    const double stage1_end = S.start + 0.4 * budget;
    int rank1[64], n1 = 0;
    for (int i = 0; i < nok; i++) {
        one.kernel = ok[i];
        progress(&S, "%s: ranking variants on one core", name);
        const double left = stage1_end - env->now(env->ctx);
        const int u = measure(&S, &one, 1, fmax(0.0, left / (nok - i)), -1);
        if (u >= 0)
            rank1[n1++] = u;
    }
    if (!n1) {
        snprintf(r->decision, sizeof r->decision, "no variant could be timed");
        return 0;
    }
    sort_by_median(&S, rank1, n1);

    /* 2: placements for the top variants, then variations of the two best */
    q4t_mask_list cands = {0};
    if (q4t_candidates(o->topo, &cands))
        return -1;
    int rank2[512], n2 = 0;
    const int top = n1 < o->top_kernels ? n1 : o->top_kernels;
    q4t_config cfg[128];
    int ncfg = 0;
    for (int i = 0; i < top; i++)
        ncfg += placements(&S, r->runs[rank1[i]].config.kernel, &cands, cfg + ncfg, 128 - ncfg);
    q4t_mask_list_free(&cands);
    const double stage2_end = S.start + 0.7 * budget;
    for (int i = 0; i < ncfg; i++) {
        progress(&S, "%s: threads and masks", name);
        const double left = (stage2_end - env->now(env->ctx)) * 0.6;
        const int known = find_run(&S, &cfg[i]);
        const int u = known >= 0 ? known : measure(&S, &cfg[i], 2, fmax(0.0, left / (ncfg - i)), -1);
        if (u >= 0 && n2 < 512)
            rank2[n2++] = u;
    }
    rank2[n2++] = rank1[0];
    sort_by_median(&S, rank2, n2);
    ncfg = 0;
    for (int i = 0; i < 2 && i < n2; i++)
        ncfg += variations(&r->runs[rank2[i]].config, cfg + ncfg, 128 - ncfg);
    for (int i = 0; i < ncfg; i++) {
        if (find_run(&S, &cfg[i]) >= 0)
            continue;
        progress(&S, "%s: bindings, schedules, task tiles", name);
        const int u = measure(&S, &cfg[i], 2, fmax(0.0, (stage2_end - env->now(env->ctx)) / (ncfg - i)), -1);
        if (u >= 0 && n2 < 512)
            rank2[n2++] = u;
    }
    sort_by_median(&S, rank2, n2);

    /* 3: confirm the three best, interleaved */
    int conf[3], nconf = 0;
    for (int i = 0; i < n2 && nconf < 3; i++) {
        int dup = 0;
        for (int j = 0; j < nconf; j++)
            dup |= conf[j] == rank2[i];
        if (!dup)
            conf[nconf++] = rank2[i];
    }
    const double stage3_end = S.start + 0.88 * budget;
    for (int round = 0; round < o->confirm_rounds; round++)
        for (int i = 0; i < nconf; i++) {
            progress(&S, "%s: confirming the best", name);
            const double left = stage3_end - env->now(env->ctx);
            const int slots = (o->confirm_rounds - round) * nconf - i;
            measure(&S, &r->runs[conf[i]].config, 3, fmax(0.0, left / slots), conf[i]);
        }
    for (int i = 0; i < nconf; i++)
        r->runs[conf[i]].stage = 3;
    decide(&S, conf, nconf);
    r->complete = r->skipped == 0;
    if (!r->complete) {
        char why[sizeof r->decision];
        snprintf(why, sizeof why, "INCOMPLETE (out of time, %d candidates unmeasured; not used by selection): %.160s",
                 r->skipped, r->decision);
        snprintf(r->decision, sizeof r->decision, "%s", why);
    }

    /* 4: every other verified variant in the winner's placement, so that the
     * ranked runners-up compare with the winner (and with each other: a model
     * pairing a GEMV and a GEMM of one packed layout weighs them by these). */
    const q4t_config win = r->runs[r->winner].config; /* a copy: measure() may move runs */
    int rank4[64], n4 = 0;
    for (int i = 0; i < nok; i++) {
        if (ok[i] == win.kernel)
            continue;
        q4t_config c = win;
        c.kernel = ok[i];
        progress(&S, "%s: runners-up in the winner's placement", name);
        const int known = find_run(&S, &c);
        const int u = known >= 0 ? known : measure(&S, &c, 4, fmax(0.0, (deadline - env->now(env->ctx)) / (nok - i)), -1);
        if (u >= 0)
            rank4[n4++] = u;
    }
    sort_by_median(&S, rank4, n4);

    /* Ranked: the winner, the runners-up in its placement by median, then any
     * variant left unmeasured there (for lack of time) by its best run. */
    r->ranked[r->nranked++] = r->winner;
    int all[1024], nall = 0;
    for (int i = 0; i < n4; i++)
        all[nall++] = rank4[i];
    int rest = nall;
    for (int i = 0; i < r->nruns && nall < 1024; i++)
        all[nall++] = i;
    sort_by_median(&S, all + rest, nall - rest);
    for (int i = 0; i < nall && r->nranked < 64; i++) {
        int seen = 0;
        for (int j = 0; j < r->nranked; j++)
            seen |= r->runs[r->ranked[j]].config.kernel == r->runs[all[i]].config.kernel;
        if (!seen)
            r->ranked[r->nranked++] = all[i];
    }
    return 0;
}
