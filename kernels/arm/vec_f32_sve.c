/* vec_f32_sve: the forward pass's vector primitives (vec.h), SVE, vector-length
 * agnostic: VL/32 = svcntw() fp32 lanes (4 at 128 bits .. 64 at 2048), every
 * tail by a WHILELO predicate.
 *
 * Element-wise functions: one vector per step (rmsnorm sums squares in 4
 * accumulators); add, rope (pairs swapped by REVW) and to_f16 (FCVT to
 * nearest even, ST1H) compute exactly what the reference does. exp: sve_exp
 * below, the same operations as vec_f32_neon's.
 *
 * attend (the key loop in vec_arm_attend.h): the keys [p0, p1) in sub-blocks
 * of SUB positions counted from p0
 * (so a result depends on the inputs, p0, p1 and VL only); per sub-block, the
 * queries whose row attends its first position, TILE = 4 at a time
 * (consecutive j, across rows; a short last tile repeats its last query and
 * stores it once):
 *   scores  4 queries x 2 keys, 8 FMA chains over head_dim (lanes: head_dim),
 *           each reduced by FADDV, times scale; keys at or past a query's
 *           causal end -inf; stored key-major, s[key][query];
 *   softmax m' = max(m, scores), one rescale c = e^(m - m') per sub-block;
 *           p = e^(s - m') on whole vectors of s (m' replicated to every
 *           128-bit segment by LD1RQW), l = l c + sum p;
 *   P.V     acc = acc c + sum p v per vector of head_dim: 4 queries x 2
 *           (even and odd keys) FMA chains, FMLA by element: the 4 queries'
 *           p of one key in every segment (LD1RQW), the index the query's.
 * The key rows of a sub-block are read by every tile: an fp16 cache's
 * sub-block (of STAGE_FLOATS / head_dim keys at most) is converted once to
 * fp32 on the stack (LD1H zero-extending to 32-bit lanes, FCVT), so the
 * tiles read fp32 rows only.
 * Preconditions: those of vec.h (head_dim even, <= Q4T_ATTN_MAX_HEAD_DIM).
 */
#if !defined(__ARM_FEATURE_SVE)
#error "vec_f32_sve needs SVE (-march=armv8.2-a+sve)"
#endif

#include <arm_sve.h>
#include <math.h>

#include "../isa.h"
#include "../vec.h"

enum {
    SUB = 32,            /* keys per sub-block: one rescale per query and sub-block */
    TILE = 4,            /* queries per tile: the 4 lanes of a 128-bit segment */
    STAGE_FLOATS = 4096, /* fp32 copy of an fp16 sub-block: keys x head_dim, for K and for V */
};
_Static_assert((size_t)STAGE_FLOATS >= (size_t)Q4T_ATTN_MAX_HEAD_DIM, "a staged sub-block holds one key");

static inline size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* sve_exp where 2^n leaves the normal range (|n| > 126): 2^n as two factors
 * s1 s2, so that e^x underflows to 0 (e^-inf included) and overflows to inf
 * as expf does; |n| > 192 is s1 s1 (0 or inf). y: the in-range result. */
static svfloat32_t sve_exp_special(svbool_t pg, svfloat32_t poly, svfloat32_t n, svuint32_t e, svbool_t big,
                                   svfloat32_t y)
{
    const svuint32_t b = svdup_n_u32_z(svcmple_n_f32(pg, n, 0.0f), 0x82000000u);
    const svfloat32_t s1 = svreinterpret_f32_u32(svadd_n_u32_x(pg, b, 0x7f000000u)); /* 2^127 or 2^-125 */
    const svfloat32_t s2 = svreinterpret_f32_u32(svsub_u32_x(pg, e, b));             /* 2^n / s1 */
    const svbool_t huge = svacgt_n_f32(pg, n, 192.0f);
    const svfloat32_t scaled = svmul_f32_x(pg, svmla_f32_x(pg, s2, poly, s2), s1);
    return svsel_f32(huge, svmul_f32_x(pg, s1, s1), svsel_f32(big, scaled, y));
}

/* e^x in the lanes of pg, within 2 ulp of expf (at most 1.96 ulp from e^x over
 * every float): x = n ln2 + r, |r| <= ln2/2, e^x = 2^n (1 + poly(r)), poly of
 * degree 5 (the coefficients of Arm optimized-routines' v_expf); NaN -> NaN. */
