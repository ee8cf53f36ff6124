/* layouts_neon: the packed layouts of the NEON and SDOT families
 * (neon_common.h): W in row groups of arg rows, nibbles XOR 8, qs in rows
 * order (q4t_w_neon_rows_g4) or chunks order (q4t_w_sdot_chunks_g4, _g8);
 * X of the SDOT GEMMs in row groups of 4, k-quads interleaved (q4t_x_sdot_x4).
 * C, X quantized with NEON (q4t_neon_quantize_q8f); compiled with the neon
 * group's flags. */
#if !defined(__ARM_NEON)
#error "layouts_neon needs AArch64 Advanced SIMD (-march=armv8-a)"
#endif

#include "neon_common.h"

static size_t qs_rows(size_t r, size_t j, size_t nr)
{
    (void)nr;
    return 16 * r + j;
}

static size_t qs_chunks(size_t r, size_t j, size_t nr)
{
    return 4 * nr * (j / 4) + 4 * r + j % 4;
}

static void pack_rows(const q4t_w_layout *l, const q4t_block_q4_0 *w, size_t N, size_t K, void *dst)
{
    q4t_pack_w_rowgroups(w, N, K, l->arg, qs_rows, 0x88, dst);
}

static void pack_chunks(const q4t_w_layout *l, const q4t_block_q4_0 *w, size_t N, size_t K, void *dst)
{
    q4t_pack_w_rowgroups(w, N, K, l->arg, qs_chunks, 0x88, dst);
}

Q4T_W_LAYOUT(neon_rows_g4, .isa = Q4T_F_NEON, .arg = 4, .size = q4t_rowgroups_size, .pack = pack_rows);
Q4T_W_LAYOUT(sdot_chunks_g4, .isa = Q4T_F_NEON, .arg = 4, .size = q4t_rowgroups_size, .pack = pack_chunks);
Q4T_W_LAYOUT(sdot_chunks_g8, .isa = Q4T_F_NEON, .arg = 8, .size = q4t_rowgroups_size, .pack = pack_chunks);

static size_t x4_size(const q4t_x_layout *l, size_t M, size_t K)
{
    (void)l;
    return Q4T_ROUND_UP(M, 4) / 4 * (K / Q4T_QK) * sizeof(q4t_x4_block);
}

static void x4_pack(const q4t_x_layout *l, const float *x, size_t M, size_t K, void *dst)
{
    (void)l;
    const size_t nb = K / Q4T_QK;
    q4t_x4_block *p = dst;
    for (size_t m = 0; m < M; m += 4) {
        for (size_t b = 0; b < nb; b++, p++) {
            for (size_t r = 0; r < 4; r++) {
                q4t_block_q8f q = {0};
                if (m + r < M)
                    q4t_neon_quantize_q8f(x + (m + r) * K + b * Q4T_QK, &q);
                p->d[r] = q.d;
                for (size_t k = 0; k < Q4T_QK; k++)
                    p->qs[k / 4][r][k % 4] = q.qs[k];
            }
        }
    }
}

Q4T_X_LAYOUT(sdot_x4, .isa = Q4T_F_NEON, .rows = 4, .size = x4_size, .pack = x4_pack);
