/* layouts_avx512vnni: the packed W layouts of the AVX512-VNNI family
 * (avx512vnni_common.h): panels of 16 G columns, q4t_w_zmm_g<16 G>, arg =
 * columns per panel. Their X is the AVX2 family's q4t_x_x86_r<MR>
 * (layouts_avx2.c). Compiled with the avx512vnni group's flags. */
#if !defined(__AVX512F__) || !defined(__AVX512BW__) || !defined(__AVX512VL__) || !defined(__AVX512VNNI__)
#error "layouts_avx512vnni needs AVX512F/BW/VL/VNNI (-mavx512f -mavx512bw -mavx512vl -mavx512vnni)"
#endif

#include "avx512vnni_common.h"

static size_t zmm_size(const q4t_w_layout *l, size_t N, size_t K)
{
    return q4t_zmm_packed_w_size(N, K, l->arg);
}

static void zmm_pack(const q4t_w_layout *l, const q4t_block_q4_0 *w, size_t N, size_t K, void *dst)
{
    const size_t nr = l->arg, nb = K / Q4T_QK, g = nr / ZMM_COLS;
    uint8_t *panel = dst;
    for (size_t n = 0; n < N; n += nr, panel += q4t_zmm_panel_bytes(nb, g)) {
        memset(panel, 0, q4t_zmm_panel_bytes(nb, g));
        for (size_t b = 0; b < nb; b++) {
            for (size_t c = 0; c < nr; c++) {
                const q4t_block_q4_0 *src = n + c < N ? &w[(n + c) * nb + b] : NULL;
                const uint16_t d = src ? src->d : 0;
                memcpy(panel + q4t_zmm_d_at(b, g) + c * sizeof d, &d, sizeof d);
                uint8_t *qs = panel + q4t_zmm_qs_at(b, g, c / ZMM_COLS) + c % ZMM_COLS * 4;
                for (size_t i = 0; i < Q4T_QK / 2; i++)
                    qs[i / 4 * 64 + i % 4] = src ? src->qs[i] : 0x88;
            }
        }
    }
}

#define ZMM_ISA (Q4T_F_AVX2 | Q4T_F_AVX512F | Q4T_F_AVX512BW | Q4T_F_AVX512VL | Q4T_F_AVX512VNNI)
Q4T_W_LAYOUT(zmm_g16, .isa = ZMM_ISA, .arg = 16, .size = zmm_size, .pack = zmm_pack);
Q4T_W_LAYOUT(zmm_g32, .isa = ZMM_ISA, .arg = 32, .size = zmm_size, .pack = zmm_pack);
Q4T_W_LAYOUT(zmm_g64, .isa = ZMM_ISA, .arg = 64, .size = zmm_size, .pack = zmm_pack);
