/* Checking a kernel against the reference kernel of its op: see verify.h. */
#include "verify.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"
#include "text.h"

static const uint32_t SENTINEL = 0x7fc0dead; /* a NaN no kernel computes */

static float rng_uniform(uint64_t *s) /* xorshift64*, in [-1, 1) */
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return (float)((*s * UINT64_C(2685821657736338717)) >> 40) / (float)(1 << 23) - 1.0f;
}

static void fill_sentinel(float *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        memcpy(&y[i], &SENTINEL, sizeof SENTINEL);
}

static int is_sentinel(const float *y)
{
    return memcmp(y, &SENTINEL, sizeof SENTINEL) == 0;
}

int q4t_shape_parse(const char *s, q4t_shape *shape, char *err, size_t errlen)
{
    unsigned long long m, n, k;
    int used = 0;
    if (sscanf(s, "%llux%llux%llu%n", &m, &n, &k, &used) != 3 || s[used] != '\0' || s[0] == '-') {
        snprintf(err, errlen, "shape '%s': expected MxNxK, e.g. 1x4096x4096", s);
        return -1;
    }
    if (m == 0 || n == 0 || k == 0) {
        snprintf(err, errlen, "shape '%s': M, N and K must be at least 1", s);
        return -1;
    }
    if (k % Q4T_QK) {
        snprintf(err, errlen, "shape '%s': K must be a multiple of %d (the Q4_0 block)", s, Q4T_QK);
        return -1;
    }
    *shape = (q4t_shape){(size_t)m, (size_t)n, (size_t)k};
    return 0;
}

int q4t_shapes_parse(const char *list, q4t_shape *shapes, size_t max, size_t *n, char *err, size_t errlen)
{
    char item[64];
    *n = 0;
    for (const char *p = list; q4t_list_next(&p, item, sizeof item) >= 0; ++*n) {
        if (*n == max) {
            snprintf(err, errlen, "at most %zu shapes", max);
            return -1;
        }
        if (q4t_shape_parse(item, &shapes[*n], err, errlen))
            return -1;
    }
    if (*n == 0) {
        snprintf(err, errlen, "--shapes needs at least one MxNxK");
        return -1;
    }
    return 0;
}

/* A weight matrix with rows of different magnitudes, quantized to Q4_0, and
 * activations with one all-zero block (scale 0) when there is room for it. */
static void make_problem(q4t_shape s, unsigned seed, q4t_block_q4_0 *w, float *x)
{
    uint64_t st = 0x9e3779b97f4a7c15u ^ seed;
    float *row = malloc(s.K * sizeof *row);
    for (size_t n = 0; n < s.N; n++) {
        const float scale = ldexpf(1.0f, (int)(n % 7) - 3);
        for (size_t k = 0; k < s.K; k++)
            row[k] = scale * rng_uniform(&st);
        q4t_quantize_row_q4_0(row, w + n * (s.K / Q4T_QK), s.K);
    }
    free(row);
    for (size_t i = 0; i < s.M * s.K; i++)
        x[i] = rng_uniform(&st);
    if (s.K > Q4T_QK)
        memset(x + Q4T_QK, 0, Q4T_QK * sizeof *x);
}

/* Packs and runs kernel k on the whole problem, or tile by tile (last tile
 * first) if tiled, into y (M rows of stride ldy, pre-filled with SENTINEL). */
static int pack_and_run(const q4t_kernel *k, q4t_shape s, const q4t_block_q4_0 *w, const float *x, float *y,
                        size_t ldy, int tiled)
{
    void *wp = q4t_alloc_packed(q4t_kernel_packed_w_size(k, s.N, s.K));
    void *xp = q4t_alloc_packed(q4t_kernel_packed_x_size(k, s.M, s.K));
    if (!wp || !xp) {
        free(wp);
        free(xp);
        return -1;
    }
    q4t_kernel_pack_w(k, w, s.N, s.K, wp);
    q4t_kernel_pack_x(k, x, s.M, s.K, xp);
    const q4t_run_args a = {.w = wp, .x = xp, .y = y, .ldy = ldy, .M = s.M, .N = s.N, .K = s.K};
    if (!tiled) {
        k->run(&a, 0, s.M, 0, s.N);
    } else {
        size_t mr, nr;
        q4t_kernel_tile_size(k, &mr, &nr);
        for (size_t m0 = (s.M - 1) / mr * mr;; m0 -= mr) {
            for (size_t n0 = (s.N - 1) / nr * nr;; n0 -= nr) {
                k->run(&a, m0, m0 + mr < s.M ? m0 + mr : s.M, n0, n0 + nr < s.N ? n0 + nr : s.N);
                if (n0 == 0)
                    break;
            }
            if (m0 == 0)
                break;
        }
    }
    free(wp);
    free(xp);
    return 0;
}

