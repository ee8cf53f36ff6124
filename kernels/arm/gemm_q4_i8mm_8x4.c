/* gemm_q4_i8mm_8x4: GEMM (prompt processing), AArch64 NEON with int8 matrix
 * multiply (Armv8.6 I8MM, SMMLA); no SDOT.
 *
 * Tile 8x4: 8 rows of X against 4 rows of W, 4 x 2 SMMLA 2x2 tiles; 32 SMMLA
 * per 32-block. Per block the 8 unpacked operands of W are held, the 4 pairs
 * of X stream past them one k group at a time (each W operand feeds 4 SMMLA,
 * each X operand 2): 8 fp32 accumulators, 8 + 1 operands, 2 block sums. The
 * vector instructions per block: 32 SMMLA, 8 to unpack W, and per 2x2 tile
 * a conversion, a scale product and an FMLA (24); the block sums start from
 * a load. 16x4 and 8x8 would share the unpacking and the W scales over more
 * SMMLA, but with 16 fp32 accumulators clang (generic tuning) spills.
 *
 * Packed W (i8mm_g4): groups of 4 rows, 96 bytes per group and 32-block (i8mm_common.h):
 *   per pair of rows, float sw[4] (its 2x2 tile of scales), then
 *   its Q4_0 qs as stored, interleaved by 8 bytes.
 * Packed X (i8mm_x8n4): groups of 8 rows, 448 bytes per group and 32-block (i8mm_common.h):
 *   per pair of rows, float sx[4] (its 2x2 tile of scales), int32 c[2][4]
 *   (-8 sum x, the start of each of its 2 block sums), then its Q8_0 qs
 *   interleaved by 8 bytes.
 * Preconditions: m0 a multiple of 8, n0 a multiple of 4.
 */
#if !defined(__ARM_FEATURE_MATMUL_INT8)
#error "gemm_q4_i8mm_8x4 needs the Armv8.6 int8 matrix multiply extension (-march=armv8.2-a+i8mm)"
#endif

#include "i8mm_common.h"

I8MM_VARIANT(gemm_q4_i8mm_8x4, /* MR */ 8, /* NR */ 4, i8mm_g4, i8mm_x8n4);
