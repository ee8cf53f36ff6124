/* gemv_q4_avx512vnni_1x64: GEMV (token generation), x86-64 AVX512-VNNI (vpdpbusd on zmm).
 *
 * Tile 1x64: one row of X against 64 columns of W (four zmm of 16 columns),
 * four independent block sums and accumulators. Per 32-block, 16 weight loads
 * (one 1152-byte stream), 32 vpdpbusd; each x broadcast feeds four of them. W
 * streams once, prefetched 4 KiB ahead.
 *
 * Packed W (zmm_g64): panels of 64 columns (N padded to a multiple of 64 with zero
 * columns), per 32-block 1152 bytes: fp16 d[64], then 4 nibble groups of
 * 256 bytes, k-quads in the int32 lanes (avx512vnni_common.h).
 * Packed X (x86_r1, avx2_common.h): per row and 32-block, 40 bytes: fp32 d, int32 -8 sum(q), int8 qs[32].
 * Preconditions: n0 a multiple of 64.
 */
#if !defined(__AVX512F__) || !defined(__AVX512BW__) || !defined(__AVX512VL__) || !defined(__AVX512VNNI__)
#error "gemv_q4_avx512vnni_1x64 needs AVX512F/BW/VL/VNNI (-mavx512f -mavx512bw -mavx512vl -mavx512vnni)"
#endif

#include "avx512vnni_common.h"

ZMM_VARIANT(gemv_q4_avx512vnni_1x64, GEMV, /* MR */ 1, /* G */ 4, zmm_g64, x86_r1);
