/* Peak probe: vpdpbusd zmm (AVX512-VNNI), 64 u8 x s8 products per instruction. */
#if !defined(__AVX512VNNI__)
#error "peak_avx512vnni.c needs -mavx512vnni"
#endif
#include <immintrin.h>

#include "peak.h"

uint64_t q4t_peak_avx512vnni(uint64_t rounds)
{
    /* 12 independent chains in registers: covers a 4-6 cycle latency at 2 per cycle. */
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0,
         a11 = a0;
    __m512i a = _mm512_set1_epi8(3), b = _mm512_set1_epi8(-5);
    for (uint64_t r = 0; r < rounds; r++) {
        a0 = _mm512_dpbusd_epi32(a0, a, b);
        a1 = _mm512_dpbusd_epi32(a1, a, b);
        a2 = _mm512_dpbusd_epi32(a2, a, b);
        a3 = _mm512_dpbusd_epi32(a3, a, b);
        a4 = _mm512_dpbusd_epi32(a4, a, b);
        a5 = _mm512_dpbusd_epi32(a5, a, b);
        a6 = _mm512_dpbusd_epi32(a6, a, b);
        a7 = _mm512_dpbusd_epi32(a7, a, b);
        a8 = _mm512_dpbusd_epi32(a8, a, b);
        a9 = _mm512_dpbusd_epi32(a9, a, b);
        a10 = _mm512_dpbusd_epi32(a10, a, b);
        a11 = _mm512_dpbusd_epi32(a11, a, b);
        __asm__ volatile("" : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3), "+v"(a4), "+v"(a5), "+v"(a6),
                         "+v"(a7), "+v"(a8), "+v"(a9), "+v"(a10), "+v"(a11), "+v"(a), "+v"(b)); /* no hoisting */
    }
    return rounds * 12 * 64 * 2;
}
