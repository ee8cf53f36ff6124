/* Roofline probes: the device's measured limits that every kernel figure is a
 * fraction of. Memory read bandwidth (a buffer well past the last-level cache,
 * 1 thread and all threads) and the int8 dot-product peak of each ISA this CPU
 * has (harness/peak/), as GOPS with 1 thread and all threads. */
#ifndef Q4T_ROOFLINE_H
#define Q4T_ROOFLINE_H

#include <stddef.h>
#include <stdint.h>

#include "cpu.h"
#include "pool.h"

enum { Q4T_MAX_PEAKS = 8 };

typedef struct {
    const char *name; /* e.g. "avx512vnni vpdpbusd zmm" */
    uint64_t isa;     /* features the probe needs */
    double gops_1t, gops_all;
} q4t_peak;

typedef struct {
    int threads;          /* "all threads" = the pool's size */
    size_t buffer_bytes;  /* read-bandwidth buffer */
    size_t llc_bytes;     /* largest cache hwloc reports */
    double read_gbs_1t, read_gbs_all;
    int npeaks;
    q4t_peak peaks[Q4T_MAX_PEAKS];
} q4t_roofline;

/* Size of the largest cache on this machine (hwloc), 0 if unknown. */
size_t q4t_llc_bytes(void);
/* The read-bandwidth probe's buffer: 8 x the last-level cache, 256 MiB at least. */
size_t q4t_read_buffer_bytes(void);
/* What "cold" weights rotate past: 4 x the last-level cache and at least the
 * read-bandwidth buffer (a VM may report less cache than it has). */
size_t q4t_cold_span_bytes(void);

/* Measures everything; medians of repetitions. Returns 0, or -1 if memory ran out. */
int q4t_roofline_measure(q4t_roofline *r, const q4t_cpu *cpu, q4t_pool *pool);

/* The best int8 peak (GOPS, 1 thread or all) among the probes whose ISA a
 * kernel requiring isa also has; 0 if none does (reference kernels). */
double q4t_roofline_peak(const q4t_roofline *r, uint64_t isa, int all_threads, const char **name);

/* The figures as a JSON object (for --json and the device record). */
struct cJSON;
struct cJSON *q4t_roofline_json(const q4t_roofline *r);

#endif
