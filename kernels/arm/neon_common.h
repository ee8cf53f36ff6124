/* Helpers shared by the NEON (Armv8.0) and NEON SDOT (Armv8.2 dotprod) variants:
 * their packed layouts (declared in layouts_neon.c: W neon_rows_g4,
 * sdot_chunks_g4 and _g8, X sdot_x4; the GEMVs read X as q8f rows), nibble
 * unpacking, scales, and ragged stores.
 *
 * Weights: row groups of nr rows (q4t_pack_w_rowgroups: N padded to a multiple
 * of nr with zero rows; per group and 32-block, fp16 d[nr] then nr x 16 qs
 * bytes), nibbles stored XOR 8 as signed 4-bit q - 8. For a weight byte v,
 * (v << 4) is 16 (q_lo - 8) and (v & 0xf0) is 16 (q_hi - 8): elements j and
 * j + 16 of the block, times 16 (exact; the 1/16 is folded into the scale).
 * Two orders of the qs bytes:
 *   rows:   row r's 16 bytes contiguous (byte j at 16 r + j), for SMULL
 *           (neon_rows_g<nr>);
 *   chunks: chunk c = qs[4c..4c+3] of rows 0..nr-1 in turn (byte j of row r
 *           at 4 nr (j / 4) + 4 r + j % 4): 16 bytes hold 4 rows x 4 k, SDOT
 *           (sdot_chunks_g<nr>).
 *
 * Activations for SDOT GEMM (sdot_x4): row groups of 4 (M padded to a multiple of
 * 4 with zero rows, d = 0); per group and 32-block, q4t_x4_block: fp32 d[4] of
 * rows 0..3, then qs[kq][r][i] = q of row r at k = 4 kq + i, so one 16-byte
 * load holds 4 k of the 4 rows (lane r = row r). Quantized by
 * q4t_neon_quantize_q8f, so the values are exactly the reference's.
 *
 * Also here: q4t_neon_quantize_q8f, the Q8 quantization of one X block that
 * every Arm X layout packs with (layouts_*.c: all compiled with AdvancedSIMD,
 * packing outside streaming mode).
 */
#ifndef Q4T_ARM_NEON_COMMON_H
#define Q4T_ARM_NEON_COMMON_H

#if !defined(__ARM_NEON)
#error "neon_common.h needs AArch64 Advanced SIMD"
#endif

#include <arm_neon.h>
#include <math.h>
#include <string.h>

#include "../kernel.h"

/* 16 (q - 8) of the low (elements 0..15) and high (16..31) nibbles of 16 bytes. */
static inline int8x16_t q4t_neon_lo(int8x16_t v)
{
    return vshlq_n_s8(v, 4);
}

static inline int8x16_t q4t_neon_hi(int8x16_t v)
{
    return vandq_s8(v, vdupq_n_s8((int8_t)0xf0));
}

/* The 4 weight scales at p (fp16), in fp32 (exact). */
static inline float32x4_t q4t_neon_scales4(const void *p)
{
    return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p)));
}

/* Block sums that carry the factor 16 of the unpacked weights, in fp32 divided
 * by 16 (exact): SCVTF with 4 fraction bits, one instruction where the
 * integer form and a multiply by 1/16 would be two. */
static inline float32x4_t q4t_neon_cvt16(int32x4_t isum)
{
    return vcvtq_n_f32_s32(isum, 4);
}

/* Stores the first count (>= 1) lanes of v at y: never past y[count - 1]. */
static inline void q4t_neon_store(float *y, float32x4_t v, size_t count)
{
    if (count >= 4) {
        vst1q_f32(y, v);
    } else {
        float tail[4];
        vst1q_f32(tail, v);
        memcpy(y, tail, count * sizeof(float));
    }
}

/* Unpacks 4 rows of W stored in "rows" order at qs: lo[c] and hi[c] are
 * 16 (q - 8) of row c's elements 0..15 and 16..31. */
static inline void q4t_neon_unpack_rows4(const int8_t *qs, int8x16_t lo[4], int8x16_t hi[4])
{
    for (int c = 0; c < 4; c++) {
        const int8x16_t v = vld1q_s8(qs + 16 * c);
        lo[c] = q4t_neon_lo(v);
        hi[c] = q4t_neon_hi(v);
    }
}

/* The 16 products of w and x, summed in pairs into int16 (SMULL, SMLAL2): exact,
 * as |w| <= 128 and |x| <= 127 make a pair at most 32512 in magnitude. */
static inline int16x8_t q4t_neon_mul16(int8x16_t w, int8x16_t x)
{
    return vmlal_high_s8(vmull_s8(vget_low_s8(w), vget_low_s8(x)), w, x);
}

/* Block sums (times 16) of 4 weight rows against one x block: lane c is
 * 16 sum (q_w - 8) q_x of row c, given each row's unpacked lo and hi halves
 * (SADDLP, SADALP widen the int16 pairs into int32, ADDP reduces). */
static inline int32x4_t q4t_neon_block_cols4(const int8x16_t wl[4], const int8x16_t wh[4], int8x16_t xl,
                                             int8x16_t xh)
{
    int32x4_t s[4];
    for (int c = 0; c < 4; c++)
        s[c] = vpadalq_s16(vpaddlq_s16(q4t_neon_mul16(wl[c], xl)), q4t_neon_mul16(wh[c], xh));
    return vpaddq_s32(vpaddq_s32(s[0], s[1]), vpaddq_s32(s[2], s[3]));
}

