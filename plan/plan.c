/* The plan: see plan.h. */
#include "plan.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cpu.h"
#include "placement.h"
#include "registry.h"

const char *q4t_pick_name(q4t_pick p)
{
    static const char *const names[] = {"tuned", "nearest", "default", "forced"};
    return names[p];
}

const char *q4t_phase_name(q4t_phase p)
{
    return p == Q4T_PREFILL ? "prefill" : "decode";
}

void q4t_plan_default(const q4t_topology *topo, q4t_op op, uint64_t features, const q4t_kernel *like,
                      q4t_config *out)
{
    memset(out, 0, sizeof *out);
    out->kernel = q4t_kernel_preferred(op, features, like);
    const q4t_topology_stats s = q4t_topology_get_stats(topo);
    const q4t_cpu_kind *fast = q4t_topology_kind(topo, s.nkinds - 1);
    const int one_kind = s.nkinds == 1 || !s.ranked;
    out->threads = one_kind ? s.cores : fast->cores;
    snprintf(out->mask, sizeof out->mask, "%s", one_kind ? "all-nosmt" : "big-nosmt");
    out->binding = Q4T_BIND_MASK;
    out->split.schedule = Q4T_SCHED_STATIC;
}

/* ---- selection ---- */

static double log_distance(size_t a, size_t b)
{
    return fabs(log((double)a) - log((double)b));
}

static int usable(const q4t_config *c, uint64_t features, const q4t_kernel *like)
{
    return !q4t_kernel_missing(c->kernel, features) && (!like || q4t_kernel_same_w(c->kernel, like));
}

/* The tuned shape of op nearest M x N x K with a usable candidate; NULL if none. */
static const q4t_tuned_shape *nearest(const q4t_tuned *t, q4t_op op, size_t M, size_t N, size_t K,
                                      uint64_t features, const q4t_kernel *like, double *distance)
{
    const q4t_tuned_shape *best = NULL;
    *distance = INFINITY;
    for (int i = 0; t && i < t->nshapes; i++) {
        const q4t_tuned_shape *s = &t->shapes[i];
        int any = 0;
        for (int c = 0; c < s->ncand && !any; c++)
            any = usable(&s->cand[c], features, like);
        const double d = log_distance(s->M, M) + log_distance(s->N, N) + log_distance(s->K, K);
        if (s->op == op && s->complete && any && d < *distance) {
            best = s;
            *distance = d;
        }
    }
    return best;
}

q4t_pick q4t_plan_select(const q4t_tuned *t, const q4t_topology *topo, q4t_op op, size_t M, size_t N, size_t K,
                         uint64_t features, const q4t_kernel *like, q4t_config *out)
{
    double d;
    const q4t_tuned_shape *s = nearest(t, op, M, N, K, features, like, &d);
    if (!s) {
        q4t_plan_default(topo, op, features, like, out);
        return Q4T_PICK_DEFAULT;
    }
    int c = 0;
    while (!usable(&s->cand[c], features, like))
        c++;
    *out = s->cand[c];
    return d == 0 ? Q4T_PICK_TUNED : Q4T_PICK_NEAREST;
}

int q4t_plan_select_pair(const q4t_tuned *t, size_t M, size_t N, size_t K, uint64_t features, q4t_config *decode,
                         q4t_config *prefill, q4t_pick *decode_pick, q4t_pick *prefill_pick)
{
    double dv, dm;
    const q4t_tuned_shape *v = nearest(t, Q4T_OP_GEMV, 1, N, K, features, NULL, &dv);
    const q4t_tuned_shape *m = nearest(t, Q4T_OP_GEMM, M, N, K, features, NULL, &dm);
    double best_cost = INFINITY;
    for (int i = 0; v && m && i < v->ncand; i++)
        for (int j = 0; j < m->ncand; j++) {
            if (!usable(&v->cand[i], features, NULL) || !usable(&m->cand[j], features, v->cand[i].kernel))
                continue;
            /* each phase's time over its own best (the first candidate is the winner) */
            const double cost = v->median[i] / v->median[0] + m->median[j] / m->median[0];
            if (cost < best_cost) {
                best_cost = cost;
                *decode = v->cand[i];
                *prefill = m->cand[j];
            }
        }
    if (best_cost == INFINITY)
        return -1;
    *decode_pick = dv == 0 ? Q4T_PICK_TUNED : Q4T_PICK_NEAREST;
    *prefill_pick = dm == 0 ? Q4T_PICK_TUNED : Q4T_PICK_NEAREST;
    return 0;
}

