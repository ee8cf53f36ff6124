/* Peak probe: NEON SMMLA (Armv8.6 I8MM), 2x8 by 8x2: 32 s8 x s8 products per instruction. */
#if !defined(__ARM_FEATURE_MATMUL_INT8)
#error "peak_i8mm.c needs -march=armv8.2-a+i8mm"
#endif
#include <arm_neon.h>

#include "peak.h"

uint64_t q4t_peak_i8mm(uint64_t rounds)
{
    /* 12 independent chains in registers: covers a 4-6 cycle latency at 2 per cycle. */
    int32x4_t a0 = vdupq_n_s32(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0,
         a11 = a0;
    int8x16_t a = vdupq_n_s8(3), b = vdupq_n_s8(-5);
    for (uint64_t r = 0; r < rounds; r++) {
        a0 = vmmlaq_s32(a0, a, b);
        a1 = vmmlaq_s32(a1, a, b);
        a2 = vmmlaq_s32(a2, a, b);
        a3 = vmmlaq_s32(a3, a, b);
        a4 = vmmlaq_s32(a4, a, b);
        a5 = vmmlaq_s32(a5, a, b);
        a6 = vmmlaq_s32(a6, a, b);
        a7 = vmmlaq_s32(a7, a, b);
        a8 = vmmlaq_s32(a8, a, b);
        a9 = vmmlaq_s32(a9, a, b);
        a10 = vmmlaq_s32(a10, a, b);
        a11 = vmmlaq_s32(a11, a, b);
        __asm__ volatile("" : "+w"(a0), "+w"(a1), "+w"(a2), "+w"(a3), "+w"(a4), "+w"(a5), "+w"(a6),
                         "+w"(a7), "+w"(a8), "+w"(a9), "+w"(a10), "+w"(a11), "+w"(a), "+w"(b)); /* no hoisting */
    }
    return rounds * 12 * 32 * 2;
}
