/* gemv_q4_sdot_1x4: GEMV (token generation), AArch64 NEON with dot product (Armv8.2 SDOT).
 *
 * Tile 1x4: one row of X against 4 rows of W per pass, one int32x4 block sum and
 * one float32x4 accumulator. Each 16-byte weight load feeds one SDOT for 4 rows
 * x 4 k (by-element form, x lanes broadcast).
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

#include <arm_neon.h>
#include <string.h>

#include "../kernel.h"

enum { NR = 4, GROUP_BLOCK_BYTES = NR * sizeof(q4t_block_q4_0) };

static size_t qs_offset(size_t r, size_t j)
{
    return (j / 4) * 16 + r * 4 + j % 4; /* chunk j / 4, row r */
}

static size_t packed_w_size(size_t N, size_t K)
{
    return q4t_packed_size_rowgroups(N, K, NR);
}

static void pack_w(const q4t_block_q4_0 *w, size_t N, size_t K, void *dst)
{
    q4t_pack_w_rowgroups(w, N, K, NR, qs_offset, 0x88, dst);
}

static void run(const q4t_run_args *a, size_t m0, size_t m1, size_t n0, size_t n1)
{
    const size_t nb = a->K / Q4T_QK;
    const int8x16_t high4 = vdupq_n_s8((int8_t)0xf0);

    for (size_t n = n0; n < n1; n += NR) {
        const uint8_t *wg = (const uint8_t *)a->w + n / NR * nb * GROUP_BLOCK_BYTES;
        for (size_t m = m0; m < m1; m++) {
            const q4t_block_q8f *x = (const q4t_block_q8f *)a->x + m * nb;
            const uint8_t *p = wg;
            float32x4_t acc = vdupq_n_f32(0.0f);
            for (size_t b = 0; b < nb; b++, p += GROUP_BLOCK_BYTES) {
                const int8x16_t xlo = vld1q_s8(x[b].qs);
                const int8x16_t xhi = vld1q_s8(x[b].qs + 16);
                const int8x16_t v0 = vld1q_s8((const int8_t *)p + 8);
                const int8x16_t v1 = vld1q_s8((const int8_t *)p + 24);
                const int8x16_t v2 = vld1q_s8((const int8_t *)p + 40);
                const int8x16_t v3 = vld1q_s8((const int8_t *)p + 56);
                int32x4_t isum = vdupq_n_s32(0);
                isum = vdotq_laneq_s32(isum, vshlq_n_s8(v0, 4), xlo, 0);
                isum = vdotq_laneq_s32(isum, vandq_s8(v0, high4), xhi, 0);
                isum = vdotq_laneq_s32(isum, vshlq_n_s8(v1, 4), xlo, 1);
                isum = vdotq_laneq_s32(isum, vandq_s8(v1, high4), xhi, 1);
                isum = vdotq_laneq_s32(isum, vshlq_n_s8(v2, 4), xlo, 2);
                isum = vdotq_laneq_s32(isum, vandq_s8(v2, high4), xhi, 2);
                isum = vdotq_laneq_s32(isum, vshlq_n_s8(v3, 4), xlo, 3);
                isum = vdotq_laneq_s32(isum, vandq_s8(v3, high4), xhi, 3);
                const float32x4_t dw = vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16((const uint16_t *)p)));
                acc = vfmaq_f32(acc, vcvtq_f32_s32(isum), vmulq_n_f32(dw, x[b].d * (1.0f / 16)));
            }
            float *y = a->y + m * a->ldy + n;
            if (n + NR <= n1) {
                vst1q_f32(y, acc);
            } else {
                float tail[NR];
                vst1q_f32(tail, acc);
                memcpy(y, tail, (n1 - n) * sizeof(float));
            }
        }
    }
}

const q4t_kernel gemv_q4_sdot_1x4 = {
    .name = "gemv_q4_sdot_1x4",
    .file = __FILE__,
    .op = Q4T_OP_GEMV,
    .isa = Q4T_F_NEON | Q4T_F_SDOT,
    .mr = 1, .nr = NR, .kr = 4,
    .packed_w_size = packed_w_size,
    .pack_w = pack_w,
    .packed_x_size = q4t_packed_size_q8f,
    .pack_x = q4t_pack_x_q8f,
    .run = run,
};
