/* Every runnable kernel's X packing quantizes exactly as Q8_0 does
 * (q4t_quantize_row_q8_0: the same scale, the same rounding of every value,
 * ties away from zero), however its layout stores the result: multiplied by
 * a W of one-hot rows (row n is 1.0 at column n, Q4_0 d = 1, q = 9 there and
 * 8 elsewhere), Y[m][n] is exactly the dequantized Q8_0 value of X[m][n].
 * X holds the cases a vector quantizer gets wrong: ties (x / d = k + 0.5),
 * near-ties, zeros, blocks below fp16's range, negative maxima, signed
 * zeros, and ordinary random blocks; M from 1 past the largest tile. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cpu.h"
#include "formats.h"
#include "registry.h"

static uint32_t rng;

static float rnd(void) /* uniform in [-1, 1) */
{
    rng = rng * 1103515245u + 12345u;
    return (float)(rng >> 8) / (float)(1u << 23) - 1.0f;
}

/* Block b of a row: one of the hard cases, by b. */
static void fill_block(float *x, size_t b)
{
    switch (b % 8) {
    case 0: /* ties: amax 127 makes d = 1 exactly, so k + 0.5 is a tie */
        for (int i = 0; i < Q4T_QK; i++)
            x[i] = (float)((int)(rnd() * 100.0f)) + (i % 2 ? 0.5f : -0.5f);
        x[b % Q4T_QK] = b % 16 ? 127.0f : -127.0f;
        break;
    case 1: /* near-ties on both sides */
        for (int i = 0; i < Q4T_QK; i++)
            x[i] = nextafterf((float)(i - 16) + 0.5f, i % 2 ? 1e9f : -1e9f);
        x[3] = 127.0f;
        break;
    case 2: /* zeros, signed */
        for (int i = 0; i < Q4T_QK; i++)
            x[i] = i % 2 ? -0.0f : 0.0f;
        break;
    case 3: /* below fp16's range: the scale rounds to zero, or 1/d overflows */
        for (int i = 0; i < Q4T_QK; i++)
            x[i] = rnd() * (b % 16 ? 1e-38f : 1e-9f);
        break;
    case 4: /* large, short of fp16's largest scale */
        for (int i = 0; i < Q4T_QK; i++)
            x[i] = rnd() * 1e6f;
        break;
    default: /* ordinary activations */
        for (int i = 0; i < Q4T_QK; i++)
            x[i] = rnd() * (float)(1 + b % 5);
    }
}

/* One-hot W, N = K rows. */
static void one_hot(q4t_block_q4_0 *w, size_t K)
{
    const size_t nb = K / Q4T_QK;
    for (size_t n = 0; n < K; n++)
        for (size_t b = 0; b < nb; b++) {
            q4t_block_q4_0 *blk = &w[n * nb + b];
            blk->d = 0x3c00; /* 1.0 */
            memset(blk->qs, 0x88, sizeof blk->qs);
            if (n / Q4T_QK == b) {
                const size_t j = n % Q4T_QK;
                blk->qs[j % 16] = j < 16 ? (uint8_t)((blk->qs[j] & 0xf0) | 9) : (uint8_t)((blk->qs[j - 16] & 0x0f) | 0x90);
            }
        }
}

/* Returns the number of elements of Y that differ from the Q8_0 values. */
static size_t check_kernel(const q4t_kernel *k, size_t M, size_t K, const q4t_block_q4_0 *w, const float *x,
                           const float *want)
{
    void *pw = q4t_alloc_packed(q4t_kernel_packed_w_size(k, K, K));
    void *px = q4t_alloc_packed(q4t_kernel_packed_x_size(k, M, K));
    float *y = malloc(M * K * sizeof *y);
    q4t_kernel_pack_w(k, w, K, K, pw);
    q4t_kernel_pack_x(k, x, M, K, px);
    const q4t_run_args a = {.w = pw, .x = px, .y = y, .ldy = K, .M = M, .N = K, .K = K};
    k->run(&a, 0, M, 0, K);
    size_t bad = 0;
    for (size_t i = 0; i < M * K; i++)
        if (memcmp(&y[i], &want[i], sizeof y[i]) && !(y[i] == 0.0f && want[i] == 0.0f)) {
            if (bad++ < 4)
                fprintf(stderr, "%s M=%zu K=%zu: y[%zu][%zu] = %.9g, Q8_0 gives %.9g\n", k->name, M, K, i / K, i % K,
                        y[i], want[i]);
        }
    free(pw), free(px), free(y);
    return bad;
}

int main(void)
{
    q4t_cpu cpu;
    char err[512];
    q4t_cpu_detect(&cpu);
    if (q4t_cpu_mask_env(&cpu, err, sizeof err)) {
        fprintf(stderr, "test_pack_x: %s\n", err);
        return 1;
    }
    static const size_t Ks[] = {32, 256};
    static const size_t Ms[] = {1, 2, 3, 4, 5, 7, 8, 9, 13, 17};
    int kernels = 0;
    for (size_t ki = 0; ki < sizeof Ks / sizeof Ks[0]; ki++) {
        const size_t K = Ks[ki], Mmax = 17, nb = K / Q4T_QK;
        q4t_block_q4_0 *w = malloc(K * nb * sizeof *w);
        float *x = malloc(Mmax * K * sizeof *x), *want = malloc(Mmax * K * sizeof *want);
        q4t_block_q8_0 *q = malloc(nb * sizeof *q);
        one_hot(w, K);
        rng = 11 + (uint32_t)K;
        for (size_t m = 0; m < Mmax; m++)
            for (size_t b = 0; b < nb; b++)
                fill_block(x + m * K + b * Q4T_QK, m * nb + b);
        for (size_t m = 0; m < Mmax; m++) {
            q4t_quantize_row_q8_0(x + m * K, q, K);
            q4t_dequantize_row_q8_0(q, want + m * K, K);
        }
        for (size_t i = 0; i < q4t_kernel_count(); i++) {
            const q4t_kernel *k = q4t_kernel_at(i);
            if (q4t_kernel_missing(k, cpu.features))
                continue;
            kernels += ki == 0;
            for (size_t mi = 0; mi < sizeof Ms / sizeof Ms[0]; mi++) {
                const size_t M = k->op == Q4T_OP_GEMV ? 1 : Ms[mi];
                const size_t bad = check_kernel(k, M, K, w, x, want);
                CHECK(bad == 0, "%s, M=%zu, K=%zu: %zu values are not Q8_0's", k->name, M, K, bad);
                if (k->op == Q4T_OP_GEMV)
                    break;
            }
        }
        free(w), free(x), free(want), free(q);
    }
    printf("X packing of %d runnable kernels checked against Q8_0\n", kernels);
    return check_done("pack_x");
}
