/* gemv_q4_avx512vnni_1x64: GEMV (token generation), x86-64 AVX512-VNNI (vpdpbusd on zmm).
 *
 * Tile 1x64: one row of X against 64 columns of W (four zmm of 16 columns),
 * four independent block sums and accumulators. Per 32-block, 16 weight loads
 * (one 1152-byte stream), 32 vpdpbusd; each x broadcast feeds four of them. W
 * streams once, prefetched 4 KiB ahead.
 *
 * Packed W: panels of 64 columns (N padded to a multiple of 64 with zero
 * columns), per 32-block 1152 bytes: fp16 d[64], then 4 nibble groups of
 * 256 bytes, k-quads in the int32 lanes (avx512vnni_common.h).
 * Packed X: per row and 32-block, 40 bytes: fp32 d, int32 -8 sum(q), int8 qs[32].
 * Preconditions: n0 a multiple of 64.
 */
#if !defined(__AVX512F__) || !defined(__AVX512BW__) || !defined(__AVX512VL__) || !defined(__AVX512VNNI__)
#error "gemv_q4_avx512vnni_1x64 needs AVX512F/BW/VL/VNNI (-mavx512f -mavx512bw -mavx512vl -mavx512vnni)"
#endif

#include "avx512vnni_common.h"

enum { MR = 1, G = 4, NR = ZMM_COLS * G, KR = 4 };

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

const q4t_kernel gemv_q4_avx512vnni_1x64 = {
    .name = "gemv_q4_avx512vnni_1x64",
    .file = __FILE__,
    .op = Q4T_OP_GEMV,
    .isa = Q4T_F_AVX2 | Q4T_F_AVX512F | Q4T_F_AVX512BW | Q4T_F_AVX512VL | Q4T_F_AVX512VNNI,
    .mr = MR, .nr = NR, .kr = KR,
    .packed_w_size = packed_w_size,
    .pack_w = pack_w,
    .w_layout = "zmm_g64",
    .packed_x_size = packed_x_size,
    .pack_x = pack_x,
    .x_by_rows = 1,
    .run = run,
};
