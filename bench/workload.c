/* Timing workloads: see workload.h. */
#include "workload.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t next_random(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

void q4t_workload_free(q4t_workload *wl)
{
    for (size_t i = 0; wl->w && i < wl->copies; i++)
        free(wl->w[i]);
    free(wl->w);
    free(wl->xf);
    free(wl->x);
    free(wl->y);
    memset(wl, 0, sizeof *wl);
}

int q4t_workload_init(q4t_workload *wl, const q4t_kernel *k, q4t_shape s, size_t span_bytes)
{
    memset(wl, 0, sizeof *wl);
    const size_t nb = s.K / Q4T_QK, wbytes = q4t_kernel_packed_w_size(k, s.N, s.K);
    wl->k = k;
    wl->s = s;
    wl->copies = span_bytes ? span_bytes / wbytes + 1 : 1;
    q4t_block_q4_0 *w = malloc(s.N * nb * sizeof *w);
    wl->xf = malloc(s.M * s.K * sizeof *wl->xf);
    wl->w = calloc(wl->copies, sizeof *wl->w);
    wl->x = q4t_alloc_packed(q4t_kernel_packed_x_size(k, s.M, s.K));
    wl->y = q4t_alloc_packed(s.M * s.N * sizeof(float));
    int ok = w && wl->xf && wl->w && wl->x && wl->y;
    uint64_t seed = 0x2545f4914f6cdd1dULL;
    for (size_t i = 0; ok && i < s.N * nb; i++) { /* random nibbles, scales around 0.01 */
        const uint64_t r = next_random(&seed);
        w[i].d = q4t_fp32_to_fp16(0.005f + (float)(r & 0xff) * 1e-4f);
        for (int j = 0; j < Q4T_QK / 2; j++)
            w[i].qs[j] = (uint8_t)(next_random(&seed) >> 24);
    }
    for (size_t i = 0; ok && i < s.M * s.K; i++)
        wl->xf[i] = (float)(int64_t)(next_random(&seed) >> 40) / (float)(1 << 23) - 1.0f;
    for (size_t i = 0; ok && i < wl->copies; i++) { /* packed once, then copied */
        ok = (wl->w[i] = q4t_alloc_packed(wbytes)) != NULL;
        if (ok && i == 0)
            q4t_kernel_pack_w(k, w, s.N, s.K, wl->w[0]);
        else if (ok)
            memcpy(wl->w[i], wl->w[0], wbytes);
    }
    if (ok)
        q4t_kernel_pack_x(k, wl->xf, s.M, s.K, wl->x);
    free(w);
    if (!ok) {
        q4t_workload_free(wl);
        return -1;
    }
    return 0;
}

void q4t_call_work(const q4t_kernel *k, q4t_shape s, double *ops, double *bytes)
{
    *ops = 2.0 * (double)s.M * (double)s.N * (double)s.K;
    *bytes = (double)q4t_kernel_packed_w_size(k, s.N, s.K) + (double)q4t_kernel_packed_x_size(k, s.M, s.K) + 4.0 * (double)s.M * (double)s.N;
}

q4t_run_args q4t_workload_next(q4t_workload *wl)
{
    const q4t_run_args a = {.w = wl->w[wl->next], .x = wl->x, .y = wl->y, .ldy = wl->s.N,
                            .M = wl->s.M, .N = wl->s.N, .K = wl->s.K};
    wl->next = wl->next + 1 == wl->copies ? 0 : wl->next + 1;
    return a;
}
