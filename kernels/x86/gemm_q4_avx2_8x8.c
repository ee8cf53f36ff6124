/* gemm_q4_avx2_8x8: GEMM (prompt processing), x86-64 AVX2 (vpmaddubsw + vpmaddwd), FMA, F16C.
 *
 * Tile 8x8: 8 rows of X against 8 rows of W (one ymm of 8 columns, 4 k per lane);
 * 64 vpmaddubsw + vpaddw per 32-block into 8 int16 block sums, each
 * widened once per block (vpmaddwd with ones) and offset by -8 sum x.
 * Per chunk of 4 k: one load of W unpacked into 2 weight vectors, each used
 * by the 8 rows. Registers: 8 block sums, 2 weight vectors, the broadcast and
 * the mask (12 of 16 ymm); of the 8 fp32 accumulators, added to once per
 * block, those that do not fit stay in L1.
 *
 * Packed W: groups of 8 rows, 144 bytes per group and 32-block (avx2_common.h):
 *   fp16 d[8], then chunk c = 0..3 of the 8 rows' Q4_0 qs[4c .. 4c+3].
 * Packed X: groups of 8 rows, 320 bytes per group and 32-block (avx2_common.h):
 *   fp32 d[8], int32 -8 sum(q)[8], int8 q[8][32].
 * Preconditions: m0 a multiple of 8, n0 a multiple of 8.
 */
#if !defined(__AVX2__) || !defined(__FMA__) || !defined(__F16C__)
#error "gemm_q4_avx2_8x8 needs AVX2, FMA and F16C (-mavx2 -mfma -mf16c)"
#endif

#define AVX2_VNNI 0
#define AVX2_MR 8
#define AVX2_NR 8
#include "avx2_common.h"

const q4t_kernel gemm_q4_avx2_8x8 = {
    .name = "gemm_q4_avx2_8x8",
    .file = __FILE__,
    .op = Q4T_OP_GEMM,
    .isa = Q4T_F_AVX2,
    .mr = AVX2_MR, .nr = AVX2_NR, .kr = AVX2_KR,
    .packed_w_size = avx2_packed_w_size,
    .pack_w = avx2_pack_w,
    .w_layout = "avx2_g8",
    .packed_x_size = avx2_packed_x_size,
    .pack_x = avx2_pack_x,
    .x_by_rows = 1,
    .run = avx2_run,
};
