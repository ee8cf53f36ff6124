/* gemm_q4_neon_4x4: GEMM (prompt processing), AArch64 NEON without dot product
 * (Armv8.0, e.g. Cortex-A53).
 *
 * Tile 4x4: 4 rows of X against 4 rows of W (columns of Y), one float32x4
 * accumulator per row of X. Per 32-block, the 4 rows of W unpack once (SHL,
 * AND: 32 int8 16 (q - 8) each) and serve all 4 rows of X: SMULL and SMLAL2
 * into int16 pairs, SADALP into int32 (exact: a pair is at most 2 x 128 x 127),
 * ADDP to one int32x4 of the 4 columns per row of X, converted and scaled per
 * block. The W panel of a column group is reused across the M tiles.
 *
 * Packed W: as gemv_q4_neon_1x4: row groups of 4 (N padded to a multiple of 4
 * with zero rows); per group, per 32-block, 72 bytes:
 *   fp16 d[4]          scales of rows 0..3
 *   uint8 qs[4][16]    rows 0..3, each its Q4_0 qs[16], nibbles XOR 8
 * Packed X: Q8F rows (formats.h); a partial M tile repeats its last row and
 * stores only the valid ones.
 * Preconditions: m0 and n0 multiples of 4.
 */
#if !defined(__ARM_NEON)
#error "gemm_q4_neon_4x4 needs AArch64 Advanced SIMD (-march=armv8-a)"
#endif

#include "neon_common.h"

enum { MR = 4, NR = 4, KR = 16, GROUP_BLOCK_BYTES = NR * sizeof(q4t_block_q4_0) };

static void run(const q4t_run_args *a, size_t m0, size_t m1, size_t n0, size_t n1)
{
    const size_t nb = a->K / Q4T_QK;

    for (size_t n = n0; n < n1; n += NR) {
        const uint8_t *wg = (const uint8_t *)a->w + n / NR * nb * GROUP_BLOCK_BYTES;
        for (size_t m = m0; m < m1; m += MR) {
            const size_t rows = m1 - m < MR ? m1 - m : MR;
            const q4t_block_q8f *x[MR];
            for (size_t r = 0; r < MR; r++)
                x[r] = (const q4t_block_q8f *)a->x + (m + (r < rows ? r : rows - 1)) * nb;
            const uint8_t *p = wg;
            float32x4_t acc[MR];
            for (int r = 0; r < MR; r++)
                acc[r] = vdupq_n_f32(0.0f);
            for (size_t b = 0; b < nb; b++, p += GROUP_BLOCK_BYTES) {
                const int8_t *qs = (const int8_t *)p + NR * sizeof(uint16_t);
                int8x16_t wl[NR], wh[NR];
                q4t_neon_unpack_rows4(qs, wl, wh);
                const float32x4_t dw = q4t_neon_scales4(p);
                for (int r = 0; r < MR; r++) {
                    const q4t_block_q8f *xb = &x[r][b];
                    const int32x4_t isum = q4t_neon_block_cols4(wl, wh, vld1q_s8(xb->qs), vld1q_s8(xb->qs + 16));
                    acc[r] = q4t_neon_scale_cols4(acc[r], isum, dw, xb->d);
                }
            }
            for (size_t r = 0; r < MR; r++)
                if (r < rows)
                    q4t_neon_store(a->y + (m + r) * a->ldy + n, acc[r], n1 - n);
        }
    }
}

Q4T_VARIANT(gemm_q4_neon_4x4, GEMM, Q4T_F_NEON, neon_rows_g4, q8f, run, .mr = MR, .nr = NR, .kr = KR);
