/* gemv_q4_avx2_1x8: GEMV (token generation), x86-64 AVX2 + FMA + F16C.
 *
 * Tile 1x8: one row of X against 8 rows of W per pass, 8 fp32 accumulators in
 * one ymm. Unsigned nibbles q (0..15) times signed x with vpmaddubsw, pairs
 * summed with vpmaddwd; the -8 offset is applied as isum - 8 * sum(x), with
 * sum(x) per block taken from the Q8F packing of X.
 *
 * Packed W: row groups of 8 (N padded to a multiple of 8 with zero rows); per
 * group, per 32-block, 144 bytes:
 *   fp16 d[8]                 scales of rows 0..7
 *   uint8 qs[4][2][16]        register j: Q4_0 qs of row j (low lane), row j+4 (high lane)
 * so that three vphaddd leave the row sums in order 0..7.
 * Packed X: Q8F rows (formats.h).
 * Preconditions: n0 a multiple of 8.
 */
#if !defined(__AVX2__) || !defined(__FMA__) || !defined(__F16C__)
#error "gemv_q4_avx2_1x8 needs AVX2, FMA and F16C (-mavx2 -mfma -mf16c)"
#endif

#include <immintrin.h>
#include <string.h>

#include "../kernel.h"

enum { NR = 8, GROUP_BLOCK_BYTES = NR * sizeof(q4t_block_q4_0) };

static size_t qs_offset(size_t r, size_t j)
{
    return (r % 4) * 32 + (r / 4) * 16 + j; /* register r % 4, lane r / 4 */
}

static size_t packed_w_size(size_t N, size_t K)
{
    return q4t_packed_size_rowgroups(N, K, NR);
}

static void pack_w(const q4t_block_q4_0 *w, size_t N, size_t K, void *dst)
{
    q4t_pack_w_rowgroups(w, N, K, NR, qs_offset, 0, dst);
}

static void run(const q4t_run_args *a, size_t m0, size_t m1, size_t n0, size_t n1)
{
    const size_t nb = a->K / Q4T_QK;
    const __m256i low4 = _mm256_set1_epi8(0x0f);
    const __m256i ones = _mm256_set1_epi16(1);

    for (size_t n = n0; n < n1; n += NR) {
        const uint8_t *wg = (const uint8_t *)a->w + n / NR * nb * GROUP_BLOCK_BYTES;
        for (size_t m = m0; m < m1; m++) {
            const q4t_block_q8f *x = (const q4t_block_q8f *)a->x + m * nb;
            const uint8_t *p = wg;
            __m256 acc = _mm256_setzero_ps();
            for (size_t b = 0; b < nb; b++, p += GROUP_BLOCK_BYTES) {
                const __m256i xv = _mm256_loadu_si256((const __m256i *)x[b].qs);
                const __m256i xlo = _mm256_permute2x128_si256(xv, xv, 0x00); /* x[0..15] twice */
                const __m256i xhi = _mm256_permute2x128_si256(xv, xv, 0x11); /* x[16..31] twice */
                __m256i s[4];
                for (int j = 0; j < 4; j++) {
                    const __m256i v = _mm256_loadu_si256((const __m256i *)(p + NR * 2 + 32 * j));
                    const __m256i lo = _mm256_and_si256(v, low4);
                    const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), low4);
                    const __m256i s16 = _mm256_add_epi16(_mm256_maddubs_epi16(lo, xlo), _mm256_maddubs_epi16(hi, xhi));
                    s[j] = _mm256_madd_epi16(s16, ones);
                }
                __m256i isum = _mm256_hadd_epi32(_mm256_hadd_epi32(s[0], s[1]), _mm256_hadd_epi32(s[2], s[3]));
                isum = _mm256_sub_epi32(isum, _mm256_set1_epi32(8 * x[b].s));
                const __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
                acc = _mm256_fmadd_ps(_mm256_mul_ps(dw, _mm256_set1_ps(x[b].d)), _mm256_cvtepi32_ps(isum), acc);
            }
            float *y = a->y + m * a->ldy + n;
            if (n + NR <= n1) {
                _mm256_storeu_ps(y, acc);
            } else {
                float tail[NR];
                _mm256_storeu_ps(tail, acc);
                memcpy(y, tail, (n1 - n) * sizeof(float));
            }
        }
    }
}

const q4t_kernel gemv_q4_avx2_1x8 = {
    .name = "gemv_q4_avx2_1x8",
    .file = __FILE__,
    .op = Q4T_OP_GEMV,
    .isa = Q4T_F_AVX2,
    .mr = 1, .nr = NR, .kr = 2,
    .packed_w_size = packed_w_size,
    .pack_w = pack_w,
    .packed_x_size = q4t_packed_size_q8f,
    .pack_x = q4t_pack_x_q8f,
    .run = run,
};
