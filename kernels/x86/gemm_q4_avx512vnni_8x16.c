/* gemm_q4_avx512vnni_8x16: GEMM (prompt processing), x86-64 AVX512-VNNI (vpdpbusd on zmm).
 *
 * Tile 8x16: 8 rows of X against 16 columns of W. Per 32-block, 4 weight
 * loads unpack to the 8 k-quads of the 16 columns, each feeding 8 vpdpbusd
 * (one per row, x broadcast 4 bytes at a time): 64 vpdpbusd into 8 int32
 * block sums, then 8 conversions, multiplies by d_w d_x and FMAs into 8 fp32
 * accumulators. Each unpacked weight serves 8 rows, but each x broadcast only
 * 16 columns: a dword broadcast to zmm takes one of the two 512-bit load slots
 * per cycle, so the 64 broadcasts and the weight loads of a block take about
 * as many cycles as its arithmetic (4x32 and 6x32 need half as many per
 * vpdpbusd).
 *
 * Packed W (zmm_g16): panels of 16 columns (N padded to a multiple of 16 with zero
 * columns), per 32-block 288 bytes: fp16 d[16], then one nibble group of
 * 256 bytes, k-quads in the int32 lanes (avx512vnni_common.h).
 * Packed X (x86_r8, avx2_common.h): row groups of 8 (M padded to a multiple of 8 with zero rows),
 * per 32-block 320 bytes: fp32 d[8], int32 -8 sum(q)[8], int8 qs[8][32].
 * Preconditions: m0 a multiple of 8, n0 a multiple of 16.
 */
#if !defined(__AVX512F__) || !defined(__AVX512BW__) || !defined(__AVX512VL__) || !defined(__AVX512VNNI__)
#error "gemm_q4_avx512vnni_8x16 needs AVX512F/BW/VL/VNNI (-mavx512f -mavx512bw -mavx512vl -mavx512vnni)"
#endif

#include "avx512vnni_common.h"

ZMM_VARIANT(gemm_q4_avx512vnni_8x16, GEMM, /* MR */ 8, /* G */ 1, zmm_g16, x86_r8);
