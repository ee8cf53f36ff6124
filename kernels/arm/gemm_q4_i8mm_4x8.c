/* gemm_q4_i8mm_4x8: GEMM (prompt processing), AArch64 NEON with int8 matrix
 * multiply (Armv8.6 I8MM, SMMLA); no SDOT.
 *
 * Tile 4x8: 4 rows of X against 8 rows of W, 2 x 4 SMMLA 2x2 tiles; 32 SMMLA
 * per 32-block. Per block the 8 operands of X are held, the 4 pairs of W
 * stream past them (each unpacked W operand feeds 2 SMMLA, each X operand 4):
 * 8 fp32 accumulators, 8 + 4 operands.
 *
 * Packed W (i8mm_g8): groups of 8 rows, 192 bytes per group and 32-block (i8mm_common.h):
 *   per pair of rows, float sw[4] (its 2x2 tile of scales), then
 *   its Q4_0 qs as stored, interleaved by 8 bytes.
 * Packed X (i8mm_x4n8): groups of 4 rows, 288 bytes per group and 32-block (i8mm_common.h):
 *   per pair of rows, float sx[4] (its 2x2 tile of scales), int32 c[4][4]
 *   (-8 sum x, the start of each of its 4 block sums), then its Q8_0 qs
 *   interleaved by 8 bytes.
 * Preconditions: m0 a multiple of 4, n0 a multiple of 8.
 */
#if !defined(__ARM_FEATURE_MATMUL_INT8)
#error "gemm_q4_i8mm_4x8 needs the Armv8.6 int8 matrix multiply extension (-march=armv8.2-a+i8mm)"
#endif

#include "i8mm_common.h"

I8MM_VARIANT(gemm_q4_i8mm_4x8, /* MR */ 4, /* NR */ 8, i8mm_g8, i8mm_x4n8);
