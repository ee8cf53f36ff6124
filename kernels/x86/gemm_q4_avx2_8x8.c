/* gemm_q4_avx2_8x8: GEMM (prompt processing), x86-64 AVX2 (vpmaddubsw + vpmaddwd), FMA, F16C.
 *
 * Tile 8x8: 8 rows of X against 8 rows of W (one ymm of 8 columns, 4 k per lane);
 * 64 vpmaddubsw + vpaddw per 32-block into 8 int16 block sums, each
 * widened once per block (vpmaddwd with ones) and offset by -8 sum x.
 * Per chunk of 4 k: one load of W unpacked into 2 weight vectors, each used
 * by the 8 rows. Registers: 8 block sums, 2 weight vectors, the broadcast and
 * the mask (12 of 16 ymm); of the 8 fp32 accumulators, added to once per
 * block, those that do not fit stay in L1.
 *
 * Packed W (avx2_g8): groups of 8 rows, 144 bytes per group and 32-block (avx2_common.h):
 *   fp16 d[8], then chunk c = 0..3 of the 8 rows' Q4_0 qs[4c .. 4c+3].
 * Packed X (x86_r8): groups of 8 rows, 320 bytes per group and 32-block (avx2_common.h):
 *   fp32 d[8], int32 -8 sum(q)[8], int8 q[8][32].
 * Preconditions: m0 a multiple of 8, n0 a multiple of 8.
 */
#if !defined(__AVX2__) || !defined(__FMA__) || !defined(__F16C__)
#error "gemm_q4_avx2_8x8 needs AVX2, FMA and F16C (-mavx2 -mfma -mf16c)"
#endif

#include "avx2_common.h"

AVX2_VARIANT(gemm_q4_avx2_8x8, GEMM, /* VNNI */ 0, /* MR */ 8, /* NR */ 8, avx2_g8, x86_r8);
