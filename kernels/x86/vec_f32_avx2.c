/* vec_f32_avx2: the forward pass's vector primitives (vec.h), AVX2 + FMA +
 * F16C, 8 fp32 lanes in ymm. The algorithm is vec_x86_body.h's; here the
 * primitives it names: tails by vmaskmovps, fp16 by vcvtph2ps/vcvtps2ph.
 * Attention tiles of 6 queries: 12 score or output accumulators, 2 keys or
 * values and a broadcast within the 16 ymm registers.
 */
#if !defined(__AVX2__) || !defined(__FMA__) || !defined(__F16C__)
#error "vec_f32_avx2 needs AVX2, FMA and F16C (-mavx2 -mfma -mf16c)"
#endif

#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../isa.h"

typedef __m256 vf;
enum { VN = 8 };
#define VEC_TQ 6

static inline vf vzero(void) { return _mm256_setzero_ps(); }
static inline vf vset1(float x) { return _mm256_set1_ps(x); }
static inline vf vload(const float *p) { return _mm256_loadu_ps(p); }
static inline void vstore(float *p, vf v) { _mm256_storeu_ps(p, v); }

/* Lanes < n set, as vmaskmovps reads a mask. */
static inline __m256i lanes_below(size_t n)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

static inline vf vload_n(const float *p, size_t n) { return _mm256_maskload_ps(p, lanes_below(n)); }
static inline void vstore_n(float *p, vf v, size_t n) { _mm256_maskstore_ps(p, lanes_below(n), v); }
static inline vf vadd(vf a, vf b) { return _mm256_add_ps(a, b); }
static inline vf vsub(vf a, vf b) { return _mm256_sub_ps(a, b); }
static inline vf vmul(vf a, vf b) { return _mm256_mul_ps(a, b); }
static inline vf vdiv(vf a, vf b) { return _mm256_div_ps(a, b); }
static inline vf vfma(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }
static inline vf vmax(vf a, vf b) { return _mm256_max_ps(a, b); }
static inline vf vmin(vf a, vf b) { return _mm256_min_ps(a, b); }

static inline float vhsum(vf v)
{
    __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    x = _mm_add_ps(x, _mm_movehl_ps(x, x));
    return _mm_cvtss_f32(_mm_add_ss(x, _mm_movehdup_ps(x)));
}

static inline float vhmax(vf v)
{
    __m128 x = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    x = _mm_max_ps(x, _mm_movehl_ps(x, x));
    return _mm_cvtss_f32(_mm_max_ss(x, _mm_movehdup_ps(x)));
}

static inline vf vload_h(const uint16_t *h) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)h)); }

static inline vf vload_h_n(const uint16_t *h, size_t n)
{
    uint16_t t[VN] = {0};
    memcpy(t, h, n * sizeof *t);
    return vload_h(t);
}

static inline void vstore_h(uint16_t *h, vf v)
{
    _mm_storeu_si128((__m128i *)h, _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
}

static inline void vstore_h_n(uint16_t *h, vf v, size_t n)
{
    uint16_t t[VN];
    vstore_h(t, v);
    memcpy(h, t, n * sizeof *t);
}

static inline vf vswap_pairs(vf v) { return _mm256_permute_ps(v, 0xb1); }

static inline vf vmask_after(vf s, size_t n)
{
    return _mm256_blendv_ps(_mm256_set1_ps(-INFINITY), s, _mm256_castsi256_ps(lanes_below(n)));
}

static inline int vany_gt(vf v, float x) { return _mm256_movemask_ps(_mm256_cmp_ps(v, vset1(x), _CMP_GT_OQ)) != 0; }

/* y 2^n as y 2^(n - h) 2^h, h = n >> 1: both factors normal for |n| <= 252. */
static inline vf vldexp(vf y, vf n)
{
    const __m256i ni = _mm256_cvtps_epi32(n), h = _mm256_srai_epi32(ni, 1), one = _mm256_set1_epi32(0x3f800000);
    const vf s1 = _mm256_castsi256_ps(_mm256_add_epi32(_mm256_slli_epi32(h, 23), one));
    const vf s2 = _mm256_castsi256_ps(_mm256_add_epi32(_mm256_slli_epi32(_mm256_sub_epi32(ni, h), 23), one));
    return vmul(vmul(y, s2), s1);
}

#include "vec_x86_body.h"

Q4T_VEC(vec_f32_avx2, Q4T_F_AVX2, .rmsnorm = vx_rmsnorm, .add = vx_add, .swiglu = vx_swiglu, .rope = vx_rope,
        .to_f16 = vx_to_f16, .attend = {vx_attend_f32, vx_attend_f16});
