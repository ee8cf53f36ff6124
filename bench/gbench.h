/* A C interface to Google Benchmark (libbenchmark), which has none of its own.
 * gbench.cc is its only C++; everything else in q4tune stays C.
 *
 * Register a benchmark with a name, a C function and a context, set its options
 * (repetitions, min time, manual or real time), run every registered benchmark
 * with the user's --benchmark_* flags, and get each run's result back in C,
 * while Google Benchmark's own console and JSON reporters print as usual.
 *
 *   static void bm(q4t_gb_state *st, void *ctx) {
 *       while (q4t_gb_keep_running(st)) work(ctx);
 *       q4t_gb_counter(st, "GOPS", ops * 1e-9, Q4T_GB_RATE_PER_ITERATION);
 *   }
 */
#ifndef Q4T_GBENCH_H
#define Q4T_GBENCH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct q4t_gb_state q4t_gb_state; /* benchmark::State */
typedef struct q4t_gb_bench q4t_gb_bench; /* benchmark::internal::Benchmark */
typedef void (*q4t_gb_fn)(q4t_gb_state *st, void *ctx);

/* Counter flags (benchmark::Counter::Flags). */
enum {
    Q4T_GB_VALUE = 0,                  /* the value as given */
    Q4T_GB_RATE = 1,                   /* value / seconds */
    Q4T_GB_PER_ITERATION_TOTAL = 4,    /* value * iterations */
    Q4T_GB_RATE_PER_ITERATION = 1 | 4, /* value * iterations / seconds: a per-iteration quantity as a rate */
    Q4T_GB_AVG_ITERATIONS = 8,         /* value / iterations */
};

typedef enum { Q4T_GB_NS, Q4T_GB_US, Q4T_GB_MS, Q4T_GB_S } q4t_gb_time_unit;

/* Parses and removes --benchmark_* flags from argv. Returns 0, or -1 (after
 * printing them) if arguments it does not know are left. */
int q4t_gb_init(int *argc, char **argv);
void q4t_gb_add_context(const char *key, const char *value);

q4t_gb_bench *q4t_gb_register(const char *name, q4t_gb_fn fn, void *ctx);
void q4t_gb_repetitions(q4t_gb_bench *b, int n);
void q4t_gb_min_time(q4t_gb_bench *b, double seconds);
void q4t_gb_use_real_time(q4t_gb_bench *b);   /* wall time: work runs on other threads */
void q4t_gb_use_manual_time(q4t_gb_bench *b); /* times come from q4t_gb_set_iteration_time */
void q4t_gb_unit(q4t_gb_bench *b, q4t_gb_time_unit unit);
void q4t_gb_report_aggregates_only(q4t_gb_bench *b);
/* Adds the 10th and 90th percentiles of the repetitions to mean, median,
 * stddev and cv (aggregates "p10" and "p90"). */
void q4t_gb_percentiles(q4t_gb_bench *b);

/* Inside a benchmark function. */
int q4t_gb_keep_running(q4t_gb_state *st);
void q4t_gb_pause(q4t_gb_state *st);
void q4t_gb_resume(q4t_gb_state *st);
void q4t_gb_set_iteration_time(q4t_gb_state *st, double seconds);
void q4t_gb_set_bytes_processed(q4t_gb_state *st, int64_t bytes);
void q4t_gb_set_items_processed(q4t_gb_state *st, int64_t items);
void q4t_gb_counter(q4t_gb_state *st, const char *name, double value, int flags);
void q4t_gb_skip_with_error(q4t_gb_state *st, const char *message);
void q4t_gb_set_label(q4t_gb_state *st, const char *label); /* shown beside the run, "label" in JSON */
int64_t q4t_gb_iterations(const q4t_gb_state *st);

/* One result as the reporters see it. Times are per iteration, in seconds. */
typedef struct {
    const char *name;      /* e.g. gemv_q4_avx2_1x8/1x4096x4096/t1 */
    const char *aggregate; /* "" for a single run, else "mean", "median", "stddev", "cv" */
    int repetition;        /* index of the repetition, -1 for aggregates */
    int error;             /* the benchmark called q4t_gb_skip_with_error */
    const char *error_message;
    int64_t iterations;
    double real_time, cpu_time;
    size_t ncounters;
    const char *const *counter_names;
    const double *counter_values; /* as reported, flags applied */
} q4t_gb_run;

typedef void (*q4t_gb_run_fn)(const q4t_gb_run *run, void *ctx);

/* Runs every registered benchmark that --benchmark_filter selects, printing with
 * the reporter --benchmark_format asks for (and --benchmark_out's), and calls
 * on_run (if not NULL) for every run and aggregate. Returns how many ran. */
size_t q4t_gb_run_all(q4t_gb_run_fn on_run, void *ctx);
/* Forgets every registered benchmark and releases the library's state. */
void q4t_gb_shutdown(void);

#ifdef __cplusplus
}
#endif

#endif
