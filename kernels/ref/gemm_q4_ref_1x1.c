/* gemm_q4_ref_1x1: reference GEMM (prompt processing), portable C.
 * W: plain Q4_0 rows (N x K/32 blocks, q4t_w_q4_0). X: plain Q8_0 rows (q4t_x_q8_0).
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

Q4T_VARIANT(gemm_q4_ref_1x1, GEMM, 0, q4_0, q8_0, run, .mr = 1, .nr = 1, .kr = 1);
