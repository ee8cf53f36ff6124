/* gemm_q4_avxvnni_4x16: GEMM (prompt processing), x86-64 AVX-VNNI (VEX vpdpbusd on ymm), AVX2, FMA, F16C.
 *
 * Tile 4x16: 4 rows of X against 16 rows of W (2 ymm of 8 columns, 4 k per lane);
 * 64 vpdpbusd per 32-block into 8 int32 block sums, started at -8 sum x.
 * Per chunk of 4 k: two loads of W unpacked into 4 weight vectors, each used
 * by the 4 rows; each broadcast of x feeds 2 ymm. Registers: 8 block sums,
 * 4 weight vectors, the broadcast and the mask (14 of 16 ymm); of the 8 fp32
 * accumulators, added to once per block, those that do not fit stay in L1.
 *
 * Packed W: groups of 16 rows, 288 bytes per group and 32-block (avx2_common.h):
 *   fp16 d[16], then chunk c = 0..3 of the 16 rows' Q4_0 qs[4c .. 4c+3].
 * Packed X: groups of 4 rows, 160 bytes per group and 32-block (avx2_common.h):
 *   fp32 d[4], int32 -8 sum(q)[4], int8 q[4][32].
 * Preconditions: m0 a multiple of 4, n0 a multiple of 16.
 */
#if !defined(__AVX2__) || !defined(__FMA__) || !defined(__F16C__) || !defined(__AVXVNNI__)
#error "gemm_q4_avxvnni_4x16 needs AVX-VNNI, AVX2, FMA and F16C (-mavxvnni -mavx2 -mfma -mf16c)"
#endif

#define AVX2_VNNI 1
#include "avx2_common.h"

enum { MR = 4, NR = 16 };

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

const q4t_kernel gemm_q4_avxvnni_4x16 = {
    .name = "gemm_q4_avxvnni_4x16",
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
