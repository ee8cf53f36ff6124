/* Shared by the SME2 kernels (kernels/arm/<op>_q4_sme2_<tile>.c): the SME2
 * instructions they use, written as .inst encodings behind readable macros, the
 * int4 -> int8 lookup table for ZT0, and the packed layouts.
 *
 * SVL, R = SVL/32 (the int32 lanes of a vector, the rows and columns of one
 * 32-bit ZA tile), the 64-byte header recording the SVL, and the SME (v1)
 * helpers come from sme_common.h.
 *
 * Why .inst: bookworm's GNU as (binutils 2.40) assembles SME (v1) but not one
 * SME2 instruction, and GCC 12 hands its inline assembly to it. Each macro below
 * emits the 32-bit encoding, computed by the assembler from the register
 * numbers, so GCC and clang build the same bytes; the comment above each macro
 * gives the instruction in Arm syntax, and llvm-objdump-19 prints it back (the
 * disasm tests check luti4 and the multi-vector instructions that way). Every
 * operand is a plain number: z registers 0-31, PN predicates 8-15, ZA array
 * vector select registers w8-w11, general registers x0-x30 (a kernel pins the
 * C variables it passes to such an instruction: `register ... __asm__("x9")`).
 * Operand constraints (checked by no assembler: keep them): a group of four
 * z registers starts at a multiple of 4, a pair at a multiple of 2.
 *
 * ZA array vectors: ZA holds SVL/8 = 4R array vectors; row i of the 32-bit tile
 * ZAt.S is array vector 4i + t. A vgx4 group za.s[w8, off, vgx4] is the array
 * vectors v, v + R, v + 2R, v + 3R with v = (w8 + off) mod R: for w8 = 4i and
 * off = t < 4, rows i, i + R/4, i + 2R/4, i + 3R/4 of tile t. The kernels move
 * int32 sums out, and fp32 sums in, by such groups.
 *
 * LUTI4 (two registers, 8-bit) from ZT0 as sme2_lut_q4 loads it: nibble q
 * becomes the int8 q - 8. It turns one vector of 2 SVL nibbles into two vectors
 * of SVL bytes: byte e of the first from nibble e, of the second from nibble
 * SVL + e (nibble e is the low half of byte e/2 for even e, the high half for
 * odd e).
 *
 * Packed W (SME2): column groups of P panels of R columns (G = P R columns;
 * N padded to a multiple of G with zero columns: d = 0, q = 8). Group g starts
 * at column n0 = g G, at byte n0 * nb * 18 from the data, and holds
 *   qs[nb][8P][SVL/2]  block b, half-vector s = c P + u: chunk c (k = 4c..4c+3)
 *                      of panel u, R columns x 4 k as nibbles in LUTI4's order
 *                      (nibble 4j + kk is column j, k = 4c + kk). Two
 *                      half-vectors make one vector: LUTI4 unpacks it into
 *                      chunks c, c+1 of the panel (P = 1) or chunk c of panels
 *                      0, 1 (P = 2), each one SMOPA or SDOT operand of R columns
 *                      x 4 k (byte 4j + kk).
 *   d[nb][G]           fp16 scales.
 * 0.5625 bytes per weight, as Q4_0. P = 1 is layout sme2_p1vl, P = 2
 * sme2_p2vl (layouts_sme.c, arg = P; kernels sharing it share one packing of W).
 *
 * Packed X (GEMM): sme_common.h's row groups with H = R (one panel of R rows:
 * 8 vectors of R rows x 4 k per block), fp32 d[nb][R]: layout sme_x1vl; or
 * sme2_x1vl_vgx4, the same with each block's d in the order the vgx4 groups
 * read rows (i, i + R/4, i + 2R/4, i + 3R/4 for i = 0..R/4-1) so that LD1RQW
 * loads the scales of one group.
 */
#ifndef Q4T_SME2_COMMON_H
#define Q4T_SME2_COMMON_H

#include "sme_common.h"

#define SME2_S(x) #x
#define SME2_STR(x) SME2_S(x) /* a macro argument's value as text */

/* ptrue pn<pn>.b */
#define SME2_PTRUE_PN_B(pn) ".inst (0x25207810 | ((" SME2_STR(pn) ") - 8))\n"

