/* gemv_q4_avx2_1x16: GEMV (token generation), x86-64 AVX2 (vpmaddubsw + vpmaddwd), FMA, F16C.
 *
 * Tile 1x16: one row of X against 16 rows of W (2 ymm of 8 columns, 4 k per lane);
 * 16 vpmaddubsw + vpaddw per 32-block into 2 int16 block sums, each
 * widened once per block (vpmaddwd with ones) and offset by -8 sum x.
 * Per 32-block: 8 loads of 32 bytes of W, each unpacked into 2 weight vectors,
 * 8 broadcasts of 4 bytes of x, each feeding both ymm; two block sums and two
 * fp32 accumulators. W is streamed once, prefetched 8 KB ahead.
 *
 * Packed W: groups of 16 rows, 288 bytes per group and 32-block (avx2_common.h):
 *   fp16 d[16], then chunk c = 0..3 of the 16 rows' Q4_0 qs[4c .. 4c+3].
 * Packed X: rows of X, 40 bytes per row and 32-block (avx2_common.h):
 *   fp32 d, int32 -8 sum(q), int8 q[32].
 * Preconditions: n0 a multiple of 16.
 */
#if !defined(__AVX2__) || !defined(__FMA__) || !defined(__F16C__)
#error "gemv_q4_avx2_1x16 needs AVX2, FMA and F16C (-mavx2 -mfma -mf16c)"
#endif

#define AVX2_VNNI 0
#define AVX2_MR 1
#define AVX2_NR 16
#include "avx2_common.h"

const q4t_kernel gemv_q4_avx2_1x16 = {
    .name = "gemv_q4_avx2_1x16",
    .file = __FILE__,
    .op = Q4T_OP_GEMV,
    .isa = Q4T_F_AVX2,
    .mr = AVX2_MR, .nr = AVX2_NR, .kr = AVX2_KR,
    .packed_w_size = avx2_packed_w_size,
    .pack_w = avx2_pack_w,
    .w_layout = "avx2_g16",
    .packed_x_size = avx2_packed_x_size,
    .pack_x = avx2_pack_x,
    .x_by_rows = 1,
    .run = avx2_run,
};
