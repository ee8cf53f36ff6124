/* Shared by the vector-length agnostic SVE variants (gemv_q4_sve_*, gemm_q4_sve_i8mm_*),
 * whose layouts are declared in layouts_sve.c (W sve_gemv_g2vl, sve_i8mm_gvl;
 * X sve_i8mm_x8, or q8f rows for the GEMV).
 *
 * Their packed W depends on the vector length (VL): it starts with a header of
 * SVE_HEADER_BYTES recording the VL in bytes it was packed for (uint32 at offset 0,
 * the rest zero, so the data after it keeps the buffer's 64-byte alignment), then
 * row groups as q4t_pack_w_rowgroups writes them (kernel.h), nibbles XOR 8.
 * run() refuses weights packed for another VL (stderr, abort): the weights must
 * be packed and run on threads with the same VL.
 *
 * Their scalable dimension is N, in units of one vector of int32 columns (svcntw()).
 * Also here: the nibble unpacking and the scale loads they share.
 */
#ifndef Q4T_SVE_COMMON_H
#define Q4T_SVE_COMMON_H

#if !defined(__ARM_FEATURE_SVE)
#error "sve_common.h is for SVE kernels (-march=armv8.2-a+sve)"
#endif

#include <arm_sve.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../kernel.h"

enum {
    SVE_HEADER_BYTES = 64,
    /* X of gemm_q4_sve_i8mm_8xvl (sve_i8mm_x8, described there): tiles of 8 rows */
    SVE_I8MM_MR = 8,
    SVE_I8MM_X_D_BYTES = SVE_I8MM_MR / 2 * 4 * sizeof(float), /* d[4][4] */
    SVE_I8MM_X_PAIR_QS_BYTES = 2 * Q4T_QK,                    /* qs[4][2][8] of one row pair */
    SVE_I8MM_X_TILE_BLOCK_BYTES = SVE_I8MM_X_D_BYTES + SVE_I8MM_MR / 2 * SVE_I8MM_X_PAIR_QS_BYTES,
};

/* The tile unit: one vector of int32 columns (VL/32) for N; M is not scalable. */
static inline void sve_tile_unit(size_t *mr_unit, size_t *nr_unit)
{
    *mr_unit = 1;
    *nr_unit = svcntw();
}

/* Packed nibbles (XOR 8: signed q - 8) to int8 16 * (q - 8): the low (element j)
 * and the high (element j + 16) nibble of each byte. */
static inline svint8_t sve_low_x16(svint8_t v)
{
    return svlsl_n_s8_x(svptrue_b8(), v, 4);
}

static inline svint8_t sve_high_x16(svint8_t v)
{
    return svand_n_s8_x(svptrue_b8(), v, (int8_t)0xf0);
}

/* svcntw() fp16 scales, widened to fp32 lanes (zero-extending load: FCVT reads
 * the low half of each 32-bit lane). */
static inline svfloat32_t sve_load_scales(const uint16_t *d)
{
    const svbool_t all32 = svptrue_b32();
    return svcvt_f32_f16_x(all32, svreinterpret_f16_u32(svld1uh_u32(all32, d)));
}

/* The row groups of packed weights, after checking they were packed for this VL. */
static inline const uint8_t *sve_packed_w(const void *w, const char *kernel)
{
    uint32_t vl;
    memcpy(&vl, w, sizeof vl);
    if (vl != svcntb()) {
        fprintf(stderr, "%s: weights packed for SVE VL %u bits, this thread runs VL %u bits: pack them again\n",
                kernel, (unsigned)vl * 8, (unsigned)svcntb() * 8);
        abort();
    }
    return (const uint8_t *)w + SVE_HEADER_BYTES;
}

#endif
