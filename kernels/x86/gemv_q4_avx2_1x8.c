/* gemv_q4_avx2_1x8: GEMV (token generation), x86-64 AVX2 (vpmaddubsw + vpmaddwd), FMA, F16C.
 *
 * Tile 1x8: one row of X against 8 rows of W (one ymm of 8 columns, 4 k per lane);
 * 8 vpmaddubsw + vpaddw per 32-block into 1 int16 block sums, each
 * widened once per block (vpmaddwd with ones) and offset by -8 sum x.
 * Per 32-block: 4 loads of 32 bytes of W, each unpacked into 2 weight vectors
 * (k groups c and c+4), 8 broadcasts of 4 bytes of x; one block sum and one
 * fp32 accumulator. W is streamed once, prefetched 8 KB ahead.
 *
 * Packed W (avx2_g8): groups of 8 rows, 144 bytes per group and 32-block (avx2_common.h):
 *   fp16 d[8], then chunk c = 0..3 of the 8 rows' Q4_0 qs[4c .. 4c+3].
 * Packed X (x86_r1): rows of X, 40 bytes per row and 32-block (avx2_common.h):
 *   fp32 d, int32 -8 sum(q), int8 q[32].
 * Preconditions: n0 a multiple of 8.
 */
#if !defined(__AVX2__) || !defined(__FMA__) || !defined(__F16C__)
#error "gemv_q4_avx2_1x8 needs AVX2, FMA and F16C (-mavx2 -mfma -mf16c)"
#endif

#include "avx2_common.h"

AVX2_VARIANT(gemv_q4_avx2_1x8, GEMV, /* VNNI */ 0, /* MR */ 1, /* NR */ 8, avx2_g8, x86_r1);
