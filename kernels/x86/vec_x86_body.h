/* The algorithm of the x86 vector sets (vec.h): vec_f32_avx2.c and
 * vec_f32_avx512.c each define their vector and its primitives, then include
 * this file once; what differs between them is the width and the register
 * count, nothing else. Both are compiled with AVX2, FMA and F16C at least
 * (the key staging below is 8-wide AVX2 in either set).
 *
 * The including file defines, as static inline functions on vf (VN floats)
 * and vi (VN int32):
 *   vzero vset1 vload vstore vload_n vstore_n (n < VN elements, zero-padded)
 *   vadd vsub vmul vdiv vfma(a, b, c) = a b + c, vmax vmin (x86 order: the
 *   second operand where either is NaN), vhsum vhmax (of the VN lanes)
 *   vload_h vload_h_n vstore_h vstore_h_n (fp16 <-> fp32, to nearest even)
 *   vswap_pairs (lanes 2i <-> 2i+1), vmask_after(s, n): lanes >= n -> -inf
 *   vbits vfrom_bits vi_set1 vi_add vi_sub vi_shl23 vi_half (>> 1, arithmetic)
 * and VEC_TQ, the queries of an attention tile (register budget: 2 TQ + 3 <=
 * the register count).
 *
 * Element-wise functions: full vectors, then the last n % VN elements through
 * a masked vector. rmsnorm sums squares in 4 VN fp32 lanes; add, rope and
 * to_f16 compute exactly what the reference does; exp: vexp below.
 *
 * attend (FlashAttention's recurrence, GEMM-shaped): the keys [p0, p1) in
 * sub-blocks of SUB = 2 VN positions counted from p0 (so a result depends on
 * the inputs, p0 and p1 only). Per sub-block the keys are transposed once
 * into kt[e][i] (fp32) and an fp16 cache's values converted once to fp32;
 * then the queries whose row attends the sub-block's first position, TQ at a
 * time (consecutive j, across rows; a short last tile runs at the next width
 * of 1, 2, 4, 8, TQ that holds it, repeating its last query, stored once):
 *   scores  S[t] (2 vectors, lane = key) += q[t][e] (broadcast) * kt[e],
 *           times scale; keys at or past a query's causal end -inf;
 *   softmax m' = max(m, max S[t]), one rescale c = e^(m - m') per query and
 *           sub-block, p = e^(S - m'), l = l c + sum p;
 *   P.V     acc[t] = acc[t] c + sum_i p[t][i] v_i, 2 vectors of head_dim by
 *           TQ queries in registers, p broadcast.
 * Preconditions: those of vec.h (head_dim even, <= Q4T_ATTN_MAX_HEAD_DIM).
 */
#ifndef Q4T_VEC_X86_BODY_H
#define Q4T_VEC_X86_BODY_H

#include <immintrin.h>
#include <math.h>

#include "../vec.h"

enum {
    SUB = 2 * VN, /* keys per sub-block: two vectors of scores per query */
    TQ = VEC_TQ,
};

