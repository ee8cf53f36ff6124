/* gemm_q4_avx512vnni_6x32: GEMM (prompt processing), x86-64 AVX512-VNNI (vpdpbusd on zmm).
 *
 * Tile 6x32: 6 rows of X against 32 columns of W (two zmm of 16 columns).
 * Per 32-block, 8 weight loads unpack to 16 vectors, each feeding 6 vpdpbusd,
 * and each x broadcast feeds 2: 96 vpdpbusd into 12 int32 block sums, then
 * 12 conversions, multiplies by d_w d_x and FMAs into 12 fp32 accumulators.
 * The 24 accumulators, unpacked weights, x broadcasts, scales and nibble mask
 * take all 32 zmm registers (GCC 12: no spill in the block loop; clang 19:
 * one, which costs nothing measurable).
 *
 * Packed W (zmm_g32): panels of 32 columns (N padded to a multiple of 32 with zero
 * columns), per 32-block 576 bytes: fp16 d[32], then 2 nibble groups of
 * 256 bytes, k-quads in the int32 lanes (avx512vnni_common.h).
 * Packed X (x86_r6, avx2_common.h): row groups of 6 (M padded to a multiple of 6 with zero rows),
 * per 32-block 240 bytes: fp32 d[6], int32 -8 sum(q)[6], int8 qs[6][32].
 * Preconditions: m0 a multiple of 6, n0 a multiple of 32.
 */
#if !defined(__AVX512F__) || !defined(__AVX512BW__) || !defined(__AVX512VL__) || !defined(__AVX512VNNI__)
#error "gemm_q4_avx512vnni_6x32 needs AVX512F/BW/VL/VNNI (-mavx512f -mavx512bw -mavx512vl -mavx512vnni)"
#endif

#include "avx512vnni_common.h"

ZMM_VARIANT(gemm_q4_avx512vnni_6x32, GEMM, /* MR */ 6, /* G */ 2, zmm_g32, x86_r6);
