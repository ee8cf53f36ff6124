/* avx2_common.h: the packed layouts and the register tile of the AVX2
 * (gemv/gemm_q4_avx2_<MR>x<NR>) and AVX-VNNI (gemv/gemm_q4_avxvnni_<MR>x<NR>)
 * variants. A variant's file defines itself with one AVX2_VARIANT line:
 *   VNNI  0: AVX2 (vpmaddubsw + vpmaddwd), 1: AVX-VNNI (vpdpbusd; needs -mavxvnni)
 *   MR    rows of X per register tile, 1 (GEMV) to 8
 *   NR    rows of W per register tile, 8, 16, 24 or 32 (1 to 4 ymm)
 * and its layouts, declared in layouts_avx2.c: W q4t_w_avx2_g<NR>, X
 * q4t_x_x86_r<MR> (also the AVX512-VNNI family's X).
 *
 * A dword lane holds 4 consecutive k of one row of W (one column of Y): a ymm
 * holds 8 columns x 4 k, and 4 bytes of a row of X broadcast to every lane
 * give 8 dot products of 4 k each, with no horizontal sum. The weight nibble
 * q (0..15) is the unsigned operand and x (int8) the signed one:
 * sum (q - 8) x = sum q x - 8 sum x, with -8 sum x per row and block stored in
 * the packed X, so the block sum stays exact in int32.
 *
 * Below, mr = MR and nr = NR.
 * Packed W (avx2_g<nr>: q4t_pack_w_rowgroups with avx2_qs_offset, nibbles as they are):
 * N padded to a multiple of nr with zero rows (d = 0, q = 8); per group of nr
 * rows, per 32-block, 18 nr bytes:
 *   fp16  d[nr]                  scales of rows 0 .. nr-1
 *   uint8 qs[4][nr][4]           chunk c, row r: its Q4_0 qs[4c .. 4c+3]
 * A 32-byte load at (c, r0) holds rows r0 .. r0+7, one per dword lane: its low
 * nibbles are k = 4c .. 4c+3, its high nibbles k = 16+4c .. 16+4c+3.
 * Packed X (x86_r<mr>): M padded to a multiple of mr with zero rows (d = 0, q = 0); rows
 * quantized as q4t_quantize_row_q8f does (avx2_quantize_blocks), then per group of mr rows, per 32-block,
 * 40 mr bytes:
 *   float d[mr]                  scales (the exact fp32 value of the fp16 Q8_0 scale)
 *   int32 neg8s[mr]              -8 x the sum of the row's 32 q
 *   int8  qs[mr][32]             the Q8_0 q of each row
 *
 * Per block and register tile (mr rows x nr/8 ymm of columns): 8 k groups of
 * dot products into an exact block sum per lane; then, per lane, one
 * conversion to fp32, one product d_w d_x (in fp32, as in the reference) and
 * one FMA into the fp32 accumulator. Per (row, ymm) and block that is
 * 8 dot-product steps against 3 epilogue ops (AVX2: 5, with the widening);
 * the nibble unpacking (and, shift, and per 32 bytes of W) is shared by the
 * mr rows.
 */
#ifndef Q4T_X86_AVX2_COMMON_H
#define Q4T_X86_AVX2_COMMON_H

#if !defined(__AVX2__) || !defined(__FMA__) || !defined(__F16C__)
#error "avx2_common.h needs AVX2, FMA and F16C (-mavx2 -mfma -mf16c)"
#endif

/* The dot-product step, the one difference between the two families, chosen
 * by the variant's VNNI:
 *   0  AVX2: vpmaddubsw (u8 x s8 -> int16 sums of 2 products) added up over
 *      the block in int16 (vpaddw), widened once per block by vpmaddwd with
 *      ones, then -8 sum x added. Exact: an int16 lane collects 8 pairs of at
 *      most 2 * 15 * 127 = 3810 in magnitude, 30480 < 32767, and vpmaddubsw
 *      never saturates on such pairs.
 *   1  AVX-VNNI: vpdpbusd (u8 x s8, 4 products into an int32 lane), the block
 *      sum starting at -8 sum x.
 */
