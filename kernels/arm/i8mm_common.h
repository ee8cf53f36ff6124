/* i8mm_common.h: the packings and the register tile shared by the GEMM
 * variants gemm_q4_i8mm_<MR>x<NR> (Armv8.6 I8MM, SMMLA). Each variant's file
 * is one I8MM_VARIANT line: its tile sizes and its layouts, declared in
 * layouts_i8mm.c (W q4t_w_i8mm_g<NR>, X q4t_x_i8mm_x<MR>n<NR>).
 *
 * SMMLA vd.4s, vn.16b, vm.16b: vd += vn . vm^T, vd a 2x2 int32 tile (row-major),
 * vn two rows of 8 int8 (bytes 0..7 and 8..15), vm two columns of 8 int8. Here
 * vn is a pair of rows of X and vm a pair of rows of W, 8 k each, so a 2x2 tile
 * holds Y[m][n], Y[m][n+1], Y[m+1][n], Y[m+1][n+1]; one 32-block is 4 SMMLA
 * (k groups g = 0..3, k 8g .. 8g+7) per 2x2 tile.
 *
 * The weights enter SMMLA as their Q4_0 q (0..15), not q - 8:
 * sum (q - 8) x = sum q x - 8 sum x, and -8 sum x, a property of X alone, is
 * stored with X and loaded as the start of each 2x2 block sum, where a zero
 * would cost a vector instruction. Unpacking q is one AND (low nibbles) and
 * one shift (high nibbles) per 16 bytes.
 *
 * Packed W (i8mm_g<NR>): N padded to a multiple of NR with zero rows (d = 0,
 * q = 8); per group of NR rows, per 32-block, per pair p (rows 2p, 2p+1), 48
 * bytes:
 *   float sw[4]                  d_2p, d_2p+1, d_2p, d_2p+1 (a 2x2 tile of
 *                                scales, fp16 d widened to fp32: exact)
 *   uint8 qs[2][2][8]            half h, row i of the pair: its Q4_0
 *                                qs[8h .. 8h+7], as stored in Q4_0
 * The 16 bytes of half h are the SMMLA operands of k group h (masked with
 * 0x0f: the low nibbles) and k group h+2 (shifted right by 4: the high ones).
 * Packed X (i8mm_x<MR>n<NR>): M padded to a multiple of MR with zero rows (d =
 * 0, q = 0); rows quantized by q4t_neon_quantize_q8f, then per group of MR
 * rows, per 32-block, per pair p (rows 2p, 2p+1) of the group,
 * 16 + 8 NR + 64 bytes:
 *   float sx[4]                  d_2p, d_2p, d_2p+1, d_2p+1 (a 2x2 tile)
 *   int32 c[NR/2][4]             -8 s_2p, -8 s_2p, -8 s_2p+1, -8 s_2p+1 (s the
 *                                row's sum of q), once per 2x2 tile of the
 *                                kernel's NR columns: each is loaded as a
 *                                block sum's start, which SMMLA overwrites
 *   int8 qs[4][2][8]             k group g, row i of the pair: its qs[8g .. 8g+7]
 *
 * Per block and 2x2 tile: the exact int32 block sum sum (q_w - 8) q_x (c and
 * 4 SMMLA), converted to fp32, multiplied by the 2x2 tile of scales
 * sx * sw (d_x d_w: the reference's fp32 product) and accumulated in fp32 in the 2x2 layout. After the last block the tiles are
 * de-interleaved into rows (zip of their 64-bit halves).
 * Registers per block: MR*NR/4 fp32 accumulators; the 4 operands per pair of
 * the shorter side (W when MR >= NR) held; the pairs of the other side
 * streamed past them, one k group at a time, each 2x2 int32 sum converted as
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
    I8MM_KG_BYTES = 16,                                       /* one operand: 2 rows x 8 k */
    I8MM_TILE_BYTES = 4 * sizeof(float),                      /* one 2x2 tile of fp32 or int32 */
    I8MM_W_PAIR_BYTES = I8MM_TILE_BYTES + 2 * I8MM_KG_BYTES,  /* one pair of W rows, one block */
};

