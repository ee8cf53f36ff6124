/* gemv_q4_sdot_1x8: GEMV (token generation), AArch64 NEON with dot product
 * (Armv8.2 SDOT).
 *
 * Tile 1x8: one row of X against 8 rows of W per pass, as two halves of 4 rows.
 * Each 16-byte weight load (4 rows x 4 k) feeds two SDOTs by element (x lanes
 * broadcast), one for the low and one for the high nibbles; four independent
 * int32x4 block sums (rows 0..3 and 4..7, elements 0..15 and 16..31) keep the
 * SDOT pipes busy, then two float32x4 accumulators take the scaled block sums.
 *
 * Packed W: row groups of 8 (N padded to a multiple of 8 with zero rows); per
 * group, per 32-block, 144 bytes:
 *   fp16 d[8]                 scales of rows 0..7
 *   uint8 qs[4][8][4]         chunk c: rows 0..7, each its Q4_0 qs[4c..4c+3]
 * Nibbles are stored XOR 8 (signed q - 8): (v << 4) and (v & 0xf0) are 16 (q - 8).
 * Packed X: Q8F rows (formats.h).
 * Preconditions: n0 a multiple of 8.
 */
#if !defined(__ARM_FEATURE_DOTPROD)
#error "gemv_q4_sdot_1x8 needs the Armv8.2 dot product extension (-march=armv8.2-a+dotprod)"
#endif

#include "neon_common.h"

enum { NR = 8, KR = 4, CHUNK_BYTES = NR * KR, GROUP_BLOCK_BYTES = NR * sizeof(q4t_block_q4_0) };

static void run(const q4t_run_args *a, size_t m0, size_t m1, size_t n0, size_t n1)
{
    const size_t nb = a->K / Q4T_QK;

    for (size_t n = n0; n < n1; n += NR) {
        const uint8_t *wg = (const uint8_t *)a->w + n / NR * nb * GROUP_BLOCK_BYTES;
        for (size_t m = m0; m < m1; m++) {
            const q4t_block_q8f *x = (const q4t_block_q8f *)a->x + m * nb;
            const uint8_t *p = wg;
            float32x4_t acc0 = vdupq_n_f32(0.0f), acc1 = vdupq_n_f32(0.0f);
#pragma GCC unroll 2 /* two blocks in flight: independent SDOT chains for in-order cores */
            for (size_t b = 0; b < nb; b++, p += GROUP_BLOCK_BYTES) {
                const int8_t *qs = (const int8_t *)p + NR * sizeof(uint16_t);
                const int8x16_t xl = vld1q_s8(x[b].qs), xh = vld1q_s8(x[b].qs + 16);
                const int32x4_t isum0 = q4t_sdot_chunks4(vdupq_n_s32(0), qs, CHUNK_BYTES, xl, xh);
                const int32x4_t isum1 = q4t_sdot_chunks4(vdupq_n_s32(0), qs + 16, CHUNK_BYTES, xl, xh);
                acc0 = q4t_neon_scale_cols4(acc0, isum0, q4t_neon_scales4(p), x[b].d);
                acc1 = q4t_neon_scale_cols4(acc1, isum1, q4t_neon_scales4(p + 4 * sizeof(uint16_t)), x[b].d);
            }
            float *y = a->y + m * a->ldy + n;
            q4t_neon_store(y, acc0, n1 - n);
            if (n1 - n > 4)
                q4t_neon_store(y + 4, acc1, n1 - n - 4);
        }
    }
}

Q4T_VARIANT(gemv_q4_sdot_1x8, GEMV, Q4T_F_NEON | Q4T_F_SDOT, sdot_chunks_g8, q8f, run, .mr = 1, .nr = NR, .kr = KR);
