/* Peak probe: vpdpbusd ymm (AVX-VNNI, VEX), 32 u8 x s8 products per instruction. */
#if !defined(__AVXVNNI__)
#error "peak_avxvnni.c needs -mavxvnni"
#endif
#include <immintrin.h>

#include "peak.h"

uint64_t q4t_peak_avxvnni(uint64_t rounds)
{
    /* 12 independent chains in registers: covers a 4-6 cycle latency at 2 per cycle. */
    __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0,
         a11 = a0;
    __m256i a = _mm256_set1_epi8(3), b = _mm256_set1_epi8(-5);
    for (uint64_t r = 0; r < rounds; r++) {
        a0 = _mm256_dpbusd_avx_epi32(a0, a, b);
        a1 = _mm256_dpbusd_avx_epi32(a1, a, b);
        a2 = _mm256_dpbusd_avx_epi32(a2, a, b);
        a3 = _mm256_dpbusd_avx_epi32(a3, a, b);
        a4 = _mm256_dpbusd_avx_epi32(a4, a, b);
        a5 = _mm256_dpbusd_avx_epi32(a5, a, b);
        a6 = _mm256_dpbusd_avx_epi32(a6, a, b);
        a7 = _mm256_dpbusd_avx_epi32(a7, a, b);
        a8 = _mm256_dpbusd_avx_epi32(a8, a, b);
        a9 = _mm256_dpbusd_avx_epi32(a9, a, b);
        a10 = _mm256_dpbusd_avx_epi32(a10, a, b);
        a11 = _mm256_dpbusd_avx_epi32(a11, a, b);
        __asm__ volatile("" : "+x"(a0), "+x"(a1), "+x"(a2), "+x"(a3), "+x"(a4), "+x"(a5), "+x"(a6),
                         "+x"(a7), "+x"(a8), "+x"(a9), "+x"(a10), "+x"(a11), "+x"(a), "+x"(b)); /* no hoisting */
    }
    return rounds * 12 * 32 * 2;
}
