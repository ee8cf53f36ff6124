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
 *   vswap_pairs (lanes 2i <-> 2i+1), vmask_after(s, n): lanes >= n -> -inf,
 *   vany_gt(v, x): whether a lane of v exceeds x,
 *   vldexp(y, n) = y 2^n for integral n in [-152, 129], rounded once
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
 * the queries are in fixed tiles of TQ (consecutive j, across rows; a short
 * last tile runs at the next width of 1, 2, 4, 8, TQ that holds it,
 * repeating its last query, stored once), staged once per call (times
 * scale, transposed: qt[e][t]); then per sub-block, each tile holding a
 * query whose row attends it:
 *   scores  S[t] (2 vectors, lane = key) += qt[e][t] (broadcast) * kt[e];
 *           keys at or past a query's causal end -inf;
 *   softmax m' = max(m, max S[t]) only when a score passes m + LAZY (vec.h
 *           lets m lag), then one rescale c = e^(m - m') per query, else
 *           c = 1; p = e^(S - m'), l = l c + sum p;
 *   P.V     acc[t] = acc[t] c + sum_i p[t][i] v_i, 2 vectors of head_dim by
 *           TQ queries in registers, p broadcast.
 * The rows of the sub-block AHEAD sub-blocks on are prefetched (a decode step
 * reads each KV head's rows from memory, a strided stream).
 * Preconditions: those of vec.h (head_dim even, <= Q4T_ATTN_MAX_HEAD_DIM).
 */
#ifndef Q4T_VEC_X86_BODY_H
#define Q4T_VEC_X86_BODY_H

#include <immintrin.h>
#include <math.h>

#include "../vec.h"

enum {
    SUB = 2 * VN,    /* keys per sub-block: two vectors of scores per query */
    TQ = VEC_TQ,     /* queries per tile */
    Q_STAGE = 32768, /* floats of staged queries: 128 of 256 elements, TQ x head_dim at the least */
    AHEAD = 2,       /* sub-blocks of keys and values asked for ahead */
};
_Static_assert(VEC_TQ <= VN, "one vector holds the rescale factors of a tile");
static const float LAZY = 8.0f; /* how far a score may pass m before m is raised: p <= e^8 */

static inline size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* e^x per lane, within 2 ulp of expf: x = n ln2 + r, |r| <= ln2/2, e^x =
 * 2^n (1 + poly(r)), poly of degree 5 (the coefficients of Arm
 * optimized-routines' v_expf); the scaling by 2^n rounds once, so results
 * below 2^-126 are subnormal or 0 and above FLT_MAX inf; NaN stays NaN (the
 * clamps keep it). */
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
    return vldexp(vadd(vset1(1.0f), poly), n);
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

/* x = op(x, y) over n elements (op inlined: a constant at every call). */
static inline __attribute__((always_inline)) void map2(float *x, const float *y, size_t n, vf (*op)(vf, vf))
{
    size_t j = 0;
    for (; j + VN <= n; j += VN)
        vstore(x + j, op(vload(x + j), vload(y + j)));
    if (j < n)
        vstore_n(x + j, op(vload_n(x + j, n - j), vload_n(y + j, n - j)), n - j);
}

static void vx_add(float *x, const float *y, size_t n)
{
    map2(x, y, n, vadd);
}

/* h / (1 + e^-h) * u */
static inline vf silu_mul(vf h, vf u)
{
    return vmul(vdiv(h, vadd(vset1(1.0f), vexp(vsub(vzero(), h)))), u);
}

static void vx_swiglu(float *h, const float *u, size_t n)
{
    map2(h, u, n, silu_mul);
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

/* The width a tile of nt queries runs at: the narrowest compiled one. */
static inline size_t tile_width(size_t nt)
{
    return nt <= 2 ? nt : nt <= 4 ? 4 : VEC_TQ > 8 && nt <= 8 ? 8 : TQ;
}

/* Queries j0 .. j0 + nt - 1 (nt <= tq), scaled and transposed in qt[e * tq +
 * t], against the keys [b, bend) of a sub-block: keys transposed in kt,
 * values in fp32 rows at vb, ldv apart. A query whose row ends before b
 * keeps its state. */
static inline __attribute__((always_inline)) void attend_tile(const q4t_attn_args *a, size_t j0, size_t nt,
                                                              const int tq, const float *qt, size_t b, size_t bend,
                                                              const float *kt, const float *vb, size_t ldv)
{
    const size_t hd = a->head_dim;
    float *acc[TQ], m[TQ], l[TQ], c[VN];
    size_t n[TQ], nk = 0; /* keys of the sub-block each query attends; their maximum */
    for (int t = 0; t < tq; t++) {
        const size_t j = j0 + min_size((size_t)t, nt - 1), end = min_size(a->end0 + j / a->heads, bend);
        acc[t] = a->acc + j * hd;
        m[t] = a->m[j];
        l[t] = a->l[j];
        n[t] = end > b ? end - b : 0;
        nk = n[t] > nk ? n[t] : nk;
    }
    vf s[TQ][2];
    for (int t = 0; t < tq; t++)
        s[t][0] = s[t][1] = vzero();
    for (size_t e = 0; e < hd; e++) {
        const vf k0 = vload(kt + e * SUB), k1 = vload(kt + e * SUB + VN);
        for (int t = 0; t < tq; t++) {
            const vf qe = vset1(qt[e * (size_t)tq + (size_t)t]);
            s[t][0] = vfma(qe, k0, s[t][0]);
            s[t][1] = vfma(qe, k1, s[t][1]);
        }
    }
    float p[TQ][SUB], lag[VN] = {0}, sum[TQ]; /* per query: e^(score - m') of the keys; m - m'; sum of p */
    for (int t = 0; t < tq; t++) {
        vf s0 = s[t][0], s1 = s[t][1];
        if (n[t] < SUB) { /* the causal edge */
            s0 = vmask_after(s0, n[t]);
            s1 = vmask_after(s1, n[t] > VN ? n[t] - VN : 0);
        }
        const vf hi = vmax(s0, s1);
        if (vany_gt(hi, m[t] + LAZY)) { /* always from m = -INFINITY, but for a query that sees no key */
            const float top = vhmax(hi), m_new = top > m[t] ? top : m[t];
            lag[t] = m[t] - m_new;
            m[t] = m_new;
        }
        if (n[t] == 0) { /* p = 0, c = 1 */
            vstore(p[t], vzero());
            vstore(p[t] + VN, vzero());
            sum[t] = 0.0f;
            continue;
        }
        const vf p0 = vexp(vsub(s0, vset1(m[t]))), p1 = vexp(vsub(s1, vset1(m[t])));
        vstore(p[t], p0);
        vstore(p[t] + VN, p1);
        sum[t] = vhsum(vadd(p0, p1));
    }
    vstore(c, vexp(vload(lag))); /* e^0 = 1 exactly; e^-inf = 0 */
    for (int t = 0; t < tq; t++)
        l[t] = l[t] * c[t] + sum[t];
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

static void run_tile(const q4t_attn_args *a, size_t j0, size_t nt, const float *qt, size_t b, size_t bend,
                     const float *kt, const float *vb, size_t ldv)
{
    switch (tile_width(nt)) {
    case 1: attend_tile(a, j0, nt, 1, qt, b, bend, kt, vb, ldv); break;
    case 2: attend_tile(a, j0, nt, 2, qt, b, bend, kt, vb, ldv); break;
    case 4: attend_tile(a, j0, nt, 4, qt, b, bend, kt, vb, ldv); break;
#if VEC_TQ > 8
    case 8: attend_tile(a, j0, nt, 8, qt, b, bend, kt, vb, ldv); break;
#endif
    default: attend_tile(a, j0, nt, TQ, qt, b, bend, kt, vb, ldv); break;
    }
}

/* Asks for the key and value rows of the sub-block at position `from` (of a
 * block whose rows are row_bytes apart, `bytes` of each read, kb and vb at
 * position b), unless past `end`: a decode step reads the cache once, from
 * memory, where the rows of one KV head are a strided stream. */
static inline void prefetch_rows(const void *kb, const void *vb, size_t row_bytes, size_t from, size_t end,
                                 size_t bytes, size_t b)
{
    for (size_t i = from; i < min_size(from + SUB, end); i++)
        for (size_t off = 0; off < bytes; off += 64) {
            _mm_prefetch((const char *)kb + (i - b) * row_bytes + off, _MM_HINT_T0);
            _mm_prefetch((const char *)vb + (i - b) * row_bytes + off, _MM_HINT_T0);
        }
}

/* Tiles k of TQ queries (j = k TQ ..), k0 <= k < k1, each staged at qs + (k -
 * k0) TQ hd as attend_tile reads it: scaled, transposed, the last query
 * repeated to the tile's width. */
static void stage_queries(float *qs, const q4t_attn_args *a, size_t k0, size_t k1)
{
    const size_t hd = a->head_dim, nq = a->rows * a->heads;
    for (size_t k = k0; k < k1; k++, qs += TQ * hd) {
        const size_t j0 = k * TQ, nt = min_size(TQ, nq - j0), tq = tile_width(nt);
        for (size_t t = 0; t < tq; t++) {
            const size_t j = j0 + min_size(t, nt - 1);
            const float *q = a->q + j / a->heads * a->ldq + j % a->heads * hd;
            for (size_t e = 0; e < hd; e++)
                qs[e * tq + t] = a->scale * q[e];
        }
    }
}

static inline __attribute__((always_inline)) void attend(const q4t_attn_args *a, size_t p0, size_t p1,
                                                         q4t_kv_type kv)
{
    const size_t hd = a->head_dim, nq = a->rows * a->heads, tiles = (nq + TQ - 1) / TQ;
    const size_t elem = kv == Q4T_KV_F16 ? sizeof(uint16_t) : sizeof(float);
    const size_t group = Q_STAGE / (TQ * hd); /* tiles staged at a time: all of them but for many heads */
    float kt[Q4T_ATTN_MAX_HEAD_DIM * SUB], vs[Q4T_ATTN_MAX_HEAD_DIM * SUB], qs[Q_STAGE];
    for (size_t k0 = 0; k0 < tiles; k0 += group) {
        const size_t k1 = min_size(k0 + group, tiles), last = min_size(k1 * TQ, nq) - 1;
        const size_t kend = min_size(p1, a->end0 + last / a->heads); /* past the group's last key */
        stage_queries(qs, a, k0, k1);
        for (size_t b = p0; b < kend; b += SUB) {
            const size_t bend = min_size(b + SUB, kend), nk = bend - b;
            const size_t r0 = b < a->end0 ? 0 : b - a->end0 + 1; /* the first row attending position b */
            const void *kb = (const char *)a->k + b * a->ldkv * elem, *vb = (const char *)a->v + b * a->ldkv * elem;
            prefetch_rows(kb, vb, a->ldkv * elem, b + AHEAD * SUB, kend, hd * elem, b);
            stage_keys(kt, kb, a->ldkv, nk, hd, kv);
            if (kv == Q4T_KV_F16)
                stage_values(vs, vb, a->ldkv, nk, hd);
            const float *vrows = kv == Q4T_KV_F16 ? vs : vb;
            const size_t ldv = kv == Q4T_KV_F16 ? hd : a->ldkv;
            for (size_t k = r0 * a->heads / TQ > k0 ? r0 * a->heads / TQ : k0; k < k1; k++)
                run_tile(a, k * TQ, min_size(TQ, nq - k * TQ), qs + (k - k0) * TQ * hd, b, bend, kt, vrows, ldv);
        }
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
