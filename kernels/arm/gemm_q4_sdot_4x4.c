/* gemm_q4_sdot_4x4: GEMM (prompt processing), AArch64 NEON with dot product
 * (Armv8.2 SDOT).
 *
 * Tile 4x4: 4 rows of X against 4 rows of W (columns of Y). Each 16-byte
 * weight load (4 columns x 4 k) unpacks to two vectors (low and high nibbles)
 * and each feeds 4 SDOTs by element, one per row of X (lane r of a 16-byte x
 * load = 4 k of row r). Per 32-block: 8 int32x4 block sums (rows x low/high
 * halves, independent chains), added, converted and scaled by d_w (per column)
 * * d_x (per row) into 4 float32x4 accumulators. The W panel of a column group
 * is reused across the M tiles.
 *
 * Packed W: as gemv_q4_sdot_1x4: row groups of 4 (N padded to a multiple of 4
 * with zero rows); per group, per 32-block, 72 bytes:
 *   fp16 d[4]                 scales of rows 0..3
 *   uint8 qs[4][4][4]         chunk c: rows 0..3, each its Q4_0 qs[4c..4c+3]
 * Nibbles are stored XOR 8 (signed q - 8): (v << 4) and (v & 0xf0) are 16 (q - 8).
 * Packed X: row groups of 4 (M padded to a multiple of 4 with zero rows); per
 * group, per 32-block, 144 bytes (q4t_x4_block, neon_common.h):
 *   fp32 d[4]                 scales of rows 0..3
 *   int8 qs[8][4][4]          k-quad kq: rows 0..3, each q[4kq..4kq+3]
 * Preconditions: m0 and n0 multiples of 4.
 */
#if !defined(__ARM_FEATURE_DOTPROD)
#error "gemm_q4_sdot_4x4 needs the Armv8.2 dot product extension (-march=armv8.2-a+dotprod)"
#endif

#include "neon_common.h"

enum { MR = 4, NR = 4, KR = 4, CHUNK_BYTES = NR * KR, GROUP_BLOCK_BYTES = NR * sizeof(q4t_block_q4_0) };

static void run(const q4t_run_args *a, size_t m0, size_t m1, size_t n0, size_t n1)
{
    const size_t nb = a->K / Q4T_QK;

    for (size_t n = n0; n < n1; n += NR) {
        const uint8_t *wg = (const uint8_t *)a->w + n / NR * nb * GROUP_BLOCK_BYTES;
        for (size_t m = m0; m < m1; m += MR) {
            const q4t_x4_block *xb = (const q4t_x4_block *)a->x + m / MR * nb;
            const uint8_t *p = wg;
            float32x4_t acc[MR];
            for (int r = 0; r < MR; r++)
                acc[r] = vdupq_n_f32(0.0f);
            for (size_t b = 0; b < nb; b++, p += GROUP_BLOCK_BYTES, xb++) {
                const int8_t *qs = (const int8_t *)p + NR * sizeof(uint16_t);
                int32x4_t lo[MR], hi[MR];
                for (int r = 0; r < MR; r++)
                    lo[r] = hi[r] = vdupq_n_s32(0);
                for (int c = 0; c < 4; c++) {
                    const int8x16_t v = vld1q_s8(qs + CHUNK_BYTES * c);
                    q4t_sdot_rows4(lo, q4t_neon_lo(v), vld1q_s8(xb->qs[c][0]));
                    q4t_sdot_rows4(hi, q4t_neon_hi(v), vld1q_s8(xb->qs[4 + c][0]));
                }
                for (int r = 0; r < MR; r++)
                    lo[r] = vaddq_s32(lo[r], hi[r]);
                q4t_neon_scale_rows4(acc, lo, q4t_neon_scales4(p), vld1q_f32(xb->d));
            }
            for (size_t r = 0; r < MR; r++)
                if (m + r < m1)
                    q4t_neon_store(a->y + (m + r) * a->ldy + n, acc[r], n1 - n);
        }
    }
}

Q4T_VARIANT(gemm_q4_sdot_4x4, GEMM, Q4T_F_NEON | Q4T_F_SDOT, sdot_chunks_g4, sdot_x4, run,
            .mr = MR, .nr = NR, .kr = KR);