static inline svfloat32_t sve_exp(svbool_t pg, svfloat32_t x)
{
    const svfloat32_t shift = svdup_n_f32(0x1.8p23f); /* z's low mantissa bits: n = round(x / ln2) */
    const svfloat32_t z = svmla_n_f32_x(pg, shift, x, 0x1.715476p+0f);
    const svfloat32_t n = svsub_f32_x(pg, z, shift);
    svfloat32_t r = svmls_n_f32_x(pg, x, n, 0x1.62e4p-1f); /* x - n ln2, ln2 in two parts */
    r = svmls_n_f32_x(pg, r, n, 0x1.7f7d1cp-20f);
    const svuint32_t e = svlsl_n_u32_x(pg, svreinterpret_u32_f32(z), 23); /* n << 23 */
    const svfloat32_t r2 = svmul_f32_x(pg, r, r);
    const svfloat32_t p = svmla_n_f32_x(pg, svdup_n_f32(0x1.573e2ep-5f), r, 0x1.0e4020p-7f);
    svfloat32_t q = svmla_n_f32_x(pg, svdup_n_f32(0x1.fffdb6p-2f), r, 0x1.555e66p-3f);
    q = svmla_f32_x(pg, q, p, r2);
    const svfloat32_t poly = svmla_f32_x(pg, svmul_n_f32_x(pg, r, 0x1.ffffecp-1f), q, r2); /* e^r - 1 */
    const svfloat32_t scale = svreinterpret_f32_u32(svadd_n_u32_x(pg, e, 0x3f800000u)); /* 2^n */
    const svfloat32_t y = svmla_f32_x(pg, scale, poly, scale);
    const svbool_t big = svacgt_n_f32(pg, n, 126.0f);
    return svptest_any(pg, big) ? sve_exp_special(pg, poly, n, e, big, y) : y;
}

static void sve_rmsnorm(float *o, const float *x, const float *w, size_t n, float eps)
{
    const svbool_t all = svptrue_b32();
    const size_t vl = svcntw();
    svfloat32_t s0 = svdup_n_f32(0.0f), s1 = s0, s2 = s0, s3 = s0;
    for (size_t j = 0; j < n; j += 4 * vl) { /* inactive lanes load 0 */
        const svfloat32_t x0 = svld1_vnum_f32(svwhilelt_b32_u64(j, n), x + j, 0);
        const svfloat32_t x1 = svld1_vnum_f32(svwhilelt_b32_u64(j + vl, n), x + j, 1);
        const svfloat32_t x2 = svld1_vnum_f32(svwhilelt_b32_u64(j + 2 * vl, n), x + j, 2);
        const svfloat32_t x3 = svld1_vnum_f32(svwhilelt_b32_u64(j + 3 * vl, n), x + j, 3);
        s0 = svmla_f32_x(all, s0, x0, x0);
        s1 = svmla_f32_x(all, s1, x1, x1);
        s2 = svmla_f32_x(all, s2, x2, x2);
        s3 = svmla_f32_x(all, s3, x3, x3);
    }
    const float ss = svaddv_f32(all, svadd_f32_x(all, svadd_f32_x(all, s0, s1), svadd_f32_x(all, s2, s3)));
    const float scale = (float)(1.0 / sqrt((double)ss / (double)n + eps));
    for (size_t j = 0; j < n; j += vl) {
        const svbool_t pg = svwhilelt_b32_u64(j, n);
        svst1_f32(pg, o + j, svmul_f32_x(pg, svld1_f32(pg, w + j), svmul_n_f32_x(pg, svld1_f32(pg, x + j), scale)));
    }
}

static void sve_add(float *x, const float *y, size_t n)
{
    for (size_t j = 0; j < n; j += svcntw()) {
        const svbool_t pg = svwhilelt_b32_u64(j, n);
        svst1_f32(pg, x + j, svadd_f32_x(pg, svld1_f32(pg, x + j), svld1_f32(pg, y + j)));
    }
}

static void sve_swiglu(float *h, const float *u, size_t n)
{
    for (size_t j = 0; j < n; j += svcntw()) {
        const svbool_t pg = svwhilelt_b32_u64(j, n);
        const svfloat32_t x = svld1_f32(pg, h + j);
        const svfloat32_t den = svadd_n_f32_x(pg, sve_exp(pg, svneg_f32_x(pg, x)), 1.0f); /* 1 + e^-h */
        svst1_f32(pg, h + j, svmul_f32_x(pg, svdiv_f32_x(pg, x, den), svld1_f32(pg, u + j)));
    }
}

static void sve_rope(float *v, const float *tab, size_t heads, size_t head_dim)
{
    const float *cs = tab, *sn = tab + head_dim;
    for (size_t h = 0; h < heads; h++, v += head_dim)
        for (size_t e = 0; e < head_dim; e += svcntw()) { /* head_dim even: whole pairs */
            const svbool_t pg = svwhilelt_b32_u64(e, head_dim);
            const svfloat32_t x = svld1_f32(pg, v + e);
            const svfloat32_t swapped = svreinterpret_f32_u64(svrevw_u64_x(svptrue_b64(), svreinterpret_u64_f32(x)));
            svst1_f32(pg, v + e,
                      svadd_f32_x(pg, svmul_f32_x(pg, x, svld1_f32(pg, cs + e)),
                                  svmul_f32_x(pg, swapped, svld1_f32(pg, sn + e))));
        }
}

