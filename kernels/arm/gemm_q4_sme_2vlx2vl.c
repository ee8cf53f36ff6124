/* gemm_q4_sme_2vlx2vl: GEMM (prompt processing), SME (v1) streaming mode, SMOPA.
 *
 * Tile 2vl x 2vl: 2R rows of X by 2R columns of W (R = SVL/32: 8x8 at a 128-bit
 * SVL, 32x32 at 512, 128x128 at 2048). All four 32-bit ZA tiles hold int32
 * block sums, one quadrant each (za0 rows 0..R-1 x columns 0..R-1, za1 rows
 * 0..R-1 x columns R..2R-1, za2 and za3 the same for rows R..2R-1): per 32-block
 * 32 SMOPAs from 16 X vectors and 8 W vectors (each unpacked W vector feeds two
 * SMOPAs, each X vector two): the fewest loads and unpacks per SMOPA of the
 * four-tile shapes (a vl x 4vl tile would unpack twice as many W vectors).
 * With no tile left for fp32, the accumulators live in the output rectangle
 * itself (zeroed first, then read, updated and written back once per block):
 * per block and tile row, the two int32 row halves leave ZA (MOVA), are
 * converted (SCVTF, exact: |16 isum| < 2^24) and added (FMLA, one rounding) to
 * the Y row times d_w[j] d_x[i] / 16 (FMUL of the column scales by the
 * broadcast row scale, exact). The SMOPAs of za0/za1 come first, so the rows of
 * the top half are extracted while those of za2/za3 finish. The extraction
 * costs 13 instructions per block and row of the 2R-wide tile (LD1RW, and per
 * half MOVA, SCVTF, FMUL, LD1W, FMLA, ST1W): 6.5 per ZA tile row, 2.5 of them
 * loads and stores of L1-resident rows, against gemm_q4_sme_vlxvl's 5 without
 * memory traffic. Which of the two wins depends on the SME unit's load/store
 * and FMOPA throughput: for the tuner to measure.
 *
 * Packed W, X: sme_common.h, with G = H = 2R (two panels per group).
 * ISA: FEAT_SME (SMOPA i8i32 and streaming SVE, mandatory in SME v1). GCC 12 has
 * no SME in -march: the file is compiled without SVE (the C code must run on
 * SME CPUs without SVE) and everything run in streaming mode is one inline-asm
 * block between smstart and smstop, its assembler told `.arch_extension sme`.
 * Preconditions: m0 and n0 multiples of 2R; the caller holds no live ZA state;
 * the SVL is the one the data was packed at.
 */
#if !defined(__aarch64__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "gemm_q4_sme_2vlx2vl is AArch64 (little-endian) inline assembly for SME"
#endif

#include "sme_common.h"

enum { MR_VL = 2, NR_VL = 2 };

/* Four SMOPAs of chunk c: X chunk vectors X0 (rows 0..R-1) into zaA and zaB,
 * X1 (rows R..2R-1) into zaC and zaD, against W panel 0 (W0) and panel 1 (W1). */
#define SMOPA2(A, B, X, W0, W1)                                                                                        \
    "smopa za" #A ".s, p0/m, p0/m, z" #X ".b, z" #W0 ".b\n"                                                            \
    "smopa za" #B ".s, p0/m, p0/m, z" #X ".b, z" #W1 ".b\n"

/* The 16 SMOPAs of one row half (X chunks in z<X0>..z<X0+7>, 8 registers named):
 * W chunk c of panel 0 unpacked in z8+c (k 4c..) and zc (k 16+4c..), of panel 1
 * in z12+c and z4+c. */
#define SMOPA_HALF(A, B, x0, x1, x2, x3, x4, x5, x6, x7)                                                               \
    SMOPA2(A, B, x0, 8, 12) SMOPA2(A, B, x1, 9, 13) SMOPA2(A, B, x2, 10, 14) SMOPA2(A, B, x3, 11, 15)                  \
    SMOPA2(A, B, x4, 0, 4) SMOPA2(A, B, x5, 1, 5) SMOPA2(A, B, x6, 2, 6) SMOPA2(A, B, x7, 3, 7)

/* Per tile row of one half (int32 halves in zaA, zaB; n rows; the row pointer
 * in %[yr], its d_x in %[dx]): z16, z17 = d_w / 16 of the two column panels. */
