/* vec_f32_neon: the forward pass's vector primitives (vec.h), AArch64 Advanced
 * SIMD (Armv8.0; fp16 <-> fp32 by FCVTL/FCVTN, baseline AArch64).
 *
 * Element-wise functions: full vectors, then the last 1..3 elements through a
 * zero-padded vector. rmsnorm sums squares in 16 fp32 lanes; add, rope and
 * to_f16 compute exactly what the reference does. exp: neon_exp below.
 *
 * attend (the key loop in vec_arm_attend.h): the keys [p0, p1) in sub-blocks
 * of SUB positions counted from p0
 * (so a result depends on the inputs, p0 and p1 only); per sub-block, the
 * queries whose row attends its first position, TILE = 4 at a time
 * (consecutive j, across rows; a short last tile repeats its last query and
 * stores it once), one query per lane:
 *   scores  4 queries x 4 keys, 16 FMA chains over head_dim, reduced by
 *           FADDP to one vector per key (lane = query), times scale; keys at
 *           or past a query's causal end -inf;
 *   softmax m' = max(m, scores), one rescale c = e^(m - m') per sub-block,
 *           p = e^(s - m'), l = l c + sum p;
 *   P.V     acc = acc c + sum p v, 4 queries x 16 elements of head_dim in 16
 *           registers, FMA by element (the lane of the query).
 * The key rows of a sub-block are read by every tile: an fp16 cache's
 * sub-block (of STAGE_FLOATS / head_dim keys at most) is converted once to
 * fp32 on the stack, so the tiles read fp32 rows only.
 * Preconditions: those of vec.h (head_dim even, <= Q4T_ATTN_MAX_HEAD_DIM).
 */
#if !defined(__aarch64__) || !defined(__ARM_NEON)
#error "vec_f32_neon needs AArch64 Advanced SIMD (-march=armv8-a)"
#endif

#include <arm_neon.h>
#include <math.h>
#include <string.h>

#include "../isa.h"
#include "../vec.h"

enum {
    SUB = 32,            /* keys per sub-block: one rescale per query and sub-block */
    TILE = 4,            /* queries per tile, one per lane */
    STAGE_FLOATS = 4096, /* fp32 copy of an fp16 sub-block: keys x head_dim, for K and for V */
};
_Static_assert((size_t)STAGE_FLOATS >= (size_t)Q4T_ATTN_MAX_HEAD_DIM, "a staged sub-block holds one key");

static inline size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* The first n (1..3) floats at x, zero-padded. */
static inline float32x4_t load_part(const float *x, size_t n)
{
    float t[4] = {0};
    memcpy(t, x, n * sizeof *t);
    return vld1q_f32(t);
}

static inline void store_part(float *x, float32x4_t v, size_t n)
{
    float t[4];
    vst1q_f32(t, v);
    memcpy(x, t, n * sizeof *t);
}

/* neon_exp where 2^n leaves the normal range (|n| > 126): 2^n as two factors
 * s1 s2, so that e^x underflows to 0 (e^-inf included) and overflows to inf
 * as expf does; |n| > 192 is s1 s1 (0 or inf). y: the in-range result. */
static float32x4_t neon_exp_special(float32x4_t poly, float32x4_t n, uint32x4_t e, uint32x4_t big, float32x4_t y)
{
    const uint32x4_t b = vandq_u32(vclezq_f32(n), vdupq_n_u32(0x82000000u));
    const float32x4_t s1 = vreinterpretq_f32_u32(vaddq_u32(vdupq_n_u32(0x7f000000u), b)); /* 2^127 or 2^-125 */
    const float32x4_t s2 = vreinterpretq_f32_u32(vsubq_u32(e, b));                        /* 2^n / s1 */
    const uint32x4_t huge = vcagtq_f32(n, vdupq_n_f32(192.0f));
    const float32x4_t scaled = vmulq_f32(vfmaq_f32(s2, poly, s2), s1);
    return vbslq_f32(huge, vmulq_f32(s1, s1), vbslq_f32(big, scaled, y));
}

/* e^x per lane, within 2 ulp of expf (at most 1.96 ulp from e^x over every
 * float): x = n ln2 + r, |r| <= ln2/2, e^x = 2^n (1 + poly(r)), poly of
 * degree 5 (the coefficients of Arm optimized-routines' v_expf); NaN -> NaN. */
