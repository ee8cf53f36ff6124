/* gemm_q4_i8mm_4x4: GEMM (prompt processing), AArch64 NEON with int8 matrix
 * multiply (Armv8.6 I8MM, SMMLA); no SDOT.
 *
 * Tile 4x4: 4 rows of X against 4 rows of W, 2 x 2 SMMLA 2x2 tiles; 16 SMMLA
 * per 32-block. Per block the 8 operands of W are held, the 2 pairs of X
 * stream past them: 4 fp32 accumulators, 8 + 4 operands. The smallest tile,
 * for small or ragged M and N.
 *
 * Packed W (i8mm_g4): groups of 4 rows, 96 bytes per group and 32-block (i8mm_common.h):
 *   per pair of rows, float sw[4] (its 2x2 tile of scales), then
 *   its Q4_0 qs as stored, interleaved by 8 bytes.
 * Packed X (i8mm_x4n4): groups of 4 rows, 224 bytes per group and 32-block (i8mm_common.h):
 *   per pair of rows, float sx[4] (its 2x2 tile of scales), int32 c[2][4]
 *   (-8 sum x, the start of each of its 2 block sums), then its Q8_0 qs
 *   interleaved by 8 bytes.
 * Preconditions: m0 a multiple of 4, n0 a multiple of 4.
 */
#if !defined(__ARM_FEATURE_MATMUL_INT8)
#error "gemm_q4_i8mm_4x4 needs the Armv8.6 int8 matrix multiply extension (-march=armv8.2-a+i8mm)"
#endif

#include "i8mm_common.h"

I8MM_VARIANT(gemm_q4_i8mm_4x4, /* MR */ 4, /* NR */ 4, i8mm_g4, i8mm_x4n4);
