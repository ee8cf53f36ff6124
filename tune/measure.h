/* The tuner's real environment: verification with q4t_verify, timing on this
 * machine's threads (tune/search.h's q4t_tune_env), progress on stderr, and
 * the frequency-drift probe. */
#ifndef Q4T_MEASURE_H
#define Q4T_MEASURE_H

#include <stdio.h>

#include "search.h"
#include "workload.h"

typedef struct {
    const q4t_topology *topo;
    uint64_t features;
    size_t span_bytes;   /* W copies rotate past this many bytes (q4t_cold_span_bytes) */
    q4t_workload wl[3];  /* of the kernels timed last on the current shape (most recent first) */
    struct {
        int threads;
        q4t_binding binding;
        char mask[64];
        q4t_pool *pool;
    } pools[64];
    int npools;
    FILE *out;           /* progress */
    int tty;             /* out is a terminal: one redrawn bar, else plain lines */
    char last_line[256];
} q4t_tune_machine;

/* The environment over m (which it must outlive). */
void q4t_tune_machine_init(q4t_tune_machine *m, const q4t_topology *topo, uint64_t features, FILE *progress);
q4t_tune_env q4t_tune_machine_env(q4t_tune_machine *m);
void q4t_tune_machine_free(q4t_tune_machine *m);

/* The fixed reference workload for drift: the default GEMV kernel on
 * 1x1024x1024, one thread, hot weights. Median seconds per call (7 samples
 * of about 2 ms each) into
 * *seconds; its description into what. Returns 0, or -1 if memory ran out. */
int q4t_drift_probe(q4t_tune_machine *m, double *seconds, char *what, size_t len);

#endif