static inline float32x4_t neon_exp(float32x4_t x)
{
    const float32x4_t shift = vdupq_n_f32(0x1.8p23f); /* z's low mantissa bits: n = round(x / ln2) */
    const float32x4_t z = vfmaq_f32(shift, x, vdupq_n_f32(0x1.715476p+0f));
    const float32x4_t n = vsubq_f32(z, shift);
    float32x4_t r = vfmaq_f32(x, n, vdupq_n_f32(-0x1.62e4p-1f)); /* x - n ln2, ln2 in two parts */
    r = vfmaq_f32(r, n, vdupq_n_f32(-0x1.7f7d1cp-20f));
    const uint32x4_t e = vshlq_n_u32(vreinterpretq_u32_f32(z), 23); /* n << 23 */
    const float32x4_t r2 = vmulq_f32(r, r);
    const float32x4_t p = vfmaq_f32(vdupq_n_f32(0x1.573e2ep-5f), vdupq_n_f32(0x1.0e4020p-7f), r);
    float32x4_t q = vfmaq_f32(vdupq_n_f32(0x1.fffdb6p-2f), vdupq_n_f32(0x1.555e66p-3f), r);
    q = vfmaq_f32(q, p, r2);
    const float32x4_t poly = vfmaq_f32(vmulq_f32(vdupq_n_f32(0x1.ffffecp-1f), r), q, r2); /* e^r - 1 */
    const float32x4_t scale = vreinterpretq_f32_u32(vaddq_u32(e, vdupq_n_u32(0x3f800000u))); /* 2^n */
    const float32x4_t y = vfmaq_f32(scale, poly, scale);
    const uint32x4_t big = vcagtq_f32(n, vdupq_n_f32(126.0f));
    return vmaxvq_u32(big) ? neon_exp_special(poly, n, e, big, y) : y;
}

static void neon_rmsnorm(float *o, const float *x, const float *w, size_t n, float eps)
{
    float32x4_t s0 = vdupq_n_f32(0.0f), s1 = s0, s2 = s0, s3 = s0;
    size_t j = 0;
    for (; j + 16 <= n; j += 16) {
        const float32x4_t x0 = vld1q_f32(x + j), x1 = vld1q_f32(x + j + 4);
        const float32x4_t x2 = vld1q_f32(x + j + 8), x3 = vld1q_f32(x + j + 12);
        s0 = vfmaq_f32(s0, x0, x0);
        s1 = vfmaq_f32(s1, x1, x1);
        s2 = vfmaq_f32(s2, x2, x2);
        s3 = vfmaq_f32(s3, x3, x3);
    }
    for (; j < n; j += 4) {
        const float32x4_t v = n - j >= 4 ? vld1q_f32(x + j) : load_part(x + j, n - j);
        s0 = vfmaq_f32(s0, v, v);
    }
    const float ss = vaddvq_f32(vaddq_f32(vaddq_f32(s0, s1), vaddq_f32(s2, s3)));
    const float scale = (float)(1.0 / sqrt((double)ss / (double)n + eps));
    for (j = 0; j + 4 <= n; j += 4)
        vst1q_f32(o + j, vmulq_f32(vld1q_f32(w + j), vmulq_n_f32(vld1q_f32(x + j), scale)));
    if (j < n)
        store_part(o + j, vmulq_f32(load_part(w + j, n - j), vmulq_n_f32(load_part(x + j, n - j), scale)), n - j);
}

static void neon_add(float *x, const float *y, size_t n)
{
    size_t j = 0;
    for (; j + 8 <= n; j += 8) {
        vst1q_f32(x + j, vaddq_f32(vld1q_f32(x + j), vld1q_f32(y + j)));
        vst1q_f32(x + j + 4, vaddq_f32(vld1q_f32(x + j + 4), vld1q_f32(y + j + 4)));
    }
    for (; j + 4 <= n; j += 4)
        vst1q_f32(x + j, vaddq_f32(vld1q_f32(x + j), vld1q_f32(y + j)));
    if (j < n)
        store_part(x + j, vaddq_f32(load_part(x + j, n - j), load_part(y + j, n - j)), n - j);
}

/* h / (1 + e^-h) * u */
static inline float32x4_t silu_mul(float32x4_t h, float32x4_t u)
{
    return vmulq_f32(vdivq_f32(h, vaddq_f32(vdupq_n_f32(1.0f), neon_exp(vnegq_f32(h)))), u);
}

static void neon_swiglu(float *h, const float *u, size_t n)
{
    size_t j = 0;
    for (; j + 4 <= n; j += 4)
        vst1q_f32(h + j, silu_mul(vld1q_f32(h + j), vld1q_f32(u + j)));
    if (j < n)
        store_part(h + j, silu_mul(load_part(h + j, n - j), load_part(u + j, n - j)), n - j);
}

