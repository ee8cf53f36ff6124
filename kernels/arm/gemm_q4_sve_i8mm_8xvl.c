/* gemm_q4_sve_i8mm_8xvl: GEMM (prompt processing), SVE SMMLA (I8MM), vector-length agnostic.
 *
 * Tile 8xvl: 8 rows of X against C = VL/32 = svcntw() rows of W (4 at VL 128 ...
 * 64 at VL 2048). SMMLA multiplies, in each 128-bit segment, a 2x8 int8 block
 * of W (2 columns of Y) by a 2x8 block of X (2 rows of Y) into a 2x2 int32 tile
 * [c0r0 c0r1 c1r0 c1r1]. W vectors hold C/2 columns (a column pair per
 * segment); the X block of a row pair is replicated to every segment (LD1RQB).
 * Per 32-block: 4 row pairs x 2 column halves x 4 k-steps = 32 SMMLA into 8
 * int32 tiles, then 8 x (SCVTF, FMUL, FMLA) into 8 float32 accumulators.
 * Why N scalable and M = 8: only W's layout depends on VL (X is packed the same
 * at every VL), each unpacked weight vector is reused by 4 row pairs, and
 * 8 + 8 accumulators + 8 weight vectors fit the 32 Z registers.
 *
 * Packed W: header (sve_common.h: VL recorded, 64 bytes), then row groups of C
 * (N padded to a multiple of C with zero rows); per group, per 32-block, 18C bytes:
 *   fp16 d[C]               scales of rows 0..C-1
 *   uint8 qs[2][2][C/2][8]  half g, k-half h (one vector): rows gC/2..gC/2+C/2-1,
 *                           each its Q4_0 qs[8h..8h+7] (k 8h.. low, 16+8h.. high)
 * Nibbles are stored XOR 8, so (v << 4) and (v & 0xf0) are 16 * (q - 8).
 * Packed X: tiles of 8 rows (M padded to a multiple of 8 with zero rows, d = 0);
 * per tile, per 32-block, 320 bytes (40 per row):
 *   fp32 d[4][4]            row pair p: d/16 of rows 2p, 2p+1, 2p, 2p+1 (the
 *                           weights' factor 16 taken out, exact)
 *   int8 qs[4][4][2][8]     row pair p, k-step t: rows 2p, 2p+1, each q[8t..8t+7]
 * Preconditions: m0 a multiple of 8, n0 a multiple of C; W packed at this
 * thread's VL (else run() prints the mismatch to stderr and aborts).
 */
#if !defined(__ARM_FEATURE_SVE) || !defined(__ARM_FEATURE_SVE_MATMUL_INT8)
#error "gemm_q4_sve_i8mm_8xvl needs SVE with I8MM (-march=armv8.2-a+sve+i8mm)"
#endif

#include "sve_common.h"

enum {
    MR = SVE_I8MM_MR, /* 8: the X layout's tile (sve_common.h) */
    KR = 8,           /* k per SMMLA */
    X_D_BYTES = SVE_I8MM_X_D_BYTES,
    X_PAIR_QS_BYTES = SVE_I8MM_X_PAIR_QS_BYTES,
    X_TILE_BLOCK_BYTES = SVE_I8MM_X_TILE_BLOCK_BYTES,
};

/* One row pair, one block: acc0/acc1 (column halves 0/1) += (d_w * d_x) * isum.
 * w0/w1: the halves' unpacked weights for k-steps 0..3; dw0/dw1: their column
 * scales as [c0 c0 c1 c1] per segment; dx: [d0 d1 d0 d1]; xq: the pair's qs. */
static inline void pair_block(svfloat32_t *acc0, svfloat32_t *acc1, svint8x4_t w0, svint8x4_t w1, svfloat32_t dw0,
                              svfloat32_t dw1, const float *dx, const int8_t *xq)
{
    const svbool_t all8 = svptrue_b8(), all32 = svptrue_b32();
    const svint8_t x0 = svld1rq_s8(all8, xq);
    const svint8_t x1 = svld1rq_s8(all8, xq + 16);
    const svint8_t x2 = svld1rq_s8(all8, xq + 32);
    const svint8_t x3 = svld1rq_s8(all8, xq + 48);
    svint32_t i0 = svdup_n_s32(0), i1 = svdup_n_s32(0);
    i0 = svmmla_s32(i0, svget4_s8(w0, 0), x0);
    i1 = svmmla_s32(i1, svget4_s8(w1, 0), x0);
    i0 = svmmla_s32(i0, svget4_s8(w0, 1), x1);
    i1 = svmmla_s32(i1, svget4_s8(w1, 1), x1);
    i0 = svmmla_s32(i0, svget4_s8(w0, 2), x2);
    i1 = svmmla_s32(i1, svget4_s8(w1, 2), x2);
    i0 = svmmla_s32(i0, svget4_s8(w0, 3), x3);
    i1 = svmmla_s32(i1, svget4_s8(w1, 3), x3);
    const svfloat32_t d = svld1rq_f32(all32, dx);
    *acc0 = svmla_f32_x(all32, *acc0, svcvt_f32_s32_x(all32, i0), svmul_f32_x(all32, dw0, d));
    *acc1 = svmla_f32_x(all32, *acc1, svcvt_f32_s32_x(all32, i1), svmul_f32_x(all32, dw1, d));
}

