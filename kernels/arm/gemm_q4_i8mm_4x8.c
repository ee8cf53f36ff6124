/* gemm_q4_i8mm_4x8: GEMM (prompt processing), AArch64 NEON with int8 matrix
 * multiply (Armv8.6 I8MM, SMMLA); no SDOT.
 *
 * Tile 4x8: 4 rows of X against 8 rows of W, 2 x 4 SMMLA 2x2 tiles; 32 SMMLA
 * per 32-block. Per block the 8 operands of X are held, the 4 pairs of W
 * stream past them (each unpacked W operand feeds 2 SMMLA, each X operand 4):
 * 8 fp32 accumulators, 8 + 4 operands.
 *
 * Packed W: groups of 8 rows, 144 bytes per group and 32-block (i8mm_common.h):
 *   fp16 d[8], then the Q4_0 qs XOR 0x88, pairs of rows interleaved by 8 bytes.
 * Packed X: groups of 4 rows, 160 bytes per group and 32-block (i8mm_common.h):
 *   per pair of rows, float d[4] (its 2x2 tile of scales), then its Q8_0 qs
 *   interleaved by 8 bytes.
 * Preconditions: m0 a multiple of 4, n0 a multiple of 8.
 */
#if !defined(__ARM_FEATURE_MATMUL_INT8)
#error "gemm_q4_i8mm_4x8 needs the Armv8.6 int8 matrix multiply extension (-march=armv8.2-a+i8mm)"
#endif

#include "i8mm_common.h"

enum { MR = 4, NR = 8, KR = 8 }; /* KR: k per SMMLA */

static size_t packed_w_size(size_t N, size_t K)
{
    return q4t_packed_size_rowgroups(N, K, NR);
}

static void pack_w(const q4t_block_q4_0 *w, size_t N, size_t K, void *dst)
{
    q4t_pack_w_rowgroups(w, N, K, NR, i8mm_w_qs_offset, 0x88, dst);
}

static size_t packed_x_size(size_t M, size_t K)
{
    return i8mm_packed_x_size(M, K, MR);
}

static void pack_x(const float *x, size_t M, size_t K, void *dst)
{
    i8mm_pack_x(x, M, K, MR, dst);
}

static void run(const q4t_run_args *a, size_t m0, size_t m1, size_t n0, size_t n1)
{
    i8mm_run(a, m0, m1, n0, n1, MR, NR);
}

const q4t_kernel gemm_q4_i8mm_4x8 = {
    .name = "gemm_q4_i8mm_4x8",
    .file = __FILE__,
    .op = Q4T_OP_GEMM,
    .isa = Q4T_F_NEON | Q4T_F_I8MM,
    .mr = MR, .nr = NR, .kr = KR,
    .packed_w_size = packed_w_size,
    .pack_w = pack_w,
    .w_layout = "i8mm_g8",
    .packed_x_size = packed_x_size,
    .pack_x = pack_x,
    .x_by_rows = 1,
    .run = run,
};
