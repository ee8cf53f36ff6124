/* gemm_q4_avxvnni_4x8: GEMM (prompt processing), x86-64 AVX-VNNI (VEX vpdpbusd on ymm), AVX2, FMA, F16C.
 *
 * Tile 4x8: 4 rows of X against 8 rows of W (one ymm of 8 columns, 4 k per lane);
 * 32 vpdpbusd per 32-block into 4 int32 block sums, started at -8 sum x.
 * Per chunk of 4 k: one load of W unpacked into 2 weight vectors, each used
 * by the 4 rows. Registers: 4 block sums, 4 fp32 accumulators, 2 weight
 * vectors, the broadcast of x and the nibble mask (12 of 16 ymm).
 *
 * Packed W (avx2_g8): groups of 8 rows, 144 bytes per group and 32-block (avx2_common.h):
 *   fp16 d[8], then chunk c = 0..3 of the 8 rows' Q4_0 qs[4c .. 4c+3].
 * Packed X (x86_r4): groups of 4 rows, 160 bytes per group and 32-block (avx2_common.h):
 *   fp32 d[4], int32 -8 sum(q)[4], int8 q[4][32].
 * Preconditions: m0 a multiple of 4, n0 a multiple of 8.
 */
#if !defined(__AVX2__) || !defined(__FMA__) || !defined(__F16C__) || !defined(__AVXVNNI__)
#error "gemm_q4_avxvnni_4x8 needs AVX-VNNI, AVX2, FMA and F16C (-mavxvnni -mavx2 -mfma -mf16c)"
#endif

#include "avx2_common.h"

AVX2_VARIANT(gemm_q4_avxvnni_4x8, GEMM, /* VNNI */ 1, /* MR */ 4, /* NR */ 8, avx2_g8, x86_r4);
