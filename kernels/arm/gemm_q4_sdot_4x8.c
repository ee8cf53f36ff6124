/* gemm_q4_sdot_4x8: GEMM (prompt processing), AArch64 NEON with dot product
 * (Armv8.2 SDOT).
 *
 * Tile 4x8: 4 rows of X against 8 rows of W (columns of Y), as two column
 * halves of 4. Each 16-byte weight load (4 columns x 4 k) unpacks to two
 * vectors (low and high nibbles) and each feeds 4 SDOTs by element, one per
 * row of X (lane r of a 16-byte x load = 4 k of row r): each x load serves 8
 * columns, each weight 4 rows. Per 32-block: 8 int32x4 block sums (rows x
 * column halves, independent chains), converted and scaled by d_w (per column)
 * * d_x (per row) into 8 float32x4 accumulators. The W panel of a column group
 * is reused across the M tiles.
 *
 * Packed W: as gemv_q4_sdot_1x8: row groups of 8 (N padded to a multiple of 8
 * with zero rows); per group, per 32-block, 144 bytes:
 *   fp16 d[8]                 scales of rows 0..7
 *   uint8 qs[4][8][4]         chunk c: rows 0..7, each its Q4_0 qs[4c..4c+3]
 * Nibbles are stored XOR 8 (signed q - 8): (v << 4) and (v & 0xf0) are 16 (q - 8).
 * Packed X: as gemm_q4_sdot_4x4: row groups of 4 (M padded to a multiple of 4
 * with zero rows); per group, per 32-block, 144 bytes (q4t_x4_block):
 *   fp32 d[4]                 scales of rows 0..3
 *   int8 qs[8][4][4]          k-quad kq: rows 0..3, each q[4kq..4kq+3]
 * Preconditions: m0 a multiple of 4, n0 a multiple of 8.
 */
#if !defined(__ARM_FEATURE_DOTPROD)
#error "gemm_q4_sdot_4x8 needs the Armv8.2 dot product extension (-march=armv8.2-a+dotprod)"
#endif

#include "neon_common.h"

enum { MR = 4, NR = 8, KR = 4, CHUNK_BYTES = NR * KR, GROUP_BLOCK_BYTES = NR * sizeof(q4t_block_q4_0) };

static void run(const q4t_run_args *a, size_t m0, size_t m1, size_t n0, size_t n1)
{
    const size_t nb = a->K / Q4T_QK;

    for (size_t n = n0; n < n1; n += NR) {
        const uint8_t *wg = (const uint8_t *)a->w + n / NR * nb * GROUP_BLOCK_BYTES;
        for (size_t m = m0; m < m1; m += MR) {
            const q4t_x4_block *xb = (const q4t_x4_block *)a->x + m / MR * nb;
            const uint8_t *p = wg;
            float32x4_t acc0[MR], acc1[MR];
            for (int r = 0; r < MR; r++)
                acc0[r] = acc1[r] = vdupq_n_f32(0.0f);
            for (size_t b = 0; b < nb; b++, p += GROUP_BLOCK_BYTES, xb++) {
                const int8_t *qs = (const int8_t *)p + NR * sizeof(uint16_t);
                int32x4_t s0[MR], s1[MR];
                for (int r = 0; r < MR; r++)
                    s0[r] = s1[r] = vdupq_n_s32(0);
                for (int c = 0; c < 4; c++) {
                    const int8x16_t xl = vld1q_s8(xb->qs[c][0]), xh = vld1q_s8(xb->qs[4 + c][0]);
                    const int8x16_t v0 = vld1q_s8(qs + CHUNK_BYTES * c), v1 = vld1q_s8(qs + CHUNK_BYTES * c + 16);
                    q4t_sdot_rows4(s0, q4t_neon_lo(v0), xl);
                    q4t_sdot_rows4(s1, q4t_neon_lo(v1), xl);
                    q4t_sdot_rows4(s0, q4t_neon_hi(v0), xh);
                    q4t_sdot_rows4(s1, q4t_neon_hi(v1), xh);
                }
                const float32x4_t dx = vld1q_f32(xb->d);
                q4t_neon_scale_rows4(acc0, s0, q4t_neon_scales4(p), dx);
                q4t_neon_scale_rows4(acc1, s1, q4t_neon_scales4(p + 4 * sizeof(uint16_t)), dx);
            }
            for (size_t r = 0; r < MR; r++) {
                if (m + r >= m1)
                    break;
                float *y = a->y + (m + r) * a->ldy + n;
                q4t_neon_store(y, acc0[r], n1 - n);
                if (n1 - n > 4)
                    q4t_neon_store(y + 4, acc1[r], n1 - n - 4);
            }
        }
    }
}

Q4T_VARIANT(gemm_q4_sdot_4x8, GEMM, Q4T_F_NEON | Q4T_F_SDOT, sdot_chunks_g8, sdot_x4, run,
            .mr = MR, .nr = NR, .kr = KR);