/* ---- forced kernels ---- */

static int check_forced(const q4t_kernel *k, q4t_op op, uint64_t features, char *err, size_t errlen)
{
    if (!k)
        return 0;
    if (k->op != op) {
        snprintf(err, errlen, "%s is a %s kernel, not a %s one", k->name, q4t_op_name(k->op), q4t_op_name(op));
        return -1;
    }
    const uint64_t missing = q4t_kernel_missing(k, features);
    if (missing) {
        char names[256];
        q4t_features_format(missing, ",", names, sizeof names);
        snprintf(err, errlen, "%s cannot run here: it needs %s", k->name, names);
        return -1;
    }
    return 0;
}

int q4t_plan_check_forced(const q4t_kernel *gemv, const q4t_kernel *gemm, uint64_t features, char *err,
                          size_t errlen)
{
    if (check_forced(gemv, Q4T_OP_GEMV, features, err, errlen) || check_forced(gemm, Q4T_OP_GEMM, features, err, errlen))
        return -1;
    if (gemv && gemm && !q4t_kernel_same_w(gemv, gemm)) {
        snprintf(err, errlen, "%s packs W as '%s' and %s as '%s': they cannot share one packed copy", gemv->name,
                 q4t_kernel_w_name(gemv), gemm->name, q4t_kernel_w_name(gemm));
        return -1;
    }
    return 0;
}

/* ---- a matrix in both phases ---- */

static q4t_plan_choice choice(const q4t_config *c, q4t_pick pick)
{
    return (q4t_plan_choice){c->kernel, c->split, pick};
}

/* ch runs kernel k instead: the task tiles were tuned for another kernel. */
static void use_kernel(q4t_plan_choice *ch, const q4t_kernel *k)
{
    if (ch->kernel != k) {
        ch->kernel = k;
        ch->split.task_rows = ch->split.task_cols = 0;
    }
}

static void force(q4t_plan_choice *ch, const q4t_kernel *k)
{
    use_kernel(ch, k);
    ch->pick = Q4T_PICK_FORCED;
}