static void neon_rope(float *v, const float *tab, size_t heads, size_t head_dim)
{
    const float *cs = tab, *sn = tab + head_dim;
    for (size_t h = 0; h < heads; h++, v += head_dim) {
        size_t e = 0;
        for (; e + 4 <= head_dim; e += 4) {
            const float32x4_t x = vld1q_f32(v + e);
            vst1q_f32(v + e, vaddq_f32(vmulq_f32(x, vld1q_f32(cs + e)), vmulq_f32(vrev64q_f32(x), vld1q_f32(sn + e))));
        }
        if (e < head_dim) { /* the last pair */
            const float32x2_t x = vld1_f32(v + e);
            vst1_f32(v + e, vadd_f32(vmul_f32(x, vld1_f32(cs + e)), vmul_f32(vrev64_f32(x), vld1_f32(sn + e))));
        }
    }
}

static void neon_to_f16(uint16_t *o, const float *x, size_t n)
{
    size_t j = 0;
    for (; j + 8 <= n; j += 8) {
        const float16x8_t h = vcvt_high_f16_f32(vcvt_f16_f32(vld1q_f32(x + j)), vld1q_f32(x + j + 4));
        vst1q_u16(o + j, vreinterpretq_u16_f16(h));
    }
    for (; j + 4 <= n; j += 4)
        vst1_u16(o + j, vreinterpret_u16_f16(vcvt_f16_f32(vld1q_f32(x + j))));
    if (j < n) {
        uint16_t t[4];
        vst1_u16(t, vreinterpret_u16_f16(vcvt_f16_f32(load_part(x + j, n - j))));
        memcpy(o + j, t, (n - j) * sizeof *t);
    }
}

/* Elements e..e+3 of a row; with half, e and e+1 only, lanes 2 and 3 zero. */
static inline float32x4_t load_row(const float *row, size_t e, int half)
{
    return half ? vcombine_f32(vld1_f32(row + e), vdup_n_f32(0.0f)) : vld1q_f32(row + e);
}

/* acc[t][u] += q[t] . k[u] over elements e..e+3 (half: e, e+1). */
static inline __attribute__((always_inline)) void dots_step(float32x4_t acc[TILE][4], const float *const q[TILE],
                                                            const float *const k[4], size_t e, int half)
{
    float32x4_t kk[4], qq[TILE];
    for (int u = 0; u < 4; u++)
        kk[u] = load_row(k[u], e, half);
    for (int t = 0; t < TILE; t++)
        qq[t] = load_row(q[t], e, half);
    for (int t = 0; t < TILE; t++)
        for (int u = 0; u < 4; u++)
            acc[t][u] = vfmaq_f32(acc[t][u], qq[t], kk[u]);
}

/* d[u] lane t = q[t] . k[u] over hd elements. */
static inline __attribute__((always_inline)) void dots(const float *const q[TILE], const float *const k[4], size_t hd,
                                                       float32x4_t d[4])
{
    float32x4_t acc[TILE][4];
    for (int t = 0; t < TILE; t++)
        for (int u = 0; u < 4; u++)
            acc[t][u] = vdupq_n_f32(0.0f);
    size_t e = 0;
    for (; e + 4 <= hd; e += 4)
        dots_step(acc, q, k, e, 0);
    if (e < hd)
        dots_step(acc, q, k, e, 1);
    for (int u = 0; u < 4; u++)
        d[u] = vpaddq_f32(vpaddq_f32(acc[0][u], acc[1][u]), vpaddq_f32(acc[2][u], acc[3][u]));
}

/* acc[t][e .. e + 4 nv) = acc * c[t] + sum over keys i < nk of p[i][t] v_i
 * (v_i at vb + i ld), for the tile's queries t < nt (half: nv = 1, elements
 * e and e + 1 only). */
static inline __attribute__((always_inline)) void pv(float *const acc[TILE], size_t nt, size_t e, int nv, int half,
                                                     const float c[TILE], const float p[][TILE], size_t nk,
                                                     const float *vb, size_t ld)
{
    float32x4_t o[TILE][4];
    for (int t = 0; t < TILE; t++)
        for (int w = 0; w < nv; w++)
            o[t][w] = vmulq_n_f32(load_row(acc[t], e + 4 * w, half), c[t]);
    for (size_t i = 0; i < nk; i++) {
        const float32x4_t pi = vld1q_f32(p[i]);
        const float *row = vb + i * ld;
        for (int w = 0; w < nv; w++) {
            const float32x4_t x = load_row(row, e + 4 * w, half);
            o[0][w] = vfmaq_laneq_f32(o[0][w], x, pi, 0);
            o[1][w] = vfmaq_laneq_f32(o[1][w], x, pi, 1);
            o[2][w] = vfmaq_laneq_f32(o[2][w], x, pi, 2);
            o[3][w] = vfmaq_laneq_f32(o[3][w], x, pi, 3);
        }
    }
    for (size_t t = 0; t < TILE; t++) /* constant indices: o stays in registers */
        for (int w = 0; w < nv; w++) {
            if (t >= nt)
                continue;
            if (half)
                vst1_f32(acc[t] + e, vget_low_f32(o[t][0]));
            else
                vst1q_f32(acc[t] + e + 4 * w, o[t][w]);
        }
}

