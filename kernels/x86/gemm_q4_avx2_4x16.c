/* gemm_q4_avx2_4x16: GEMM (prompt processing), x86-64 AVX2 (vpmaddubsw + vpmaddwd), FMA, F16C.
 *
 * Tile 4x16: 4 rows of X against 16 rows of W (2 ymm of 8 columns, 4 k per lane);
 * 64 vpmaddubsw + vpaddw per 32-block into 8 int16 block sums, each
 * widened once per block (vpmaddwd with ones) and offset by -8 sum x.
 * Per chunk of 4 k: two loads of W unpacked into 4 weight vectors, each used
 * by the 4 rows; each broadcast of x feeds 2 ymm. Registers: 8 block sums,
 * 4 weight vectors, the broadcast and the mask (14 of 16 ymm); of the 8 fp32
 * accumulators, added to once per block, those that do not fit stay in L1.
 *
 * Packed W (avx2_g16): groups of 16 rows, 288 bytes per group and 32-block (avx2_common.h):
 *   fp16 d[16], then chunk c = 0..3 of the 16 rows' Q4_0 qs[4c .. 4c+3].
 * Packed X (x86_r4): groups of 4 rows, 160 bytes per group and 32-block (avx2_common.h):
 *   fp32 d[4], int32 -8 sum(q)[4], int8 q[4][32].
 * Preconditions: m0 a multiple of 4, n0 a multiple of 16.
 */
#if !defined(__AVX2__) || !defined(__FMA__) || !defined(__F16C__)
#error "gemm_q4_avx2_4x16 needs AVX2, FMA and F16C (-mavx2 -mfma -mf16c)"
#endif

#include "avx2_common.h"

AVX2_VARIANT(gemm_q4_avx2_4x16, GEMM, /* VNNI */ 0, /* MR */ 4, /* NR */ 16, avx2_g16, x86_r4);