/* Bytes of one pair of X rows, one block, for a kernel of nr columns. */
static inline size_t i8mm_x_pair_bytes(size_t nr)
{
    return I8MM_TILE_BYTES * (1 + nr / 2) + 2 * Q4T_QK;
}

/* The SMMLA operand of k group g of X pair i of a group's block. */
static inline int8x16_t i8mm_x_op(const uint8_t *x, size_t nr, size_t i, size_t g)
{
    return vld1q_s8((const int8_t *)(x + i * i8mm_x_pair_bytes(nr) + I8MM_TILE_BYTES * (1 + nr / 2)) +
                    g * I8MM_KG_BYTES);
}

/* Scales of X pair i as a 2x2 tile: d_2i, d_2i, d_2i+1, d_2i+1. */
static inline float32x4_t i8mm_x_scales(const uint8_t *x, size_t nr, size_t i)
{
    return vld1q_f32((const float *)(x + i * i8mm_x_pair_bytes(nr)));
}

/* The start of the block sum of the 2x2 tile of X pair i and W pair j: -8 sum x. */
static inline int32x4_t i8mm_x_start(const uint8_t *x, size_t nr, size_t i, size_t j)
{
    return vld1q_s32((const int32_t *)(x + i * i8mm_x_pair_bytes(nr) + I8MM_TILE_BYTES * (1 + j)));
}

/* The 4 SMMLA operands (k groups 0..3) of W pair j of a group's block: q of
 * the two halves' low then high nibbles. */
static inline void i8mm_w_ops(const uint8_t *w, size_t j, int8x16_t op[4])
{
    const uint8_t *qs = w + j * I8MM_W_PAIR_BYTES + I8MM_TILE_BYTES;
    for (size_t h = 0; h < 2; h++) {
        const uint8x16_t v = vld1q_u8(qs + h * I8MM_KG_BYTES);
        op[h] = vreinterpretq_s8_u8(vandq_u8(v, vdupq_n_u8(0x0f)));
        op[h + 2] = vreinterpretq_s8_u8(vshrq_n_u8(v, 4));
    }
}

/* Scales of W pair j as a 2x2 tile: 2 d_2j, 2 d_2j+1, 2 d_2j, 2 d_2j+1. */
static inline float32x4_t i8mm_w_scales(const uint8_t *w, size_t j)
{
    return vld1q_f32((const float *)(w + j * I8MM_W_PAIR_BYTES));
}

/* acc plus one block of one 2x2 tile: its exact int32 block sum isum (its
 * SMMLAs done), converted to fp32, times the 2x2 scales sx * sw. */
