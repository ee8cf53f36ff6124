/* q4tune formats: see formats.h. Portable C, no F16C/FP16 hardware needed. */
#include "formats.h"

#include <math.h>
#include <string.h>

static uint32_t f32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static float f32_from_bits(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

float q4t_fp16_to_fp32(uint16_t h)
{
    const uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t man = h & 0x3ffu;

    if (exp == 0x1f) /* inf, or NaN made quiet */
        return f32_from_bits(sign | 0x7f800000u | (man ? 0x400000u | (man << 13) : 0));
    if (exp == 0) {
        if (man == 0)
            return f32_from_bits(sign);
        exp = 113; /* subnormal: normalise into an fp32 normal */
        while (!(man & 0x400u)) {
            man <<= 1;
            exp--;
        }
        return f32_from_bits(sign | (exp << 23) | ((man & 0x3ffu) << 13));
    }
    return f32_from_bits(sign | ((exp + 112) << 23) | (man << 13));
}

/* Round m >> shift to nearest, ties to even. */
static uint32_t shift_rne(uint32_t m, unsigned shift)
{
    const uint32_t r = m >> shift;
    const uint32_t rem = m & ((1u << shift) - 1);
    const uint32_t half = 1u << (shift - 1);
    return r + (rem > half || (rem == half && (r & 1)));
}

uint16_t q4t_fp32_to_fp16(float f)
{
    const uint32_t x = f32_bits(f);
    const uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
    const uint32_t ax = x & 0x7fffffffu;

    if (ax > 0x7f800000u) /* NaN: quiet, top payload bits kept */
        return sign | 0x7e00u | (uint16_t)((ax >> 13) & 0x3ffu);
    if (ax >= 0x477ff000u) /* >= 65520 rounds to infinity */
        return sign | 0x7c00u;
    if (ax < 0x33000000u) /* <= 2^-25 rounds to zero */
        return sign;

    const uint32_t exp = ax >> 23;
    if (exp < 113) /* fp16 subnormal: units of 2^-24 */
        return sign | (uint16_t)shift_rne((ax & 0x7fffffu) | 0x800000u, 126 - exp);
    /* normal; a carry out of the mantissa correctly bumps the exponent */
    return sign | (uint16_t)shift_rne(((exp - 112) << 23) | (ax & 0x7fffffu), 13);
}

/* 1/d as llama.cpp computes it, but 0 where it would overflow (a block of
 * values below ~1e-37, whose fp16 scale is 0 anyway): no inf * x, no NaN cast. */
static float inverse_scale(float d)
{
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    return isinf(id) ? 0.0f : id;
}

void q4t_quantize_row_q4_0(const float *x, q4t_block_q4_0 *y, size_t k)
{
    for (size_t i = 0; i < k / Q4T_QK; i++, x += Q4T_QK) {
        float amax = 0.0f, max = 0.0f; /* signed value of largest magnitude */
        for (int j = 0; j < Q4T_QK; j++) {
            if (amax < fabsf(x[j])) {
                amax = fabsf(x[j]);
                max = x[j];
            }
        }
        const float d = max / -8;
        const float id = inverse_scale(d);
        y[i].d = q4t_fp32_to_fp16(d);
        for (int j = 0; j < Q4T_QK / 2; j++) {
            const int8_t lo = (int8_t)(x[j] * id + 8.5f);
            const int8_t hi = (int8_t)(x[j + Q4T_QK / 2] * id + 8.5f);
            y[i].qs[j] = (uint8_t)((lo < 15 ? lo : 15) | (hi < 15 ? hi : 15) << 4);
        }
    }
}

void q4t_dequantize_row_q4_0(const q4t_block_q4_0 *x, float *y, size_t k)
{
    for (size_t i = 0; i < k / Q4T_QK; i++, y += Q4T_QK) {
        const float d = q4t_fp16_to_fp32(x[i].d);
        for (int j = 0; j < Q4T_QK / 2; j++) {
            y[j] = d * (float)((x[i].qs[j] & 0x0f) - 8);
            y[j + Q4T_QK / 2] = d * (float)((x[i].qs[j] >> 4) - 8);
        }
    }
}

/* roundf (halves away from zero) for |v| < 2^30, without branches so that
 * compilers vectorise it: in double, v + 0.5 sign(v) is exact, and truncation
 * then rounds as roundf does. */
static inline int32_t round_half_away(float v)
{
    return (int32_t)((double)v + copysign(0.5, (double)v));
}

void q4t_quantize_row_q8_0(const float *x, q4t_block_q8_0 *y, size_t k)
{
    for (size_t i = 0; i < k / Q4T_QK; i++, x += Q4T_QK) {
        float lane[8] = {0}; /* fmaxf(amax, |x|) (NaNs ignored alike) in 8 lanes, so that it vectorises */
        for (int j = 0; j < Q4T_QK; j += 8)
            for (int l = 0; l < 8; l++) {
                const float a = fabsf(x[j + l]);
                lane[l] = a > lane[l] ? a : lane[l];
            }
        float amax = 0.0f;
        for (int l = 0; l < 8; l++)
            amax = lane[l] > amax ? lane[l] : amax;
        const float d = amax / 127;
        const float id = inverse_scale(d);
        y[i].d = q4t_fp32_to_fp16(d);
        int32_t q[Q4T_QK]; /* |x * id| <= 127; through int32 so that compilers vectorise */
        for (int j = 0; j < Q4T_QK; j++)
            q[j] = round_half_away(x[j] * id);
        for (int j = 0; j < Q4T_QK; j++)
            y[i].qs[j] = (int8_t)q[j];
    }
}

void q4t_dequantize_row_q8_0(const q4t_block_q8_0 *x, float *y, size_t k)
{
    for (size_t i = 0; i < k / Q4T_QK; i++, y += Q4T_QK) {
        const float d = q4t_fp16_to_fp32(x[i].d);
        for (int j = 0; j < Q4T_QK; j++)
            y[j] = d * (float)x[i].qs[j];
    }
}

void q4t_quantize_row_q8f(const float *x, q4t_block_q8f *y, size_t k)
{
    for (size_t i = 0; i < k / Q4T_QK; i++, x += Q4T_QK) {
        q4t_block_q8_0 b;
        q4t_quantize_row_q8_0(x, &b, Q4T_QK);
        y[i].d = q4t_fp16_to_fp32(b.d);
        y[i].s = 0;
        for (int j = 0; j < Q4T_QK; j++)
            y[i].s += b.qs[j];
        memcpy(y[i].qs, b.qs, sizeof b.qs);
    }
}

int32_t q4t_dot_block_q4_0_q8_0(const q4t_block_q4_0 *w, const q4t_block_q8_0 *x)
{
    int32_t sum = 0;
    for (int j = 0; j < Q4T_QK / 2; j++) {
        sum += ((w->qs[j] & 0x0f) - 8) * x->qs[j];
        sum += ((w->qs[j] >> 4) - 8) * x->qs[j + Q4T_QK / 2];
    }
    return sum;
}

float q4t_dot_row_q4_0_q8_0(const q4t_block_q4_0 *w, const q4t_block_q8_0 *x, size_t nb)
{
    float sum = 0.0f;
    for (size_t i = 0; i < nb; i++) {
        const float d = q4t_fp16_to_fp32(w[i].d) * q4t_fp16_to_fp32(x[i].d);
        sum += d * (float)q4t_dot_block_q4_0_q8_0(&w[i], &x[i]);
    }
    return sum;
}
