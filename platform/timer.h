/* Wall-clock time, the median of a few measurements, and the core's clock. */
#ifndef Q4T_TIMER_H
#define Q4T_TIMER_H

/* Seconds on a monotonic clock. */
double q4t_now(void);
/* The median of v[0..n) (n >= 1); sorts v. */
double q4t_median(double *v, int n);
/* The clock this thread's core sustains now, in GHz: a chain of dependent
 * integer adds (one cycle each on every core q4tune targets) timed for about
 * 20 ms, the median of 5; NAN on another architecture. Under an emulator it
 * is the emulator's rate, not a clock. */
double q4t_clock_ghz(void);

#endif
