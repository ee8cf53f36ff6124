/* Peak probe: SME SMOPA (int8 4-way outer product into a 32-bit ZA tile),
 * (SVL/32)^2 x 4 = B^2/4 s8 x s8 products per instruction (B = SVL in bytes),
 * four tiles in turn. Streaming
 * mode is entered and left around the loop, all inside one asm block (GCC 12
 * has no SME: the assembler is told `.arch_extension sme`). Predicate registers
 * need no clobber: they are caller-saved and the C code around uses no SVE. */
#if !defined(__aarch64__)
#error "peak_sme.c is AArch64 inline assembly for SME"
#endif
#include "peak.h"

uint64_t q4t_peak_sme(uint64_t rounds)
{
    uint64_t svl, n = rounds;
    __asm__ volatile(".arch_extension sme\n"
                     "rdsvl %[svl], #1\n"
                     "smstart\n"
                     "zero {za}\n"
                     "ptrue p0.b\n"
                     "dup z0.b, #3\n"
                     "dup z1.b, #-5\n"
                     "cbz %[n], 2f\n"
                     "1:\n"
                     "smopa za0.s, p0/m, p0/m, z0.b, z1.b\n"
                     "smopa za1.s, p0/m, p0/m, z0.b, z1.b\n"
                     "smopa za2.s, p0/m, p0/m, z0.b, z1.b\n"
                     "smopa za3.s, p0/m, p0/m, z0.b, z1.b\n"
                     "subs %[n], %[n], #1\n"
                     "b.ne 1b\n"
                     "2:\n"
                     "smstop\n"
                     : [svl] "=&r"(svl), [n] "+r"(n)
                     :
                     : "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10", "v11", "v12", "v13",
                       "v14", "v15", "v16", "v17", "v18", "v19", "v20", "v21", "v22", "v23", "v24", "v25", "v26",
                       "v27", "v28", "v29", "v30", "v31", "cc", "memory");
    return rounds * 4 * (svl * svl / 4) * 2;
}
