/* Helpers shared by the NEON (Armv8.0) variants:
 * their packed layouts, nibble unpacking, scales, and ragged stores.
 *
 * Weights: row groups of nr rows (q4t_pack_w_rowgroups: N padded to a multiple
 * of nr with zero rows; per group and 32-block, fp16 d[nr] then nr x 16 qs
 * bytes), nibbles stored XOR 8 as signed 4-bit q - 8. For a weight byte v,
 * (v << 4) is 16 (q_lo - 8) and (v & 0xf0) is 16 (q_hi - 8): elements j and
 * j + 16 of the block, times 16 (exact; the 1/16 is folded into the scale).
 * qs order: row r's 16 bytes contiguous (byte j at 16 r + j), for SMULL.
 */
#ifndef Q4T_ARM_NEON_COMMON_H
#define Q4T_ARM_NEON_COMMON_H

#if !defined(__ARM_NEON)
#error "neon_common.h needs AArch64 Advanced SIMD"
#endif

#include <arm_neon.h>
#include <string.h>

#include "../kernel.h"

static inline size_t q4t_neon_qs_rows(size_t r, size_t j)
{
    return 16 * r + j;
}

/* 16 (q - 8) of the low (elements 0..15) and high (16..31) nibbles of 16 bytes. */
static inline int8x16_t q4t_neon_lo(int8x16_t v)
{
    return vshlq_n_s8(v, 4);
}

static inline int8x16_t q4t_neon_hi(int8x16_t v)
{
    return vandq_s8(v, vdupq_n_s8((int8_t)0xf0));
}

/* The 4 weight scales at p (fp16), in fp32, divided by 16 (exact). */
static inline float32x4_t q4t_neon_scales4(const void *p)
{
    return vmulq_n_f32(vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p))), 1.0f / 16);
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

#endif