static void sve_to_f16(uint16_t *o, const float *x, size_t n)
{
    for (size_t j = 0; j < n; j += svcntw()) { /* each result in the low half of its 32-bit lane */
        const svbool_t pg = svwhilelt_b32_u64(j, n);
        svst1h_u32(pg, o + j, svreinterpret_u32_f16(svcvt_f16_f32_x(pg, svld1_f32(pg, x + j))));
    }
}

/* d[u][t] = q[t] . k_u over hd elements. */
static inline __attribute__((always_inline)) void dots(const float *const q[TILE], const float *k0, const float *k1,
                                                       size_t hd, float d[2][TILE])
{
    const svbool_t all = svptrue_b32();
    svfloat32_t a00 = svdup_n_f32(0.0f), a01 = a00, a10 = a00, a11 = a00;
    svfloat32_t a20 = a00, a21 = a00, a30 = a00, a31 = a00;
    for (size_t e = 0; e < hd; e += svcntw()) {
        const svbool_t pg = svwhilelt_b32_u64(e, hd);
        const svfloat32_t x0 = svld1_f32(pg, k0 + e), x1 = svld1_f32(pg, k1 + e);
        const svfloat32_t y0 = svld1_f32(pg, q[0] + e), y1 = svld1_f32(pg, q[1] + e);
        const svfloat32_t y2 = svld1_f32(pg, q[2] + e), y3 = svld1_f32(pg, q[3] + e);
        a00 = svmla_f32_x(all, a00, y0, x0);
        a01 = svmla_f32_x(all, a01, y0, x1);
        a10 = svmla_f32_x(all, a10, y1, x0);
        a11 = svmla_f32_x(all, a11, y1, x1);
        a20 = svmla_f32_x(all, a20, y2, x0);
        a21 = svmla_f32_x(all, a21, y2, x1);
        a30 = svmla_f32_x(all, a30, y3, x0);
        a31 = svmla_f32_x(all, a31, y3, x1);
    }
    d[0][0] = svaddv_f32(all, a00);
    d[1][0] = svaddv_f32(all, a01);
    d[0][1] = svaddv_f32(all, a10);
    d[1][1] = svaddv_f32(all, a11);
    d[0][2] = svaddv_f32(all, a20);
    d[1][2] = svaddv_f32(all, a21);
    d[0][3] = svaddv_f32(all, a30);
    d[1][3] = svaddv_f32(all, a31);
}

/* acc[t][lanes pg of e..] = acc * c[t] + sum over keys i < nk of p[i][t] v_i
 * (v_i at vb + i ld), for the tile's queries t < nt. */
static inline __attribute__((always_inline)) void pv(float *const acc[TILE], size_t nt, size_t e, svbool_t pg,
                                                     const float c[TILE], const float p[][TILE], size_t nk,
                                                     const float *vb, size_t ld)
{
    const svbool_t all = svptrue_b32();
    svfloat32_t o0 = svmul_n_f32_x(all, svld1_f32(pg, acc[0] + e), c[0]); /* even keys */
    svfloat32_t o1 = svmul_n_f32_x(all, svld1_f32(pg, acc[1] + e), c[1]);
    svfloat32_t o2 = svmul_n_f32_x(all, svld1_f32(pg, acc[2] + e), c[2]);
    svfloat32_t o3 = svmul_n_f32_x(all, svld1_f32(pg, acc[3] + e), c[3]);
    svfloat32_t u0 = svdup_n_f32(0.0f), u1 = u0, u2 = u0, u3 = u0; /* odd keys */
    const float *row = vb + e;
    size_t i = 0;
    for (; i + 2 <= nk; i += 2, row += 2 * ld) {
        const svfloat32_t pe = svld1rq_f32(all, p[i]), po = svld1rq_f32(all, p[i + 1]);
        const svfloat32_t x = svld1_f32(pg, row), y = svld1_f32(pg, row + ld);
        o0 = svmla_lane_f32(o0, x, pe, 0);
        o1 = svmla_lane_f32(o1, x, pe, 1);
        o2 = svmla_lane_f32(o2, x, pe, 2);
        o3 = svmla_lane_f32(o3, x, pe, 3);
        u0 = svmla_lane_f32(u0, y, po, 0);
        u1 = svmla_lane_f32(u1, y, po, 1);
        u2 = svmla_lane_f32(u2, y, po, 2);
        u3 = svmla_lane_f32(u3, y, po, 3);
    }
    if (i < nk) {
        const svfloat32_t pe = svld1rq_f32(all, p[i]);
        const svfloat32_t x = svld1_f32(pg, row);
        o0 = svmla_lane_f32(o0, x, pe, 0);
        o1 = svmla_lane_f32(o1, x, pe, 1);
        o2 = svmla_lane_f32(o2, x, pe, 2);
        o3 = svmla_lane_f32(o3, x, pe, 3);
    }
    svst1_f32(pg, acc[0] + e, svadd_f32_x(all, o0, u0));
    if (nt > 1)
        svst1_f32(pg, acc[1] + e, svadd_f32_x(all, o1, u1));
    if (nt > 2)
        svst1_f32(pg, acc[2] + e, svadd_f32_x(all, o2, u2));
    if (nt > 3)
        svst1_f32(pg, acc[3] + e, svadd_f32_x(all, o3, u3));
}

