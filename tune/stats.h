/* Statistics for timing samples: median with a distribution-free confidence
 * interval, and the Mann-Whitney U rank test (as Google Benchmark's compare.py
 * uses) for "is A faster than B beyond noise". */
#ifndef Q4T_STATS_H
#define Q4T_STATS_H

typedef struct {
    int n;
    double median;
    double lo, hi;     /* confidence interval of the median (order statistics) */
    double level;      /* its confidence level: >= 0.95 when n >= 6, less for fewer samples */
    double min, max;
} q4t_summary;

/* Summarises v[0..n) (n >= 1), which it sorts. */
q4t_summary q4t_summarize(double *v, int n);

/* Two-sided p-value of the Mann-Whitney U test that a[0..na) and b[0..nb)
 * come from the same distribution (normal approximation with tie correction;
 * 1.0 when either side has fewer than 2 samples). */
double q4t_mann_whitney_p(const double *a, int na, const double *b, int nb);

#endif
