/* vec_f32_avx512: the forward pass's vector primitives (vec.h), AVX-512F/BW/VL
 * (with AVX2, FMA, F16C), 16 fp32 lanes in zmm. The algorithm is
 * vec_x86_body.h's; here the primitives it names: tails by mask registers
 * (BW/VL for the 16-bit ones), fp16 by vcvtph2ps/vcvtps2ph, 2^n by vscalefps.
 * Attention tiles of 12 queries: 24 score or output accumulators, 2 keys or
 * values and a broadcast within the 32 zmm registers.
 */
#if !defined(__AVX512F__) || !defined(__AVX512BW__) || !defined(__AVX512VL__) || !defined(__F16C__)
#error "vec_f32_avx512 needs AVX-512F/BW/VL and F16C (-mavx512f -mavx512bw -mavx512vl -mf16c)"
#endif

#include <immintrin.h>
#include <math.h>
#include <stdint.h>

#include "../isa.h"

typedef __m512 vf;
enum { VN = 16 };
#define VEC_TQ 12

static inline __mmask16 lanes_below(size_t n) { return n >= VN ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1); }

static inline vf vzero(void) { return _mm512_setzero_ps(); }
static inline vf vset1(float x) { return _mm512_set1_ps(x); }
static inline vf vload(const float *p) { return _mm512_loadu_ps(p); }
static inline void vstore(float *p, vf v) { _mm512_storeu_ps(p, v); }
static inline vf vload_n(const float *p, size_t n) { return _mm512_maskz_loadu_ps(lanes_below(n), p); }
static inline void vstore_n(float *p, vf v, size_t n) { _mm512_mask_storeu_ps(p, lanes_below(n), v); }
static inline vf vadd(vf a, vf b) { return _mm512_add_ps(a, b); }
static inline vf vsub(vf a, vf b) { return _mm512_sub_ps(a, b); }
static inline vf vmul(vf a, vf b) { return _mm512_mul_ps(a, b); }
static inline vf vdiv(vf a, vf b) { return _mm512_div_ps(a, b); }
static inline vf vfma(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }
static inline vf vmax(vf a, vf b) { return _mm512_max_ps(a, b); }
static inline vf vmin(vf a, vf b) { return _mm512_min_ps(a, b); }
static inline float vhsum(vf v) { return _mm512_reduce_add_ps(v); }
static inline float vhmax(vf v) { return _mm512_reduce_max_ps(v); }
static inline vf vload_h(const uint16_t *h) { return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)h)); }

static inline vf vload_h_n(const uint16_t *h, size_t n)
{
    return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(lanes_below(n), h));
}

static inline void vstore_h(uint16_t *h, vf v)
{
    _mm256_storeu_si256((__m256i *)h, _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
}

static inline void vstore_h_n(uint16_t *h, vf v, size_t n)
{
    _mm256_mask_storeu_epi16(h, lanes_below(n), _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
}

static inline vf vswap_pairs(vf v) { return _mm512_permute_ps(v, 0xb1); }
static inline vf vmask_after(vf s, size_t n) { return _mm512_mask_blend_ps(lanes_below(n), vset1(-INFINITY), s); }
static inline int vany_gt(vf v, float x) { return _mm512_cmp_ps_mask(v, vset1(x), _CMP_GT_OQ) != 0; }
static inline vf vldexp(vf y, vf n) { return _mm512_scalef_ps(y, n); }

#include "vec_x86_body.h"

#define AVX512_ISA (Q4T_F_AVX2 | Q4T_F_AVX512F | Q4T_F_AVX512BW | Q4T_F_AVX512VL)
Q4T_VEC(vec_f32_avx512, AVX512_ISA, .rmsnorm = vx_rmsnorm, .add = vx_add, .swiglu = vx_swiglu, .rope = vx_rope,
        .to_f16 = vx_to_f16, .attend = {vx_attend_f32, vx_attend_f16});
