/* gemm_q4_sme_vlxvl: GEMM (prompt processing), SME (v1) streaming mode, SMOPA.
 *
 * Tile vl x vl: R = SVL/32 rows of X by R columns of W (4x4 at a 128-bit SVL,
 * 16x16 at 512, 64x64 at 2048), with every accumulator in ZA:
 *   za0, za2  int32 block sums of alternate 32-blocks: 8 SMOPAs per block
 *             (4 k each), so that one block's sums leave ZA while the next
 *             block's SMOPAs run (no wait on the last SMOPA);
 *   za1       the fp32 result tile, for the whole of K; stored row by row from
 *             ZA (ST1W of a tile slice) at the end;
 *   za3       unused.
 * Per block, each of the R rows of the int32 tile leaves ZA (MOVA), is converted
 * (SCVTF, exact: |16 isum| < 2^24), multiplied by the column scales d_w / 16
 * (FMUL) and added, times the row scale d_x[i], to row i of za1 by an FMOPA
 * whose row predicate holds lane i only (PNEXT steps it): za1[i][j] +=
 * d_x[i] * (16 isum[i][j] * d_w[j] / 16). The extraction costs 5 instructions
 * per tile row and block (5R against the block's 8 SMOPAs: 80 against 8 at a
 * 512-bit SVL), and no memory traffic: the accumulators never leave ZA. Its
 * share does not shrink with more int32 tiles (each brings R rows to extract);
 * gemm_q4_sme_2vlx2vl makes the other choice (four int32 tiles, accumulators in
 * memory).
 *
 * Packed W, X: sme_common.h, with G = H = R (one panel per group).
 * ISA: FEAT_SME (SMOPA i8i32, non-widening FMOPA f32 and streaming SVE, all
 * mandatory in SME v1). GCC 12 has no SME in -march: the file is compiled
 * without SVE (the C code must run on SME CPUs without SVE) and everything run
 * in streaming mode is one inline-asm block between smstart and smstop, its
 * assembler told `.arch_extension sme`.
 * Preconditions: m0 and n0 multiples of R; the caller holds no live ZA state;
 * the SVL is the one the data was packed at.
 */
#if !defined(__aarch64__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "gemm_q4_sme_vlxvl is AArch64 (little-endian) inline assembly for SME"
#endif

#include "sme_common.h"

enum { MR_VL = 1, NR_VL = 1 };

/* One block's sums into zaT (zeroed before): W chunks z0-z3 unpacked to
 * 16 (q - 8) of k 4c.. (z4-z7) and 16+4c.. (z0-z3), X chunks z8-z15. */
#define ACCUMULATE(T)                                                                                                  \
    "ld1b  {z0.b}, p0/z, [%[wq]]\n"                                                                                    \
    "ld1b  {z1.b}, p0/z, [%[wq], #1, mul vl]\n"                                                                        \
    "ld1b  {z2.b}, p0/z, [%[wq], #2, mul vl]\n"                                                                        \
    "ld1b  {z3.b}, p0/z, [%[wq], #3, mul vl]\n"                                                                        \
    "addvl %[wq], %[wq], #4\n"                                                                                         \
    "ld1b  {z8.b}, p0/z, [%[xq]]\n"                                                                                    \
    "ld1b  {z9.b}, p0/z, [%[xq], #1, mul vl]\n"                                                                        \
    "ld1b  {z10.b}, p0/z, [%[xq], #2, mul vl]\n"                                                                       \
    "ld1b  {z11.b}, p0/z, [%[xq], #3, mul vl]\n"                                                                       \
    "ld1b  {z12.b}, p0/z, [%[xq], #4, mul vl]\n"                                                                       \
    "ld1b  {z13.b}, p0/z, [%[xq], #5, mul vl]\n"                                                                       \
    "ld1b  {z14.b}, p0/z, [%[xq], #6, mul vl]\n"                                                                       \
    "ld1b  {z15.b}, p0/z, [%[xq], #7, mul vl]\n"                                                                       \
    "addvl %[xq], %[xq], #8\n"                                                                                         \
    "lsl   z4.b, z0.b, #4\n"                                                                                           \
    "lsl   z5.b, z1.b, #4\n"                                                                                           \
    "lsl   z6.b, z2.b, #4\n"                                                                                           \
    "lsl   z7.b, z3.b, #4\n"                                                                                           \
    "and   z0.b, z0.b, #0xf0\n"                                                                                        \
    "and   z1.b, z1.b, #0xf0\n"                                                                                        \
    "and   z2.b, z2.b, #0xf0\n"                                                                                        \
    "and   z3.b, z3.b, #0xf0\n"                                                                                        \
    "smopa za" #T ".s, p0/m, p0/m, z8.b, z4.b\n"                                                                       \
    "smopa za" #T ".s, p0/m, p0/m, z9.b, z5.b\n"                                                                       \
    "smopa za" #T ".s, p0/m, p0/m, z10.b, z6.b\n"                                                                      \
    "smopa za" #T ".s, p0/m, p0/m, z11.b, z7.b\n"                                                                      \
    "smopa za" #T ".s, p0/m, p0/m, z12.b, z0.b\n"                                                                      \
    "smopa za" #T ".s, p0/m, p0/m, z13.b, z1.b\n"                                                                      \
    "smopa za" #T ".s, p0/m, p0/m, z14.b, z2.b\n"                                                                      \
    "smopa za" #T ".s, p0/m, p0/m, z15.b, z3.b\n"

