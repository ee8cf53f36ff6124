/* Packings shared by several variants: plain Q4_0 weight rows, and activations
 * quantized to plain Q8_0 or to Q8F rows (formats.h). */
#include "kernel.h"

#include <string.h>

size_t q4t_packed_size_q4_0(size_t N, size_t K)
{
    return N * (K / Q4T_QK) * sizeof(q4t_block_q4_0);
}

void q4t_pack_w_q4_0(const q4t_block_q4_0 *w, size_t N, size_t K, void *dst)
{
    memcpy(dst, w, q4t_packed_size_q4_0(N, K));
}

size_t q4t_packed_size_q8_0(size_t M, size_t K)
{
    return M * (K / Q4T_QK) * sizeof(q4t_block_q8_0);
}

void q4t_pack_x_q8_0(const float *x, size_t M, size_t K, void *dst)
{
    q4t_quantize_row_q8_0(x, dst, M * K);
}

size_t q4t_packed_size_q8f(size_t M, size_t K)
{
    return M * (K / Q4T_QK) * sizeof(q4t_block_q8f);
}

void q4t_pack_x_q8f(const float *x, size_t M, size_t K, void *dst)
{
    q4t_quantize_row_q8f(x, dst, M * K);
}
