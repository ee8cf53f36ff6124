/* gemv_q4_avx2_1x16: GEMV (token generation), x86-64 AVX2 (vpmaddubsw + vpmaddwd), FMA, F16C.
 *
 * Tile 1x16: one row of X against 16 rows of W (2 ymm of 8 columns, 4 k per lane);
 * 16 vpmaddubsw + vpaddw per 32-block into 2 int16 block sums, each
 * widened once per block (vpmaddwd with ones) and offset by -8 sum x.
 * Per 32-block: 8 loads of 32 bytes of W, each unpacked into 2 weight vectors,
 * 8 broadcasts of 4 bytes of x, each feeding both ymm; two block sums and two
 * fp32 accumulators. W is streamed once, prefetched 8 KB ahead.
 *
 * Packed W (avx2_g16): groups of 16 rows, 288 bytes per group and 32-block (avx2_common.h):
 *   fp16 d[16], then chunk c = 0..3 of the 16 rows' Q4_0 qs[4c .. 4c+3].
 * Packed X (x86_r1): rows of X, 40 bytes per row and 32-block (avx2_common.h):
 *   fp32 d, int32 -8 sum(q), int8 q[32].
 * Preconditions: n0 a multiple of 16.
 */
#if !defined(__AVX2__) || !defined(__FMA__) || !defined(__F16C__)
#error "gemv_q4_avx2_1x16 needs AVX2, FMA and F16C (-mavx2 -mfma -mf16c)"
#endif

#include "avx2_common.h"

AVX2_VARIANT(gemv_q4_avx2_1x16, GEMV, /* VNNI */ 0, /* MR */ 1, /* NR */ 16, avx2_g16, x86_r1);