static inline size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* e^x per lane, within 2 ulp of expf: x = n ln2 + r, |r| <= ln2/2, e^x =
 * 2^n (1 + poly(r)), poly of degree 5 (the coefficients of Arm
 * optimized-routines' v_expf); 2^n as 2^(n>>1) 2^(n - (n>>1)), both normal
 * over the clamped range, so results below 2^-126 round once (to a subnormal
 * or 0) and above FLT_MAX give inf; NaN stays NaN (the clamps keep it). */
static inline vf vexp(vf x)
{
    x = vmin(vset1(88.8f), vmax(vset1(-105.0f), x)); /* e^88.8 > FLT_MAX, e^-105 < 2^-151 */
    const vf shift = vset1(0x1.8p23f);                /* z's low mantissa bits: n = round(x / ln2) */
    const vf z = vfma(x, vset1(0x1.715476p+0f), shift);
    const vf n = vsub(z, shift);
    vf r = vfma(n, vset1(-0x1.62e4p-1f), x); /* x - n ln2, ln2 in two parts */
    r = vfma(n, vset1(-0x1.7f7d1cp-20f), r);
    const vf r2 = vmul(r, r);
    const vf p = vfma(vset1(0x1.0e4020p-7f), r, vset1(0x1.573e2ep-5f));
    const vf q = vfma(p, r2, vfma(vset1(0x1.555e66p-3f), r, vset1(0x1.fffdb6p-2f)));
    const vf poly = vfma(q, r2, vmul(vset1(0x1.ffffecp-1f), r)); /* e^r - 1 */
    const vi ni = vi_sub(vbits(z), vbits(shift)), n1 = vi_half(ni), n2 = vi_sub(ni, n1);
    const vf s1 = vfrom_bits(vi_add(vi_shl23(n1), vi_set1(0x3f800000)));
    const vf s2 = vfrom_bits(vi_add(vi_shl23(n2), vi_set1(0x3f800000)));
    return vmul(vfma(poly, s2, s2), s1);
}

static void vx_rmsnorm(float *o, const float *x, const float *w, size_t n, float eps)
{
    vf s[4] = {vzero(), vzero(), vzero(), vzero()};
    size_t j = 0;
    for (; j + 4 * VN <= n; j += 4 * VN)
        for (int u = 0; u < 4; u++) {
            const vf v = vload(x + j + u * VN);
            s[u] = vfma(v, v, s[u]);
        }
    for (; j < n; j += VN) {
        const vf v = n - j >= VN ? vload(x + j) : vload_n(x + j, n - j);
        s[0] = vfma(v, v, s[0]);
    }
    const float ss = vhsum(vadd(vadd(s[0], s[1]), vadd(s[2], s[3])));
    const vf scale = vset1((float)(1.0 / sqrt((double)ss / (double)n + eps)));
    for (j = 0; j + VN <= n; j += VN)
        vstore(o + j, vmul(vload(w + j), vmul(scale, vload(x + j))));
    if (j < n)
        vstore_n(o + j, vmul(vload_n(w + j, n - j), vmul(scale, vload_n(x + j, n - j))), n - j);
}

static void vx_add(float *x, const float *y, size_t n)
{
    size_t j = 0;
    for (; j + VN <= n; j += VN)
        vstore(x + j, vadd(vload(x + j), vload(y + j)));
    if (j < n)
        vstore_n(x + j, vadd(vload_n(x + j, n - j), vload_n(y + j, n - j)), n - j);
}

/* h / (1 + e^-h) * u */
static inline vf silu_mul(vf h, vf u)
{
    return vmul(vdiv(h, vadd(vset1(1.0f), vexp(vsub(vzero(), h)))), u);
}

static void vx_swiglu(float *h, const float *u, size_t n)
{
    size_t j = 0;
    for (; j + VN <= n; j += VN)
        vstore(h + j, silu_mul(vload(h + j), vload(u + j)));
    if (j < n)
        vstore_n(h + j, silu_mul(vload_n(h + j, n - j), vload_n(u + j, n - j)), n - j);
}

static inline vf rope_step(vf x, vf cs, vf sn)
{
    return vadd(vmul(x, cs), vmul(vswap_pairs(x), sn));
}

static void vx_rope(float *v, const float *tab, size_t heads, size_t head_dim)
{
    const float *cs = tab, *sn = tab + head_dim;
    for (size_t h = 0; h < heads; h++, v += head_dim) {
        size_t e = 0;
        for (; e + VN <= head_dim; e += VN)
            vstore(v + e, rope_step(vload(v + e), vload(cs + e), vload(sn + e)));
        if (e < head_dim) { /* an even count: whole pairs */
            const size_t r = head_dim - e;
            vstore_n(v + e, rope_step(vload_n(v + e, r), vload_n(cs + e, r), vload_n(sn + e, r)), r);
        }
    }
}

static void vx_to_f16(uint16_t *o, const float *x, size_t n)
{
    size_t j = 0;
    for (; j + VN <= n; j += VN)
        vstore_h(o + j, vload(x + j));
    if (j < n)
        vstore_h_n(o + j, vload_n(x + j, n - j), n - j);
}

/* Elements e .. e+7 of a cache row, in fp32. */
static inline __m256 load8(const void *row, size_t e, q4t_kv_type kv)
{
    if (kv == Q4T_KV_F16)
        return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)((const uint16_t *)row + e)));
    return _mm256_loadu_ps((const float *)row + e);
}

static inline float load1(const void *row, size_t e, q4t_kv_type kv)
{
    return kv == Q4T_KV_F16 ? _cvtsh_ss(((const uint16_t *)row)[e]) : ((const float *)row)[e];
}

/* r[c] lane i = r[i] lane c. */
static inline void transpose8(__m256 r[8])
{
    __m256 t[8], u[8];
    for (int i = 0; i < 4; i++) { /* rows 2i, 2i+1 interleaved: elements 0 1 4 5, then 2 3 6 7 */
        t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int h = 0; h < 2; h++) /* rows 4h .. 4h+3 of elements 0 4, 1 5, 2 6, 3 7 */
        for (int i = 0; i < 2; i++) {
            u[4 * h + 2 * i] = _mm256_shuffle_ps(t[4 * h + i], t[4 * h + 2 + i], 0x44);
            u[4 * h + 2 * i + 1] = _mm256_shuffle_ps(t[4 * h + i], t[4 * h + 2 + i], 0xee);
        }
    for (int c = 0; c < 4; c++) {
        r[c] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x20);
        r[4 + c] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x31);
    }
}

