/* layouts_i8mm: the packed layouts of the I8MM family (i8mm_common.h): W in
 * row groups of arg rows, pairs of rows interleaved by 8 bytes after their 2x2
 * of fp32 scales (q4t_w_i8mm_g4, _g8); X in row groups of rows rows,
 * pairs of rows interleaved by 8 bytes after their 2x2 scales and, once per
 * 2x2 tile of a kernel of arg columns, their -8 sum x (q4t_x_i8mm_x4n4,
 * _x8n4, _x4n8). C, X quantized with NEON (q4t_neon_quantize_q8f); compiled
 * with the i8mm group's flags. */
#if !defined(__ARM_FEATURE_MATMUL_INT8)
#error "layouts_i8mm needs the Armv8.6 int8 matrix multiply extension (-march=armv8.2-a+i8mm)"
#endif

#include "i8mm_common.h"
#include "neon_common.h"

static size_t w_size(const q4t_w_layout *l, size_t N, size_t K)
{
    return Q4T_ROUND_UP(N, l->arg) / 2 * (K / Q4T_QK) * I8MM_W_PAIR_BYTES;
}

static void pack_w(const q4t_w_layout *l, const q4t_block_q4_0 *w, size_t N, size_t K, void *dst)
{
    const size_t nr = l->arg, nb = K / Q4T_QK;
    uint8_t *p = dst;
    for (size_t n = 0; n < N; n += nr) {
        for (size_t b = 0; b < nb; b++) {
            for (size_t r = n; r < n + nr; r += 2, p += I8MM_W_PAIR_BYTES) {
                float sw[4];
                for (size_t i = 0; i < 2; i++) {
                    const q4t_block_q4_0 *src = r + i < N ? &w[(r + i) * nb + b] : NULL;
                    sw[i] = sw[i + 2] = src ? q4t_fp16_to_fp32(src->d) : 0.0f; /* padding row: d = 0, q = 8 */
                    for (size_t h = 0; h < 2; h++) {
                        uint8_t *qs = p + sizeof sw + h * I8MM_KG_BYTES + i * 8;
                        if (src)
                            memcpy(qs, src->qs + 8 * h, 8);
                        else
                            memset(qs, 0x88, 8);
                    }
                }
                memcpy(p, sw, sizeof sw);
            }
        }
    }
}

Q4T_W_LAYOUT(i8mm_g4, .isa = Q4T_F_NEON | Q4T_F_I8MM, .arg = 4, .size = w_size, .pack = pack_w);
Q4T_W_LAYOUT(i8mm_g8, .isa = Q4T_F_NEON | Q4T_F_I8MM, .arg = 8, .size = w_size, .pack = pack_w);

static size_t x_size(const q4t_x_layout *l, size_t M, size_t K)
{
    return Q4T_ROUND_UP(M, l->rows) / 2 * (K / Q4T_QK) * i8mm_x_pair_bytes(l->arg);
}

static void pack_x(const q4t_x_layout *l, const float *x, size_t M, size_t K, void *dst)
{
    const size_t mr = l->rows, nr = l->arg, nb = K / Q4T_QK;
    uint8_t *p = dst;
    for (size_t m = 0; m < M; m += mr) {
        for (size_t b = 0; b < nb; b++) {
            for (size_t r = m; r < m + mr; r += 2, p += i8mm_x_pair_bytes(nr)) {
                float sx[4];
                int32_t c[4];
                uint8_t *qs = p + I8MM_TILE_BYTES * (1 + nr / 2);
                for (size_t i = 0; i < 2; i++) {
                    q4t_block_q8f q = {0}; /* padding row: d = 0, q = 0 */
                    if (r + i < M)
                        q4t_neon_quantize_q8f(x + (r + i) * K + b * Q4T_QK, &q);
                    sx[2 * i] = sx[2 * i + 1] = q.d;
                    c[2 * i] = c[2 * i + 1] = -8 * q.s;
                    for (size_t g = 0; g < 4; g++)
                        memcpy(qs + g * I8MM_KG_BYTES + i * 8, q.qs + g * 8, 8);
                }
                memcpy(p, sx, sizeof sx);
                for (size_t j = 0; j < nr / 2; j++)
                    memcpy(p + I8MM_TILE_BYTES * (1 + j), c, sizeof c);
            }
        }
    }
}

Q4T_X_LAYOUT(i8mm_x4n4, .isa = Q4T_F_NEON | Q4T_F_I8MM, .arg = 4, .rows = 4, .size = x_size, .pack = pack_x);
Q4T_X_LAYOUT(i8mm_x8n4, .isa = Q4T_F_NEON | Q4T_F_I8MM, .arg = 4, .rows = 8, .size = x_size, .pack = pack_x);
Q4T_X_LAYOUT(i8mm_x4n8, .isa = Q4T_F_NEON | Q4T_F_I8MM, .arg = 8, .rows = 4, .size = x_size, .pack = pack_x);
