/* gemm_q4_avxvnni_8x8: GEMM (prompt processing), x86-64 AVX-VNNI (VEX vpdpbusd on ymm), AVX2, FMA, F16C.
 *
 * Tile 8x8: 8 rows of X against 8 rows of W (one ymm of 8 columns, 4 k per lane);
 * 64 vpdpbusd per 32-block into 8 int32 block sums, started at -8 sum x.
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
#if !defined(__AVX2__) || !defined(__FMA__) || !defined(__F16C__) || !defined(__AVXVNNI__)
#error "gemm_q4_avxvnni_8x8 needs AVX-VNNI, AVX2, FMA and F16C (-mavxvnni -mavx2 -mfma -mf16c)"
#endif

#define AVX2_VNNI 1
#include "avx2_common.h"

enum { MR = 8, NR = 8 };

static size_t qs_offset(size_t r, size_t j)
{
    return avx2_qs_offset(NR, r, j);
}

static size_t packed_w_size(size_t N, size_t K)
{
    return q4t_packed_size_rowgroups(N, K, NR);
}

static void pack_w(const q4t_block_q4_0 *w, size_t N, size_t K, void *dst)
{
    q4t_pack_w_rowgroups(w, N, K, NR, qs_offset, 0, dst);
}

static size_t packed_x_size(size_t M, size_t K)
{
    return avx2_packed_x_size(M, K, MR);
}

static void pack_x(const float *x, size_t M, size_t K, void *dst)
{
    avx2_pack_x(x, M, K, MR, dst);
}

static void run(const q4t_run_args *a, size_t m0, size_t m1, size_t n0, size_t n1)
{
    avx2_run(a, m0, m1, n0, n1, MR, NR);
}

const q4t_kernel gemm_q4_avxvnni_8x8 = {
    .name = "gemm_q4_avxvnni_8x8",
    .file = __FILE__,
    .op = Q4T_OP_GEMM,
    .isa = Q4T_F_AVX2 | Q4T_F_AVXVNNI,
    .mr = MR, .nr = NR, .kr = AVX2_KR,
    .packed_w_size = packed_w_size,
    .pack_w = pack_w,
    .packed_x_size = packed_x_size,
    .pack_x = pack_x,
    .run = run,
};