/* One 32-block of x as q4t_quantize_row_q8f(x, y, 32) writes it, bit for bit:
 * amax = max |x|, NaNs ignored as there (FCMGT and BSL, its compare and
 * select: FMAX would return a NaN, FMAXNM a signalling one); d = amax / 127;
 * id = 1 / d, 0 where d = 0 or 1 / d overflows; y->d = d rounded to fp16
 * (FCVTN: to nearest even) and widened; q = x * id in fp32 rounded half away
 * from zero (FCVTAS, roundf's rounding; |q| <= 127); y->s the sum of q. */
static inline void q4t_neon_quantize_q8f(const float *x, q4t_block_q8f *y)
{
    float32x4_t v[8], amax = vdupq_n_f32(0.0f);
    for (int i = 0; i < 8; i++) {
        v[i] = vld1q_f32(x + 4 * i);
        const float32x4_t a = vabsq_f32(v[i]);
        amax = vbslq_f32(vcgtq_f32(a, amax), a, amax);
    }
    const float d = vmaxvq_f32(amax) / 127;
    const float inv = d != 0.0f ? 1.0f / d : 0.0f;
    const float id = isinf(inv) ? 0.0f : inv;
    y->d = vgetq_lane_f32(vcvt_f32_f16(vcvt_f16_f32(vdupq_n_f32(d))), 0);
    int32x4_t q[8], sum = vdupq_n_s32(0);
    for (int i = 0; i < 8; i++) {
        q[i] = vcvtaq_s32_f32(vmulq_n_f32(v[i], id));
        sum = vaddq_s32(sum, q[i]);
    }
    y->s = vaddvq_s32(sum);
    for (int h = 0; h < 2; h++) { /* int32 -> int8: each q fits */
        const int16x8_t lo = vmovn_high_s32(vmovn_s32(q[4 * h]), q[4 * h + 1]);
        const int16x8_t hi = vmovn_high_s32(vmovn_s32(q[4 * h + 2]), q[4 * h + 3]);
        vst1q_s8(y->qs + 16 * h, vmovn_high_s16(vmovn_s16(lo), hi));
    }
}

typedef struct {
    float d[4];
    int8_t qs[Q4T_QK / 4][4][4];
} q4t_x4_block;

_Static_assert(sizeof(q4t_x4_block) == 144, "x4 block is 144 bytes");

#if defined(__ARM_FEATURE_DOTPROD)
/* One x block against 4 rows of W in "chunks" order, chunk c at qs + c stride:
 * acc gains 16 x the block sums of the 4 rows (x broadcast 4 k at a time: lane
 * c of xl, elements 0..15, and of xh, elements 16..31), one SDOT chain. */
static inline int32x4_t q4t_sdot_chunks4(int32x4_t acc, const int8_t *qs, size_t stride, int8x16_t xl, int8x16_t xh)
{
    int8x16_t v = vld1q_s8(qs);
    acc = vdotq_laneq_s32(acc, q4t_neon_lo(v), xl, 0);
    acc = vdotq_laneq_s32(acc, q4t_neon_hi(v), xh, 0);
    v = vld1q_s8(qs + stride);
    acc = vdotq_laneq_s32(acc, q4t_neon_lo(v), xl, 1);
    acc = vdotq_laneq_s32(acc, q4t_neon_hi(v), xh, 1);
    v = vld1q_s8(qs + 2 * stride);
    acc = vdotq_laneq_s32(acc, q4t_neon_lo(v), xl, 2);
    acc = vdotq_laneq_s32(acc, q4t_neon_hi(v), xh, 2);
    v = vld1q_s8(qs + 3 * stride);
    acc = vdotq_laneq_s32(acc, q4t_neon_lo(v), xl, 3);
    return vdotq_laneq_s32(acc, q4t_neon_hi(v), xh, 3);
}

/* acc[r] += 4-way dot of w (4 columns x 4 k) with row r's 4 k (lane r of x). */
static inline void q4t_sdot_rows4(int32x4_t acc[4], int8x16_t w, int8x16_t x)
{
    acc[0] = vdotq_laneq_s32(acc[0], w, x, 0);
    acc[1] = vdotq_laneq_s32(acc[1], w, x, 1);
    acc[2] = vdotq_laneq_s32(acc[2], w, x, 2);
    acc[3] = vdotq_laneq_s32(acc[3], w, x, 3);
}
#endif

/* acc[r] += (isum[r] / 16 * dw) * dx[r]: a 4-row x 4-column tile's block sums
 * (times 16), scaled by the columns' weight scales and the rows' activation
 * scales. */
static inline void q4t_neon_scale_rows4(float32x4_t acc[4], const int32x4_t isum[4], float32x4_t dw, float32x4_t dx)
{
    acc[0] = vfmaq_laneq_f32(acc[0], vmulq_f32(q4t_neon_cvt16(isum[0]), dw), dx, 0);
    acc[1] = vfmaq_laneq_f32(acc[1], vmulq_f32(q4t_neon_cvt16(isum[1]), dw), dx, 1);
    acc[2] = vfmaq_laneq_f32(acc[2], vmulq_f32(q4t_neon_cvt16(isum[2]), dw), dx, 2);
    acc[3] = vfmaq_laneq_f32(acc[3], vmulq_f32(q4t_neon_cvt16(isum[3]), dw), dx, 3);
}

/* acc + (isum / 16 * dw) * dx: one x block's sums (times 16) against 4 weight
 * rows with scales dw (q4t_neon_scales4), times the block's activation scale. */
static inline float32x4_t q4t_neon_scale_cols4(float32x4_t acc, int32x4_t isum, float32x4_t dw, float dx)
{
    return vfmaq_n_f32(acc, vmulq_f32(q4t_neon_cvt16(isum), dw), dx);
}

#endif
