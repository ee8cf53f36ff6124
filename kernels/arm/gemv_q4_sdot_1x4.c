/* gemv_q4_sdot_1x4: GEMV (token generation), AArch64 NEON with dot product (Armv8.2 SDOT).
 *
 * Tile 1x4: one row of X against 4 rows of W per pass, two int32x4 block sums
 * (low and high nibbles) and one float32x4 accumulator. Each 16-byte weight load
 * feeds two SDOTs for 4 rows x 4 k (by-element form, x lanes broadcast).
 *
 * Packed W: row groups of 4 (N padded to a multiple of 4 with zero rows); per
 * group, per 32-block, 72 bytes:
 *   fp16 d[4]                 scales of rows 0..3
 *   uint8 qs[4][4][4]         chunk c: rows 0..3, each its Q4_0 qs[4c..4c+3]
 * Nibbles are stored XOR 8, i.e. as signed 4-bit q - 8, so that (v << 4) and
 * (v & 0xf0) are 16 * (q - 8) for the low and high elements: the factor 16 is
 * taken out of the scale (exact, a power of two).
 * Packed X: Q8F rows (formats.h).
 * Preconditions: n0 a multiple of 4.
 */
#if !defined(__ARM_FEATURE_DOTPROD)
#error "gemv_q4_sdot_1x4 needs the Armv8.2 dot product extension (-march=armv8.2-a+dotprod)"
#endif

#include "neon_common.h"

enum { NR = 4, KR = 4, CHUNK_BYTES = NR * KR, GROUP_BLOCK_BYTES = NR * sizeof(q4t_block_q4_0) };

static void run(const q4t_run_args *a, size_t m0, size_t m1, size_t n0, size_t n1)
{
    const size_t nb = a->K / Q4T_QK;

    for (size_t n = n0; n < n1; n += NR) {
        const uint8_t *wg = (const uint8_t *)a->w + n / NR * nb * GROUP_BLOCK_BYTES;
        for (size_t m = m0; m < m1; m++) {
            const q4t_block_q8f *x = (const q4t_block_q8f *)a->x + m * nb;
            const uint8_t *p = wg;
            float32x4_t acc = vdupq_n_f32(0.0f);
#pragma GCC unroll 2 /* two blocks in flight: independent SDOT chains for in-order cores */
            for (size_t b = 0; b < nb; b++, p += GROUP_BLOCK_BYTES) {
                const int8x16_t xl = vld1q_s8(x[b].qs), xh = vld1q_s8(x[b].qs + 16);
                const int32x4_t isum =
                    q4t_sdot_chunks4(vdupq_n_s32(0), (const int8_t *)p + NR * sizeof(uint16_t), CHUNK_BYTES, xl, xh);
                acc = q4t_neon_scale_cols4(acc, isum, q4t_neon_scales4(p), x[b].d);
            }
            q4t_neon_store(a->y + m * a->ldy + n, acc, n1 - n);
        }
    }
}

Q4T_VARIANT(gemv_q4_sdot_1x4, GEMV, Q4T_F_NEON | Q4T_F_SDOT, sdot_chunks_g4, q8f, run, .mr = 1, .nr = NR, .kr = KR);