static void plan_matrix(const q4t_plan_opts *o, size_t batch, q4t_plan_matrix *w)
{
#define SELECT(op, M, like, cfg) q4t_plan_select(o->tuned, o->topo, op, M, w->N, w->K, o->features, like, cfg)
    q4t_plan_choice *pre = &w->phase[Q4T_PREFILL], *dec = &w->phase[Q4T_DECODE];
    q4t_config d, p;
    q4t_pick dp, pp;
    w->note[0] = '\0';
    if (o->gemv) {
        dp = SELECT(Q4T_OP_GEMV, 1, NULL, &d);
        *dec = choice(&d, dp);
        force(dec, o->gemv);
        pp = SELECT(Q4T_OP_GEMM, batch, o->gemv, &p);
        *pre = choice(&p, pp);
        if (o->gemm) {
            force(pre, o->gemm);
        } else if (!q4t_kernel_same_w(pre->kernel, o->gemv)) {
            force(pre, o->gemv);
            snprintf(w->note, sizeof w->note, "prefill runs %s over M rows: no GEMM packs W as '%s'", o->gemv->name,
                     q4t_kernel_w_name(o->gemv));
        }
        return;
    }
    if (o->gemm) {
        pp = SELECT(Q4T_OP_GEMM, batch, NULL, &p);
        *pre = choice(&p, pp);
        force(pre, o->gemm);
        dp = SELECT(Q4T_OP_GEMV, 1, o->gemm, &d);
        *dec = choice(&d, dp);
        if (!q4t_kernel_same_w(dec->kernel, o->gemm)) {
            force(dec, o->gemm);
            snprintf(w->note, sizeof w->note, "decode runs %s at M = 1: no GEMV packs W as '%s'", o->gemm->name,
                     q4t_kernel_w_name(o->gemm));
        }
        return;
    }
    if (q4t_plan_select_pair(o->tuned, batch, w->N, w->K, o->features, &d, &p, &dp, &pp) == 0) {
        *dec = choice(&d, dp);
        *pre = choice(&p, pp);
        return;
    }
    /* Nothing tuned pairs: decode's choice, and prefill in its layout. */
    dp = SELECT(Q4T_OP_GEMV, 1, NULL, &d);
    pp = SELECT(Q4T_OP_GEMM, batch, d.kernel, &p);
    *dec = choice(&d, dp);
    *pre = choice(&p, pp);
    if (q4t_kernel_same_w(d.kernel, p.kernel))
        return;
    /* No GEMM packs like decode's choice: the GEMM first, then a GEMV of its layout, else the GEMM at M = 1. */
    const q4t_kernel *gemv = d.kernel;
    pp = SELECT(Q4T_OP_GEMM, batch, NULL, &p);
    *pre = choice(&p, pp);
    dp = SELECT(Q4T_OP_GEMV, 1, p.kernel, &d);
    if (q4t_kernel_same_w(d.kernel, p.kernel)) {
        *dec = choice(&d, dp);
        snprintf(w->note, sizeof w->note, "no GEMM packs W as %s does ('%s'): paired by %s's layout '%s'", gemv->name,
                 q4t_kernel_w_name(gemv), p.kernel->name, q4t_kernel_w_name(p.kernel));
    } else {
        use_kernel(dec, p.kernel);
        snprintf(w->note, sizeof w->note, "no GEMM packs W as %s does, no GEMV as %s does: %s runs decode at M = 1",
                 gemv->name, p.kernel->name, p.kernel->name);
    }
#undef SELECT
}

/* ---- placements ---- */

q4t_pool *q4t_placement_pool(const q4t_topology *topo, const q4t_placement *p, char *err, size_t errlen)
{
    return q4t_pool_place(topo, p->threads, p->binding, p->pus, err, errlen);
}

/* pl from c, the overrides of po applied; the mask parsed here unless given parsed. */
static int place(const q4t_plan_opts *o, const q4t_config *c, const q4t_phase_opts *po, q4t_placement *pl,
                 char *err, size_t errlen)
{
    pl->threads = po && po->threads > 0 ? po->threads : c->threads;
    pl->binding = po && po->binding >= 0 ? (q4t_binding)po->binding : c->binding;
    const q4t_mask *given = po ? po->mask : NULL;
    snprintf(pl->mask, sizeof pl->mask, "%s", given ? given->label : c->mask);
    pl->pus = given ? hwloc_bitmap_dup(given->pus) : hwloc_bitmap_alloc();
    if (!pl->pus) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return given ? 0 : q4t_mask_parse(o->topo, c->mask, pl->pus, err, errlen);
}

static int same_place(const q4t_placement *a, const q4t_placement *b)
{
    return a->threads == b->threads && a->binding == b->binding && hwloc_bitmap_isequal(a->pus, b->pus) &&
           !strcmp(a->mask, b->mask);
}

/* The matrix moving the most weight bytes per token, its role's count and
 * every role of the same shape summed. */
static int heaviest(const q4t_plan_request *req, int n)
{
    int best = 0;
    double most = -1;
    for (int i = 0; i < n; i++) {
        double bytes = 0;
        for (int j = 0; j < n; j++)
            if (req[j].N == req[i].N && req[j].K == req[i].K)
                bytes += (double)req[j].N * (double)req[j].K * (req[j].count > 0 ? req[j].count : 1);
        if (bytes > most) {
            most = bytes;
            best = i;
        }
    }
    return best;
}

