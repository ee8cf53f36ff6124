/* gemm_q4_avx512vnni_4x32: GEMM (prompt processing), x86-64 AVX512-VNNI (vpdpbusd on zmm).
 *
 * Tile 4x32: 4 rows of X against 32 columns of W (two zmm of 16 columns).
 * Per 32-block, 8 weight loads unpack to 16 vectors, each feeding 4 vpdpbusd
 * (one per row), and each x broadcast feeds 2: 64 vpdpbusd into 8 int32 block
 * sums, 32 broadcasts, then 8 conversions, multiplies and FMAs into 8 fp32
 * accumulators. The vpdpbusd, multiply and FMA pipes bound it, not the loads.
 *
 * Packed W (zmm_g32): panels of 32 columns (N padded to a multiple of 32 with zero
 * columns), per 32-block 576 bytes: fp16 d[32], then 2 nibble groups of
 * 256 bytes, k-quads in the int32 lanes (avx512vnni_common.h).
 * Packed X (x86_r4, avx2_common.h): row groups of 4 (M padded to a multiple of 4 with zero rows),
 * per 32-block 160 bytes: fp32 d[4], int32 -8 sum(q)[4], int8 qs[4][32].
 * Preconditions: m0 a multiple of 4, n0 a multiple of 32.
 */
#if !defined(__AVX512F__) || !defined(__AVX512BW__) || !defined(__AVX512VL__) || !defined(__AVX512VNNI__)
#error "gemm_q4_avx512vnni_4x32 needs AVX512F/BW/VL/VNNI (-mavx512f -mavx512bw -mavx512vl -mavx512vnni)"
#endif

#include "avx512vnni_common.h"

ZMM_VARIANT(gemm_q4_avx512vnni_4x32, GEMM, /* MR */ 4, /* G */ 2, zmm_g32, x86_r4);
