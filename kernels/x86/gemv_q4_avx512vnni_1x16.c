/* gemv_q4_avx512vnni_1x16: GEMV (token generation), x86-64 AVX512-VNNI (vpdpbusd on zmm).
 *
 * Tile 1x16: one row of X against 16 columns of W, one int32 block sum and one
 * fp32 accumulator. Per 32-block, 4 weight loads unpack (and, shift + and) to
 * the 8 k-quads of the 16 columns, each one vpdpbusd against 4 bytes of x
 * broadcast; then one conversion, multiply by d_w d_x and FMA. W streams once,
 * prefetched 4 KiB ahead. The smallest column tile of the family: the finest
 * split of N between threads.
 *
 * Packed W (zmm_g16): panels of 16 columns (N padded to a multiple of 16 with zero
 * columns), per 32-block 288 bytes: fp16 d[16], then one nibble group of
 * 256 bytes, k-quads in the int32 lanes (avx512vnni_common.h).
 * Packed X (x86_r1, avx2_common.h): per row and 32-block, 40 bytes: fp32 d, int32 -8 sum(q), int8 qs[32].
 * Preconditions: n0 a multiple of 16.
 */
#if !defined(__AVX512F__) || !defined(__AVX512BW__) || !defined(__AVX512VL__) || !defined(__AVX512VNNI__)
#error "gemv_q4_avx512vnni_1x16 needs AVX512F/BW/VL/VNNI (-mavx512f -mavx512bw -mavx512vl -mavx512vnni)"
#endif

#include "avx512vnni_common.h"

ZMM_VARIANT(gemv_q4_avx512vnni_1x16, GEMV, /* MR */ 1, /* G */ 1, zmm_g16, x86_r1);
