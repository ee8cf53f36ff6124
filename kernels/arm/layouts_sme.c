/* layouts_sme: the packed layouts of the SME and SME2 families, which read
 * the streaming vector length (RDSVL: SME, not streaming mode). Every buffer
 * starts with a 64-byte header recording the SVL; size() never executes an
 * SME instruction and bounds the size at the largest SVL.
 *   W q4t_w_sme_gvl, _g2vl, _g4vl    sme_common.h, arg = nr_vl panels of R columns
 *   W q4t_w_sme2_p1vl, _p2vl         sme2_common.h, arg = P panels per group
 *   X q4t_x_sme_x1vl, _x2vl          sme_common.h, arg = mr_vl panels of R rows
 *   X q4t_x_sme2_x1vl_vgx4           sme_x1vl, scales in vgx4 group order
 * C (no streaming mode), X quantized with NEON (q4t_neon_quantize_q8f);
 * compiled with the sme group's flags. */
#if !defined(__aarch64__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "layouts_sme is AArch64 (little-endian), for SME"
#endif

#include "neon_common.h"
#include "sme_common.h"

static size_t sme_w_size(const q4t_w_layout *l, size_t N, size_t K)
{
    return SME_HEADER + Q4T_ROUND_UP(N, l->arg * SME_SVL_MAX / 4) * (K / Q4T_QK) * SME_W_BYTES;
}

static size_t sme_x_size(const q4t_x_layout *l, size_t M, size_t K)
{
    return SME_HEADER + Q4T_ROUND_UP(M, l->arg * SME_SVL_MAX / 4) * (K / Q4T_QK) * SME_X_BYTES;
}

static uint8_t *sme_write_header(void *dst, size_t svl)
{
    const uint64_t v = svl;
    memset(dst, 0, SME_HEADER);
    memcpy(dst, &v, sizeof v);
    return (uint8_t *)dst + SME_HEADER;
}

static void sme_pack_w(const q4t_w_layout *l, const q4t_block_q4_0 *w, size_t N, size_t K, void *dst)
{
    const size_t svl = sme_svl(), r = svl / 4, g = l->arg * r, nb = K / Q4T_QK;
    uint8_t *p = sme_write_header(dst, svl);
    for (size_t n0 = 0; n0 < N; n0 += g, p += g * nb * SME_W_BYTES) {
        uint8_t *d = p + nb * g * Q4T_QK / 2;
        for (size_t b = 0; b < nb; b++) {
            for (size_t col = 0; col < g; col++) {
                const q4t_block_q4_0 *src = n0 + col < N ? &w[(n0 + col) * nb + b] : NULL;
                const uint16_t dw = src ? src->d : 0;
                memcpy(d + (b * g + col) * sizeof dw, &dw, sizeof dw);
                uint8_t *qs = p + (b * g + col / r * r) * Q4T_QK / 2 + col % r * 4;
                for (size_t j = 0; j < Q4T_QK / 2; j++)
                    qs[j / 4 * 4 * r + j % 4] = (src ? src->qs[j] : 0x88) ^ 0x88;
            }
        }
    }
}

static void sme_pack_x(const q4t_x_layout *l, const float *x, size_t M, size_t K, void *dst)
{
    const size_t svl = sme_svl(), r = svl / 4, h = l->arg * r, nb = K / Q4T_QK;
    uint8_t *p = sme_write_header(dst, svl);
    for (size_t m0 = 0; m0 < M; m0 += h, p += h * nb * SME_X_BYTES) {
        uint8_t *d = p + nb * h * Q4T_QK;
        for (size_t b = 0; b < nb; b++) {
            for (size_t row = 0; row < h; row++) {
                q4t_block_q8f q = {0};
                if (m0 + row < M)
                    q4t_neon_quantize_q8f(x + (m0 + row) * K + b * Q4T_QK, &q);
                memcpy(d + (b * h + row) * sizeof q.d, &q.d, sizeof q.d);
                int8_t *qs = (int8_t *)p + (b * h + row / r * r) * Q4T_QK + row % r * 4;
                for (size_t j = 0; j < Q4T_QK; j++)
                    qs[j / 4 * 4 * r + j % 4] = q.qs[j];
            }
        }
    }
}

