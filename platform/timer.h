/* Wall-clock time and the median of a few measurements. */
#ifndef Q4T_TIMER_H
#define Q4T_TIMER_H

/* Seconds on a monotonic clock. */
double q4t_now(void);
/* The median of v[0..n) (n >= 1); sorts v. */
double q4t_median(double *v, int n);

#endif
