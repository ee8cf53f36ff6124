/* layouts_i8mm: the packed layouts of the I8MM family (i8mm_common.h): W in
 * row groups of arg rows, pairs of rows interleaved by 8 bytes, nibbles XOR 8
 * (q4t_w_i8mm_g4, _g8); X in row groups of arg rows, pairs of rows
 * interleaved by 8 bytes with their 2x2 scales (q4t_x_i8mm_x4, _x8). C, X
 * quantized with NEON (q4t_neon_quantize_q8f); compiled with the i8mm group's
 * flags. */
#if !defined(__ARM_FEATURE_MATMUL_INT8)
#error "layouts_i8mm needs the Armv8.6 int8 matrix multiply extension (-march=armv8.2-a+i8mm)"
#endif

#include "i8mm_common.h"
#include "neon_common.h"

/* Where byte j of Q4_0 qs of row r of a W group goes (i8mm_common.h). */
static size_t w_qs_offset(size_t r, size_t j, size_t nr)
{
    (void)nr;
    return r / 2 * 2 * I8MM_KG_BYTES + j / 8 * I8MM_KG_BYTES + r % 2 * 8 + j % 8;
}

static void pack_w(const q4t_w_layout *l, const q4t_block_q4_0 *w, size_t N, size_t K, void *dst)
{
    q4t_pack_w_rowgroups(w, N, K, l->arg, w_qs_offset, 0x88, dst);
}

Q4T_W_LAYOUT(i8mm_g4, .isa = Q4T_F_NEON | Q4T_F_I8MM, .arg = 4, .size = q4t_rowgroups_size, .pack = pack_w);
Q4T_W_LAYOUT(i8mm_g8, .isa = Q4T_F_NEON | Q4T_F_I8MM, .arg = 8, .size = q4t_rowgroups_size, .pack = pack_w);

static size_t x_size(const q4t_x_layout *l, size_t M, size_t K)
{
    return Q4T_ROUND_UP(M, l->arg) / 2 * (K / Q4T_QK) * I8MM_X_PAIR_BYTES;
}

static void pack_x(const q4t_x_layout *l, const float *x, size_t M, size_t K, void *dst)
{
    const size_t mr = l->arg, nb = K / Q4T_QK;
    uint8_t *p = dst;
    for (size_t m = 0; m < M; m += mr) {
        for (size_t b = 0; b < nb; b++) {
            for (size_t r = m; r < m + mr; r += 2, p += I8MM_X_PAIR_BYTES) {
                float d[4];
                for (size_t i = 0; i < 2; i++) {
                    q4t_block_q8f q = {0}; /* padding row: d = 0, q = 0 */
                    if (r + i < M)
                        q4t_neon_quantize_q8f(x + (r + i) * K + b * Q4T_QK, &q);
                    d[2 * i] = d[2 * i + 1] = q.d;
                    for (size_t g = 0; g < 4; g++)
                        memcpy(p + sizeof d + g * I8MM_KG_BYTES + i * 8, q.qs + g * 8, 8);
                }
                memcpy(p, d, sizeof d);
            }
        }
    }
}

Q4T_X_LAYOUT(i8mm_x4, .isa = Q4T_F_NEON | Q4T_F_I8MM, .arg = 4, .rows = 4, .size = x_size, .pack = pack_x);
Q4T_X_LAYOUT(i8mm_x8, .isa = Q4T_F_NEON | Q4T_F_I8MM, .arg = 8, .rows = 8, .size = x_size, .pack = pack_x);