#define ROWS(A, B, n)                                                                                                  \
    "cbz   %[" #n "], 3f\n"                                                                                            \
    "mov   w12, #0\n"                                                                                                  \
    "2:\n"                                                                                                             \
    "ld1rw {z18.s}, p0/z, [%[dx]]\n"                                                                                   \
    "add   %[dx], %[dx], #4\n"                                                                                         \
    "mova  z19.s, p0/m, za" #A "h.s[w12, 0]\n"                                                                         \
    "mova  z20.s, p0/m, za" #B "h.s[w12, 0]\n"                                                                         \
    "scvtf z19.s, p0/m, z19.s\n"                                                                                       \
    "scvtf z20.s, p0/m, z20.s\n"                                                                                       \
    "fmul  z21.s, z16.s, z18.s\n"                                                                                      \
    "fmul  z22.s, z17.s, z18.s\n"                                                                                      \
    "ld1w  {z18.s}, p1/z, [%[yr]]\n"                                                                                   \
    "ld1w  {z23.s}, p2/z, [%[yr], #1, mul vl]\n"                                                                       \
    "fmla  z18.s, p0/m, z19.s, z21.s\n"                                                                                \
    "fmla  z23.s, p0/m, z20.s, z22.s\n"                                                                                \
    "st1w  {z18.s}, p1, [%[yr]]\n"                                                                                     \
    "st1w  {z23.s}, p2, [%[yr], #1, mul vl]\n"                                                                         \
    "add   %[yr], %[yr], %[ldy]\n"                                                                                     \
    "add   w12, w12, #1\n"                                                                                             \
    "cmp   w12, %w[" #n "]\n"                                                                                          \
    "b.lt  2b\n"                                                                                                       \
    "3:\n"

/* Y[0..rows)[0..cols) (rows, cols <= 2R; row stride ldy bytes) of one tile:
 * xq, xd its X group (qs, scales), wq, wd its W group; nb >= 1 blocks. rows0 and
 * rows1 are the rows of the top and bottom halves. */