/* whilelt pn<pn>.s, x<xn>, x<xm>, vlx4: the first (xm - xn) 32-bit lanes of a
 * four-vector group, as a predicate-as-counter */
#define SME2_WHILELT_PN_S_X4(pn, xn, xm)                                                                               \
    ".inst (0x25a06410 | ((" SME2_STR(xm) ") << 16) | ((" SME2_STR(xn) ") << 5) | ((" SME2_STR(pn) ") - 8))\n"

/* ld1b {z<zt>.b-z<zt+3>.b}, pn<pn>/z, [x<xn>, #<imm>, mul vl] (imm = 0, 4, .., 28) */
#define SME2_LD1B_X4(zt, pn, xn, imm)                                                                                  \
    ".inst (0xa0408000 | ((((" SME2_STR(imm) ") / 4) & 15) << 16) | (((" SME2_STR(pn) ") - 8) << 10) | ((" SME2_STR( \
        xn) ") << 5) | (((" SME2_STR(zt) ") / 4) << 2))\n"

/* st1w {z<zt>.s-z<zt+3>.s}, pn<pn>, [x<xn>] */
#define SME2_ST1W_X4(zt, pn, xn)                                                                                       \
    ".inst (0xa060c000 | (((" SME2_STR(pn) ") - 8) << 10) | ((" SME2_STR(xn) ") << 5) | (((" SME2_STR(                 \
        zt) ") / 4) << 2))\n"

/* ldr zt0, [x<xn>] */
#define SME2_LDR_ZT0(xn) ".inst (0xe11f8000 | ((" SME2_STR(xn) ") << 5))\n"

/* zero {zt0} */
#define SME2_ZERO_ZT0 ".inst 0xc0480001\n"

/* luti4 {z<zd>.b-z<zd+1>.b}, zt0, z<zn>[0] */
#define SME2_LUTI4_X2(zd, zn)                                                                                          \
    ".inst (0xc08a4000 | ((" SME2_STR(zn) ") << 5) | (((" SME2_STR(zd) ") / 2) << 1))\n"

/* mova {z<zd>.d-z<zd+3>.d}, za.d[w<wv>, <off>, vgx4]: four ZA array vectors out */
#define SME2_MOVA_X4_FROM_ZA(zd, wv, off)                                                                              \
    ".inst (0xc0060c00 | (((" SME2_STR(wv) ") - 8) << 13) | ((" SME2_STR(off) ") << 5) | (((" SME2_STR(                \
        zd) ") / 4) << 2))\n"

/* scvtf {z<zd>.s-z<zd+3>.s}, {z<zn>.s-z<zn+3>.s} */
#define SME2_SCVTF_X4(zd, zn) ".inst (0xc132e000 | (((" SME2_STR(zn) ") / 4) << 7) | (((" SME2_STR(zd) ") / 4) << 2))\n"

/* fmla za.s[w<wv>, <off>, vgx4], {z<zn>.s-z<zn+3>.s}, {z<zm>.s-z<zm+3>.s} */
#define SME2_FMLA_ZA_X4(wv, off, zn, zm)                                                                               \
    ".inst (0xc1a11800 | (((" SME2_STR(zm) ") / 4) << 18) | (((" SME2_STR(wv) ") - 8) << 13) | (((" SME2_STR(         \
        zn) ") / 4) << 7) | (" SME2_STR(off) "))\n"

/* sdot za.s[w<wv>, <off>, vgx4], {z<zn>.b-z<zn+3>.b}, z<zm>.b[<idx>] (zm < 16) */
#define SME2_SDOT_ZA_X4_IDX(wv, off, zn, zm, idx)                                                                      \
    ".inst (0xc1509020 | ((" SME2_STR(zm) ") << 16) | (((" SME2_STR(wv) ") - 8) << 13) | ((" SME2_STR(                 \
        idx) ") << 10) | (((" SME2_STR(zn) ") / 4) << 7) | (" SME2_STR(off) "))\n"

/* What a streaming-mode block may change besides SME_CLOBBERS: w8 (ZA array
 * vector select). */
#define SME2_CLOBBERS "x8", SME_CLOBBERS

/* ZT0 for LUTI4: entry q (32 bits) holds q - 8 in its low byte. */
_Alignas(64) static const uint32_t sme2_lut_q4[16] = {
    0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
};

#endif
