/* layouts_avx2: the packed layouts of the AVX2 and AVX-VNNI families
 * (avx2_common.h): W in groups of nr rows, q4t_w_avx2_g<nr> (arg = nr); X in
 * groups of mr rows, q4t_x_x86_r<mr> (arg = rows = mr), which the AVX512-VNNI
 * family reads too. Compiled with the avx2 group's flags. */
#if !defined(__AVX2__) || !defined(__FMA__) || !defined(__F16C__)
#error "layouts_avx2 needs AVX2, FMA and F16C (-mavx2 -mfma -mf16c)"
#endif

#include "avx2_common.h"

static void avx2_pack_w(const q4t_w_layout *l, const q4t_block_q4_0 *w, size_t N, size_t K, void *dst)
{
    q4t_pack_w_rowgroups(w, N, K, l->arg, avx2_qs_offset, 0, dst);
}

Q4T_W_LAYOUT(avx2_g8, .isa = Q4T_F_AVX2, .arg = 8, .size = q4t_rowgroups_size, .pack = avx2_pack_w);
Q4T_W_LAYOUT(avx2_g16, .isa = Q4T_F_AVX2, .arg = 16, .size = q4t_rowgroups_size, .pack = avx2_pack_w);
Q4T_W_LAYOUT(avx2_g32, .isa = Q4T_F_AVX2, .arg = 32, .size = q4t_rowgroups_size, .pack = avx2_pack_w);

static size_t x86_size(const q4t_x_layout *l, size_t M, size_t K)
{
    return Q4T_ROUND_UP(M, l->arg) * (K / Q4T_QK) * AVX2_X_ROW_BYTES;
}

/* Row by row of each group of mr rows, 8 blocks at a time (avx2_quantize_blocks). */
static void x86_pack(const q4t_x_layout *l, const float *x, size_t M, size_t K, void *dst)
{
    const size_t mr = l->arg, nb = K / Q4T_QK;
    for (size_t m = 0; m < M; m += mr) {
        uint8_t *group = (uint8_t *)dst + m * nb * AVX2_X_ROW_BYTES;
        for (size_t r = 0; r < mr; r++) {
            if (m + r < M) {
                const float *row = x + (m + r) * K;
                size_t b = 0;
                for (; b + 8 <= nb; b += 8) /* inlined with n = 8: unrolled, in registers */
                    avx2_quantize_blocks(row + b * Q4T_QK, 8, group + b * mr * AVX2_X_ROW_BYTES, mr, r);
                if (b < nb)
                    avx2_quantize_blocks(row + b * Q4T_QK, nb - b, group + b * mr * AVX2_X_ROW_BYTES, mr, r);
                continue;
            }
            for (size_t b = 0; b < nb; b++) { /* padding row: d = 0, q = 0 */
                uint8_t *p = group + b * mr * AVX2_X_ROW_BYTES;
                memset(p + r * sizeof(float), 0, sizeof(float));
                memset(p + mr * sizeof(float) + r * sizeof(int32_t), 0, sizeof(int32_t));
                memset(p + mr * (sizeof(float) + sizeof(int32_t)) + r * Q4T_QK, 0, Q4T_QK);
            }
        }
    }
}

Q4T_X_LAYOUT(x86_r1, .isa = Q4T_F_AVX2, .arg = 1, .rows = 1, .size = x86_size, .pack = x86_pack);
Q4T_X_LAYOUT(x86_r4, .isa = Q4T_F_AVX2, .arg = 4, .rows = 4, .size = x86_size, .pack = x86_pack);
Q4T_X_LAYOUT(x86_r6, .isa = Q4T_F_AVX2, .arg = 6, .rows = 6, .size = x86_size, .pack = x86_pack);
Q4T_X_LAYOUT(x86_r8, .isa = Q4T_F_AVX2, .arg = 8, .rows = 8, .size = x86_size, .pack = x86_pack);
