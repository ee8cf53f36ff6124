/* gemv_q4_sme_1x4vl: GEMV (token generation), SME (v1) streaming SVE, SDOT.
 *
 * Tile 1 x 4vl: one row of X against 4R columns of W per pass (R = SVL/32: 16
 * columns at a 128-bit SVL, 64 at 512, 256 at 2048), four int32 block sums and
 * four fp32 accumulators in z registers; ZA is not used. Per 32-block and
 * panel of R columns: 4 W vectors (R columns x 16 qs bytes, unpacked by LSL and
 * AND into 8), 8 SDOTs by element against the 32 x values broadcast to every
 * 128-bit segment (LD1RQB), then the block sum is converted (SCVTF, exact:
 * |16 isum| < 2^24) and accumulated (FMLA, one rounding) times
 * d_w[j] d_x / 16 (FMUL of the column scales by the broadcast row scale, exact).
 * The weights stream through once: one group of 4R columns is one contiguous
 * run of 18 bytes per weight column and block, x (Q8F, 40 bytes per block)
 * stays in L1. Streaming mode is entered once per row of X.
 *
 * Packed W: sme_common.h, with G = 4R (four panels per group).
 * Packed X: Q8F rows (formats.h).
 * ISA: FEAT_SME (streaming SVE; SMEI8I32 is required with the other SME
 * kernels). GCC 12 has no SME in -march: the file is compiled without SVE (the
 * C code must run on SME CPUs without SVE) and everything run in streaming mode
 * is one inline-asm block between smstart and smstop, its assembler told
 * `.arch_extension sme`.
 * Preconditions: n0 a multiple of 4R; the caller holds no live ZA state; the
 * SVL is the one W was packed at.
 */
#if !defined(__aarch64__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "gemv_q4_sme_1x4vl is AArch64 (little-endian) inline assembly for SME"
#endif

#include "sme_common.h"

enum { NR_VL = 4 };

/* Panel U of a block: W chunks into z<w0>..z<w3>, unpacked to 16 (q - 8) of
 * k 4c.. (z<l0>..z<l3>) and 16+4c.. (in place), 8 SDOTs with x (z0: k 0..15,
 * z1: k 16..31, each in every 128-bit segment) into z<isum>; d_w into z<d>,
 * times z2 = d_x / 16; the scaled sum into z<acc>. */
#define PANEL(U, w0, w1, w2, w3, l0, l1, l2, l3, isum, d, acc)                                                         \
    "ld1b  {z" #w0 ".b}, p0/z, [%[wq]]\n"                                                                              \
    "ld1b  {z" #w1 ".b}, p0/z, [%[wq], #1, mul vl]\n"                                                                  \
    "ld1b  {z" #w2 ".b}, p0/z, [%[wq], #2, mul vl]\n"                                                                  \
    "ld1b  {z" #w3 ".b}, p0/z, [%[wq], #3, mul vl]\n"                                                                  \
    "addvl %[wq], %[wq], #4\n"                                                                                         \
    "ld1h  {z" #d ".s}, p0/z, [%[wd], #" #U ", mul vl]\n"                                                              \
    "mov   z" #isum ".s, #0\n"                                                                                         \
    "lsl   z" #l0 ".b, z" #w0 ".b, #4\n"                                                                               \
    "lsl   z" #l1 ".b, z" #w1 ".b, #4\n"                                                                               \
    "lsl   z" #l2 ".b, z" #w2 ".b, #4\n"                                                                               \
    "lsl   z" #l3 ".b, z" #w3 ".b, #4\n"                                                                               \
    "and   z" #w0 ".b, z" #w0 ".b, #0xf0\n"                                                                            \
    "and   z" #w1 ".b, z" #w1 ".b, #0xf0\n"                                                                            \
    "and   z" #w2 ".b, z" #w2 ".b, #0xf0\n"                                                                            \
    "and   z" #w3 ".b, z" #w3 ".b, #0xf0\n"                                                                            \
    "sdot  z" #isum ".s, z" #l0 ".b, z0.b[0]\n"                                                                        \
    "sdot  z" #isum ".s, z" #l1 ".b, z0.b[1]\n"                                                                        \
    "sdot  z" #isum ".s, z" #l2 ".b, z0.b[2]\n"                                                                        \
    "sdot  z" #isum ".s, z" #l3 ".b, z0.b[3]\n"                                                                        \
    "sdot  z" #isum ".s, z" #w0 ".b, z1.b[0]\n"                                                                        \
    "sdot  z" #isum ".s, z" #w1 ".b, z1.b[1]\n"                                                                        \
    "sdot  z" #isum ".s, z" #w2 ".b, z1.b[2]\n"                                                                        \
    "sdot  z" #isum ".s, z" #w3 ".b, z1.b[3]\n"                                                                        \
    "fcvt  z" #d ".s, p0/m, z" #d ".h\n"                                                                               \
    "fmul  z" #d ".s, z" #d ".s, z2.s\n"                                                                               \
    "scvtf z" #isum ".s, p0/m, z" #isum ".s\n"                                                                         \
    "fmla  z" #acc ".s, p0/m, z" #isum ".s, z" #d ".s\n"