static void run_tile(const uint8_t *xq, const float *xd, const uint8_t *wq, const uint16_t *wd, size_t nb, float *y,
                     size_t ldy, size_t rows0, size_t rows1, size_t cols)
{
    size_t r;
    float *yr;
    const float *dx;
    __asm__ volatile(".arch_extension sme\n"
                     "smstart\n"
                     "ptrue   p0.b\n"
                     "cntw    %[r]\n"
                     "whilelt p1.s, xzr, %[cols]\n"
                     "whilelt p2.s, %[r], %[cols]\n"
                     /* the accumulators start at zero */
                     "mov     z0.s, #0\n"
                     "mov     %[yr], %[y]\n"
                     "add     %[r], %[rows0], %[rows1]\n"
                     "0:\n"
                     "st1w    {z0.s}, p1, [%[yr]]\n"
                     "st1w    {z0.s}, p2, [%[yr], #1, mul vl]\n"
                     "add     %[yr], %[yr], %[ldy]\n"
                     "subs    %[r], %[r], #1\n"
                     "b.ne    0b\n"
                     "1:\n"
                     "zero    {za}\n"
                     "ld1b    {z0.b}, p0/z, [%[wq]]\n"
                     "ld1b    {z1.b}, p0/z, [%[wq], #1, mul vl]\n"
                     "ld1b    {z2.b}, p0/z, [%[wq], #2, mul vl]\n"
                     "ld1b    {z3.b}, p0/z, [%[wq], #3, mul vl]\n"
                     "ld1b    {z4.b}, p0/z, [%[wq], #4, mul vl]\n"
                     "ld1b    {z5.b}, p0/z, [%[wq], #5, mul vl]\n"
                     "ld1b    {z6.b}, p0/z, [%[wq], #6, mul vl]\n"
                     "ld1b    {z7.b}, p0/z, [%[wq], #7, mul vl]\n"
                     "addvl   %[wq], %[wq], #8\n"
                     "ld1b    {z16.b}, p0/z, [%[xq]]\n"
                     "ld1b    {z17.b}, p0/z, [%[xq], #1, mul vl]\n"
                     "ld1b    {z18.b}, p0/z, [%[xq], #2, mul vl]\n"
                     "ld1b    {z19.b}, p0/z, [%[xq], #3, mul vl]\n"
                     "ld1b    {z20.b}, p0/z, [%[xq], #4, mul vl]\n"
                     "ld1b    {z21.b}, p0/z, [%[xq], #5, mul vl]\n"
                     "ld1b    {z22.b}, p0/z, [%[xq], #6, mul vl]\n"
                     "ld1b    {z23.b}, p0/z, [%[xq], #7, mul vl]\n"
                     "addvl   %[xq], %[xq], #8\n"
                     "lsl     z8.b, z0.b, #4\n"
                     "lsl     z9.b, z1.b, #4\n"
                     "lsl     z10.b, z2.b, #4\n"
                     "lsl     z11.b, z3.b, #4\n"
                     "lsl     z12.b, z4.b, #4\n"
                     "lsl     z13.b, z5.b, #4\n"
                     "lsl     z14.b, z6.b, #4\n"
                     "lsl     z15.b, z7.b, #4\n"
                     "and     z0.b, z0.b, #0xf0\n"
                     "and     z1.b, z1.b, #0xf0\n"
                     "and     z2.b, z2.b, #0xf0\n"
                     "and     z3.b, z3.b, #0xf0\n"
                     "and     z4.b, z4.b, #0xf0\n"
                     "and     z5.b, z5.b, #0xf0\n"
                     "and     z6.b, z6.b, #0xf0\n"
                     "and     z7.b, z7.b, #0xf0\n"
                     "ld1b    {z24.b}, p0/z, [%[xq]]\n"
                     "ld1b    {z25.b}, p0/z, [%[xq], #1, mul vl]\n"
                     "ld1b    {z26.b}, p0/z, [%[xq], #2, mul vl]\n"
                     "ld1b    {z27.b}, p0/z, [%[xq], #3, mul vl]\n"
                     "ld1b    {z28.b}, p0/z, [%[xq], #4, mul vl]\n"
                     "ld1b    {z29.b}, p0/z, [%[xq], #5, mul vl]\n"
                     "ld1b    {z30.b}, p0/z, [%[xq], #6, mul vl]\n"
                     "ld1b    {z31.b}, p0/z, [%[xq], #7, mul vl]\n"
                     "addvl   %[xq], %[xq], #8\n"
                     SMOPA_HALF(0, 1, 16, 17, 18, 19, 20, 21, 22, 23)
                     SMOPA_HALF(2, 3, 24, 25, 26, 27, 28, 29, 30, 31)
                     /* the block's scales: d_w / 16 of both column panels, d_x of the 2R rows */
                     "ld1h    {z16.s}, p0/z, [%[wd]]\n"
                     "ld1h    {z17.s}, p0/z, [%[wd], #1, mul vl]\n"
                     "addvl   %[wd], %[wd], #1\n"
                     "fcvt    z16.s, p0/m, z16.h\n"
                     "fcvt    z17.s, p0/m, z17.h\n"
                     "mov     z18.s, %w[inv16]\n"
                     "fmul    z16.s, z16.s, z18.s\n"
                     "fmul    z17.s, z17.s, z18.s\n"
                     "mov     %[dx], %[xd]\n"
                     "addvl   %[xd], %[xd], #2\n"
                     "mov     %[yr], %[y]\n"
                     ROWS(0, 1, rows0)
                     ROWS(2, 3, rows1)
                     "subs    %[nb], %[nb], #1\n"
                     "b.ne    1b\n"
                     "smstop\n"
                     : [xq] "+r"(xq), [xd] "+r"(xd), [wq] "+r"(wq), [wd] "+r"(wd), [nb] "+r"(nb), [r] "=&r"(r),
                       [yr] "=&r"(yr), [dx] "=&r"(dx)
                     : [y] "r"(y), [ldy] "r"(ldy), [rows0] "r"(rows0), [rows1] "r"(rows1), [cols] "r"(cols),
                       [inv16] "r"(SME_INV16)
                     : "x12", SME_CLOBBERS);
}

static void run(const q4t_run_args *a, size_t m0, size_t m1, size_t n0, size_t n1)
{
    const size_t svl = sme_svl(), r = svl / 4, mr = MR_VL * r, nr = NR_VL * r, nb = a->K / Q4T_QK;
    const uint8_t *w = sme_packed_data(a->w, svl), *x = sme_packed_data(a->x, svl);
    for (size_t n = n0; n < n1; n += nr) { /* a W panel stays in cache while the tiles of M pass */
        const uint8_t *wq = w + n * nb * SME_W_BYTES;
        const uint16_t *wd = (const uint16_t *)(wq + nb * nr * Q4T_QK / 2);
        for (size_t m = m0; m < m1; m += mr) {
            const uint8_t *xq = x + m * nb * SME_X_BYTES;
            const float *xd = (const float *)(xq + nb * mr * Q4T_QK);
            const size_t rows = m1 - m < mr ? m1 - m : mr;
            run_tile(xq, xd, wq, wd, nb, a->y + m * a->ldy + n, a->ldy * sizeof(float), rows < r ? rows : r,
                     rows > r ? rows - r : 0, n1 - n < nr ? n1 - n : nr);
        }
    }
}

Q4T_VARIANT(gemm_q4_sme_2vlx2vl, GEMM, Q4T_F_NEON | Q4T_F_SME | Q4T_F_SMEI8I32, sme_g2vl, sme_x2vl, run,
            .mr = MR_VL, .nr = NR_VL, .kr = 4, .mr_vl = 1, .nr_vl = 1, .tile = sme_tile);
