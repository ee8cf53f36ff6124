/* gemv_q4_neon_1x4: GEMV (token generation), AArch64 NEON without dot product
 * (Armv8.0, e.g. Cortex-A53).
 *
 * Tile 1x4: one row of X against 4 rows of W per pass. Per 32-block and row of
 * W, 16 bytes of nibbles unpack (SHL, AND) to 32 int8 16 (q - 8); SMULL and
 * SMLAL2 multiply them by x into int16 pairs, SADALP adds the pairs into int32
 * (exact: a pair is at most 2 x 128 x 127). ADDP reduces the 4 rows' sums to
 * one int32x4, converted and scaled per block into one float32x4 accumulator.
 *
 * Packed W: row groups of 4 (N padded to a multiple of 4 with zero rows); per
 * group, per 32-block, 72 bytes:
 *   fp16 d[4]          scales of rows 0..3
 *   uint8 qs[4][16]    rows 0..3, each its Q4_0 qs[16], nibbles XOR 8
 * Packed X: Q8F rows (formats.h).
 * Preconditions: n0 a multiple of 4.
 */
#if !defined(__ARM_NEON)
#error "gemv_q4_neon_1x4 needs AArch64 Advanced SIMD (-march=armv8-a)"
#endif

#include "neon_common.h"

enum { NR = 4, KR = 16, GROUP_BLOCK_BYTES = NR * sizeof(q4t_block_q4_0) };

static void run(const q4t_run_args *a, size_t m0, size_t m1, size_t n0, size_t n1)
{
    const size_t nb = a->K / Q4T_QK;

    for (size_t n = n0; n < n1; n += NR) {
        const uint8_t *wg = (const uint8_t *)a->w + n / NR * nb * GROUP_BLOCK_BYTES;
        for (size_t m = m0; m < m1; m++) {
            const q4t_block_q8f *x = (const q4t_block_q8f *)a->x + m * nb;
            const uint8_t *p = wg;
            float32x4_t acc = vdupq_n_f32(0.0f);
            for (size_t b = 0; b < nb; b++, p += GROUP_BLOCK_BYTES) {
                const int8_t *qs = (const int8_t *)p + NR * sizeof(uint16_t);
                int8x16_t wl[NR], wh[NR];
                q4t_neon_unpack_rows4(qs, wl, wh);
                const int32x4_t isum = q4t_neon_block_cols4(wl, wh, vld1q_s8(x[b].qs), vld1q_s8(x[b].qs + 16));
                acc = q4t_neon_scale_cols4(acc, isum, q4t_neon_scales4(p), x[b].d);
            }
            q4t_neon_store(a->y + m * a->ldy + n, acc, n1 - n);
        }
    }
}

Q4T_VARIANT(gemv_q4_neon_1x4, GEMV, Q4T_F_NEON, neon_rows_g4, q8f, run, .mr = 1, .nr = NR, .kr = KR);