/* The valid columns of one panel's accumulator to y[col..). */
#define STORE(acc)                                                                                                     \
    "whilelt p1.s, %[col], %[cols]\n"                                                                                  \
    "st1w  {z" #acc ".s}, p1, [%[y], %[col], lsl #2]\n"                                                                \
    "incw  %[col]\n"

/* y[0..cols) (cols >= 1) of one row of X (nb Q8F blocks at x): W groups from wq on. */
static void run_row(const q4t_block_q8f *x, const uint8_t *wq, size_t nb, float *y, size_t cols)
{
    size_t col = 0, b, t;
    const uint8_t *wd, *xb;
    __asm__ volatile(".arch_extension sme\n"
                     "smstart\n"
                     "ptrue   p0.b\n"
                     "mov     z3.s, %w[inv16]\n"
                     "cntb    %[t]\n"
                     "mul     %[t], %[t], %[nb]\n"
                     "lsl     %[t], %[t], #4\n" /* bytes of a group's qs: nb x 4 panels x 4 vectors */
                     "1:\n"
                     "add     %[wd], %[wq], %[t]\n"
                     "mov     %[xb], %[x]\n"
                     "mov     %[b], %[nb]\n"
                     "mov     z24.s, #0\n"
                     "mov     z25.s, #0\n"
                     "mov     z26.s, #0\n"
                     "mov     z27.s, #0\n"
                     "2:\n"
                     "ld1rw   {z2.s}, p0/z, [%[xb]]\n"
                     "add     %[xb], %[xb], #8\n"
                     "ld1rqb  {z0.b}, p0/z, [%[xb]]\n"
                     "ld1rqb  {z1.b}, p0/z, [%[xb], #16]\n"
                     "add     %[xb], %[xb], #32\n"
                     "fmul    z2.s, z2.s, z3.s\n"
                     PANEL(0, 4, 5, 6, 7, 8, 9, 10, 11, 20, 28, 24)
                     PANEL(1, 12, 13, 14, 15, 16, 17, 18, 19, 21, 29, 25)
                     PANEL(2, 4, 5, 6, 7, 8, 9, 10, 11, 22, 30, 26)
                     PANEL(3, 12, 13, 14, 15, 16, 17, 18, 19, 23, 31, 27)
                     "addvl   %[wd], %[wd], #2\n"
                     "subs    %[b], %[b], #1\n"
                     "b.ne    2b\n"
                     "mov     %[wq], %[wd]\n" /* the next group follows this one's scales */
                     STORE(24) STORE(25) STORE(26) STORE(27)
                     "cmp     %[col], %[cols]\n"
                     "b.lo    1b\n"
                     "smstop\n"
                     : [wq] "+r"(wq), [col] "+r"(col), [b] "=&r"(b), [t] "=&r"(t), [wd] "=&r"(wd), [xb] "=&r"(xb)
                     : [x] "r"(x), [nb] "r"(nb), [y] "r"(y), [cols] "r"(cols), [inv16] "r"(SME_INV16)
                     : SME_CLOBBERS);
}

static void run(const q4t_run_args *a, size_t m0, size_t m1, size_t n0, size_t n1)
{
    const size_t svl = sme_svl(), nb = a->K / Q4T_QK;
    const uint8_t *w = sme_packed_data(a->w, svl) + n0 * nb * SME_W_BYTES;
    for (size_t m = m0; m < m1 && n0 < n1; m++)
        run_row((const q4t_block_q8f *)a->x + m * nb, w, nb, a->y + m * a->ldy + n0, n1 - n0);
}

Q4T_VARIANT(gemv_q4_sme_1x4vl, GEMV, Q4T_F_SME | Q4T_F_SMEI8I32, sme_g4vl, q8f, run,
            .mr = 1, .nr = NR_VL, .kr = 4, .nr_vl = 1, .tile = sme_tile);
