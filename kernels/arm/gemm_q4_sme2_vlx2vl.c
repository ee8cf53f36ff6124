/* gemm_q4_sme2_vlx2vl: GEMM (prompt processing), SME2 streaming mode: LUTI4,
 * multi-vector loads, SMOPA, and the block epilogue by vgx4 groups of ZA array
 * vectors.
 *
 * Tile vl x 2vl: R = SVL/32 rows of X by 2R columns of W (4x8 at a 128-bit SVL,
 * 16x32 at 512, 64x128 at 2048). ZA holds everything:
 *   za0, za1  int32 sums of one 32-block, columns 0..R-1 and R..2R-1: 16 SMOPAs
 *             per block, each X vector feeding two of them;
 *   za2, za3  the fp32 result, the same two halves, for the whole of K; stored
 *             row by row at the end (ST1W of tile slices).
 * Per block: two LD1B of four vectors bring the block's W nibbles (2R columns x
 * 32 k) and eight LUTI4 (ZT0 maps nibble q to q - 8) unpack each vector into one
 * chunk (4 k) of both column panels; two LD1B of four vectors bring X. No ZA tile
 * is left for the scales (gemm_q4_sme2_vlxvl makes them with one FMOPA), so per
 * group of four tile rows i, i + R/4, i + 2R/4, i + 3R/4 (one LD1RQW brings
 * their row scales d_x, packed in that order) eight FMULs by element make the
 * scale rows d_x[i] d_w[j] (exact: a product of two fp16 values); two MOVAs of
 * four array vectors take the int32 sums of both halves, two SCVTFs of four
 * vectors convert them (exact: |isum| < 2^24) and two FMLAs of four vectors by
 * four add them into za2 and za3 (one rounding). That is 3.75R instructions per
 * block for 16 SMOPAs (vlxvl: R + 7 for 8), with half the LUTI4 and X loads per
 * SMOPA: the tuner measures which wins.
 *
 * Packed W: sme2_common.h, P = 2 (layout sme2_p2vl: each vector holds one chunk
 * of both panels), shared with gemv_q4_sme2_1x4vl. Packed X: sme_common.h,
 * H = R, d in vgx4 group order (layout sme2_x1vl_vgx4).
 * ISA: FEAT_SME2 (LUTI4, ZT0, multi-vector LD1B, MOVA, SCVTF and FMLA), FEAT_SME
 * (SMOPA i8i32). GCC 12's assembler has no SME2: the SME2 instructions are .inst
 * encodings (sme2_common.h). The C code is built without SVE (SME2 CPUs may lack
 * it); everything run in streaming mode is one inline-asm block between smstart
 * and smstop, which leaves no ZA or ZT0 state live.
 * Preconditions: m0 a multiple of R, n0 of 2R; the caller holds no live ZA
 * state; the SVL is the one the data was packed at.
 */
#if !defined(__aarch64__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "gemm_q4_sme2_vlx2vl is AArch64 (little-endian) inline assembly for SME2"
#endif

#include "sme2_common.h"

enum { MR_VL = 1, NR_VL = 2, PANELS = 2 };

/* The general registers the SME2 encodings name (pinned in run_tile). */
#define WQ 9  /* W nibbles */
#define XQ 10 /* X values */
#define LUT 11