#if defined(__AVXVNNI__)
#define AVX2_HAS_VNNI 1
#else
#define AVX2_HAS_VNNI 0
#endif

#include <immintrin.h>
#include <math.h>
#include <string.h>

#include "../kernel.h"

enum {
    AVX2_LANES = 8,                                               /* columns per ymm */
    AVX2_KR = 4,                                                  /* k per dword lane */
    AVX2_CHUNKS = Q4T_QK / 2 / AVX2_KR,                           /* 4-byte chunks of a Q4_0 row's block */
    AVX2_MR_MAX = 8,                                              /* register tile bounds */
    AVX2_NRV_MAX = 4,                                             /* ymm of columns */
    AVX2_X_ROW_BYTES = sizeof(float) + sizeof(int32_t) + Q4T_QK, /* one row of X, one block */
    /* GEMV streams W once: prefetch this many bytes ahead of the block being
     * read (measured: 1x14336x4096 with cold weights ~15% faster). */
    AVX2_GEMV_PREFETCH = 8192,
};

/* Lane i of the result: the maximum (add 0) or the int32 sum (add 1, the
 * vectors holding int32) of the 8 lanes of v[i]. */
static inline __attribute__((always_inline)) __m256 avx2_reduce8(const __m256 v[8], const int add)
{
#define AVX2_OP(a, b)                                                                                                  \
    (add ? _mm256_castsi256_ps(_mm256_add_epi32(_mm256_castps_si256(a), _mm256_castps_si256(b))) : _mm256_max_ps(a, b))
    __m256 pairs[4], quads[2];
    for (int i = 0; i < 4; i++) /* lanes v[2i] 0+2, v[2i+1] 0+2, v[2i] 1+3, v[2i+1] 1+3, the same of 4..7 */
        pairs[i] = AVX2_OP(_mm256_unpacklo_ps(v[2 * i], v[2 * i + 1]), _mm256_unpackhi_ps(v[2 * i], v[2 * i + 1]));
    for (int i = 0; i < 2; i++) /* lanes v[4i .. 4i+3] 0..3, then v[4i .. 4i+3] 4..7 */
        quads[i] = AVX2_OP(_mm256_shuffle_ps(pairs[2 * i], pairs[2 * i + 1], 0x44),
                           _mm256_shuffle_ps(pairs[2 * i], pairs[2 * i + 1], 0xee));
    return AVX2_OP(_mm256_permute2f128_ps(quads[0], quads[1], 0x20), _mm256_permute2f128_ps(quads[0], quads[1], 0x31));
#undef AVX2_OP
}

/* Blocks 0 .. n-1 (n <= 8) of a row of X at x, quantized as q4t_quantize_row_q8f
 * does, bit for bit, into a group of packed X (p: its first block; mr rows)
 * as row r. amax ignores NaNs as the reference does (vmaxps returns its second
 * operand, the running maximum, when the first is NaN). The scales of the 8
 * blocks are one vector: d = amax / 127, id = 1 / d, 0 where that is infinite
 * (d = 0 or tiny); d rounds to fp16 to nearest even (vcvtps2ph, as
 * q4t_fp32_to_fp16) and back. q rounds v = x id half away from zero exactly:
 * q = trunc(v + copysign(1/2 - 2^-25, v)), which is roundf(v) for |v| < 2^23
 * (a tie k + 1/2 sums to k + 1 - 2^-25 and rounds up to k + 1 for k >= 1, or
 * is 1 - 2^-25, a tie to even that gives 1, for k = 0; anything below a tie
 * stays below k + 1; here |v| <= 127). A NaN v (x NaN, or x infinite with
 * id = 0) gives q = 0, as the reference's conversion does on x86 (its int32
 * indefinite 0x80000000 narrowed to int8). */
