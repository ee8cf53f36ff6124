/* gemm_q4_sme2_vlxvl: GEMM (prompt processing), SME2 streaming mode: LUTI4,
 * multi-vector loads, SMOPA, and the block epilogue by vgx4 groups of ZA array
 * vectors.
 *
 * Tile vl x vl: R = SVL/32 rows of X by R columns of W (4x4 at a 128-bit SVL,
 * 16x16 at 512, 64x64 at 2048). ZA holds everything:
 *   za0, za1  int32 sums of alternate 32-blocks (8 SMOPAs of 4 k per block), so
 *             that one block's sums leave ZA while the next block's SMOPAs run;
 *   za2       the fp32 result tile for the whole of K, stored row by row at the
 *             end (ST1W of tile slices);
 *   za3       the block's scales: one FMOPA of the row scales d_x by the column
 *             scales d_w makes za3[i][j] = d_x[i] d_w[j] (exact: a product of two
 *             fp16 values).
 * Per block: one LD1B of four vectors brings the block's W nibbles (R columns x
 * 32 k), four LUTI4 (ZT0 maps nibble q to q - 8) unpack them into the 8 SMOPA
 * operands, two LD1B of four vectors bring X. The epilogue then takes, per
 * group of four tile rows, the int32 sums (MOVA of four array vectors), converts
 * them (SCVTF of four vectors, exact: |isum| < 2^24), takes the same rows of the
 * scales (MOVA) and accumulates into za2 (FMLA of four vectors by four: one
 * rounding): za2[i][j] += isum[i][j] * (d_x[i] d_w[j]). That is R + 7
 * instructions per block against gemm_q4_sme_vlxvl's 5R + 6.
 *
 * Packed W: sme2_common.h, P = 1 (layout sme2_p1vl: each vector holds chunks c
 * and c + 1 of the panel). Packed X: sme_common.h, H = R, d in row order.
 * ISA: FEAT_SME2 (LUTI4, ZT0, multi-vector LD1B, MOVA, SCVTF and FMLA), FEAT_SME
 * (SMOPA i8i32, FMOPA f32). GCC 12's assembler has no SME2: the SME2
 * instructions are .inst encodings (sme2_common.h). The C code is built without
 * SVE (SME2 CPUs may lack it); everything run in streaming mode is one inline-asm
 * block between smstart and smstop, which leaves no ZA or ZT0 state live.
 * Preconditions: m0 and n0 multiples of R; the caller holds no live ZA state;
 * the SVL is the one the data was packed at.
 */
#if !defined(__aarch64__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "gemm_q4_sme2_vlxvl is AArch64 (little-endian) inline assembly for SME2"
#endif

#include "sme2_common.h"

enum { MR_VL = 1, NR_VL = 1, PANELS = 1 };

/* The general registers the SME2 encodings name (pinned in run_tile). */
#define WQ 9  /* W nibbles */
#define XQ 10 /* X values */
#define LUT 11

/* One block's sums into zaT (zeroed before): W nibbles z0-z3, unpacked to the
 * 8 chunks z4-z11, X chunks z12-z19. */
#define ACCUMULATE(T)                                                                                                  \
    SME2_LD1B_X4(0, 8, WQ, 0)                                                                                          \
    SME2_LD1B_X4(12, 8, XQ, 0)                                                                                         \
    SME2_LD1B_X4(16, 8, XQ, 4)                                                                                         \
    "addvl %[wq], %[wq], #4\n"                                                                                         \
    "addvl %[xq], %[xq], #8\n"                                                                                         \
    SME2_LUTI4_X2(4, 0)                                                                                                \
    SME2_LUTI4_X2(6, 1)                                                                                                \
    SME2_LUTI4_X2(8, 2)                                                                                                \
    SME2_LUTI4_X2(10, 3)                                                                                               \
    "smopa za" #T ".s, p0/m, p0/m, z12.b, z4.b\n"                                                                      \
    "smopa za" #T ".s, p0/m, p0/m, z13.b, z5.b\n"                                                                      \
    "smopa za" #T ".s, p0/m, p0/m, z14.b, z6.b\n"                                                                      \
    "smopa za" #T ".s, p0/m, p0/m, z15.b, z7.b\n"                                                                      \
    "smopa za" #T ".s, p0/m, p0/m, z16.b, z8.b\n"                                                                      \
    "smopa za" #T ".s, p0/m, p0/m, z17.b, z9.b\n"                                                                      \
    "smopa za" #T ".s, p0/m, p0/m, z18.b, z10.b\n"                                                                     \
    "smopa za" #T ".s, p0/m, p0/m, z19.b, z11.b\n"

