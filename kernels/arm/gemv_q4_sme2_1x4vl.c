/* gemv_q4_sme2_1x4vl: GEMV (token generation), SME2 streaming mode: LUTI4,
 * multi-vector loads and stores, multi-vector SDOT into ZA array vectors.
 *
 * Tile 1 x 4vl: one row of X against 4R columns of W per pass (R = SVL/32: 16
 * columns at a 128-bit SVL, 64 at 512, 256 at 2048). Per 32-block, two LD1B of
 * four vectors from each of the two column-panel pairs of the pass bring the
 * block's nibbles, sixteen LUTI4 (ZT0 maps nibble q to q - 8) unpack them into
 * eight groups of four vectors (one 4-k chunk of the four panels), and eight
 * SDOTs of four vectors by an element of x (LD1RQB: the block's 32 x values in
 * every 128-bit segment) accumulate the four panels' int32 sums into one vgx4
 * group of ZA array vectors. ZA:
 *   za0, za1  the int32 sums of alternate blocks (their first vgx4 group), so
 *             that one block's sums leave ZA while the next block's SDOTs run;
 *   za2       the fp32 sums of the pass (its first vgx4 group), for the whole
 *             of K: per block a MOVA of four array vectors takes the int32
 *             sums, one SCVTF of four vectors converts them (exact: |isum| <
 *             2^24) and one FMLA of four vectors by four adds them times
 *             d_w[j] d_x (FMUL of the column scales by the broadcast row scale,
 *             exact: a product of two fp16 values; one rounding);
 *   za3       unused.
 * The pass ends with one MOVA of four array vectors and one ST1W of four
 * vectors under a predicate-as-counter (WHILELT ... VLx4) for the ragged end.
 * The weights stream through once, from two places (the two pairs of panels);
 * x (Q8F, 40 bytes per block) stays in L1. Streaming mode is entered once per
 * row of X.
 *
 * Packed W: sme2_common.h, P = 2 (layout sme2_p2vl, shared with
 * gemm_q4_sme2_vlx2vl): a pass reads pairs 2g and 2g+1 (the last pass of an odd
 * count reads its one pair twice and stores only its columns).
 * Packed X: Q8F rows (formats.h).
 * ISA: FEAT_SME2 (LUTI4, ZT0, multi-vector LD1B, ST1W, SDOT, MOVA, SCVTF, FMLA,
 * WHILELT to a predicate-as-counter). GCC 12's assembler has no SME2: the SME2
 * instructions are .inst encodings (sme2_common.h). The C code is built without
 * SVE (SME2 CPUs may lack it); everything run in streaming mode is one inline-asm
 * block between smstart and smstop, which leaves no ZA or ZT0 state live.
 * Preconditions: n0 a multiple of 4R; the caller holds no live ZA state; the
 * SVL is the one W was packed at.
 */
#if !defined(__aarch64__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "gemv_q4_sme2_1x4vl is AArch64 (little-endian) inline assembly for SME2"
#endif

#include "sme2_common.h"

enum { NR_VL = 4, PANELS = 2 };

/* The general registers the SME2 encodings name (pinned in run_row). */
#define QA 9    /* nibbles of the pass's first panel pair */
#define QB 10   /* and of its second */
#define LUT 11
#define YP 13   /* where the pass's results go */
#define COL 14  /* first column of the pass */
#define COLS 15 /* columns of y */

/* Four chunks (chunk 4h .. 4h+3) of one block into the group of zaT: the
 * nibbles of both pairs at vector offset V, unpacked, then SDOT by the x
 * values of element H of z0/z1 (k 0..15 / 16..31). */