/* k-steps 0..3 of one column half: k-half 0 and 1 vectors, low then high nibbles. */
static inline svint8x4_t unpack(const int8_t *qs)
{
    const svbool_t all8 = svptrue_b8();
    const svint8_t v0 = svld1_vnum_s8(all8, qs, 0), v1 = svld1_vnum_s8(all8, qs, 1);
    return svcreate4_s8(sve_low_x16(v0), sve_low_x16(v1), sve_high_x16(v0), sve_high_x16(v1));
}

/* Rows m, m + 1 (those below m1) of a row pair's tile, columns where pg is set. */
static inline void store_pair(float *y, size_t ldy, size_t m, size_t m1, svbool_t pg, svfloat32_t acc0,
                              svfloat32_t acc1)
{
    if (m < m1)
        svst1_f32(pg, y + m * ldy, svuzp1_f32(acc0, acc1));
    if (m + 1 < m1)
        svst1_f32(pg, y + (m + 1) * ldy, svuzp2_f32(acc0, acc1));
}

static void run(const q4t_run_args *a, size_t m0, size_t m1, size_t n0, size_t n1)
{
    const uint8_t *w = sve_packed_w(a->w, "gemm_q4_sve_i8mm_8xvl");
    const size_t nb = a->K / Q4T_QK, c = svcntw();
    const size_t group_block_bytes = c * sizeof(q4t_block_q4_0);

    for (size_t n = n0; n < n1; n += c) {
        const uint8_t *wg = w + n / c * nb * group_block_bytes;
        const svbool_t cols = svwhilelt_b32_u64(n, n1);
        for (size_t m = m0; m < m1; m += MR) {
            const uint8_t *xt = (const uint8_t *)a->x + m / MR * nb * X_TILE_BLOCK_BYTES;
            svfloat32_t a00 = svdup_n_f32(0.0f), a01 = a00, a10 = a00, a11 = a00;
            svfloat32_t a20 = a00, a21 = a00, a30 = a00, a31 = a00;
            for (size_t b = 0; b < nb; b++) {
                const uint8_t *p = wg + b * group_block_bytes;
                const uint8_t *xb = xt + b * X_TILE_BLOCK_BYTES;
                const svfloat32_t dw = sve_load_scales((const uint16_t *)p);
                const svfloat32_t dw0 = svzip1_f32(dw, dw), dw1 = svzip2_f32(dw, dw);
                const int8_t *qs = (const int8_t *)p + c * sizeof(uint16_t);
                const svint8x4_t w0 = unpack(qs), w1 = unpack(qs + 2 * svcntb());
                const float *dx = (const float *)xb;
                const int8_t *xq = (const int8_t *)(xb + X_D_BYTES);
                pair_block(&a00, &a01, w0, w1, dw0, dw1, dx + 0, xq + 0 * X_PAIR_QS_BYTES);
                pair_block(&a10, &a11, w0, w1, dw0, dw1, dx + 4, xq + 1 * X_PAIR_QS_BYTES);
                pair_block(&a20, &a21, w0, w1, dw0, dw1, dx + 8, xq + 2 * X_PAIR_QS_BYTES);
                pair_block(&a30, &a31, w0, w1, dw0, dw1, dx + 12, xq + 3 * X_PAIR_QS_BYTES);
            }
            float *y = a->y + n;
            store_pair(y, a->ldy, m + 0, m1, cols, a00, a01);
            store_pair(y, a->ldy, m + 2, m1, cols, a10, a11);
            store_pair(y, a->ldy, m + 4, m1, cols, a20, a21);
            store_pair(y, a->ldy, m + 6, m1, cols, a30, a31);
        }
    }
}

Q4T_VARIANT(gemm_q4_sve_i8mm_8xvl, GEMM, Q4T_F_NEON | Q4T_F_SVE | Q4T_F_I8MM | Q4T_F_SVEI8MM, sve_i8mm_gvl,
            sve_i8mm_x8, run,
            .mr = MR, .nr = 1, .kr = KR, .nr_vl = 1, .tile = sve_tile_unit);
