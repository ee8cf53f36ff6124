/* Shared by the AVX512-VNNI variants (gemv_q4_avx512vnni_*, gemm_q4_avx512vnni_*):
 * their packed layouts and the one register-tile loop they all instantiate.
 *
 * Dot products without horizontal sums: a dword lane of a zmm holds 4
 * consecutive k of one weight column, so a zmm is 16 columns x 4 k, and
 * vpdpbusd against 4 bytes of one x row broadcast to every lane ({1to16})
 * adds 4 products per column. The weight nibble q (0..15) is the unsigned
 * operand, x (int8) the signed one; the -8 offset is sum((q - 8) x) =
 * sum(q x) - 8 sum(x): the block sum starts from c = -8 sum(x), stored with
 * x, so it stays an exact int32 and costs no instruction.
 *
 * Packed W: column groups of 16 (N padded with zero columns, d = 0, q = 8, to
 * a multiple of the kernel's NR, itself a multiple of 16). Per group, 64-byte
 * aligned (GROUP_BYTES(nb)):
 *   uint8 qs[nb][4][16][4]    block b, load j, column c, byte t: Q4_0 qs[4j + t]
 *                             of column c, i.e. the low nibble is k = 4j + t and
 *                             the high nibble k = 16 + 4j + t
 *   fp16  d[nb][16]           block b: the scales of columns 0..15
 *   (zero padding to a multiple of 64 bytes)
 * so one 64-byte load j of block b gives, by (v & 0xf) and (v >> 4 & 0xf),
 * the k-quads j and 4 + j of the 16 columns.
 *
 * Packed X: row groups of MR (M padded with zero rows, d = 0, to a multiple of
 * the kernel's MR). Per group, per 32-block, 40 MR bytes:
 *   fp32  d[MR]               scales (the exact value of the fp16 Q8_0 scale)
 *   int32 c[MR]               -8 sum(q) per row
 *   int8  qs[MR][32]          the Q8_0 values of each row
 * quantized by q4t_quantize_row_q8f, so they are exactly the reference's.
 *
 * q4t_zmm_run() computes one rectangle with an MR x (16 G) register tile.
 * Per 32-block and tile it does 8 MR G vpdpbusd, 4 G weight loads unpacked
 * with 3 G ops each, G fp16 scale conversions, and per accumulator vector one
 * conversion, one multiply (d_w d_x) and one FMA into the fp32 accumulator.
 */
#ifndef Q4T_X86_AVX512VNNI_COMMON_H
#define Q4T_X86_AVX512VNNI_COMMON_H

#if !defined(__AVX512F__) || !defined(__AVX512BW__) || !defined(__AVX512VL__) || !defined(__AVX512VNNI__) ||         \
    !defined(__F16C__)
#error "avx512vnni_common.h needs AVX512F/BW/VL/VNNI and F16C (-mavx512f -mavx512bw -mavx512vl -mavx512vnni -mf16c)"
#endif

#include <immintrin.h>
#include <string.h>

#include "../kernel.h"

enum {
    ZMM_COLS = 16,                                      /* columns per group: int32 lanes of a zmm */
    ZMM_QS_BYTES = ZMM_COLS * Q4T_QK / 2,               /* packed nibbles per group and block */
    ZMM_D_BYTES = ZMM_COLS * (int)sizeof(uint16_t),     /* fp16 scales per group and block */
    ZMM_X_ROW_BYTES = 2 * 4 + Q4T_QK,                   /* d, c and qs of one row and block */
    ZMM_MAX_MR = 12,
    ZMM_MAX_G = 4,
};

static inline size_t q4t_zmm_group_bytes(size_t nb)
{
    return nb * ZMM_QS_BYTES + Q4T_ROUND_UP(nb * ZMM_D_BYTES, 64);
}

static inline size_t q4t_zmm_packed_w_size(size_t N, size_t K, size_t nr)
{
    return Q4T_ROUND_UP(N, nr) / ZMM_COLS * q4t_zmm_group_bytes(K / Q4T_QK);
}

static inline void q4t_zmm_pack_w(const q4t_block_q4_0 *w, size_t N, size_t K, size_t nr, void *dst)
{
    const size_t nb = K / Q4T_QK;
    uint8_t *group = dst;
    for (size_t n = 0; n < Q4T_ROUND_UP(N, nr); n += ZMM_COLS, group += q4t_zmm_group_bytes(nb)) {
        uint8_t *d = group + nb * ZMM_QS_BYTES;
        memset(d, 0, q4t_zmm_group_bytes(nb) - nb * ZMM_QS_BYTES);
        for (size_t b = 0; b < nb; b++) {
            uint8_t *qs = group + b * ZMM_QS_BYTES;
            for (size_t c = 0; c < ZMM_COLS; c++) {
                const q4t_block_q4_0 *src = n + c < N ? &w[(n + c) * nb + b] : NULL;
                const uint16_t dc = src ? src->d : 0;
                memcpy(d + (b * ZMM_COLS + c) * sizeof dc, &dc, sizeof dc);
                for (size_t i = 0; i < Q4T_QK / 2; i++)
                    qs[(i / 4) * 64 + c * 4 + i % 4] = src ? src->qs[i] : 0x88;
            }
        }
    }
}

static inline size_t q4t_zmm_packed_x_size(size_t M, size_t K, size_t mr)
{
    return Q4T_ROUND_UP(M, mr) * (K / Q4T_QK) * ZMM_X_ROW_BYTES;
}

