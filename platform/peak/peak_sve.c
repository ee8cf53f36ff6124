/* Peak probe: SVE SDOT, VL/8 s8 x s8 products per instruction. */
#if !defined(__ARM_FEATURE_SVE)
#error "peak_sve.c needs -march=armv8.2-a+sve"
#endif
#include <arm_sve.h>

#include "peak.h"

enum { CHAINS = 12 };

uint64_t q4t_peak_sve(uint64_t rounds)
{
    svint32_t a0 = svdup_s32(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0,
              a10 = a0, a11 = a0;
    svint8_t a = svdup_s8(3), b = svdup_s8(-5);
    for (uint64_t r = 0; r < rounds; r++) {
        a0 = svdot_s32(a0, a, b);
        a1 = svdot_s32(a1, a, b);
        a2 = svdot_s32(a2, a, b);
        a3 = svdot_s32(a3, a, b);
        a4 = svdot_s32(a4, a, b);
        a5 = svdot_s32(a5, a, b);
        a6 = svdot_s32(a6, a, b);
        a7 = svdot_s32(a7, a, b);
        a8 = svdot_s32(a8, a, b);
        a9 = svdot_s32(a9, a, b);
        a10 = svdot_s32(a10, a, b);
        a11 = svdot_s32(a11, a, b);
        __asm__ volatile("" : "+w"(a0), "+w"(a1), "+w"(a2), "+w"(a3), "+w"(a4), "+w"(a5), "+w"(a6), "+w"(a7),
                         "+w"(a8), "+w"(a9), "+w"(a10), "+w"(a11), "+w"(a), "+w"(b));
    }
    const svbool_t all = svptrue_b32();
    svint32_t sum = svadd_s32_x(all, svadd_s32_x(all, svadd_s32_x(all, a0, a1), svadd_s32_x(all, a2, a3)),
                                svadd_s32_x(all, svadd_s32_x(all, a4, a5), svadd_s32_x(all, a6, a7)));
    sum = svadd_s32_x(all, sum, svadd_s32_x(all, svadd_s32_x(all, a8, a9), svadd_s32_x(all, a10, a11)));
    __asm__ volatile("" ::"w"(sum));
    return rounds * CHAINS * svcntb() * 2;
}