int q4t_verify(const q4t_kernel *k, q4t_shape s, unsigned seed, q4t_verify_result *r)
{
    const size_t nb = s.K / Q4T_QK, ldy = s.N + 3; /* 3 guard columns per row */
    const q4t_kernel *ref = q4t_reference(k->op);
    q4t_block_q4_0 *w = malloc(s.N * nb * sizeof *w);
    q4t_block_q8_0 *xq = malloc(s.M * nb * sizeof *xq);
    float *x = malloc(s.M * s.K * sizeof *x);
    float *y_ref = malloc(s.M * ldy * sizeof *y_ref);
    float *y = malloc(s.M * ldy * sizeof *y);
    float *y_tiled = malloc(s.M * ldy * sizeof *y_tiled);
    int rc = -1;
    if (!w || !xq || !x || !y_ref || !y || !y_tiled)
        goto out;

    make_problem(s, seed, w, x);
    q4t_quantize_row_q8_0(x, xq, s.M * s.K);
    fill_sentinel(y_ref, s.M * ldy);
    fill_sentinel(y, s.M * ldy);
    fill_sentinel(y_tiled, s.M * ldy);
    if (pack_and_run(ref, s, w, x, y_ref, ldy, 0) || pack_and_run(k, s, w, x, y, ldy, 0) ||
        pack_and_run(k, s, w, x, y_tiled, ldy, 1))
        goto out;

    memset(r, 0, sizeof *r);
    for (size_t m = 0; m < s.M; m++) {
        for (size_t n = 0; n < ldy; n++) {
            const size_t i = m * ldy + n;
            r->split_differs += memcmp(&y[i], &y_tiled[i], sizeof y[i]) != 0;
            if (n >= s.N) {
                r->overwritten += !is_sentinel(&y[i]) || !is_sentinel(&y_tiled[i]);
                continue;
            }
            if (is_sentinel(&y[i])) {
                r->untouched++;
                continue;
            }
            double mag = 0.0; /* sum over blocks of |d_w d_x isum|: the scale of rounding errors */
            for (size_t b = 0; b < nb; b++)
                mag += fabs((double)q4t_fp16_to_fp32(w[n * nb + b].d) * q4t_fp16_to_fp32(xq[m * nb + b].d) *
                            q4t_dot_block_q4_0_q8_0(&w[n * nb + b], &xq[m * nb + b]));
            const double tol = (double)(nb + 2) * FLT_EPSILON * mag;
            const double err = fabs((double)y[i] - (double)y_ref[i]);
            const double ratio = err <= tol ? (tol > 0.0 ? err / tol : 0.0) : isnan(err) ? INFINITY : err / tol;
            if (ratio > r->worst) {
                r->worst = ratio;
                r->worst_m = m;
                r->worst_n = n;
                r->y = y[i];
                r->y_ref = y_ref[i];
            }
        }
    }
    r->ok = r->worst <= 1.0 && !r->untouched && !r->overwritten && !r->split_differs;
    rc = 0;
out:
    free(w);
    free(xq);
    free(x);
    free(y_ref);
    free(y);
    free(y_tiled);
    return rc;
}

static size_t add_unique(size_t *v, size_t n, size_t value)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == value)
            return n;
    v[n] = value;
    return n + 1;
}

size_t q4t_verify_shapes(const q4t_kernel *k, q4t_shape *shapes, size_t max)
{
    size_t mr, nr;
    q4t_kernel_tile_size(k, &mr, &nr);
    size_t ms[8], ns[8], nm = 0, nn = 0, count = 0;
    const size_t m_cand[] = {1, 2, mr - 1, mr, mr + 1, 2 * mr + 1};
    const size_t n_cand[] = {1, nr - 1, nr, nr + 1, 2 * nr + 3};
    const size_t k_cand[] = {32, 96};
    for (size_t i = 0; i < sizeof m_cand / sizeof m_cand[0]; i++)
        if (m_cand[i] >= 1 && (k->op == Q4T_OP_GEMM || m_cand[i] <= 2))
            nm = add_unique(ms, nm, m_cand[i]);
    for (size_t i = 0; i < sizeof n_cand / sizeof n_cand[0]; i++)
        if (n_cand[i] >= 1)
            nn = add_unique(ns, nn, n_cand[i]);
    for (size_t a = 0; a < nm; a++)
        for (size_t b = 0; b < nn; b++)
            for (size_t c = 0; c < sizeof k_cand / sizeof k_cand[0]; c++)
                if (count < max)
                    shapes[count++] = (q4t_shape){ms[a], ns[b], k_cand[c]};
    if (count < max) /* many blocks: long accumulation, the tolerance grows with it */
        shapes[count++] = (q4t_shape){k->op == Q4T_OP_GEMM ? mr + 1 : 1, nr + 3, 4096 + 32};
    return count;
}
