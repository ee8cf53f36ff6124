/* Reference against model, per position: see accuracy.h. */
#include "accuracy.h"

#include <math.h>
#include <stdlib.h>

/* ln softmax(logits) into out. */
static void log_softmax(const float *logits, int n, double *out)
{
    double max = -INFINITY, sum = 0;
    for (int i = 0; i < n; i++)
        max = logits[i] > max ? logits[i] : max;
    for (int i = 0; i < n; i++)
        sum += exp(logits[i] - max);
    const double lse = max + log(sum);
    for (int i = 0; i < n; i++)
        out[i] = logits[i] - lse;
}

static int argmax(const float *v, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > v[best])
            best = i;
    return best;
}

void q4t_acc_compare(const float *ref, const float *model, int vocab, double *scratch, q4t_acc_position *p)
{
    double *lp = scratch, *lq = scratch + vocab;
    log_softmax(ref, vocab, lp);
    log_softmax(model, vocab, lq);
    double kl = 0;
    for (int v = 0; v < vocab; v++)
        kl += exp(lp[v]) * (lp[v] - lq[v]);
    p->kl = kl > 0 ? kl : 0; /* a sum of rounded terms can end at -1e-17 */
    p->top_ref = argmax(ref, vocab);
    p->top_model = argmax(model, vocab);
    p->nll_ref = p->next >= 0 ? -lp[p->next] : 0;
    p->nll_model = p->next >= 0 ? -lq[p->next] : 0;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int q4t_acc_summarize(const q4t_acc_position *p, int n, q4t_acc_summary *s)
{
    double *kl = malloc((size_t)n * sizeof *kl), sum = 0, nr = 0, nm = 0;
    *s = (q4t_acc_summary){.n = n};
    if (!kl)
        return -1;
    int same = 0;
    for (int i = 0; i < n; i++) {
        kl[i] = p[i].kl;
        sum += p[i].kl;
        same += p[i].top_ref == p[i].top_model;
        if (p[i].next >= 0)
            nr += p[i].nll_ref, nm += p[i].nll_model, s->scored++;
    }
    s->kl_mean = sum / n;
    double var = 0;
    for (int i = 0; i < n; i++)
        var += (kl[i] - s->kl_mean) * (kl[i] - s->kl_mean);
    s->kl_stderr = n > 1 ? sqrt(var / (n - 1) / n) : 0;
    qsort(kl, (size_t)n, sizeof *kl, cmp_double);
    s->kl_median = n % 2 ? kl[n / 2] : 0.5 * (kl[n / 2 - 1] + kl[n / 2]);
    s->kl_p99 = kl[(int)ceil(0.99 * n) - 1];
    s->kl_max = kl[n - 1];
    free(kl);
    s->top1 = (double)same / n;
    s->ppl_ref = s->scored ? exp(nr / s->scored) : 0;
    s->ppl_model = s->scored ? exp(nm / s->scored) : 0;
    return 0;
}