/* Y[0..rows)[0..cols) (rows <= R, cols <= 2R; row stride ldy bytes) of one
 * tile: xq, xd its X group (qs, scales), wq, wd its W group; nb >= 1 blocks. */
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
                     "whilelt p2.s, %[r], %[cols]\n"
                     "zero    {za}\n"
                     "1:\n"
                     /* W nibbles z0-z7 (chunks 0-7 of both panels), X chunks z8-z15 */
                     SME2_LD1B_X4(0, 8, WQ, 0)
                     SME2_LD1B_X4(4, 8, WQ, 4)
                     "addvl   %[wq], %[wq], #8\n"
                     SME2_LD1B_X4(8, 8, XQ, 0)
                     SME2_LD1B_X4(12, 8, XQ, 4)
                     "addvl   %[xq], %[xq], #8\n"
                     /* chunk c of panel 0 in z16+2c, of panel 1 in z17+2c */
                     SME2_LUTI4_X2(16, 0)
                     SME2_LUTI4_X2(18, 1)
                     SME2_LUTI4_X2(20, 2)
                     SME2_LUTI4_X2(22, 3)
                     SME2_LUTI4_X2(24, 4)
                     SME2_LUTI4_X2(26, 5)
                     SME2_LUTI4_X2(28, 6)
                     SME2_LUTI4_X2(30, 7)
                     "smopa   za0.s, p0/m, p0/m, z8.b, z16.b\n"
                     "smopa   za1.s, p0/m, p0/m, z8.b, z17.b\n"
                     "smopa   za0.s, p0/m, p0/m, z9.b, z18.b\n"
                     "smopa   za1.s, p0/m, p0/m, z9.b, z19.b\n"
                     "smopa   za0.s, p0/m, p0/m, z10.b, z20.b\n"
                     "smopa   za1.s, p0/m, p0/m, z10.b, z21.b\n"
                     "smopa   za0.s, p0/m, p0/m, z11.b, z22.b\n"
                     "smopa   za1.s, p0/m, p0/m, z11.b, z23.b\n"
                     "smopa   za0.s, p0/m, p0/m, z12.b, z24.b\n"
                     "smopa   za1.s, p0/m, p0/m, z12.b, z25.b\n"
                     "smopa   za0.s, p0/m, p0/m, z13.b, z26.b\n"
                     "smopa   za1.s, p0/m, p0/m, z13.b, z27.b\n"
                     "smopa   za0.s, p0/m, p0/m, z14.b, z28.b\n"
                     "smopa   za1.s, p0/m, p0/m, z14.b, z29.b\n"
                     "smopa   za0.s, p0/m, p0/m, z15.b, z30.b\n"
                     "smopa   za1.s, p0/m, p0/m, z15.b, z31.b\n"
                     /* the block's column scales: z0 (panel 0), z1 (panel 1) */
                     "ld1h    {z0.s}, p0/z, [%[wd]]\n"
                     "ld1h    {z1.s}, p0/z, [%[wd], #1, mul vl]\n"
                     "addvl   %[wd], %[wd], #1\n"
                     "fcvt    z0.s, p0/m, z0.h\n"
                     "fcvt    z1.s, p0/m, z1.h\n"
                     "mov     w8, #0\n"
                     "2:\n" /* rows i + q R/4 (w8 = 4i): d_x in z2, isum z16-z19 and z20-z23, scales z24-z31 */
                     "ld1rqw  {z2.s}, p0/z, [%[xd]]\n"
                     "add     %[xd], %[xd], #16\n"
                     SME2_MOVA_X4_FROM_ZA(16, 8, 0)
                     SME2_MOVA_X4_FROM_ZA(20, 8, 1)
                     SME2_SCVTF_X4(16, 16)
                     SME2_SCVTF_X4(20, 20)
                     "fmul    z24.s, z0.s, z2.s[0]\n"
                     "fmul    z25.s, z0.s, z2.s[1]\n"
                     "fmul    z26.s, z0.s, z2.s[2]\n"
                     "fmul    z27.s, z0.s, z2.s[3]\n"
                     "fmul    z28.s, z1.s, z2.s[0]\n"
                     "fmul    z29.s, z1.s, z2.s[1]\n"
                     "fmul    z30.s, z1.s, z2.s[2]\n"
                     "fmul    z31.s, z1.s, z2.s[3]\n"
                     SME2_FMLA_ZA_X4(8, 2, 16, 24)
                     SME2_FMLA_ZA_X4(8, 3, 20, 28)
                     "add     w8, w8, #4\n"
                     "cmp     w8, %w[r]\n"
                     "b.lt    2b\n"
                     "zero    {za0.s, za1.s}\n"
                     "subs    %[nb], %[nb], #1\n"
                     "b.ne    1b\n"
                     "mov     w12, #0\n"
                     "3:\n"
                     "st1w    {za2h.s[w12, 0]}, p1, [%[y]]\n"
                     "st1w    {za3h.s[w12, 0]}, p2, [%[y], %[r], lsl #2]\n"
                     "add     %[y], %[y], %[ldy]\n"
                     "add     w12, w12, #1\n"
                     "cmp     w12, %w[rows]\n"
                     "b.lt    3b\n"
                     "smstop\n"
                     : [xq] "+r"(xq), [xd] "+r"(xd), [wq] "+r"(wq), [wd] "+r"(wd), [nb] "+r"(nb), [y] "+r"(y),
                       [r] "=&r"(r)
                     : [ldy] "r"(ldy), [rows] "r"(rows), [cols] "r"(cols), "r"(lut)
                     : "x12", SME2_CLOBBERS);
}

static void run(const q4t_run_args *a, size_t m0, size_t m1, size_t n0, size_t n1)
{
    sme_run_tiles(a, m0, m1, n0, n1, NR_VL, run_tile);
}

Q4T_VARIANT(gemm_q4_sme2_vlx2vl, GEMM, Q4T_F_NEON | Q4T_F_SME | Q4T_F_SME2 | Q4T_F_SMEI8I32, sme2_p2vl, sme2_x1vl_vgx4,
            run, .mr = MR_VL, .nr = NR_VL, .kr = 4, .mr_vl = 1, .nr_vl = 1, .tile = sme_tile);
