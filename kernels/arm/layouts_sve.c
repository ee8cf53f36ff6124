/* layouts_sve: the packed layouts of the SVE families (sve_common.h), which
 * read the vector length: W q4t_w_sve_gemv_g2vl (gemv_q4_sve_1x2vl) and
 * q4t_w_sve_i8mm_gvl (gemm_q4_sve_i8mm_8xvl): a 64-byte header recording the
 * VL, then row groups of arg x VL/32 rows, nibbles XOR 8, in the order each
 * kernel's header describes; X q4t_x_sve_i8mm_x8 (gemm_q4_sve_i8mm_8xvl),
 * quantized with NEON (q4t_neon_quantize_q8f). Compiled with the sve group's
 * flags: they need SVE. */
#if !defined(__ARM_FEATURE_SVE)
#error "layouts_sve needs SVE (-march=armv8.2-a+sve)"
#endif

#include "neon_common.h"
#include "sve_common.h"

static size_t sve_w_size(const q4t_w_layout *l, size_t N, size_t K)
{
    return SVE_HEADER_BYTES + q4t_packed_size_rowgroups(N, K, l->arg * svcntw());
}

/* Writes the header for this CPU's VL, then the row groups. */
static void sve_pack_w(const q4t_w_layout *l, const q4t_block_q4_0 *w, size_t N, size_t K,
                       q4t_qs_offset_fn qs_offset, void *dst)
{
    const uint32_t vl = (uint32_t)svcntb();
    memset(dst, 0, SVE_HEADER_BYTES);
    memcpy(dst, &vl, sizeof vl);
    q4t_pack_w_rowgroups(w, N, K, l->arg * svcntw(), qs_offset, 0x88, (uint8_t *)dst + SVE_HEADER_BYTES);
}

/* gemv_q4_sve_1x2vl: half r / C, chunk j / 4 (C = VL/32). */
static size_t gemv_qs_offset(size_t r, size_t j, size_t nr)
{
    (void)nr;
    const size_t c = svcntw();
    return ((r / c) * 4 + j / 4) * svcntb() + (r % c) * 4 + j % 4;
}

static void gemv_pack_w(const q4t_w_layout *l, const q4t_block_q4_0 *w, size_t N, size_t K, void *dst)
{
    sve_pack_w(l, w, N, K, gemv_qs_offset, dst);
}

Q4T_W_LAYOUT(sve_gemv_g2vl, .isa = Q4T_F_NEON | Q4T_F_SVE, .arg = 2, .size = sve_w_size, .pack = gemv_pack_w);

/* gemm_q4_sve_i8mm_8xvl: half r / (C/2), k-half j / 8. */
static size_t i8mm_qs_offset(size_t r, size_t j, size_t nr)
{
    (void)nr;
    const size_t half = svcntd(); /* C/2 rows */
    return ((r / half) * 2 + j / 8) * svcntb() + (r % half) * 8 + j % 8;
}

static void i8mm_pack_w(const q4t_w_layout *l, const q4t_block_q4_0 *w, size_t N, size_t K, void *dst)
{
    sve_pack_w(l, w, N, K, i8mm_qs_offset, dst);
}

Q4T_W_LAYOUT(sve_i8mm_gvl, .isa = Q4T_F_NEON | Q4T_F_SVE, .arg = 1, .size = sve_w_size, .pack = i8mm_pack_w);

static size_t i8mm_x_size(const q4t_x_layout *l, size_t M, size_t K)
{
    (void)l;
    return Q4T_ROUND_UP(M, SVE_I8MM_MR) / SVE_I8MM_MR * (K / Q4T_QK) * SVE_I8MM_X_TILE_BLOCK_BYTES;
}

static void i8mm_pack_x(const q4t_x_layout *l, const float *x, size_t M, size_t K, void *dst)
{
    (void)l;
    enum { MR = SVE_I8MM_MR, KR = 8 };
    const size_t nb = K / Q4T_QK;
    uint8_t *p = dst;
    for (size_t m = 0; m < M; m += MR) {
        for (size_t b = 0; b < nb; b++, p += SVE_I8MM_X_TILE_BLOCK_BYTES) {
            for (size_t r = 0; r < MR; r++) {
                q4t_block_q8f q = {0}; /* padding rows: d = 0, q = 0 */
                if (m + r < M)
                    q4t_neon_quantize_q8f(x + (m + r) * K + b * Q4T_QK, &q);
                const float d = q.d * (1.0f / 16);
                uint8_t *pd = p + (r / 2 * 4 + r % 2) * sizeof d;
                memcpy(pd, &d, sizeof d);
                memcpy(pd + 2 * sizeof d, &d, sizeof d);
                int8_t *qs = (int8_t *)p + SVE_I8MM_X_D_BYTES + r / 2 * SVE_I8MM_X_PAIR_QS_BYTES + r % 2 * KR;
                for (size_t t = 0; t < Q4T_QK / KR; t++)
                    memcpy(qs + t * 2 * KR, q.qs + t * KR, KR);
            }
        }
    }
}

Q4T_X_LAYOUT(sve_i8mm_x8, .isa = Q4T_F_NEON | Q4T_F_SVE, .rows = SVE_I8MM_MR, .size = i8mm_x_size,
             .pack = i8mm_pack_x);