/* kt[e * SUB + i] = element e of key i < SUB of the sub-block at kb (rows ld
 * elements apart); keys past nk repeat key nk - 1 (their scores are masked). */
static void stage_keys(float *kt, const void *kb, size_t ld, size_t nk, size_t hd, q4t_kv_type kv)
{
    const size_t row_bytes = ld * (kv == Q4T_KV_F16 ? sizeof(uint16_t) : sizeof(float));
    for (size_t i0 = 0; i0 < SUB; i0 += 8) {
        const void *row[8];
        for (size_t i = 0; i < 8; i++)
            row[i] = (const char *)kb + min_size(i0 + i, nk - 1) * row_bytes;
        size_t e = 0;
        for (; e + 8 <= hd; e += 8) {
            __m256 r[8];
            for (int i = 0; i < 8; i++)
                r[i] = load8(row[i], e, kv);
            transpose8(r);
            for (int c = 0; c < 8; c++)
                _mm256_storeu_ps(kt + (e + c) * SUB + i0, r[c]);
        }
        for (; e < hd; e++)
            for (size_t i = 0; i < 8; i++)
                kt[e * SUB + i0 + i] = load1(row[i], e, kv);
    }
}

/* vs[i * hd + e] = element e of fp16 value row i < nk. */
static void stage_values(float *vs, const uint16_t *vb, size_t ld, size_t nk, size_t hd)
{
    for (size_t i = 0; i < nk; i++, vb += ld, vs += hd) {
        size_t e = 0;
        for (; e + VN <= hd; e += VN)
            vstore(vs + e, vload_h(vb + e));
        if (e < hd)
            vstore_n(vs + e, vload_h_n(vb + e, hd - e), hd - e);
    }
}

/* acc[t][e .. e + nv VN) (or its first `part` elements, part < VN, nv = 1)
 * = acc c[t] + sum over keys i < nk of p[t][i] v_i, for the tile's queries
 * t < nt. */
static inline __attribute__((always_inline)) void pv(float *const acc[], const int tq, size_t nt, size_t e,
                                                     const int nv, size_t part, const float c[], const float (*p)[SUB],
                                                     size_t nk, const float *vb, size_t ldv)
{
    vf o[TQ][2];
    for (int t = 0; t < tq; t++)
        for (int w = 0; w < nv; w++)
            o[t][w] = vmul(part ? vload_n(acc[t] + e, part) : vload(acc[t] + e + w * VN), vset1(c[t]));
    for (size_t i = 0; i < nk; i++) {
        const float *row = vb + i * ldv + e;
        vf x[2];
        for (int w = 0; w < nv; w++)
            x[w] = part ? vload_n(row, part) : vload(row + w * VN);
        for (int t = 0; t < tq; t++) {
            const vf pi = vset1(p[t][i]);
            for (int w = 0; w < nv; w++)
                o[t][w] = vfma(pi, x[w], o[t][w]);
        }
    }
    for (int t = 0; t < tq; t++) /* constant indices: o stays in registers */
        for (int w = 0; w < nv; w++) {
            if ((size_t)t >= nt)
                continue;
            if (part)
                vstore_n(acc[t] + e, o[t][0], part);
            else
                vstore(acc[t] + e + w * VN, o[t][w]);
        }
}

/* Queries j0 .. j0 + nt - 1 (nt <= tq) against the keys [b, bend) of a
 * sub-block: keys transposed in kt, values in fp32 rows at vb, ldv apart;
 * every query's row attends position b. */
