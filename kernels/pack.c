/* Packings shared by several variants: plain Q4_0 weight rows, row groups, and
 * activations quantized to plain Q8_0 or to Q8F rows (formats.h). */
#include "kernel.h"

#include <stdlib.h>
#include <string.h>

void *q4t_alloc_packed(size_t bytes)
{
    return aligned_alloc(64, Q4T_ROUND_UP(bytes ? bytes : 1, 64));
}

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

size_t q4t_packed_size_rowgroups(size_t N, size_t K, size_t nr)
{
    return Q4T_ROUND_UP(N, nr) / nr * (K / Q4T_QK) * nr * sizeof(q4t_block_q4_0);
}

void q4t_pack_w_rowgroups(const q4t_block_q4_0 *w, size_t N, size_t K, size_t nr, q4t_qs_offset_fn qs_offset,
                          uint8_t flip, void *dst)
{
    const size_t nb = K / Q4T_QK;
    uint8_t *p = dst;
    for (size_t n = 0; n < N; n += nr) {
        for (size_t b = 0; b < nb; b++, p += nr * sizeof(q4t_block_q4_0)) {
            uint8_t *qs = p + nr * sizeof(uint16_t);
            for (size_t r = 0; r < nr; r++) {
                const q4t_block_q4_0 *src = n + r < N ? &w[(n + r) * nb + b] : NULL;
                const uint16_t d = src ? src->d : 0;
                memcpy(p + r * sizeof d, &d, sizeof d);
                for (size_t j = 0; j < Q4T_QK / 2; j++)
                    qs[qs_offset(r, j)] = (src ? src->qs[j] : 0x88) ^ flip;
            }
        }
    }
}