static inline void q4t_zmm_pack_x(const float *x, size_t M, size_t K, size_t mr, void *dst)
{
    const size_t nb = K / Q4T_QK;
    uint8_t *p = dst;
    for (size_t m = 0; m < M; m += mr) {
        for (size_t b = 0; b < nb; b++, p += mr * ZMM_X_ROW_BYTES) {
            for (size_t r = 0; r < mr; r++) {
                q4t_block_q8f q = {0};
                if (m + r < M)
                    q4t_quantize_row_q8f(x + (m + r) * K + b * Q4T_QK, &q, Q4T_QK);
                const int32_t c = -8 * q.s;
                memcpy(p + r * sizeof q.d, &q.d, sizeof q.d);
                memcpy(p + (mr + r) * sizeof c, &c, sizeof c);
                memcpy(p + 8 * mr + r * Q4T_QK, q.qs, Q4T_QK);
            }
        }
    }
}

static inline __m512i q4t_zmm_bcast32(const uint8_t *p)
{
    int32_t v;
    memcpy(&v, p, sizeof v);
    return _mm512_set1_epi32(v);
}

/* Y[m..m+MR) x [n..n+16G) clipped to m1, n1: the full K for one register tile.
 * wg: the tile's first W group; xg: the tile's X row group. */
static inline __attribute__((always_inline)) void q4t_zmm_tile(const q4t_run_args *a, const uint8_t *wg,
                                                                const uint8_t *xg, size_t m, size_t m1, size_t n,
                                                                size_t n1, const int MR, const int G)
{
    const size_t nb = a->K / Q4T_QK, gbytes = q4t_zmm_group_bytes(nb);
    const __m512i low4 = _mm512_set1_epi8(0x0f);
    __m512 acc[ZMM_MAX_MR][ZMM_MAX_G];
    for (int r = 0; r < MR; r++)
        for (int g = 0; g < G; g++)
            acc[r][g] = _mm512_setzero_ps();

    for (size_t b = 0; b < nb; b++) {
        const uint8_t *xb = xg + b * MR * ZMM_X_ROW_BYTES, *xq = xb + 8 * MR;
        __m512i s[ZMM_MAX_MR][ZMM_MAX_G];
        for (int r = 0; r < MR; r++) {
            const __m512i c = q4t_zmm_bcast32(xb + 4 * (MR + r));
            for (int g = 0; g < G; g++)
                s[r][g] = c;
        }
        for (int j = 0; j < 4; j++) {
            __m512i lo[ZMM_MAX_G], hi[ZMM_MAX_G];
            for (int g = 0; g < G; g++) {
                const __m512i v = _mm512_loadu_si512(wg + g * gbytes + b * ZMM_QS_BYTES + 64 * j);
                lo[g] = _mm512_and_si512(v, low4);
                hi[g] = _mm512_and_si512(_mm512_srli_epi16(v, 4), low4);
            }
            for (int r = 0; r < MR; r++) {
                const __m512i xl = q4t_zmm_bcast32(xq + r * Q4T_QK + 4 * j);
                const __m512i xh = q4t_zmm_bcast32(xq + r * Q4T_QK + 16 + 4 * j);
                for (int g = 0; g < G; g++) {
                    s[r][g] = _mm512_dpbusd_epi32(s[r][g], lo[g], xl);
                    s[r][g] = _mm512_dpbusd_epi32(s[r][g], hi[g], xh);
                }
            }
        }
        __m512 dw[ZMM_MAX_G];
        for (int g = 0; g < G; g++)
            dw[g] = _mm512_cvtph_ps(
                _mm256_loadu_si256((const __m256i *)(wg + g * gbytes + nb * ZMM_QS_BYTES + b * ZMM_D_BYTES)));
        for (int r = 0; r < MR; r++) {
            float dx;
            memcpy(&dx, xb + 4 * r, sizeof dx);
            for (int g = 0; g < G; g++)
                acc[r][g] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s[r][g]), _mm512_mul_ps(dw[g], _mm512_set1_ps(dx)),
                                            acc[r][g]);
        }
    }

    for (int r = 0; r < MR && m + r < m1; r++) {
        float *y = a->y + (m + r) * a->ldy + n;
        for (int g = 0; g < G && n + g * ZMM_COLS < n1; g++) {
            const size_t left = n1 - n - g * ZMM_COLS;
            const __mmask16 keep = left >= ZMM_COLS ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);
            _mm512_mask_storeu_ps(y + g * ZMM_COLS, keep, acc[r][g]);
        }
    }
}

/* run() of an MR x 16G variant: every register tile of the rectangle, the
 * column tiles outermost so that a W panel is reused by every row tile. */
static inline __attribute__((always_inline)) void q4t_zmm_run(const q4t_run_args *a, size_t m0, size_t m1, size_t n0,
                                                               size_t n1, const int MR, const int G)
{
    const size_t nb = a->K / Q4T_QK;
    for (size_t n = n0; n < n1; n += (size_t)ZMM_COLS * G) {
        const uint8_t *wg = (const uint8_t *)a->w + n / ZMM_COLS * q4t_zmm_group_bytes(nb);
        for (size_t m = m0; m < m1; m += MR)
            q4t_zmm_tile(a, wg, (const uint8_t *)a->x + m * nb * ZMM_X_ROW_BYTES, m, m1, n, n1, MR, G);
    }
}

#endif
