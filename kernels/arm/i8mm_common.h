/* i8mm_common.h: the packings and the register tile shared by the GEMM
 * variants gemm_q4_i8mm_<MR>x<NR> (Armv8.6 I8MM, SMMLA). Each variant's file
 * is one I8MM_VARIANT line: its tile sizes and its layouts, declared in
 * layouts_i8mm.c (W q4t_w_i8mm_g<NR>, X q4t_x_i8mm_x<MR>).
 *
 * SMMLA vd.4s, vn.16b, vm.16b: vd += vn . vm^T, vd a 2x2 int32 tile (row-major),
 * vn two rows of 8 int8 (bytes 0..7 and 8..15), vm two columns of 8 int8. Here
 * vn is a pair of rows of X and vm a pair of rows of W, 8 k each, so a 2x2 tile
 * holds Y[m][n], Y[m][n+1], Y[m+1][n], Y[m+1][n+1]; one 32-block is 4 SMMLA
 * (k groups g = 0..3, k 8g .. 8g+7) per 2x2 tile.
 *
 * Packed W (i8mm_g<NR>: q4t_pack_w_rowgroups with nr = NR): N padded to a multiple of NR
 * with zero rows (d = 0, q = 8); per group of NR rows, per 32-block,
 * 18 * NR bytes:
 *   fp16 d[NR]                   scales of rows 0..NR-1
 *   uint8 qs[NR/2][2][2][8]      pair p (rows 2p, 2p+1), half h, row i of the
 *                                pair: its Q4_0 qs[8h .. 8h+7]
 * stored XOR 0x88, i.e. each nibble as signed 4-bit q - 8. The 16 bytes of
 * (p, h) are an SMMLA operand twice over: shifted left by 4 they are
 * 16 (q - 8) of k 8h .. 8h+7 of both rows (k group h), masked with 0xf0 the
 * same of k 16+8h .. 16+8h+7 (k group h+2). The factor 16 is removed once, on
 * the final sums (exact: a power of two).
 * Packed X (i8mm_x<MR>): M padded to a multiple of MR with zero rows (d = 0, q = 0); rows
 * quantized by q4t_quantize_row_q8f, then per group of MR rows, per 32-block,
 * per pair p (rows 2p, 2p+1) of the group, 80 bytes:
 *   float d[4]                   d_2p, d_2p, d_2p+1, d_2p+1 (a 2x2 tile)
 *   int8 qs[4][2][8]             k group g, row i of the pair: its qs[8g .. 8g+7]
 *
 * Per block and 2x2 tile: the exact int32 block sum (4 SMMLA), converted to
 * fp32 and multiplied by the 2x2 tile of scales d_x d_w (one fp32 product per
 * element, as in the reference), accumulated in fp32 in the 2x2 layout. After
 * the last block the tiles are de-interleaved into rows (zip of their 64-bit
 * halves) and scaled by 1/16.
 * Registers per block: MR*NR/4 fp32 accumulators; the 4 operands per pair of
 * the shorter side (W when MR >= NR) held; the pairs of the other side
 * streamed past them, 4 operands at a time, each 2x2 int32 sum converted as
 * soon as it is complete. MR even, NR a multiple of 4, MR <= 8, NR <= 8.
 */
#ifndef Q4T_I8MM_COMMON_H
#define Q4T_I8MM_COMMON_H

#if !defined(__ARM_FEATURE_MATMUL_INT8)
#error "i8mm_common.h needs the Armv8.6 int8 matrix multiply extension (-march=armv8.2-a+i8mm)"
#endif

#include <arm_neon.h>
#include <string.h>

#include "../kernel.h"

enum {
    I8MM_MR_MAX = 8,
    I8MM_NR_MAX = 8,
    I8MM_KG_BYTES = 16,                                      /* one operand: 2 rows x 8 k */
    I8MM_X_PAIR_BYTES = 4 * sizeof(float) + 2 * Q4T_QK,      /* one pair of X rows, one block */
    I8MM_W_ROW_BYTES = sizeof(q4t_block_q4_0),               /* one row of W, one block */
};