#define ACCUMULATE_HALF(T, V, H)                                                                                        \
    SME2_LD1B_X4(4, 8, QA, V)                                                                                           \
    SME2_LD1B_X4(8, 8, QB, V)                                                                                           \
    SME2_LUTI4_X2(16, 4)                                                                                                \
    SME2_LUTI4_X2(18, 8)                                                                                                \
    SME2_LUTI4_X2(20, 5)                                                                                                \
    SME2_LUTI4_X2(22, 9)                                                                                                \
    SME2_LUTI4_X2(24, 6)                                                                                                \
    SME2_LUTI4_X2(26, 10)                                                                                               \
    SME2_LUTI4_X2(28, 7)                                                                                                \
    SME2_LUTI4_X2(30, 11)                                                                                               \
    SME2_SDOT_ZA_X4_IDX(8, T, 16, H, 0)                                                                                 \
    SME2_SDOT_ZA_X4_IDX(8, T, 20, H, 1)                                                                                 \
    SME2_SDOT_ZA_X4_IDX(8, T, 24, H, 2)                                                                                 \
    SME2_SDOT_ZA_X4_IDX(8, T, 28, H, 3)

/* One block's sums into the group of zaT (zeroed), its d_x into zD: x values z0
 * (k 0..15) and z1 (k 16..31), nibbles z4-z7 (first pair) and z8-z11 (second
 * pair) of four chunks at a time, chunk c of the four panels unpacked into
 * z16+4c .. z19+4c. */
#define ACCUMULATE(T, D)                                                                                                \
    "ld1rw   {z" #D ".s}, p0/z, [%[xb]]\n"                                                                              \
    "add     %[xb], %[xb], #8\n"                                                                                        \
    "ld1rqb  {z0.b}, p0/z, [%[xb]]\n"                                                                                   \
    "ld1rqb  {z1.b}, p0/z, [%[xb], #16]\n"                                                                              \
    "add     %[xb], %[xb], #32\n"                                                                                       \
    ACCUMULATE_HALF(T, 0, 0)                                                                                            \
    ACCUMULATE_HALF(T, 4, 1)                                                                                            \
    "addvl   %[qa], %[qa], #8\n"                                                                                        \
    "addvl   %[qb], %[qb], #8\n"

/* One block's sums from the group of zaT, times d_w (z12-z15: the four panels)
 * and d_x (zD), into the group of za2; zaT left zeroed. */
#define EXTRACT(T, D)                                                                                                   \
    "ld1h    {z12.s}, p0/z, [%[da]]\n"                                                                                  \
    "ld1h    {z13.s}, p0/z, [%[da], #1, mul vl]\n"                                                                      \
    "addvl   %[da], %[da], #1\n"                                                                                        \
    "ld1h    {z14.s}, p0/z, [%[db]]\n"                                                                                  \
    "ld1h    {z15.s}, p0/z, [%[db], #1, mul vl]\n"                                                                      \
    "addvl   %[db], %[db], #1\n"                                                                                        \
    "fcvt    z12.s, p0/m, z12.h\n"                                                                                      \
    "fcvt    z13.s, p0/m, z13.h\n"                                                                                      \
    "fcvt    z14.s, p0/m, z14.h\n"                                                                                      \
    "fcvt    z15.s, p0/m, z15.h\n"                                                                                      \
    "fmul    z12.s, z12.s, z" #D ".s\n"                                                                                 \
    "fmul    z13.s, z13.s, z" #D ".s\n"                                                                                 \
    "fmul    z14.s, z14.s, z" #D ".s\n"                                                                                 \
    "fmul    z15.s, z15.s, z" #D ".s\n"                                                                                 \
    SME2_MOVA_X4_FROM_ZA(24, 8, T)                                                                                      \
    SME2_SCVTF_X4(24, 24)                                                                                               \
    SME2_FMLA_ZA_X4(8, 2, 24, 12)                                                                                       \
    "zero    {za" #T ".s}\n"

/* y[0..cols) (cols >= 1) of one row of X (nb Q8F blocks at x): W pairs from w
 * on, pair bytes apart, the nibbles of each qs bytes long. */
