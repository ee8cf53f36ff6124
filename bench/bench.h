/* Kernel micro-benchmarks: every runnable kernel x shape x thread count x
 * affinity mask x binding x schedule, registered with Google Benchmark through
 * harness/gbench.h. */
#ifndef Q4T_BENCH_H
#define Q4T_BENCH_H

#include <stddef.h>

#include "cpu.h"
#include "parallel.h"
#include "pool.h"
#include "topology.h"
#include "verify.h"

/* One tuned choice to benchmark as it is (q4tune bench --tuned). */
typedef struct {
    q4t_shape shape;
    const q4t_kernel *kernel;
    q4t_pool *pool; /* threads, mask and binding of the tuned configuration */
    const char *placement; /* "t2/all/mask": how the pool was made */
    q4t_split split;
} q4t_bench_tuned;

typedef struct {
    const q4t_bench_tuned *tuned; /* if set: exactly these cases, nothing else */
    size_t ntuned;
    const q4t_shape *shapes;
    size_t nshapes;
    const int *threads;
    size_t nthreads;
    const q4t_topology *topo;    /* where the masks' pools are placed */
    const q4t_mask *masks;       /* used with bindings other than none: labels as written, PUs */
    size_t nmasks;
    const q4t_binding *bindings;
    size_t nbindings;
    const q4t_schedule *schedules;
    size_t nschedules;
    int placement_in_name; /* name cases <...>/t<threads>/<mask>/<binding>/<schedule> */
    const char *kernels; /* comma-separated names, NULL: all runnable */
    int cold;            /* rotate packed-weight copies past the last-level cache */
    int repetitions;
    double min_time; /* seconds per repetition, 0: Google Benchmark's default */
} q4t_bench_opts;

/* The default shapes: the matrices of Llama-3-8B and Qwen2.5-0.5B, at M = 1
 * (token generation) and M = 512 (prompt processing). */
size_t q4t_bench_default_shapes(q4t_shape *shapes, size_t max);

/* Measures the roofline, registers the cases, runs them with the
 * --benchmark_* flags in argv. Returns 0, or -1 if a case failed or none ran
 * (Google Benchmark and q4tune have said why on stderr). */
int q4t_bench_run(const q4t_bench_opts *o, const q4t_cpu *cpu, int *argc, char **argv);

#endif