/* The 4 SMMLA operands (k groups 0..3) of X pair i of a group's block. */
static inline void i8mm_x_ops(const uint8_t *x, size_t i, int8x16_t op[4])
{
    const int8_t *qs = (const int8_t *)(x + i * I8MM_X_PAIR_BYTES + 4 * sizeof(float));
    for (size_t g = 0; g < 4; g++)
        op[g] = vld1q_s8(qs + g * I8MM_KG_BYTES);
}

/* Scales of X pair i as a 2x2 tile: d_2i, d_2i, d_2i+1, d_2i+1. */
static inline float32x4_t i8mm_x_scales(const uint8_t *x, size_t i)
{
    return vld1q_f32((const float *)(x + i * I8MM_X_PAIR_BYTES));
}

/* The 4 SMMLA operands (k groups 0..3) of W pair j of a group's block (nr
 * rows): 16 (q - 8), from the two halves' low then high nibbles. */
static inline void i8mm_w_ops(const uint8_t *w, size_t nr, size_t j, int8x16_t op[4])
{
    const int8_t *qs = (const int8_t *)(w + nr * sizeof(uint16_t) + j * 2 * I8MM_KG_BYTES);
    const int8x16_t high4 = vdupq_n_s8((int8_t)0xf0);
    for (size_t h = 0; h < 2; h++) {
        const int8x16_t v = vld1q_s8(qs + h * I8MM_KG_BYTES);
        op[h] = vshlq_n_s8(v, 4);
        op[h + 2] = vandq_s8(v, high4);
    }
}

/* Scales of W pair j as a 2x2 tile: d_2j, d_2j+1, d_2j, d_2j+1. */
static inline float32x4_t i8mm_w_scales(const uint8_t *w, size_t j)
{
    uint32_t d2;
    memcpy(&d2, w + j * 2 * sizeof(uint16_t), sizeof d2);
    return vcvt_f32_f16(vreinterpret_f16_u32(vdup_n_u32(d2)));
}

/* One block of one 2x2 tile: the exact int32 block sums (4 SMMLA), converted
 * and multiplied by the 2x2 scales sx * sw, added to acc. */
static inline float32x4_t i8mm_block(float32x4_t acc, const int8x16_t xop[4], const int8x16_t wop[4],
                                     float32x4_t sx, float32x4_t sw)
{
    int32x4_t isum = vdupq_n_s32(0);
    for (size_t g = 0; g < 4; g++)
        isum = vmmlaq_s32(isum, xop[g], wop[g]);
    return vfmaq_f32(acc, vcvtq_f32_s32(isum), vmulq_f32(sx, sw));
}

/* Y[m][n] for the mr x nr tile of X group x and W group w (nb blocks each),
 * written to y (row stride ldy): all of it, or its first rows x cols. mr and
 * nr are constants of the caller: inlined with them, the loops unroll and the
 * arrays of vectors become registers. */