/* Queries j0 .. j0 + nt - 1 (nt <= TILE) against the keys [b, bend) of a
 * sub-block, fp32 rows at kb and vb, ld floats apart; every query's row
 * attends position b. */
static void attend_tile(const q4t_attn_args *a, size_t j0, size_t nt, size_t b, size_t bend, const float *kb,
                        const float *vb, size_t ld)
{
    const size_t hd = a->head_dim;
    const float *q[TILE];
    float *acc[TILE], m_old[TILE], m_new[TILE], l_old[TILE];
    size_t n[TILE], nk = 0; /* keys of the sub-block each query attends */
    for (size_t t = 0; t < TILE; t++) {
        const size_t j = j0 + (t < nt ? t : nt - 1), r = j / a->heads;
        q[t] = a->q + r * a->ldq + j % a->heads * hd;
        acc[t] = a->acc + j * hd;
        m_old[t] = m_new[t] = a->m[j];
        l_old[t] = a->l[j];
        n[t] = min_size(a->end0 + r, bend) - b;
        nk = n[t] > nk ? n[t] : nk;
    }
    float s[SUB][TILE]; /* per key of the sub-block, the tile's scores, then their e^(s - m') */
    for (size_t i = 0; i < nk; i += 2) {
        float d[2][TILE];
        const float *k = kb + i * ld;
        dots(q, k, i + 1 < nk ? k + ld : k, hd, d); /* past nk: the same key again, unused */
        for (size_t u = 0; u < 2 && i + u < nk; u++)
            for (size_t t = 0; t < TILE; t++) {
                const float sc = i + u < n[t] ? a->scale * d[u][t] : -INFINITY;
                s[i + u][t] = sc;
                m_new[t] = sc > m_new[t] ? sc : m_new[t];
            }
    }
    const svbool_t all = svptrue_b32();
    const svfloat32_t mq = svld1rq_f32(all, m_new); /* m' of query t in lane t of every segment */
    float c[TILE];                                  /* 0 from m = -INFINITY */
    svst1_f32(svwhilelt_b32_u64(0, TILE), c, sve_exp(all, svsub_f32_x(all, svld1rq_f32(all, m_old), mq)));
    svfloat32_t lsum = svdup_n_f32(0.0f); /* lane i: query i % 4 */
    float *sf = &s[0][0];
    for (size_t f = 0; f < nk * TILE; f += svcntw()) {
        const svbool_t pg = svwhilelt_b32_u64(f, nk * TILE);
        const svfloat32_t p = sve_exp(pg, svsub_f32_x(pg, svld1_f32(pg, sf + f), mq));
        svst1_f32(pg, sf + f, p);
        lsum = svadd_f32_m(pg, lsum, p);
    }
    for (size_t e = 0; e < hd; e += svcntw())
        pv(acc, nt, e, svwhilelt_b32_u64(e, hd), c, s, nk, vb, ld);
    for (size_t t = 0; t < nt; t++) {
        a->m[j0 + t] = m_new[t];
        a->l[j0 + t] = l_old[t] * c[t] + svaddv_f32(svdupq_n_b32(t == 0, t == 1, t == 2, t == 3), lsum);
    }
}

/* n rows of hd fp16 elements, ld apart, to fp32 rows hd apart. */
static void stage_f16(float *dst, const uint16_t *src, size_t ld, size_t n, size_t hd)
{
    for (size_t i = 0; i < n; i++, src += ld, dst += hd)
        for (size_t e = 0; e < hd; e += svcntw()) { /* zero-extended to 32-bit lanes: FCVT reads the low half */
            const svbool_t pg = svwhilelt_b32_u64(e, hd);
            const svfloat16_t h = svreinterpret_f16_u32(svld1uh_u32(pg, src + e));
            svst1_f32(pg, dst + e, svcvt_f32_f16_x(pg, h));
        }
}

#include "vec_arm_attend.h"

Q4T_VEC(vec_f32_sve, Q4T_F_SVE, .rmsnorm = sve_rmsnorm, .add = sve_add, .swiglu = sve_swiglu, .rope = sve_rope,
        .to_f16 = sve_to_f16, .attend = {arm_attend_f32, arm_attend_f16});