static void run_row(const q4t_block_q8f *x, const uint8_t *w, size_t nb, size_t pair, size_t qs, float *y,
                    size_t cols_)
{
    register const uint8_t *qa __asm__("x" SME2_STR(QA));
    register const uint8_t *qb __asm__("x" SME2_STR(QB));
    register const uint32_t *lut __asm__("x" SME2_STR(LUT)) = sme2_lut_q4;
    register float *yp __asm__("x" SME2_STR(YP));
    register size_t col __asm__("x" SME2_STR(COL)) = 0;
    register size_t cols __asm__("x" SME2_STR(COLS)) = cols_;
    size_t b, t, r2;
    const uint8_t *da, *db, *xb;
    __asm__ volatile(".arch_extension sme\n"
                     "smstart\n"
                     "ptrue   p0.b\n"
                     SME2_PTRUE_PN_B(8)
                     SME2_LDR_ZT0(LUT)
                     "cntw    %[r2], all, mul #2\n" /* the columns of one pair */
                     "mov     w8, #0\n"
                     "zero    {za}\n"
                     "1:\n" /* a pass: pairs at w and (if columns remain past the first pair) w + pair */
                     "mov     %[qa], %[w]\n"
                     "add     %[qb], %[w], %[pair]\n"
                     "sub     %[t], %[cols], %[col]\n"
                     "cmp     %[t], %[r2]\n"
                     "csel    %[qb], %[qa], %[qb], ls\n"
                     "add     %[da], %[qa], %[qs]\n"
                     "add     %[db], %[qb], %[qs]\n"
                     "mov     %[xb], %[x]\n"
                     "mov     %[b], %[nb]\n"
                     ACCUMULATE(0, 2)
                     "subs    %[b], %[b], #1\n"
                     "b.eq    3f\n"
                     "2:\n"
                     ACCUMULATE(1, 3)
                     EXTRACT(0, 2)
                     "subs    %[b], %[b], #1\n"
                     "b.eq    4f\n"
                     ACCUMULATE(0, 2)
                     EXTRACT(1, 3)
                     "subs    %[b], %[b], #1\n"
                     "b.ne    2b\n"
                     "3:\n"
                     EXTRACT(0, 2)
                     "b       5f\n"
                     "4:\n"
                     EXTRACT(1, 3)
                     "5:\n"
                     SME2_MOVA_X4_FROM_ZA(24, 8, 2)
                     "zero    {za2.s}\n"
                     SME2_WHILELT_PN_S_X4(9, COL, COLS)
                     "add     %[yp], %[y], %[col], lsl #2\n"
                     SME2_ST1W_X4(24, 9, YP)
                     "add     %[col], %[col], %[r2], lsl #1\n"
                     "add     %[w], %[w], %[pair], lsl #1\n"
                     "cmp     %[col], %[cols]\n"
                     "b.lo    1b\n"
                     "smstop\n"
                     : [qa] "=&r"(qa), [qb] "=&r"(qb), [yp] "=&r"(yp), [col] "+r"(col), [w] "+r"(w), [b] "=&r"(b),
                       [t] "=&r"(t), [r2] "=&r"(r2), [da] "=&r"(da), [db] "=&r"(db), [xb] "=&r"(xb)
                     : [x] "r"(x), [nb] "r"(nb), [pair] "r"(pair), [qs] "r"(qs), [y] "r"(y), [cols] "r"(cols),
                       "r"(lut)
                     : SME2_CLOBBERS);
}

static void run(const q4t_run_args *a, size_t m0, size_t m1, size_t n0, size_t n1)
{
    const size_t svl = sme_svl(), r = svl / 4, nb = a->K / Q4T_QK;
    const size_t pair = PANELS * r * nb * SME_W_BYTES, qs = PANELS * r * nb * Q4T_QK / 2;
    const uint8_t *w = sme_packed_data(a->w, svl) + n0 * nb * SME_W_BYTES;
    for (size_t m = m0; m < m1 && n0 < n1; m++)
        run_row((const q4t_block_q8f *)a->x + m * nb, w, nb, pair, qs, a->y + m * a->ldy + n0, n1 - n0);
}

Q4T_VARIANT(gemv_q4_sme2_1x4vl, GEMV, Q4T_F_SME | Q4T_F_SME2, sme2_p2vl, q8f, run,
            .mr = 1, .nr = NR_VL, .kr = 4, .nr_vl = 1, .tile = sme_tile);