static inline __attribute__((always_inline)) void i8mm_tile(const uint8_t *x, const uint8_t *w, size_t nb,
                                                            const size_t mr, const size_t nr, float *y, size_t ldy,
                                                            size_t rows, size_t cols)
{
    float32x4_t acc[I8MM_MR_MAX / 2][I8MM_NR_MAX / 2];
#pragma GCC unroll 4
    for (size_t i = 0; i < mr / 2; i++)
#pragma GCC unroll 4
        for (size_t j = 0; j < nr / 2; j++)
            acc[i][j] = vdupq_n_f32(0.0f);

    for (size_t b = 0; b < nb; b++, x += mr / 2 * I8MM_X_PAIR_BYTES, w += nr * I8MM_W_ROW_BYTES) {
        if (mr >= nr) { /* W held, X pairs streamed */
            int8x16_t wop[I8MM_NR_MAX / 2][4];
            float32x4_t sw[I8MM_NR_MAX / 2];
#pragma GCC unroll 4
            for (size_t j = 0; j < nr / 2; j++) {
                i8mm_w_ops(w, nr, j, wop[j]);
                sw[j] = i8mm_w_scales(w, j);
            }
#pragma GCC unroll 4
            for (size_t i = 0; i < mr / 2; i++) {
                int8x16_t xop[4];
                i8mm_x_ops(x, i, xop);
                const float32x4_t sx = i8mm_x_scales(x, i);
#pragma GCC unroll 4
                for (size_t j = 0; j < nr / 2; j++)
                    acc[i][j] = i8mm_block(acc[i][j], xop, wop[j], sx, sw[j]);
            }
        } else { /* X held, W pairs streamed */
            int8x16_t xop[I8MM_MR_MAX / 2][4];
            float32x4_t sx[I8MM_MR_MAX / 2];
#pragma GCC unroll 4
            for (size_t i = 0; i < mr / 2; i++) {
                i8mm_x_ops(x, i, xop[i]);
                sx[i] = i8mm_x_scales(x, i);
            }
#pragma GCC unroll 4
            for (size_t j = 0; j < nr / 2; j++) {
                int8x16_t wop[4];
                i8mm_w_ops(w, nr, j, wop);
                const float32x4_t sw = i8mm_w_scales(w, j);
#pragma GCC unroll 4
                for (size_t i = 0; i < mr / 2; i++)
                    acc[i][j] = i8mm_block(acc[i][j], xop[i], wop, sx[i], sw);
            }
        }
    }

    float tile[I8MM_MR_MAX][I8MM_NR_MAX];
    const int whole = rows == mr && cols == nr;
    float *out = whole ? y : &tile[0][0];
    const size_t ldo = whole ? ldy : I8MM_NR_MAX;
#pragma GCC unroll 4
    for (size_t i = 0; i < mr / 2; i++) {
#pragma GCC unroll 2
        for (size_t q = 0; q < nr / 4; q++) { /* 2x2 tiles 2q, 2q+1 -> rows 2i, 2i+1, columns 4q .. 4q+3 */
            const float64x2_t t0 = vreinterpretq_f64_f32(acc[i][2 * q]);
            const float64x2_t t1 = vreinterpretq_f64_f32(acc[i][2 * q + 1]);
            vst1q_f32(out + 2 * i * ldo + 4 * q, vmulq_n_f32(vreinterpretq_f32_f64(vzip1q_f64(t0, t1)), 1.0f / 16));
            vst1q_f32(out + (2 * i + 1) * ldo + 4 * q,
                      vmulq_n_f32(vreinterpretq_f32_f64(vzip2q_f64(t0, t1)), 1.0f / 16));
        }
    }
    if (!whole)
        for (size_t r = 0; r < rows; r++)
            memcpy(y + r * ldy, tile[r], cols * sizeof(float));
}

/* The rectangle [m0, m1) x [n0, n1) of Y, tile by tile: columns outermost, so
 * one panel of W (NR rows) is reused by every tile of X. */
static inline __attribute__((always_inline)) void i8mm_run(const q4t_run_args *a, size_t m0, size_t m1, size_t n0,
                                                           size_t n1, const size_t mr, const size_t nr)
{
    const size_t nb = a->K / Q4T_QK;
    for (size_t n = n0; n < n1; n += nr) {
        const uint8_t *wg = (const uint8_t *)a->w + n / nr * nb * nr * I8MM_W_ROW_BYTES;
        for (size_t m = m0; m < m1; m += mr) {
            const uint8_t *xg = (const uint8_t *)a->x + m / mr * nb * mr / 2 * I8MM_X_PAIR_BYTES;
            i8mm_tile(xg, wg, nb, mr, nr, a->y + m * a->ldy + n, a->ldy, m1 - m < mr ? m1 - m : mr,
                      n1 - n < nr ? n1 - n : nr);
        }
    }
}

/* The variant NAME (its file stem) with an MR x NR tile (MR even, NR a
 * multiple of 4, both at most 8), W layout q4t_w_<W> and X layout q4t_x_<X>:
 * its run() is i8mm_run inlined with the constants. */
#define I8MM_VARIANT(NAME, MR, NR, W, X)                                                                               \
    static void run(const q4t_run_args *a, size_t m0, size_t m1, size_t n0, size_t n1)                                 \
    {                                                                                                                  \
        i8mm_run(a, m0, m1, n0, n1, MR, NR);                                                                           \
    }                                                                                                                  \
    Q4T_VARIANT(NAME, GEMM, Q4T_F_NEON | Q4T_F_I8MM, W, X, run, .mr = MR, .nr = NR, .kr = 8 /* k per SMMLA */)

#endif
