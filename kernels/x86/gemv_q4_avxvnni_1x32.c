/* gemv_q4_avxvnni_1x32: GEMV (token generation), x86-64 AVX-VNNI (VEX vpdpbusd on ymm), AVX2, FMA, F16C.
 *
 * Tile 1x32: one row of X against 32 rows of W (4 ymm of 8 columns, 4 k per lane);
 * 32 vpdpbusd per 32-block into 4 int32 block sums, started at -8 sum x.
 * Per 32-block: 16 loads of 32 bytes of W, each unpacked into 2 weight vectors,
 * 8 broadcasts of 4 bytes of x, each feeding the 4 ymm; four block sums and
 * four fp32 accumulators. W is streamed once, prefetched 8 KB ahead.
 *
 * Packed W: groups of 32 rows, 576 bytes per group and 32-block (avx2_common.h):
 *   fp16 d[32], then chunk c = 0..3 of the 32 rows' Q4_0 qs[4c .. 4c+3].
 * Packed X: rows of X, 40 bytes per row and 32-block (avx2_common.h):
 *   fp32 d, int32 -8 sum(q), int8 q[32].
 * Preconditions: n0 a multiple of 32.
 */
#if !defined(__AVX2__) || !defined(__FMA__) || !defined(__F16C__) || !defined(__AVXVNNI__)
#error "gemv_q4_avxvnni_1x32 needs AVX-VNNI, AVX2, FMA and F16C (-mavxvnni -mavx2 -mfma -mf16c)"
#endif

#define AVX2_VNNI 1
#define AVX2_MR 1
#define AVX2_NR 32
#include "avx2_common.h"

const q4t_kernel gemv_q4_avxvnni_1x32 = {
    .name = "gemv_q4_avxvnni_1x32",
    .file = __FILE__,
    .op = Q4T_OP_GEMV,
    .isa = Q4T_F_AVX2 | Q4T_F_AVXVNNI,
    .mr = AVX2_MR, .nr = AVX2_NR, .kr = AVX2_KR,
    .packed_w_size = avx2_packed_w_size,
    .pack_w = avx2_pack_w,
    .w_layout = "avx2_g32",
    .packed_x_size = avx2_packed_x_size,
    .pack_x = avx2_pack_x,
    .x_by_rows = 1,
    .run = avx2_run,
};
