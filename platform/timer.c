/* Wall-clock time and medians: see timer.h. */
#define _POSIX_C_SOURCE 200809L
#include "timer.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

double q4t_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double q4t_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

/* n passes of 100 dependent adds; returns the sum so nothing is dropped. */
static uint64_t add_chain(uint64_t n)
{
    uint64_t x = 0;
    for (uint64_t i = 0; i < n; i++) {
#if defined(__x86_64__)
        __asm__ volatile(".rept 100\n\taddq $1, %0\n\t.endr" : "+r"(x));
#elif defined(__aarch64__)
        __asm__ volatile(".rept 100\n\tadd %0, %0, #1\n\t.endr" : "+r"(x));
#endif
    }
    return x;
}

double q4t_clock_ghz(void)
{
#if defined(__x86_64__) || defined(__aarch64__)
    uint64_t n = 1000;
    double t = 0;
    while (t < 0.02 && n < (UINT64_C(1) << 40)) { /* passes for about 20 ms */
        n *= 2;
        const double t0 = q4t_now();
        add_chain(n);
        t = q4t_now() - t0;
    }
    double ghz[5];
    for (int r = 0; r < 5; r++) {
        const double t0 = q4t_now();
        add_chain(n);
        ghz[r] = 100.0 * (double)n / (q4t_now() - t0) * 1e-9;
    }
    return q4t_median(ghz, 5);
#else
    return NAN;
#endif
}