/* One block's sums from zaT, times the scales, into za2: za3 = d_x (z20, rows)
 * by d_w (z21, columns), then per group of four rows (w8 = 4i) isum rows in
 * z24-z27, scale rows in z28-z31. */
#define EXTRACT(T)                                                                                                     \
    "ld1w  {z20.s}, p0/z, [%[xd]]\n"                                                                                   \
    "addvl %[xd], %[xd], #1\n"                                                                                         \
    "ld1h  {z21.s}, p0/z, [%[wd]]\n"                                                                                   \
    "inch  %[wd]\n"                                                                                                    \
    "fcvt  z21.s, p0/m, z21.h\n"                                                                                       \
    "zero  {za3.s}\n"                                                                                                  \
    "fmopa za3.s, p0/m, p0/m, z20.s, z21.s\n"                                                                          \
    "mov   w8, #0\n"                                                                                                   \
    "2:\n"                                                                                                             \
    SME2_MOVA_X4_FROM_ZA(24, 8, T)                                                                                     \
    SME2_MOVA_X4_FROM_ZA(28, 8, 3)                                                                                     \
    SME2_SCVTF_X4(24, 24)                                                                                              \
    SME2_FMLA_ZA_X4(8, 2, 24, 28)                                                                                      \
    "add   w8, w8, #4\n"                                                                                               \
    "cmp   w8, %w[r]\n"                                                                                                \
    "b.lt  2b\n"

/* Y[0..rows)[0..cols) (rows, cols <= R; row stride ldy bytes) of one tile:
 * xq, xd its X group (qs, scales), wq, wd its W group; nb >= 1 blocks. */
static void run_tile(const uint8_t *xq_, const float *xd, const uint8_t *wq_, const uint16_t *wd, size_t nb, float *y,
                     size_t ldy, size_t rows, size_t cols)
{
    register const uint8_t *wq __asm__("x" SME2_STR(WQ)) = wq_;
    register const uint8_t *xq __asm__("x" SME2_STR(XQ)) = xq_;
    register const uint32_t *lut __asm__("x" SME2_STR(LUT)) = sme2_lut_q4;
    size_t r;
    __asm__ volatile(".arch_extension sme\n"
                     "smstart\n"
                     "cntw    %[r]\n"
                     "ptrue   p0.b\n"
                     SME2_PTRUE_PN_B(8)
                     SME2_LDR_ZT0(LUT)
                     "whilelt p1.s, xzr, %[cols]\n"
                     "zero    {za}\n"
                     ACCUMULATE(0)
                     "subs    %[nb], %[nb], #1\n"
                     "b.eq    3f\n"
                     "1:\n"
                     "zero    {za1.s}\n"
                     ACCUMULATE(1)
                     EXTRACT(0)
                     "subs    %[nb], %[nb], #1\n"
                     "b.eq    4f\n"
                     "zero    {za0.s}\n"
                     ACCUMULATE(0)
                     EXTRACT(1)
                     "subs    %[nb], %[nb], #1\n"
                     "b.ne    1b\n"
                     "3:\n"
                     EXTRACT(0)
                     "b       5f\n"
                     "4:\n"
                     EXTRACT(1)
                     "5:\n"
                     "mov     w12, #0\n"
                     "6:\n"
                     "st1w    {za2h.s[w12, 0]}, p1, [%[y]]\n"
                     "add     %[y], %[y], %[ldy]\n"
                     "add     w12, w12, #1\n"
                     "cmp     w12, %w[rows]\n"
                     "b.lt    6b\n"
                     "smstop\n"
                     : [xq] "+r"(xq), [xd] "+r"(xd), [wq] "+r"(wq), [wd] "+r"(wd), [nb] "+r"(nb), [y] "+r"(y),
                       [r] "=&r"(r)
                     : [ldy] "r"(ldy), [rows] "r"(rows), [cols] "r"(cols), "r"(lut)
                     : "x12", SME2_CLOBBERS);
}

static void run(const q4t_run_args *a, size_t m0, size_t m1, size_t n0, size_t n1)
{
    sme_run_tiles(a, m0, m1, n0, n1, 1, run_tile);
}

Q4T_VARIANT(gemm_q4_sme2_vlxvl, GEMM, Q4T_F_NEON | Q4T_F_SME | Q4T_F_SME2 | Q4T_F_SMEI8I32, sme2_p1vl, sme_x1vl,
            run, .mr = MR_VL, .nr = NR_VL, .kr = 4, .mr_vl = 1, .nr_vl = 1, .tile = sme_tile);