static inline __attribute__((always_inline)) void avx2_quantize_blocks(const float *x, size_t n, uint8_t *p, size_t mr,
                                                                       size_t r)
{
    const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    __m256 amax[8];
    for (size_t b = 0; b < 8; b++) {
        amax[b] = _mm256_setzero_ps();
        for (size_t i = 0; b < n && i < 4; i++)
            amax[b] = _mm256_max_ps(_mm256_and_ps(_mm256_loadu_ps(x + b * Q4T_QK + 8 * i), abs_mask), amax[b]);
    }
    const __m256 scale = _mm256_div_ps(avx2_reduce8(amax, 0), _mm256_set1_ps(127.0f));
    const __m256 inv = _mm256_div_ps(_mm256_set1_ps(1.0f), scale);
    float id[8], d[8];
    _mm256_storeu_ps(id, _mm256_andnot_ps(_mm256_cmp_ps(inv, _mm256_set1_ps(INFINITY), _CMP_EQ_OQ), inv));
    _mm256_storeu_ps(d, _mm256_cvtph_ps(_mm256_cvtps_ph(scale, _MM_FROUND_TO_NEAREST_INT)));

    const size_t stride = mr * AVX2_X_ROW_BYTES;
    uint8_t *qs = p + mr * (sizeof(float) + sizeof(int32_t)) + r * Q4T_QK;
    __m256 sums[8];
    for (size_t b = 0; b < 8; b++) {
        sums[b] = _mm256_setzero_ps();
        if (b >= n)
            continue;
        const __m256 idb = _mm256_broadcast_ss(&id[b]), sign = _mm256_set1_ps(-0.0f);
        const __m256 below_half = _mm256_set1_ps(0x1.fffffep-2f); /* 1/2 - 2^-25 */
        __m256i q[4];
        for (int i = 0; i < 4; i++) {
            const __m256 v = _mm256_mul_ps(_mm256_loadu_ps(x + b * Q4T_QK + 8 * i), idb);
            const __m256 num = _mm256_and_ps(v, _mm256_cmp_ps(v, v, _CMP_ORD_Q)); /* NaN -> 0 */
            const __m256 half = _mm256_or_ps(_mm256_and_ps(num, sign), below_half);
            q[i] = _mm256_cvttps_epi32(_mm256_add_ps(num, half));
        }
        sums[b] = _mm256_castsi256_ps(_mm256_add_epi32(_mm256_add_epi32(q[0], q[1]), _mm256_add_epi32(q[2], q[3])));
        /* |q| <= 127: the saturating packs are exact; they interleave 4-lane groups, the permute restores the order */
        const __m256i q8 = _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
        _mm256_storeu_si256((__m256i *)(qs + b * stride),
                            _mm256_permutevar8x32_epi32(q8, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
    }
    int32_t neg8s[8];
    _mm256_storeu_si256((__m256i *)neg8s,
                        _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(_mm256_castps_si256(avx2_reduce8(sums, 1)), 3)));
    for (size_t b = 0; b < n; b++) {
        memcpy(p + b * stride + r * sizeof(float), &d[b], sizeof(float));
        memcpy(p + b * stride + mr * sizeof(float) + r * sizeof(int32_t), &neg8s[b], sizeof(int32_t));
    }
}

/* Where byte j of the Q4_0 qs of row r goes in a group of nr rows (see above). */
static inline size_t avx2_qs_offset(size_t r, size_t j, size_t nr)
{
    return (j / AVX2_KR * nr + r) * AVX2_KR + j % AVX2_KR;
}

/* The 4 bytes of X at p in every dword lane. */
static inline __m256i avx2_broadcast4(const int8_t *p)
{
    int32_t v;
    memcpy(&v, p, sizeof v);
    return _mm256_set1_epi32(v);
}

/* The dot-product step: a block sum starts (avx2_block_start), gains w . x for
 * one k group of 4 (avx2_dot), and ends as the exact int32 sum (q - 8) x of
 * each lane (avx2_block_sum); neg8s points at the row's -8 sum x. */
static inline __attribute__((always_inline)) __m256i avx2_block_start(const int32_t *neg8s, const int vnni)
{
    return vnni ? _mm256_set1_epi32(*neg8s) : _mm256_setzero_si256();
}

/* AVX2: the empty asm keeps each sum a chain: GCC otherwise reassociates the
 * int16 additions of a whole block into a tree and spills its 8 mr nr/8
 * products (measured: gemm 4x16 at 200 instead of 300 GOPS). */
static inline __attribute__((always_inline)) __m256i avx2_dot(__m256i acc, __m256i w, __m256i x, const int vnni)
{
#if AVX2_HAS_VNNI
    if (vnni)
        return _mm256_dpbusd_avx_epi32(acc, w, x);
#else
    (void)vnni;
#endif
    acc = _mm256_add_epi16(acc, _mm256_maddubs_epi16(w, x));
    __asm__("" : "+x"(acc));
    return acc;
}

static inline __attribute__((always_inline)) __m256i avx2_block_sum(__m256i acc, const int32_t *neg8s,
                                                                     const int vnni)
{
    if (vnni)
        return acc;
    return _mm256_add_epi32(_mm256_madd_epi16(acc, _mm256_set1_epi16(1)), _mm256_set1_epi32(*neg8s));
}

/* Y[m][n] for the mr x nr tile of X group x and W group w (nb blocks each),
 * written to y (row stride ldy): all of it, or its first rows x cols. vnni,
 * mr and nr are constants of the caller: inlined with them, the loops unroll
 * and the arrays of vectors become registers (the compiler keeps in memory the
 * fp32 accumulators that do not fit, touched once per block). */
static inline __attribute__((always_inline)) void avx2_tile(const uint8_t *x, const uint8_t *w, size_t nb, float *y,
                                                            size_t ldy, size_t rows, size_t cols, const int vnni,
                                                            const size_t mr, const size_t nr)
{
    const size_t nrv = nr / AVX2_LANES;
    const __m256i low4 = _mm256_set1_epi8(0x0f);
    __m256 acc[AVX2_MR_MAX][AVX2_NRV_MAX];
#pragma GCC unroll 8
    for (size_t m = 0; m < mr; m++)
#pragma GCC unroll 4
        for (size_t v = 0; v < nrv; v++)
            acc[m][v] = _mm256_setzero_ps();

    for (size_t b = 0; b < nb; b++, x += mr * AVX2_X_ROW_BYTES, w += nr * sizeof(q4t_block_q4_0)) {
        if (mr == 1) { /* GEMV */
#pragma GCC unroll 16
            for (size_t o = 0; o < nr * sizeof(q4t_block_q4_0); o += 64)
                _mm_prefetch((const char *)w + AVX2_GEMV_PREFETCH + o, _MM_HINT_T0);
        }
        const float *dx = (const float *)x;
        const int32_t *neg8s = (const int32_t *)(x + mr * sizeof(float));
        const int8_t *qx = (const int8_t *)(x + mr * (sizeof(float) + sizeof(int32_t)));
        const uint8_t *qw = w + nr * sizeof(uint16_t);

        __m256i isum[AVX2_MR_MAX][AVX2_NRV_MAX];
#pragma GCC unroll 8
        for (size_t m = 0; m < mr; m++)
#pragma GCC unroll 4
            for (size_t v = 0; v < nrv; v++)
                isum[m][v] = avx2_block_start(&neg8s[m], vnni);
#pragma GCC unroll 4
        for (size_t c = 0; c < AVX2_CHUNKS; c++) {
            __m256i lo[AVX2_NRV_MAX], hi[AVX2_NRV_MAX];
#pragma GCC unroll 4
            for (size_t v = 0; v < nrv; v++) {
                const __m256i q = _mm256_loadu_si256((const __m256i *)(qw + (c * nr + v * AVX2_LANES) * AVX2_KR));
                lo[v] = _mm256_and_si256(q, low4);
                hi[v] = _mm256_and_si256(_mm256_srli_epi16(q, 4), low4);
            }
#pragma GCC unroll 8
            for (size_t m = 0; m < mr; m++) {
                const __m256i xl = avx2_broadcast4(qx + m * Q4T_QK + c * AVX2_KR);
#pragma GCC unroll 4
                for (size_t v = 0; v < nrv; v++)
                    isum[m][v] = avx2_dot(isum[m][v], lo[v], xl, vnni);
                const __m256i xh = avx2_broadcast4(qx + m * Q4T_QK + Q4T_QK / 2 + c * AVX2_KR);
#pragma GCC unroll 4
                for (size_t v = 0; v < nrv; v++)
                    isum[m][v] = avx2_dot(isum[m][v], hi[v], xh, vnni);
            }
        }
#pragma GCC unroll 4
        for (size_t v = 0; v < nrv; v++) {
            const __m128i dw16 = _mm_loadu_si128((const __m128i *)(w + v * AVX2_LANES * sizeof(uint16_t)));
            const __m256 dw = _mm256_cvtph_ps(dw16);
#pragma GCC unroll 8
            for (size_t m = 0; m < mr; m++) {
                const __m256 fsum = _mm256_cvtepi32_ps(avx2_block_sum(isum[m][v], &neg8s[m], vnni));
                acc[m][v] = _mm256_fmadd_ps(fsum, _mm256_mul_ps(dw, _mm256_broadcast_ss(&dx[m])), acc[m][v]);
            }
        }
    }

    float tile[AVX2_MR_MAX][AVX2_NRV_MAX * AVX2_LANES];
    const int whole = rows == mr && cols == nr;
    float *out = whole ? y : &tile[0][0];
    const size_t ldo = whole ? ldy : AVX2_NRV_MAX * AVX2_LANES;
#pragma GCC unroll 8
    for (size_t m = 0; m < mr; m++)
#pragma GCC unroll 4
        for (size_t v = 0; v < nrv; v++)
            _mm256_storeu_ps(out + m * ldo + v * AVX2_LANES, acc[m][v]);
    if (!whole)
        for (size_t r = 0; r < rows; r++)
            memcpy(y + r * ldy, tile[r], cols * sizeof(float));
}

/* The rectangle [m0, m1) x [n0, n1) of Y, tile by tile: columns outermost, so
 * one group of W (nr rows) is reused by every tile of X. */
static inline __attribute__((always_inline)) void avx2_run(const q4t_run_args *a, size_t m0, size_t m1, size_t n0,
                                                           size_t n1, const int vnni, const size_t mr,
                                                           const size_t nr)
{
    const size_t nb = a->K / Q4T_QK;
    for (size_t n = n0; n < n1; n += nr) {
        const uint8_t *w = (const uint8_t *)a->w + n * nb * sizeof(q4t_block_q4_0);
        for (size_t m = m0; m < m1; m += mr)
            avx2_tile((const uint8_t *)a->x + m * nb * AVX2_X_ROW_BYTES, w, nb, a->y + m * a->ldy + n, a->ldy,
                      m1 - m < mr ? m1 - m : mr, n1 - n < nr ? n1 - n : nr, vnni, mr, nr);
    }
}

/* The variant NAME (its file stem), op OP (GEMV or GEMM), dot-product step
 * VNNI (0 or 1, see above), tile MR x NR, layouts q4t_w_<W> and q4t_x_<X>:
 * its run() is avx2_run inlined with the constants. */
#define AVX2_VARIANT(NAME, OP, VNNI, MR, NR, W, X)                                                                     \
    _Static_assert(!(VNNI) || AVX2_HAS_VNNI, #NAME ": VNNI 1 needs AVX-VNNI (-mavxvnni)");                           \
    _Static_assert((MR) >= 1 && (MR) <= AVX2_MR_MAX && (NR) % AVX2_LANES == 0 && (NR) <= AVX2_NRV_MAX * AVX2_LANES, \
                   #NAME ": MR must be 1 to 8, NR 8, 16, 24 or 32");                                                 \
    static void run(const q4t_run_args *a, size_t m0, size_t m1, size_t n0, size_t n1)                                 \
    {                                                                                                                  \
        avx2_run(a, m0, m1, n0, n1, VNNI, MR, NR);                                                                     \
    }                                                                                                                  \
    Q4T_VARIANT(NAME, OP, (VNNI) ? Q4T_F_AVX2 | Q4T_F_AVXVNNI : Q4T_F_AVX2, W, X, run, .mr = MR, .nr = NR,            \
                .kr = AVX2_KR)

#endif