/* Weight nibble q (0..15) of element k of a Q4_0 block. */
static unsigned sme2_q4_nibble(const q4t_block_q4_0 *b, size_t k)
{
    return k < Q4T_QK / 2 ? b->qs[k] & 15u : b->qs[k - Q4T_QK / 2] >> 4;
}

static void sme2_pack_w(const q4t_w_layout *l, const q4t_block_q4_0 *w, size_t N, size_t K, void *dst)
{
    const size_t P = l->arg, svl = sme_svl(), r = svl / 4, g = P * r, nb = K / Q4T_QK;
    const size_t block_qs = g * Q4T_QK / 2; /* bytes of one block's nibbles in a group: 4P vectors */
    uint8_t *p = sme_write_header(dst, svl);
    const size_t used = Q4T_ROUND_UP(N, g) * nb * SME_W_BYTES; /* the rest of the size bound: zeros, so that */
    memset(p + used, 0, sme_w_size(l, N, K) - SME_HEADER - used); /* equal layouts pack equal bytes */
    for (size_t n0 = 0; n0 < N; n0 += g, p += g * nb * SME_W_BYTES) {
        uint8_t *d = p + nb * block_qs;
        memset(p, 0, nb * block_qs);
        for (size_t b = 0; b < nb; b++) {
            for (size_t col = 0; col < g; col++) {
                const q4t_block_q4_0 *src = n0 + col < N ? &w[(n0 + col) * nb + b] : NULL;
                const uint16_t dw = src ? src->d : 0;
                memcpy(d + (b * g + col) * sizeof dw, &dw, sizeof dw);
                const size_t u = col / r, j = col % r;
                for (size_t k = 0; k < Q4T_QK; k++) {
                    const unsigned q = src ? sme2_q4_nibble(src, k) : 8;
                    const size_t s = k / 4 * P + u, e = 4 * j + k % 4; /* half-vector, nibble in it */
                    p[b * block_qs + s * svl / 2 + e / 2] |= (uint8_t)(q << (e % 2 * 4));
                }
            }
        }
    }
}

/* sme_x1vl with each block's R scales in the order of the vgx4 row groups
 * (sme2_common.h). */
static void sme2_pack_x_vgx4(const q4t_x_layout *l, const float *x, size_t M, size_t K, void *dst)
{
    sme_pack_x(l, x, M, K, dst);
    const size_t svl = sme_svl(), r = svl / 4, nb = K / Q4T_QK;
    uint8_t *p = (uint8_t *)dst + SME_HEADER;
    for (size_t m0 = 0; m0 < M; m0 += r, p += r * nb * SME_X_BYTES) {
        float *d = (float *)(void *)(p + nb * r * Q4T_QK), rows[SME_SVL_MAX / 4];
        for (size_t b = 0; b < nb; b++, d += r) {
            memcpy(rows, d, r * sizeof *d);
            for (size_t i = 0; i < r / 4; i++)
                for (size_t q = 0; q < 4; q++)
                    d[4 * i + q] = rows[i + q * (r / 4)];
        }
    }
}

Q4T_W_LAYOUT(sme_gvl, .isa = Q4T_F_SME, .arg = 1, .size = sme_w_size, .pack = sme_pack_w);
Q4T_W_LAYOUT(sme_g2vl, .isa = Q4T_F_SME, .arg = 2, .size = sme_w_size, .pack = sme_pack_w);
Q4T_W_LAYOUT(sme_g4vl, .isa = Q4T_F_SME, .arg = 4, .size = sme_w_size, .pack = sme_pack_w);
Q4T_W_LAYOUT(sme2_p1vl, .isa = Q4T_F_SME, .arg = 1, .size = sme_w_size, .pack = sme2_pack_w);
Q4T_W_LAYOUT(sme2_p2vl, .isa = Q4T_F_SME, .arg = 2, .size = sme_w_size, .pack = sme2_pack_w);
Q4T_X_LAYOUT(sme_x1vl, .isa = Q4T_F_NEON | Q4T_F_SME, .arg = 1, .size = sme_x_size, .pack = sme_pack_x);
Q4T_X_LAYOUT(sme_x2vl, .isa = Q4T_F_NEON | Q4T_F_SME, .arg = 2, .size = sme_x_size, .pack = sme_pack_x);
Q4T_X_LAYOUT(sme2_x1vl_vgx4, .isa = Q4T_F_NEON | Q4T_F_SME, .arg = 1, .size = sme_x_size, .pack = sme2_pack_x_vgx4);