static inline __attribute__((always_inline)) void attend_tile(const q4t_attn_args *a, size_t j0, size_t nt,
                                                              const int tq, size_t b, size_t bend, const float *kt,
                                                              const float *vb, size_t ldv)
{
    const size_t hd = a->head_dim;
    const float *q[TQ];
    float *acc[TQ], m[TQ], l[TQ], c[TQ];
    size_t n[TQ], nk = 0; /* keys of the sub-block each query attends; their maximum */
    for (int t = 0; t < tq; t++) {
        const size_t j = j0 + min_size((size_t)t, nt - 1), r = j / a->heads;
        q[t] = a->q + r * a->ldq + j % a->heads * hd;
        acc[t] = a->acc + j * hd;
        m[t] = a->m[j];
        l[t] = a->l[j];
        n[t] = min_size(a->end0 + r, bend) - b;
        nk = n[t] > nk ? n[t] : nk;
    }
    vf s[TQ][2];
    for (int t = 0; t < tq; t++)
        s[t][0] = s[t][1] = vzero();
    for (size_t e = 0; e < hd; e++) {
        const vf k0 = vload(kt + e * SUB), k1 = vload(kt + e * SUB + VN);
        for (int t = 0; t < tq; t++) {
            const vf qe = vset1(q[t][e]);
            s[t][0] = vfma(qe, k0, s[t][0]);
            s[t][1] = vfma(qe, k1, s[t][1]);
        }
    }
    float p[TQ][SUB]; /* per query, e^(score - m') of the sub-block's keys */
    for (int t = 0; t < tq; t++) {
        const vf scale = vset1(a->scale);
        const vf s0 = vmask_after(vmul(s[t][0], scale), n[t]);
        const vf s1 = vmask_after(vmul(s[t][1], scale), n[t] > VN ? n[t] - VN : 0);
        const float hi = vhmax(vmax(s0, s1)), m_new = hi > m[t] ? hi : m[t];
        const vf p0 = vexp(vsub(s0, vset1(m_new))), p1 = vexp(vsub(s1, vset1(m_new)));
        vstore(p[t], p0);
        vstore(p[t] + VN, p1);
        float cs[VN];
        vstore(cs, vexp(vset1(m[t] - m_new))); /* 0 from m = -INFINITY */
        c[t] = cs[0];
        l[t] = l[t] * c[t] + vhsum(vadd(p0, p1));
        m[t] = m_new;
    }
    size_t e = 0;
    for (; e + 2 * VN <= hd; e += 2 * VN)
        pv(acc, tq, nt, e, 2, 0, c, p, nk, vb, ldv);
    for (; e + VN <= hd; e += VN)
        pv(acc, tq, nt, e, 1, 0, c, p, nk, vb, ldv);
    if (e < hd)
        pv(acc, tq, nt, e, 1, hd - e, c, p, nk, vb, ldv);
    for (size_t t = 0; t < nt; t++) {
        a->m[j0 + t] = m[t];
        a->l[j0 + t] = l[t];
    }
}

/* One tile at the narrowest compiled width that holds nt queries. */
static void run_tile(const q4t_attn_args *a, size_t j0, size_t nt, size_t b, size_t bend, const float *kt,
                     const float *vb, size_t ldv)
{
    if (nt == 1)
        attend_tile(a, j0, nt, 1, b, bend, kt, vb, ldv);
    else if (nt == 2)
        attend_tile(a, j0, nt, 2, b, bend, kt, vb, ldv);
    else if (nt <= 4)
        attend_tile(a, j0, nt, 4, b, bend, kt, vb, ldv);
#if VEC_TQ > 8
    else if (nt <= 8)
        attend_tile(a, j0, nt, 8, b, bend, kt, vb, ldv);
#endif
    else
        attend_tile(a, j0, nt, TQ, b, bend, kt, vb, ldv);
}

static inline __attribute__((always_inline)) void attend(const q4t_attn_args *a, size_t p0, size_t p1,
                                                         q4t_kv_type kv)
{
    const size_t hd = a->head_dim, nq = a->rows * a->heads;
    if (nq == 0)
        return;
    const size_t kend = min_size(p1, a->end0 + a->rows - 1); /* past the last row's last key */
    const size_t elem = kv == Q4T_KV_F16 ? sizeof(uint16_t) : sizeof(float);
    float kt[Q4T_ATTN_MAX_HEAD_DIM * SUB], vs[Q4T_ATTN_MAX_HEAD_DIM * SUB];
    for (size_t b = p0; b < kend; b += SUB) {
        const size_t bend = min_size(b + SUB, kend), nk = bend - b;
        const size_t r0 = b < a->end0 ? 0 : b - a->end0 + 1; /* the first row attending position b */
        const void *kb = (const char *)a->k + b * a->ldkv * elem, *vb = (const char *)a->v + b * a->ldkv * elem;
        stage_keys(kt, kb, a->ldkv, nk, hd, kv);
        if (kv == Q4T_KV_F16)
            stage_values(vs, vb, a->ldkv, nk, hd);
        const float *vrows = kv == Q4T_KV_F16 ? vs : vb;
        const size_t ldv = kv == Q4T_KV_F16 ? hd : a->ldkv;
        for (size_t j0 = r0 * a->heads; j0 < nq; j0 += TQ)
            run_tile(a, j0, min_size(TQ, nq - j0), b, bend, kt, vrows, ldv);
    }
}

static void vx_attend_f32(const q4t_attn_args *a, size_t p0, size_t p1)
{
    attend(a, p0, p1, Q4T_KV_F32);
}

static void vx_attend_f16(const q4t_attn_args *a, size_t p0, size_t p1)
{
    attend(a, p0, p1, Q4T_KV_F16);
}

#endif
