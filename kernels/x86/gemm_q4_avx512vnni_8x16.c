/* gemm_q4_avx512vnni_8x16: GEMM (prompt processing), x86-64 AVX512-VNNI (vpdpbusd on zmm).
 *
 * Tile 8x16: 8 rows of X against 16 columns of W. Per 32-block, 4 weight
 * loads unpack to the 8 k-quads of the 16 columns, each feeding 8 vpdpbusd
 * (one per row, x broadcast 4 bytes at a time): 64 vpdpbusd into 8 int32
 * block sums, then 8 conversions, multiplies by d_w d_x and FMAs into 8 fp32
 * accumulators. Each unpacked weight serves 8 rows, but each x broadcast only
 * 16 columns: a dword broadcast to zmm takes one of the two 512-bit load slots
 * per cycle, so the 64 broadcasts and the weight loads of a block take about
 * as many cycles as its arithmetic (4x32 and 6x32 need half as many per
 * vpdpbusd).
 *
 * Packed W: panels of 16 columns (N padded to a multiple of 16 with zero
 * columns), per 32-block 288 bytes: fp16 d[16], then one nibble group of
 * 256 bytes, k-quads in the int32 lanes (avx512vnni_common.h).
 * Packed X: row groups of 8 (M padded to a multiple of 8 with zero rows),
 * per 32-block 320 bytes: fp32 d[8], int32 -8 sum(q)[8], int8 qs[8][32].
 * Preconditions: m0 a multiple of 8, n0 a multiple of 16.
 */
#if !defined(__AVX512F__) || !defined(__AVX512BW__) || !defined(__AVX512VL__) || !defined(__AVX512VNNI__)
#error "gemm_q4_avx512vnni_8x16 needs AVX512F/BW/VL/VNNI (-mavx512f -mavx512bw -mavx512vl -mavx512vnni)"
#endif

#include "avx512vnni_common.h"

enum { MR = 8, G = 1, NR = ZMM_COLS * G, KR = 4 };

static size_t packed_w_size(size_t N, size_t K)
{
    return q4t_zmm_packed_w_size(N, K, NR);
}

static void pack_w(const q4t_block_q4_0 *w, size_t N, size_t K, void *dst)
{
    q4t_zmm_pack_w(w, N, K, NR, dst);
}

static size_t packed_x_size(size_t M, size_t K)
{
    return q4t_zmm_packed_x_size(M, K, MR);
}

static void pack_x(const float *x, size_t M, size_t K, void *dst)
{
    q4t_zmm_pack_x(x, M, K, MR, dst);
}

static void run(const q4t_run_args *a, size_t m0, size_t m1, size_t n0, size_t n1)
{
    q4t_zmm_run(a, m0, m1, n0, n1, MR, G);
}

const q4t_kernel gemm_q4_avx512vnni_8x16 = {
    .name = "gemm_q4_avx512vnni_8x16",
    .file = __FILE__,
    .op = Q4T_OP_GEMM,
    .isa = Q4T_F_AVX2 | Q4T_F_AVX512F | Q4T_F_AVX512BW | Q4T_F_AVX512VL | Q4T_F_AVX512VNNI,
    .mr = MR, .nr = NR, .kr = KR,
    .packed_w_size = packed_w_size,
    .pack_w = pack_w,
    .w_layout = "zmm_g16",
    .packed_x_size = packed_x_size,
    .pack_x = pack_x,
    .x_by_rows = 1,
    .run = run,
};
