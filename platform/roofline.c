/* Roofline probes: see roofline.h. */
#include "roofline.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "isa.h"
#include "peak/peak.h"
#include "timer.h"
#include "topology.h"

static const struct {
    const char *name;
    uint64_t isa;
    q4t_peak_fn fn;
} probes[] = {
#if defined(__x86_64__)
    {"avx2 vpmaddubsw ymm", Q4T_F_AVX2, q4t_peak_avx2},
    {"avxvnni vpdpbusd ymm", Q4T_F_AVX2 | Q4T_F_AVXVNNI, q4t_peak_avxvnni},
    {"avx512vnni vpdpbusd zmm", Q4T_F_AVX512F | Q4T_F_AVX512VNNI, q4t_peak_avx512vnni},
#elif defined(__aarch64__)
    {"neon sdot", Q4T_F_NEON | Q4T_F_SDOT, q4t_peak_sdot},
    {"i8mm smmla", Q4T_F_NEON | Q4T_F_I8MM, q4t_peak_i8mm},
    {"sve sdot", Q4T_F_NEON | Q4T_F_SVE, q4t_peak_sve},
    {"sme smopa", Q4T_F_SME | Q4T_F_SMEI8I32, q4t_peak_sme},
#endif
};

enum { REPS = 5 };

size_t q4t_llc_bytes(void)
{
    q4t_topology *t;
    if (q4t_topology_load(&t, NULL, NULL, 0))
        return 0;
    const size_t bytes = (size_t)q4t_topology_get_stats(t).largest_cache;
    q4t_topology_free(t);
    return bytes;
}

/* Reads its slice of the buffer: 8 independent 64-bit sums, prefetching ahead. */
typedef struct {
    const uint64_t *buf;
    size_t words;
    volatile uint64_t sink;
} read_task;

static void read_slice(void *ctx, int thread, int nthreads)
{
    read_task *t = ctx;
    const size_t per = t->words / (size_t)nthreads / 8 * 8;
    const uint64_t *p = t->buf + per * (size_t)thread;
    uint64_t s[8] = {0};
    for (size_t i = 0; i < per; i += 8) {
        __builtin_prefetch(p + i + 1024); /* 8 KiB ahead, as the GEMV kernels do */
        for (int j = 0; j < 8; j++)
            s[j] += p[i + j];
    }
    t->sink = s[0] + s[1] + s[2] + s[3] + s[4] + s[5] + s[6] + s[7];
}

static double read_bandwidth(read_task *t, q4t_pool *pool)
{
    const int n = pool ? q4t_pool_size(pool) : 1;
    const size_t bytes = t->words / (size_t)n / 8 * 8 * (size_t)n * sizeof(uint64_t);
    double gbs[REPS];
    for (int r = 0; r < REPS; r++) {
        const double t0 = q4t_now();
        if (pool)
            q4t_pool_run(pool, read_slice, t);
        else
            read_slice(t, 0, 1);
        gbs[r] = (double)bytes / (q4t_now() - t0) * 1e-9;
    }
    return q4t_median(gbs, REPS);
}

typedef struct {
    q4t_peak_fn fn;
    uint64_t rounds;
    uint64_t ops[64];
} peak_task;

static void peak_run(void *ctx, int thread, int nthreads)
{
    peak_task *t = ctx;
    (void)nthreads;
    t->ops[thread % 64] = t->fn(t->rounds);
}

static double peak_gops(peak_task *t, q4t_pool *pool)
{
    const int n = pool ? q4t_pool_size(pool) : 1;
    double gops[REPS];
    for (int r = 0; r < REPS; r++) {
        const double t0 = q4t_now();
        if (pool)
            q4t_pool_run(pool, peak_run, t);
        else
            peak_run(t, 0, 1);
        const double dt = q4t_now() - t0;
        uint64_t ops = 0;
        for (int i = 0; i < n && i < 64; i++)
            ops += t->ops[i];
        gops[r] = (double)ops / dt * 1e-9;
    }
    return q4t_median(gops, REPS);
}

size_t q4t_read_buffer_bytes(void)
{
    const size_t llc = q4t_llc_bytes();
    return llc * 8 > ((size_t)256 << 20) ? llc * 8 : (size_t)256 << 20;
}

size_t q4t_cold_span_bytes(void)
{
    const size_t llc4 = 4 * q4t_llc_bytes(), buf = q4t_read_buffer_bytes();
    return llc4 > buf ? llc4 : buf;
}

int q4t_roofline_measure(q4t_roofline *r, const q4t_cpu *cpu, q4t_pool *pool)
{
    memset(r, 0, sizeof *r);
    r->threads = pool ? q4t_pool_size(pool) : 1;
    r->llc_bytes = q4t_llc_bytes();
    r->buffer_bytes = q4t_read_buffer_bytes();
    read_task rt = {.buf = NULL, .words = r->buffer_bytes / sizeof(uint64_t)};
    uint64_t *buf = malloc(r->buffer_bytes);
    if (!buf)
        return -1;
    for (size_t i = 0; i < rt.words; i++) /* touch every page: no zero-page reads */
        buf[i] = i;
    rt.buf = buf;
    r->read_gbs_1t = read_bandwidth(&rt, NULL);
    r->read_gbs_all = read_bandwidth(&rt, pool);
    free(buf);

    for (size_t i = 0; i < sizeof probes / sizeof probes[0] && r->npeaks < Q4T_MAX_PEAKS; i++) {
        if ((probes[i].isa & ~cpu->features) != 0)
            continue;
        peak_task t = {.fn = probes[i].fn, .rounds = 1000};
        double dt = 0.0; /* calibrate: about 20 ms per run */
        while (dt < 0.02) {
            t.rounds *= 2;
            const double t0 = q4t_now();
            t.fn(t.rounds);
            dt = q4t_now() - t0;
        }
        q4t_peak *p = &r->peaks[r->npeaks++];
        p->name = probes[i].name;
        p->isa = probes[i].isa;
        p->gops_1t = peak_gops(&t, NULL);
        p->gops_all = peak_gops(&t, pool);
    }
    return 0;
}

double q4t_roofline_peak(const q4t_roofline *r, uint64_t isa, int all_threads, const char **name)
{
    double best = 0.0;
    for (int i = 0; i < r->npeaks; i++) {
        const double g = all_threads ? r->peaks[i].gops_all : r->peaks[i].gops_1t;
        if ((r->peaks[i].isa & ~isa) == 0 && g > best) {
            best = g;
            if (name)
                *name = r->peaks[i].name;
        }
    }
    return best;
}

cJSON *q4t_roofline_json(const q4t_roofline *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "threads", r->threads);
    cJSON_AddNumberToObject(o, "llc_bytes", (double)r->llc_bytes);
    cJSON_AddNumberToObject(o, "read_buffer_bytes", (double)r->buffer_bytes);
    cJSON_AddNumberToObject(o, "read_gbs_1t", r->read_gbs_1t);
    cJSON_AddNumberToObject(o, "read_gbs_all", r->read_gbs_all);
    cJSON *peaks = cJSON_AddArrayToObject(o, "int8_peaks");
    for (int i = 0; i < r->npeaks; i++) {
        cJSON *p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "isa", r->peaks[i].name);
        cJSON_AddNumberToObject(p, "gops_1t", r->peaks[i].gops_1t);
        cJSON_AddNumberToObject(p, "gops_all", r->peaks[i].gops_all);
        cJSON_AddItemToArray(peaks, p);
    }
    return o;
}