/* Queries j0 .. j0 + nt - 1 (nt <= TILE) against the keys [b, bend) of a
 * sub-block, fp32 rows at kb and vb, ld floats apart; every query's row
 * attends position b. */
static void attend_tile(const q4t_attn_args *a, size_t j0, size_t nt, size_t b, size_t bend, const float *kb,
                        const float *vb, size_t ld)
{
    const size_t hd = a->head_dim;
    const float *q[TILE];
    float *acc[TILE], m[TILE], l[TILE];
    uint32_t n[TILE]; /* keys of the sub-block each query attends */
    size_t nk = 0;
    for (size_t t = 0; t < TILE; t++) {
        const size_t j = j0 + (t < nt ? t : nt - 1), r = j / a->heads;
        q[t] = a->q + r * a->ldq + j % a->heads * hd;
        acc[t] = a->acc + j * hd;
        m[t] = a->m[j];
        l[t] = a->l[j];
        n[t] = (uint32_t)(min_size(a->end0 + r, bend) - b);
        nk = n[t] > nk ? n[t] : nk;
    }
    float s[SUB][TILE]; /* per key of the sub-block, the tile's scores, then their e^(s - m') */
    const uint32x4_t seen = vld1q_u32(n);
    const float32x4_t m_old = vld1q_f32(m);
    float32x4_t m_new = m_old;
    for (size_t i = 0; i < nk; i += 4) {
        const float *k[4];
        for (size_t u = 0; u < 4; u++) /* past nk: the last key again, its scores unused */
            k[u] = kb + min_size(i + u, nk - 1) * ld;
        float32x4_t d[4];
        dots(q, k, hd, d);
        for (size_t u = 0; u < 4 && i + u < nk; u++) {
            const uint32x4_t in = vcgtq_u32(seen, vdupq_n_u32((uint32_t)(i + u)));
            const float32x4_t sc = vbslq_f32(in, vmulq_n_f32(d[u], a->scale), vdupq_n_f32(-INFINITY));
            vst1q_f32(s[i + u], sc);
            m_new = vmaxq_f32(m_new, sc);
        }
    }
    const float32x4_t c = neon_exp(vsubq_f32(m_old, m_new)); /* 0 from m = -INFINITY */
    float32x4_t lsum = vmulq_f32(vld1q_f32(l), c);
    for (size_t i = 0; i < nk; i++) {
        const float32x4_t p = neon_exp(vsubq_f32(vld1q_f32(s[i]), m_new));
        vst1q_f32(s[i], p);
        lsum = vaddq_f32(lsum, p);
    }
    float cs[TILE];
    vst1q_f32(cs, c);
    size_t e = 0;
    for (; e + 16 <= hd; e += 16)
        pv(acc, nt, e, 4, 0, cs, s, nk, vb, ld);
    for (; e + 4 <= hd; e += 4)
        pv(acc, nt, e, 1, 0, cs, s, nk, vb, ld);
    if (e < hd)
        pv(acc, nt, e, 1, 1, cs, s, nk, vb, ld);
    vst1q_f32(m, m_new);
    vst1q_f32(l, lsum);
    for (size_t t = 0; t < nt; t++) {
        a->m[j0 + t] = m[t];
        a->l[j0 + t] = l[t];
    }
}

/* n rows of hd fp16 elements, ld apart, to fp32 rows hd apart. */
static void stage_f16(float *dst, const uint16_t *src, size_t ld, size_t n, size_t hd)
{
    for (size_t i = 0; i < n; i++, src += ld, dst += hd) {
        size_t e = 0;
        for (; e + 8 <= hd; e += 8) {
            const float16x8_t h = vreinterpretq_f16_u16(vld1q_u16(src + e));
            vst1q_f32(dst + e, vcvt_f32_f16(vget_low_f16(h)));
            vst1q_f32(dst + e + 4, vcvt_high_f32_f16(h));
        }
        for (; e + 4 <= hd; e += 4)
            vst1q_f32(dst + e, vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(src + e))));
        if (e < hd) { /* the last pair */
            uint32_t two;
            memcpy(&two, src + e, sizeof two);
            const float16x4_t h = vreinterpret_f16_u32(vset_lane_u32(two, vdup_n_u32(0), 0));
            vst1_f32(dst + e, vget_low_f32(vcvt_f32_f16(h)));
        }
    }
}

#include "vec_arm_attend.h"

Q4T_VEC(vec_f32_neon, Q4T_F_NEON, .rmsnorm = neon_rmsnorm, .add = neon_add, .swiglu = neon_swiglu,
        .rope = neon_rope, .to_f16 = neon_to_f16, .attend = {arm_attend_f32, arm_attend_f16});
