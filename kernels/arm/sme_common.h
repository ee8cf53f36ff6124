/* Shared by the SME (v1) kernels (kernels/arm/<op>_q4_sme_<tile>.c): the streaming vector
 * length, the packed layouts that depend on it (declared in layouts_sme.c:
 * W sme_gvl, sme_g2vl, sme_g4vl; X sme_x1vl, sme_x2vl), and the inline-assembly
 * frame.
 *
 * SVL is the streaming vector length in bytes (16..256), R = SVL/4 the number of
 * int32 lanes of a vector and the rows (and columns) of one 32-bit ZA tile.
 *
 * Every packed buffer starts with a 64-byte header holding the SVL it was packed
 * for; run() refuses (aborts on) a buffer packed for another SVL, e.g. by a
 * thread whose vector length was changed with prctl(PR_SME_SET_VL).
 * packed_*_size() never executes an SME instruction (they are called on any CPU):
 * they size for the largest SVL (2048 bits), an upper bound at every SVL.
 *
 * Packed W (sme_g<nr_vl>vl, arg = nr_vl): column groups of G = nr_vl * R columns (N padded to a multiple of G
 * with zero columns: d = 0, q = 8). Group g starts at g * G * nb * 18 bytes, i.e.
 * at column n0 * nb * 18, and holds
 *   qs[nb][G/R][4][R][4]  block b, panel u (columns uR..uR+R-1), chunk c, column r:
 *                         Q4_0 qs[4c..4c+3] XOR 0x88, i.e. the signed nibbles q - 8
 *                         of k = 4c..4c+3 (low) and k = 16+4c..16+4c+3 (high).
 *                         One (b, u, c) is one vector: SVL bytes, R columns x 4 k.
 *   d[nb][G]              fp16 scales.
 * Unpacking a chunk vector v: LSL #4 gives 16 (q - 8) for the low k, AND #0xf0
 * for the high k; the factor 16 leaves again through the scales (times 1/16,
 * exact: a power of two on values far from the fp32 range limits).
 * 0.5625 bytes per weight, as Q4_0.
 *
 * Packed X (GEMM; sme_x<mr_vl>vl, arg = mr_vl): row groups of H = mr_vl * R rows (M padded to a multiple of H
 * with zero rows, d = 0). Group g starts at row m0 * nb * 36 bytes and holds
 *   qs[nb][H/R][8][R][4]  block b, panel v (rows vR..vR+R-1), chunk c, row r:
 *                         the Q8_0 q of k = 4c..4c+3; one (b, v, c) is one vector.
 *   d[nb][H]              fp32 scales (the exact value of the fp16 Q8_0 scale).
 * 1.125 bytes per activation. The values are q4t_quantize_row_q8f's, rearranged.
 */
#ifndef Q4T_SME_COMMON_H
#define Q4T_SME_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../kernel.h"

enum {
    SME_SVL_MAX = 256, /* bytes: the architectural maximum (2048 bits) */
    SME_HEADER = 64,   /* bytes before the packed data: the SVL, then padding */
    SME_W_BYTES = sizeof(q4t_block_q4_0),     /* per column and block: 16 qs + fp16 d */
    SME_X_BYTES = Q4T_QK + sizeof(float),     /* per row and block: 32 q + fp32 d */
    SME_INV16 = 0x3d800000,                   /* 1/16 as fp32 bits */
};

/* Everything the streaming-mode assembly may change. smstart zeroes all of
 * z0-z31 (so also the callee-saved d8-d15) and p0-p15. The clobbers name the
 * v registers: clang without SVE in -march ignores "zN" clobbers. */
#define SME_CLOBBERS                                                                                                   \
    "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10", "v11", "v12", "v13", "v14", "v15", "v16",       \
        "v17", "v18", "v19", "v20", "v21", "v22", "v23", "v24", "v25", "v26", "v27", "v28", "v29", "v30", "v31", "p0", \
        "p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9", "p10", "p11", "p12", "p13", "p14", "p15", "memory", "cc"

/* SVL in bytes. RDSVL needs SME but not streaming mode. */
static inline size_t sme_svl(void)
{
    uint64_t svl;
    __asm__(".arch_extension sme\n\trdsvl %0, #1" : "=r"(svl));
    return (size_t)svl;
}

/* The tile() of the descriptor: a vector unit is R rows or R columns. */
static inline void sme_tile(size_t *mr_unit, size_t *nr_unit)
{
    *mr_unit = *nr_unit = sme_svl() / 4;
}

/* The data of a packed buffer, after checking it was packed for this SVL. */
static inline const uint8_t *sme_packed_data(const void *packed, size_t svl)
{
    uint64_t v;
    memcpy(&v, packed, sizeof v);
    if (v != svl) {
        fprintf(stderr, "q4tune: SME kernel: data packed for a %llu-byte SVL, run at %zu bytes\n",
                (unsigned long long)v, svl);
        abort();
    }
    return (const uint8_t *)packed + SME_HEADER;
}

/* One tile of Y: rows <= SVL/32 of X group xq/xd against cols columns of W
 * group wq/wd, over nb blocks; ldy in bytes. */
typedef void (*sme_tile_fn)(const uint8_t *xq, const float *xd, const uint8_t *wq, const uint16_t *wd, size_t nb,
                            float *y, size_t ldy, size_t rows, size_t cols);

/* run() of a GEMM whose tiles are SVL/32 rows of X by nr_vl x SVL/32 columns
 * of W (the packings above): W panel by W panel, so that a panel stays in
 * cache while the tiles of M pass. */
static inline void sme_run_tiles(const q4t_run_args *a, size_t m0, size_t m1, size_t n0, size_t n1, size_t nr_vl,
                                 sme_tile_fn tile)
{
    const size_t svl = sme_svl(), r = svl / 4, nr = nr_vl * r, nb = a->K / Q4T_QK;
    const uint8_t *w = sme_packed_data(a->w, svl), *x = sme_packed_data(a->x, svl);
    for (size_t n = n0; n < n1; n += nr) {
        const uint8_t *wq = w + n * nb * SME_W_BYTES;
        const uint16_t *wd = (const uint16_t *)(wq + nb * nr * Q4T_QK / 2);
        for (size_t m = m0; m < m1; m += r) {
            const uint8_t *xq = x + m * nb * SME_X_BYTES;
            const float *xd = (const float *)(xq + nb * r * Q4T_QK);
            tile(xq, xd, wq, wd, nb, a->y + m * a->ldy + n, a->ldy * sizeof(float), m1 - m < r ? m1 - m : r,
                 n1 - n < nr ? n1 - n : nr);
        }
    }
}

#endif