static int plan_model(const q4t_plan_opts *o, const q4t_plan_request *req, int n, size_t batch, q4t_plan *p,
                      char *err, size_t errlen)
{
    if (q4t_plan_check_forced(o->gemv, o->gemm, o->features, err, errlen))
        return -1;
    if (n < 1 || n > Q4T_PLAN_MAX) {
        snprintf(err, errlen, "a plan holds 1 to %d matrices, not %d", Q4T_PLAN_MAX, n);
        return -1;
    }
    p->batch = batch;
    for (int i = 0; i < n; i++, p->n++) {
        q4t_plan_matrix *w = &p->m[i];
        snprintf(w->what, sizeof w->what, "%s", req[i].what);
        w->N = req[i].N, w->K = req[i].K;
        plan_matrix(o, batch, w);
    }
    const q4t_plan_request *h = &req[p->placed_by = heaviest(req, n)];
    for (int ph = 0; ph < 2; ph++) {
        q4t_config c;
        q4t_plan_select(o->tuned, o->topo, ph == Q4T_PREFILL ? Q4T_OP_GEMM : Q4T_OP_GEMV, ph == Q4T_PREFILL ? batch : 1,
                        h->N, h->K, o->features, NULL, &c);
        q4t_placement *pl = &p->place[ph];
        char why[400];
        if (place(o, &c, &o->phase[ph], pl, why, sizeof why)) {
            snprintf(err, errlen, "%s pool (%d threads, mask %s, binding %s): %s", q4t_phase_name((q4t_phase)ph),
                     pl->threads, pl->mask, q4t_binding_name(pl->binding), why);
            return -1;
        }
    }
    p->shared = same_place(&p->place[Q4T_PREFILL], &p->place[Q4T_DECODE]);
    return 0;
}

static void plan_tuned(const q4t_plan_opts *o, q4t_plan *p)
{
    for (int i = 0; o->tuned && i < o->tuned->nshapes; i++) {
        const q4t_tuned_shape *s = &o->tuned->shapes[i];
        char what[64], why[400] = "";
        snprintf(what, sizeof what, "%s %zux%zux%zu", q4t_op_name(s->op), s->M, s->N, s->K);
        const q4t_config *c = s->ncand ? &s->cand[0] : NULL;
        if (!s->complete)
            snprintf(why, sizeof why, "its search ran out of time (incomplete)");
        else if (!c || strcmp(c->kernel->name, s->winner))
            snprintf(why, sizeof why, "this build has no kernel %s", s->winner);
        else if (q4t_kernel_missing(c->kernel, o->features)) {
            char names[128];
            q4t_features_format(q4t_kernel_missing(c->kernel, o->features), ",", names, sizeof names);
            snprintf(why, sizeof why, "%s needs %s", s->winner, names);
        } else if (p->n == Q4T_PLAN_MAX) {
            snprintf(why, sizeof why, "a plan holds %d shapes at most", Q4T_PLAN_MAX);
        } else if (place(o, c, NULL, &p->place[p->n], why, sizeof why)) {
            hwloc_bitmap_free(p->place[p->n].pus);
            p->place[p->n].pus = NULL;
        } else {
            q4t_plan_matrix *w = &p->m[p->n];
            snprintf(w->what, sizeof w->what, "%s", what);
            w->N = s->N, w->K = s->K;
            w->phase[s->op == Q4T_OP_GEMV ? Q4T_DECODE : Q4T_PREFILL] = choice(c, Q4T_PICK_TUNED);
            p->M[p->n++] = s->M;
            continue;
        }
        if (p->nskipped < Q4T_PLAN_MAX)
            snprintf(p->skipped[p->nskipped++], sizeof p->skipped[0], "%s not run: %s", what, why);
    }
}

int q4t_plan_make(const q4t_plan_opts *o, q4t_plan_kind kind, const q4t_plan_request *req, int n, size_t batch,
                  q4t_plan *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->kind = kind;
    if (kind == Q4T_PLAN_TUNED) {
        plan_tuned(o, out);
        return 0;
    }
    const int rc = plan_model(o, req, n, batch, out, err, errlen);
    if (rc)
        q4t_plan_free(out);
    return rc;
}

void q4t_plan_free(q4t_plan *p)
{
    for (int i = 0; i < Q4T_PLAN_MAX; i++) {
        hwloc_bitmap_free(p->place[i].pus);
        p->place[i].pus = NULL;
    }
}