/* One block's sums from zaT, scaled, into za1: z24 = d_w / 16 (columns),
 * z25 = d_x (rows), p2 = the one row being added. */
#define EXTRACT(T)                                                                                                     \
    "ld1h  {z24.s}, p0/z, [%[wd]]\n"                                                                                   \
    "inch  %[wd]\n"                                                                                                    \
    "fcvt  z24.s, p0/m, z24.h\n"                                                                                       \
    "fmul  z24.s, z24.s, z31.s\n"                                                                                      \
    "ld1w  {z25.s}, p0/z, [%[xd]]\n"                                                                                   \
    "addvl %[xd], %[xd], #1\n"                                                                                         \
    "mov   w12, #0\n"                                                                                                  \
    "pfalse p2.b\n"                                                                                                    \
    "2:\n"                                                                                                             \
    "mova  z16.s, p0/m, za" #T "h.s[w12, 0]\n"                                                                         \
    "mova  z17.s, p0/m, za" #T "h.s[w12, 1]\n"                                                                         \
    "mova  z18.s, p0/m, za" #T "h.s[w12, 2]\n"                                                                         \
    "mova  z19.s, p0/m, za" #T "h.s[w12, 3]\n"                                                                         \
    "add   w12, w12, #4\n"                                                                                             \
    "scvtf z16.s, p0/m, z16.s\n"                                                                                       \
    "scvtf z17.s, p0/m, z17.s\n"                                                                                       \
    "scvtf z18.s, p0/m, z18.s\n"                                                                                       \
    "scvtf z19.s, p0/m, z19.s\n"                                                                                       \
    "fmul  z16.s, z16.s, z24.s\n"                                                                                      \
    "fmul  z17.s, z17.s, z24.s\n"                                                                                      \
    "fmul  z18.s, z18.s, z24.s\n"                                                                                      \
    "fmul  z19.s, z19.s, z24.s\n"                                                                                      \
    "pnext p2.s, p0, p2.s\n"                                                                                           \
    "fmopa za1.s, p2/m, p0/m, z25.s, z16.s\n"                                                                          \
    "pnext p2.s, p0, p2.s\n"                                                                                           \
    "fmopa za1.s, p2/m, p0/m, z25.s, z17.s\n"                                                                          \
    "pnext p2.s, p0, p2.s\n"                                                                                           \
    "fmopa za1.s, p2/m, p0/m, z25.s, z18.s\n"                                                                          \
    "pnext p2.s, p0, p2.s\n"                                                                                           \
    "fmopa za1.s, p2/m, p0/m, z25.s, z19.s\n"                                                                          \
    "cmp   w12, %w[r]\n"                                                                                               \
    "b.lt  2b\n"

/* Y[0..rows)[0..cols) (rows, cols <= R; row stride ldy bytes) of one tile:
 * xq, xd its X group (qs, scales), wq, wd its W group; nb >= 1 blocks. */
static void run_tile(const uint8_t *xq, const float *xd, const uint8_t *wq, const uint16_t *wd, size_t nb, float *y,
                     size_t ldy, size_t rows, size_t cols)
{
    size_t r;
    __asm__ volatile(".arch_extension sme\n"
                     "smstart\n"
                     "cntw    %[r]\n"
                     "ptrue   p0.b\n"
                     "whilelt p1.s, xzr, %[cols]\n"
                     "mov     z31.s, %w[inv16]\n"
                     "zero    {za}\n"
                     ACCUMULATE(0)
                     "subs    %[nb], %[nb], #1\n"
                     "b.eq    3f\n"
                     "1:\n"
                     "zero    {za2.s}\n"
                     ACCUMULATE(2)
                     EXTRACT(0)
                     "subs    %[nb], %[nb], #1\n"
                     "b.eq    4f\n"
                     "zero    {za0.s}\n"
                     ACCUMULATE(0)
                     EXTRACT(2)
                     "subs    %[nb], %[nb], #1\n"
                     "b.ne    1b\n"
                     "3:\n"
                     EXTRACT(0)
                     "b       5f\n"
                     "4:\n"
                     EXTRACT(2)
                     "5:\n"
                     "mov     w12, #0\n"
                     "6:\n"
                     "st1w    {za1h.s[w12, 0]}, p1, [%[y]]\n"
                     "add     %[y], %[y], %[ldy]\n"
                     "add     w12, w12, #1\n"
                     "cmp     w12, %w[rows]\n"
                     "b.lt    6b\n"
                     "smstop\n"
                     : [xq] "+r"(xq), [xd] "+r"(xd), [wq] "+r"(wq), [wd] "+r"(wd), [nb] "+r"(nb), [y] "+r"(y),
                       [r] "=&r"(r)
                     : [ldy] "r"(ldy), [rows] "r"(rows), [cols] "r"(cols), [inv16] "r"(SME_INV16)
                     : "x12", SME_CLOBBERS);
}

static void run(const q4t_run_args *a, size_t m0, size_t m1, size_t n0, size_t n1)
{
    sme_run_tiles(a, m0, m1, n0, n1, 1, run_tile);
}

Q4T_VARIANT(gemm_q4_sme_vlxvl, GEMM, Q4T_F_NEON | Q4T_F_SME | Q4T_F_SMEI8I32, sme_gvl, sme_x1vl, run,
            .mr = MR_VL, .nr = NR_VL, .kr = 4, .mr_vl = 1, .nr_vl = 1, .tile = sme_tile);
