/* gemm_q4_sdot_8x4: GEMM (prompt processing), AArch64 NEON with dot product
 * (Armv8.2 SDOT).
 *
 * Tile 8x4: 8 rows of X (two row groups of 4) against 4 rows of W (columns
 * of Y). Each 16-byte weight load (4 columns x 4 k) unpacks to two vectors
 * (low and high nibbles) and each feeds 8 SDOTs by element, one per row of X
 * (lane r of a 16-byte x load = 4 k of row r of its group): each unpacked
 * weight serves 8 rows, twice as many as in gemm_q4_sdot_4x8, so the nibble
 * unpacking and the weight scales' conversion are paid once per 8 rows. Per
 * 32-block: 8 int32x4 block sums (one per row, independent chains), each
 * converted and multiplied-accumulated (one FMLA) with its row's scales d_w
 * (per column) * d_x (one FMUL by element per row, off the SDOT chains) into
 * 8 float32x4 accumulators. The W panel of a column group is reused across
 * the M tiles.
 *
 * Packed W: as gemv_q4_sdot_1x4 and gemm_q4_sdot_4x4 (sdot_chunks_g4): row
 * groups of 4 (N padded to a multiple of 4 with zero rows); per group, per
 * 32-block, 72 bytes:
 *   fp16 d[4]                 scales of rows 0..3
 *   uint8 qs[4][4][4]         chunk c: rows 0..3, each its Q4_0 qs[4c..4c+3]
 * Nibbles are stored XOR 8 (signed q - 8): (v << 4) and (v & 0xf0) are 16 (q - 8).
 * Packed X: as gemm_q4_sdot_4x4 (sdot_x4): row groups of 4 (M padded to a
 * multiple of 4 with zero rows); per group, per 32-block, 144 bytes
 * (q4t_x4_block, neon_common.h):
 *   fp32 d[4]                 scales of rows 0..3
 *   int8 qs[8][4][4]          k-quad kq: rows 0..3, each q[4kq..4kq+3]
 * A tile reads groups m/4 and m/4 + 1; when the second is past the padded M
 * (at most 4 rows left), it reads the first twice and stores only its rows.
 * Preconditions: m0 a multiple of 8, n0 a multiple of 4.
 */
#if !defined(__ARM_FEATURE_DOTPROD)
#error "gemm_q4_sdot_8x4 needs the Armv8.2 dot product extension (-march=armv8.2-a+dotprod)"
#endif

#include "neon_common.h"

enum { MR = 8, NR = 4, KR = 4, XR = 4, CHUNK_BYTES = NR * KR, GROUP_BLOCK_BYTES = NR * sizeof(q4t_block_q4_0) };

static void run(const q4t_run_args *a, size_t m0, size_t m1, size_t n0, size_t n1)
{
    const size_t nb = a->K / Q4T_QK;

    for (size_t n = n0; n < n1; n += NR) {
        const uint8_t *wg = (const uint8_t *)a->w + n / NR * nb * GROUP_BLOCK_BYTES;
        for (size_t m = m0; m < m1; m += MR) {
            const q4t_x4_block *xa = (const q4t_x4_block *)a->x + m / XR * nb;
            const q4t_x4_block *xb = m + XR < a->M ? xa + nb : xa;
            const uint8_t *p = wg;
            float32x4_t acc0[XR], acc1[XR];
            for (int r = 0; r < XR; r++)
                acc0[r] = acc1[r] = vdupq_n_f32(0.0f);
            for (size_t b = 0; b < nb; b++, p += GROUP_BLOCK_BYTES, xa++, xb++) {
                const int8_t *qs = (const int8_t *)p + NR * sizeof(uint16_t);
                const float32x4_t dw = q4t_neon_scales4(p), dxa = vld1q_f32(xa->d), dxb = vld1q_f32(xb->d);
                const float32x4_t sa[XR] = {vmulq_laneq_f32(dw, dxa, 0), vmulq_laneq_f32(dw, dxa, 1),
                                            vmulq_laneq_f32(dw, dxa, 2), vmulq_laneq_f32(dw, dxa, 3)};
                const float32x4_t sb[XR] = {vmulq_laneq_f32(dw, dxb, 0), vmulq_laneq_f32(dw, dxb, 1),
                                            vmulq_laneq_f32(dw, dxb, 2), vmulq_laneq_f32(dw, dxb, 3)};
                int32x4_t s0[XR], s1[XR];
                for (int r = 0; r < XR; r++)
                    s0[r] = s1[r] = vdupq_n_s32(0);
                for (int c = 0; c < 4; c++) {
                    const int8x16_t v = vld1q_s8(qs + CHUNK_BYTES * c);
                    const int8x16_t lo = q4t_neon_lo(v), hi = q4t_neon_hi(v);
                    q4t_sdot_rows4(s0, lo, vld1q_s8(xa->qs[c][0]));
                    q4t_sdot_rows4(s1, lo, vld1q_s8(xb->qs[c][0]));
                    q4t_sdot_rows4(s0, hi, vld1q_s8(xa->qs[4 + c][0]));
                    q4t_sdot_rows4(s1, hi, vld1q_s8(xb->qs[4 + c][0]));
                }
                for (int r = 0; r < XR; r++) {
                    acc0[r] = vfmaq_f32(acc0[r], q4t_neon_cvt16(s0[r]), sa[r]);
                    acc1[r] = vfmaq_f32(acc1[r], q4t_neon_cvt16(s1[r]), sb[r]);
                }
            }
            for (size_t r = 0; r < MR; r++) {
                if (m + r >= m1)
                    break;
                q4t_neon_store(a->y + (m + r) * a->ldy + n, r < XR ? acc0[r] : acc1[r - XR], n1 - n);
            }
        }
    }
}

Q4T_VARIANT(gemm_q4_sdot_8x4, GEMM, Q4T_F_NEON | Q4T_F_SDOT, sdot_chunks_g4, sdot_x4, run,
            .mr = MR, .nr = NR, .kr = KR);
