/* gemm_q4_ref_1x1: reference GEMM (prompt processing), portable C.
 * W: plain Q4_0 rows (N x K/32 blocks). X: plain Q8_0 rows (M x K/32 blocks).
 * Tile 1x1, any M; columns outermost so a weight row is reused across all rows
 * of X. The definition of the answer: every GEMM variant is checked against it. */
#include "../kernel.h"

static void run(const q4t_run_args *a, size_t m0, size_t m1, size_t n0, size_t n1)
{
    const size_t nb = a->K / Q4T_QK;
    const q4t_block_q4_0 *w = a->w;
    const q4t_block_q8_0 *x = a->x;
    for (size_t n = n0; n < n1; n++)
        for (size_t m = m0; m < m1; m++)
            a->y[m * a->ldy + n] = q4t_dot_row_q4_0_q8_0(w + n * nb, x + m * nb, nb);
}

const q4t_kernel gemm_q4_ref_1x1 = {
    .name = "gemm_q4_ref_1x1",
    .file = __FILE__,
    .op = Q4T_OP_GEMM,
    .isa = 0,
    .mr = 1, .nr = 1, .kr = 1,
    .packed_w_size = q4t_packed_size_q4_0,
    .pack_w = q4t_pack_w_q4_0,
    .w_layout = "q4_0",
    .packed_x_size = q4t_packed_size_q8_0,
    .pack_x = q4t_pack_x_q8_0,
    .x_by_rows = 1,
    .run = run,
};
