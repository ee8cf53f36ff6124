/* Statistics: see stats.h. */
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* P(Binomial(n, 1/2) <= k). */
static double binom_cdf_half(int n, int k)
{
    double term = pow(0.5, n), sum = 0.0;
    for (int i = 0; i <= k; i++) {
        sum += term;
        term = term * (n - i) / (i + 1);
    }
    return sum;
}

q4t_summary q4t_summarize(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    q4t_summary s = {.n = n, .min = v[0], .max = v[n - 1]};
    s.median = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    /* The interval [v[j], v[n-1-j]] holds the population median with
     * probability 1 - 2 P(B <= j), B ~ Binomial(n, 1/2): take the largest j
     * that keeps that at 95% or more; with too few samples, the full range. */
    int j = 0;
    while (j + 1 < n - 1 - (j + 1) && 1.0 - 2.0 * binom_cdf_half(n, j + 1) >= 0.95)
        j++;
    s.lo = v[j];
    s.hi = v[n - 1 - j];
    s.level = 1.0 - 2.0 * binom_cdf_half(n, j);
    return s;
}

typedef struct {
    double v;
    int from_a;
} ranked;

static int cmp_ranked(const void *a, const void *b)
{
    return cmp_double(&((const ranked *)a)->v, &((const ranked *)b)->v);
}

double q4t_mann_whitney_p(const double *a, int na, const double *b, int nb)
{
    if (na < 2 || nb < 2)
        return 1.0;
    const int n = na + nb;
    ranked *r = malloc(sizeof *r * (size_t)n);
    if (!r)
        return 1.0;
    for (int i = 0; i < na; i++)
        r[i] = (ranked){a[i], 1};
    for (int i = 0; i < nb; i++)
        r[na + i] = (ranked){b[i], 0};
    qsort(r, (size_t)n, sizeof *r, cmp_ranked);
    double rank_sum_a = 0.0, ties = 0.0;
    for (int i = 0; i < n;) {
        int j = i;
        while (j < n && r[j].v == r[i].v)
            j++;
        const double mid_rank = 0.5 * (i + 1 + j), t = j - i; /* ranks i+1 .. j share their mean */
        for (int k = i; k < j; k++)
            rank_sum_a += r[k].from_a ? mid_rank : 0.0;
        ties += t * t * t - t;
        i = j;
    }
    free(r);
    const double u = rank_sum_a - na * (na + 1) / 2.0, mean = na * (double)nb / 2.0;
    const double var = na * (double)nb / 12.0 * ((n + 1) - ties / ((double)n * (n - 1)));
    if (var <= 0.0)
        return 1.0; /* every sample equal */
    const double z = (fabs(u - mean) - 0.5) / sqrt(var); /* continuity correction */
    return z <= 0.0 ? 1.0 : erfc(z / sqrt(2.0));
}
