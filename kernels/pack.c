/* Layouts shared by several families, any architecture, no ISA: plain Q4_0
 * weight rows (q4t_w_q4_0), activations quantized to plain Q8_0 rows
 * (q4t_x_q8_0) or to Q8F rows (q4t_x_q8f, formats.h); and the row-group
 * weight packing the families' layouts build on (kernel.h). */
#include "kernel.h"

#include <stdlib.h>
#include <string.h>

void *q4t_alloc_packed(size_t bytes)
{
    return aligned_alloc(64, Q4T_ROUND_UP(bytes ? bytes : 1, 64));
}

static size_t q4_0_size(const q4t_w_layout *l, size_t N, size_t K)
{
    (void)l;
    return N * (K / Q4T_QK) * sizeof(q4t_block_q4_0);
}

static void q4_0_pack(const q4t_w_layout *l, const q4t_block_q4_0 *w, size_t N, size_t K, void *dst)
{
    memcpy(dst, w, q4_0_size(l, N, K));
}

/* W as Q4_0 rows, N x K/32 blocks: the reference kernels' and the GGUF file's. */
Q4T_W_LAYOUT(q4_0, .isa = 0, .size = q4_0_size, .pack = q4_0_pack);

static size_t q8_0_size(const q4t_x_layout *l, size_t M, size_t K)
{
    (void)l;
    return M * (K / Q4T_QK) * sizeof(q4t_block_q8_0);
}

static void q8_0_pack(const q4t_x_layout *l, const float *x, size_t M, size_t K, void *dst)
{
    (void)l;
    q4t_quantize_row_q8_0(x, dst, M * K);
}

/* X as Q8_0 rows, M x K/32 blocks. */
Q4T_X_LAYOUT(q8_0, .isa = 0, .rows = 1, .size = q8_0_size, .pack = q8_0_pack);

static size_t q8f_size(const q4t_x_layout *l, size_t M, size_t K)
{
    (void)l;
    return M * (K / Q4T_QK) * sizeof(q4t_block_q8f);
}

static void q8f_pack(const q4t_x_layout *l, const float *x, size_t M, size_t K, void *dst)
{
    (void)l;
    q4t_quantize_row_q8f(x, dst, M * K);
}

/* X as Q8F rows (formats.h: fp32 d, int32 sum, int8 q[32] per block). */
Q4T_X_LAYOUT(q8f, .isa = 0, .rows = 1, .size = q8f_size, .pack = q8f_pack);

size_t q4t_packed_size_rowgroups(size_t N, size_t K, size_t nr)
{
    return Q4T_ROUND_UP(N, nr) / nr * (K / Q4T_QK) * nr * sizeof(q4t_block_q4_0);
}

size_t q4t_rowgroups_size(const q4t_w_layout *l, size_t N, size_t K)
{
    return q4t_packed_size_rowgroups(N, K, l->arg);
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
                    qs[qs_offset(r, j, nr)] = (src ? src->qs[j] : 0x88) ^ flip;
            }
        }
    }
}
