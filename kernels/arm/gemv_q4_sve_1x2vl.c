/* gemv_q4_sve_1x2vl: GEMV (token generation), SVE SDOT, vector-length agnostic.
 *
 * Tile 1x2vl: one row of X against 2C rows of W per pass, C = VL/32 = svcntw()
 * (2C = 8 at VL 128 ... 128 at VL 2048): two int32 block sums and two float32
 * accumulators, two independent SDOT chains sharing the x loads. Each weight
 * vector load feeds one SDOT for C rows x 4 k (indexed form: the x block's 16
 * bytes are replicated to every 128-bit segment by LD1RQB, the index picks 4).
 *
 * Packed W: header (sve_common.h: VL recorded, 64 bytes), then row groups of 2C
 * (N padded to a multiple of 2C with zero rows); per group, per 32-block,
 * 36C bytes (18 per row, as Q4_0):
 *   fp16 d[2C]             scales of rows 0..2C-1 (one vector)
 *   uint8 qs[2][4][C][4]   half h, chunk c (one vector): rows hC..hC+C-1,
 *                          each its Q4_0 qs[4c..4c+3]
 * Nibbles are stored XOR 8, i.e. as signed 4-bit q - 8, so that (v << 4) and
 * (v & 0xf0) are 16 * (q - 8) for the low and high elements: the factor 16 is
 * taken out of the scale (exact, a power of two).
 * Packed X: Q8F rows (formats.h).
 * Preconditions: n0 a multiple of 2C; W packed at this thread's VL (else run()
 * prints the mismatch to stderr and aborts).
 */
#if !defined(__ARM_FEATURE_SVE)
#error "gemv_q4_sve_1x2vl needs SVE (-march=armv8.2-a+sve)"
#endif

#include "sve_common.h"

enum { NR_VL = 2, KR = 4 };

/* acc + (d_w * dx) * isum for one half group (C rows) and one block: d its
 * scales, qs its 4 chunk vectors, xlo/xhi the block's x qs[0..15]/[16..31]
 * in every segment, dx = d_x / 16. */
static inline svfloat32_t half_block(svfloat32_t acc, const uint16_t *d, const int8_t *qs, svint8_t xlo,
                                     svint8_t xhi, float dx)
{
    const svbool_t all8 = svptrue_b8(), all32 = svptrue_b32();
    const svint8_t v0 = svld1_vnum_s8(all8, qs, 0);
    const svint8_t v1 = svld1_vnum_s8(all8, qs, 1);
    const svint8_t v2 = svld1_vnum_s8(all8, qs, 2);
    const svint8_t v3 = svld1_vnum_s8(all8, qs, 3);
    svint32_t isum = svdup_n_s32(0);
    isum = svdot_lane_s32(isum, sve_low_x16(v0), xlo, 0);
    isum = svdot_lane_s32(isum, sve_high_x16(v0), xhi, 0);
    isum = svdot_lane_s32(isum, sve_low_x16(v1), xlo, 1);
    isum = svdot_lane_s32(isum, sve_high_x16(v1), xhi, 1);
    isum = svdot_lane_s32(isum, sve_low_x16(v2), xlo, 2);
    isum = svdot_lane_s32(isum, sve_high_x16(v2), xhi, 2);
    isum = svdot_lane_s32(isum, sve_low_x16(v3), xlo, 3);
    isum = svdot_lane_s32(isum, sve_high_x16(v3), xhi, 3);
    const svfloat32_t dw = sve_load_scales(d);
    return svmla_f32_x(all32, acc, svcvt_f32_s32_x(all32, isum), svmul_n_f32_x(all32, dw, dx));
}

static void run(const q4t_run_args *a, size_t m0, size_t m1, size_t n0, size_t n1)
{
    const uint8_t *w = sve_packed_w(a->w, "gemv_q4_sve_1x2vl");
    const size_t nb = a->K / Q4T_QK, c = svcntw(), nr = NR_VL * c;
    const size_t group_block_bytes = nr * sizeof(q4t_block_q4_0);
    const svbool_t all8 = svptrue_b8();

    for (size_t n = n0; n < n1; n += nr) {
        const uint8_t *wg = w + n / nr * nb * group_block_bytes;
        for (size_t m = m0; m < m1; m++) {
            const q4t_block_q8f *x = (const q4t_block_q8f *)a->x + m * nb;
            const uint8_t *p = wg;
            svfloat32_t acc0 = svdup_n_f32(0.0f), acc1 = svdup_n_f32(0.0f);
            for (size_t b = 0; b < nb; b++, p += group_block_bytes) {
                const svint8_t xlo = svld1rq_s8(all8, x[b].qs);
                const svint8_t xhi = svld1rq_s8(all8, x[b].qs + 16);
                const float dx = x[b].d * (1.0f / 16);
                const uint16_t *d = (const uint16_t *)p;
                const int8_t *qs = (const int8_t *)(d + nr);
                acc0 = half_block(acc0, d, qs, xlo, xhi, dx);
                acc1 = half_block(acc1, d + c, qs + 4 * svcntb(), xlo, xhi, dx);
            }
            float *y = a->y + m * a->ldy + n;
            svst1_f32(svwhilelt_b32_u64(n, n1), y, acc0);
            if (n + c < n1)
                svst1_f32(svwhilelt_b32_u64(n + c, n1), y + c, acc1);
        }
    }
}

Q4T_VARIANT(gemv_q4_sve_1x2vl, GEMV, Q4T_F_NEON | Q4T_F_SVE, sve_gemv_g2vl, q8f, run,
            .mr = 1, .nr = NR_VL, .kr = KR, .nr_vl = 1, .tile = sve_tile_unit);
