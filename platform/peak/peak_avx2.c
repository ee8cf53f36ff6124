/* Peak probe: vpmaddubsw ymm (u8 x s8 -> s16 pairs), the AVX2 int8 dot product,
 * accumulated in int16 with vpaddw as the AVX2 q4 kernels do within a block. */
#if !defined(__AVX2__)
#error "peak_avx2.c needs -mavx2"
#endif
#include <immintrin.h>

#include "peak.h"

/* The accumulator is also the unsigned operand, so that no two chains compute
 * the same product (a would otherwise be common and the product hoisted). */
static inline __m256i avx2_dot(__m256i acc, __m256i a, __m256i b)
{
    (void)a;
    return _mm256_add_epi16(acc, _mm256_maddubs_epi16(acc, b));
}

uint64_t q4t_peak_avx2(uint64_t rounds)
{
    /* 12 independent chains in registers: covers a 4-6 cycle latency at 2 per cycle. */
    __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0,
         a11 = a0;
    __m256i a = _mm256_set1_epi8(3), b = _mm256_set1_epi8(-5);
    for (uint64_t r = 0; r < rounds; r++) {
        a0 = avx2_dot(a0, a, b);
        a1 = avx2_dot(a1, a, b);
        a2 = avx2_dot(a2, a, b);
        a3 = avx2_dot(a3, a, b);
        a4 = avx2_dot(a4, a, b);
        a5 = avx2_dot(a5, a, b);
        a6 = avx2_dot(a6, a, b);
        a7 = avx2_dot(a7, a, b);
        a8 = avx2_dot(a8, a, b);
        a9 = avx2_dot(a9, a, b);
        a10 = avx2_dot(a10, a, b);
        a11 = avx2_dot(a11, a, b);
        __asm__ volatile("" : "+x"(a0), "+x"(a1), "+x"(a2), "+x"(a3), "+x"(a4), "+x"(a5), "+x"(a6),
                         "+x"(a7), "+x"(a8), "+x"(a9), "+x"(a10), "+x"(a11), "+x"(a), "+x"(b)); /* no hoisting */
    }
    return rounds * 12 * 32 * 2;
}