static inline float32x4_t i8mm_scale(float32x4_t acc, int32x4_t isum, float32x4_t sx, float32x4_t sw)
{
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

    for (size_t b = 0; b < nb; b++, x += mr / 2 * i8mm_x_pair_bytes(nr), w += nr / 2 * I8MM_W_PAIR_BYTES) {
        if (mr >= nr) { /* W held, X pairs streamed, each k group against every W pair */
            int8x16_t wop[I8MM_NR_MAX / 2][4];
            float32x4_t sw[I8MM_NR_MAX / 2];
#pragma GCC unroll 4
            for (size_t j = 0; j < nr / 2; j++) {
                i8mm_w_ops(w, j, wop[j]);
                sw[j] = i8mm_w_scales(w, j);
            }
#pragma GCC unroll 4
            for (size_t i = 0; i < mr / 2; i++) {
                const float32x4_t sx = i8mm_x_scales(x, nr, i);
                int32x4_t isum[I8MM_NR_MAX / 2];
#pragma GCC unroll 4
                for (size_t j = 0; j < nr / 2; j++)
                    isum[j] = i8mm_x_start(x, nr, i, j);
#pragma GCC unroll 4
                for (size_t g = 0; g < 4; g++) {
                    const int8x16_t xop = i8mm_x_op(x, nr, i, g);
#pragma GCC unroll 4
                    for (size_t j = 0; j < nr / 2; j++)
                        isum[j] = vmmlaq_s32(isum[j], xop, wop[j][g]);
                }
#pragma GCC unroll 4
                for (size_t j = 0; j < nr / 2; j++)
                    acc[i][j] = i8mm_scale(acc[i][j], isum[j], sx, sw[j]);
            }
        } else { /* X held, W pairs streamed, each k group against every X pair */
            int8x16_t xop[I8MM_MR_MAX / 2][4];
            float32x4_t sx[I8MM_MR_MAX / 2];
#pragma GCC unroll 4
            for (size_t i = 0; i < mr / 2; i++) {
#pragma GCC unroll 4
                for (size_t g = 0; g < 4; g++)
                    xop[i][g] = i8mm_x_op(x, nr, i, g);
                sx[i] = i8mm_x_scales(x, nr, i);
            }
#pragma GCC unroll 4
            for (size_t j = 0; j < nr / 2; j++) {
                int8x16_t wop[4];
                i8mm_w_ops(w, j, wop);
                int32x4_t isum[I8MM_MR_MAX / 2];
#pragma GCC unroll 4
                for (size_t i = 0; i < mr / 2; i++)
                    isum[i] = i8mm_x_start(x, nr, i, j);
#pragma GCC unroll 4
                for (size_t g = 0; g < 4; g++)
#pragma GCC unroll 4
                    for (size_t i = 0; i < mr / 2; i++)
                        isum[i] = vmmlaq_s32(isum[i], xop[i][g], wop[g]);
                const float32x4_t sw = i8mm_w_scales(w, j);
#pragma GCC unroll 4
                for (size_t i = 0; i < mr / 2; i++)
                    acc[i][j] = i8mm_scale(acc[i][j], isum[i], sx[i], sw);
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
            vst1q_f32(out + 2 * i * ldo + 4 * q, vreinterpretq_f32_f64(vzip1q_f64(t0, t1)));
            vst1q_f32(out + (2 * i + 1) * ldo + 4 * q, vreinterpretq_f32_f64(vzip2q_f64(t0, t1)));
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
        const uint8_t *wg = (const uint8_t *)a->w + n / nr * nb * nr / 2 * I8MM_W_PAIR_BYTES;
        for (size_t m = m0; m < m1; m += mr) {
            const uint8_t *xg = (const uint8_t *)a->x + m / mr * nb * mr / 2 * i8mm_x_pair_bytes(nr);
            i8mm_tile(xg, wg, nb, mr, nr, a->y + m * a->ldy + n, a->ldy, m1 - m < mr ? m1 - m : mr,
                      n1 - n < nr ? n1 - n : nr);
        }
    }
}

/* The variant NAME (its file stem) with an MR x NR tile (MR even, NR a
 * multiple of 4, both at most 8), W layout q4t_w_<W> (i8mm_g<NR>) and X
 * layout q4t_x_<X> (i8mm_x<MR>n<NR>): its run() is i8mm_run inlined with the
 * constants. */
#define I8MM_VARIANT(NAME, MR, NR, W, X)                                                                               \
    static void run(const q4t_run_args *a, size_t m0, size_t m1, size_t n0, size_t n1)                                 \
    {                                                                                                                  \
        i8mm_run(a, m0, m1, n0, n1, MR, NR);                                                                           \
    }                                                                                                                  \
    Q4T_VARIANT(NAME, GEMM, Q4T_F_NEON | Q4T_F_I8MM, W, X, run, .mr = MR, .nr = NR, .kr = 8 /* k per SMMLA */)

#endif
