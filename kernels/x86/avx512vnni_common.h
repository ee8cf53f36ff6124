/* Shared by the AVX512-VNNI variants (gemv_q4_avx512vnni_*, gemm_q4_avx512vnni_*):
 * their packed layouts (declared in layouts_avx512vnni.c: q4t_w_zmm_g16, _g32,
 * _g64; X is avx2_common.h's q4t_x_x86_r<MR>) and the one register-tile loop
 * they all instantiate, ZMM_VARIANT.
 *
 * Dot products without horizontal sums: a dword lane of a zmm holds 4
 * consecutive k of one weight column, so a zmm is 16 columns x 4 k, and
 * vpdpbusd against 4 bytes of one x row broadcast to every lane adds 4
 * products per column. The weight nibble q (0..15) is the unsigned operand,
 * x (int8) the signed one; the -8 offset is sum((q - 8) x) = sum(q x) -
 * 8 sum(x): each block sum starts from c = -8 sum(x), stored with x, so it
 * stays an exact int32 and costs no instruction.
 *
 * Packed W: panels of NR = 16 G columns (the kernel's tile; N padded with zero
 * columns, d = 0, q = 8, to a multiple of NR), one after the other, each
 * 64-byte aligned. A panel is one stream of nb blocks of 288 G bytes:
 *   fp16  d[16 G]             the scales of the panel's columns
 *   uint8 qs[G][4][16][4]     group g (columns 16 g..16 g + 15), load j,
 *                             column c, byte t: Q4_0 qs[4 j + t] of that column
 * so one 64-byte load j of group g gives, by (v & 0xf) and (v >> 4 & 0xf),
 * the k-quads j (k = 4 j..4 j + 3) and 4 + j (k = 16 + 4 j..) of 16 columns.
 * The size is 0.5625 bytes per weight, as Q4_0 (plus the padding to 64 bytes
 * and to NR columns).
 *
 * Packed X (layout x86_r<MR>, the AVX2 family's): row groups of MR (M padded
 * with zero rows, d = 0, to a multiple of the kernel's MR). Per group, per
 * 32-block, 40 MR bytes:
 *   fp32  d[MR]               scales (the exact value of the fp16 Q8_0 scale)
 *   int32 c[MR]               -8 sum(q) per row
 *   int8  qs[MR][32]          the Q8_0 values of each row
 * quantized by q4t_quantize_row_q8f, so they are exactly the reference's:
 * 1.25 bytes per activation.
 *
 * q4t_zmm_run() computes a rectangle with an MR x 16 G register tile
 * (MR G int32 block sums and MR G fp32 accumulators in zmm registers). Per
 * block and tile: 4 G weight loads unpacked with 3 ops each, 8 MR dword
 * broadcasts of x, 8 MR G vpdpbusd, G fp16 scale conversions, and per
 * accumulator one int32 -> fp32 conversion, one multiply (d_w d_x) and one
 * FMA. vpdpbusd, the multiply and the FMA share two pipes on AVX-512 cores,
 * so at best 8 of every 10 of their slots are dot products.
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
    ZMM_GROUP_BLOCK_BYTES = ZMM_D_BYTES + ZMM_QS_BYTES,
    ZMM_X_ROW_BYTES = 2 * 4 + Q4T_QK,                   /* d, c and qs of one row and block */
    ZMM_MAX_MR = 8,                                     /* register tile bounds */
    ZMM_MAX_G = 4,
    ZMM_PREFETCH = 4096,                                /* GEMV: bytes of W prefetched ahead of the loads */
};

/* A panel of g groups (16 g columns) and nb blocks: its bytes, and in it the
 * offsets of block b's scales and of its group i nibbles. */
static inline size_t q4t_zmm_panel_bytes(size_t nb, size_t g)
{
    return Q4T_ROUND_UP(nb * g * ZMM_GROUP_BLOCK_BYTES, 64);
}

static inline size_t q4t_zmm_d_at(size_t b, size_t g)
{
    return b * g * ZMM_GROUP_BLOCK_BYTES;
}

static inline size_t q4t_zmm_qs_at(size_t b, size_t g, size_t i)
{
    return b * g * ZMM_GROUP_BLOCK_BYTES + g * ZMM_D_BYTES + i * ZMM_QS_BYTES;
}

static inline size_t q4t_zmm_packed_w_size(size_t N, size_t K, size_t nr)
{
    return Q4T_ROUND_UP(N, nr) / nr * q4t_zmm_panel_bytes(K / Q4T_QK, nr / ZMM_COLS);
}

static inline __m512i q4t_zmm_bcast32(const uint8_t *p)
{
    int32_t v;
    memcpy(&v, p, sizeof v);
    return _mm512_set1_epi32(v);
}

/* Y[m..m+MR) x [n..n+16G) clipped to m1, n1: the full K for one register tile.
 * wp: the tile's W panel, wleft bytes from the end of packed W; xg: the
 * tile's X row group. */
static inline __attribute__((always_inline)) void q4t_zmm_tile(const q4t_run_args *a, const uint8_t *wp,
                                                                size_t wleft, const uint8_t *xg, size_t m, size_t m1,
                                                                size_t n, size_t n1, const int MR, const int G)
{
    const size_t nb = a->K / Q4T_QK;
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
        const size_t ahead = q4t_zmm_d_at(b + 1, G) + ZMM_PREFETCH; /* end of the block to prefetch */
        if (MR == 1 && ahead <= wleft) /* GEMV streams W once: into L1, ZMM_PREFETCH bytes ahead */
            for (int l = 0; l < (G * ZMM_GROUP_BLOCK_BYTES + 63) / 64; l++)
                _mm_prefetch((const char *)wp + ahead - G * ZMM_GROUP_BLOCK_BYTES + 64 * l, _MM_HINT_T0);
        for (int j = 0; j < 4; j++) {
            __m512i lo[ZMM_MAX_G], hi[ZMM_MAX_G];
            for (int g = 0; g < G; g++) {
                __m512i v = _mm512_loadu_si512(wp + q4t_zmm_qs_at(b, G, g) + 64 * j);
                __asm__("" : "+v"(v)); /* one load: GCC would fold it into both the and and the shift */
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
                _mm256_loadu_si256((const __m256i *)(wp + q4t_zmm_d_at(b, G) + g * ZMM_D_BYTES)));
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

/* run() of an MR x 16 G variant: every register tile of the rectangle, the
 * column panels outermost so that a W panel stays in cache while every row
 * tile passes over it (GEMM), and streams once (GEMV). */
static inline __attribute__((always_inline)) void q4t_zmm_run(const q4t_run_args *a, size_t m0, size_t m1, size_t n0,
                                                               size_t n1, const int MR, const int G)
{
    const size_t nb = a->K / Q4T_QK, nr = (size_t)ZMM_COLS * G, xrow = nb * ZMM_X_ROW_BYTES;
    const size_t wbytes = q4t_zmm_packed_w_size(a->N, a->K, nr);
    for (size_t n = n0; n < n1; n += nr) {
        const size_t woff = n / nr * q4t_zmm_panel_bytes(nb, G);
        for (size_t m = m0; m < m1; m += MR)
            q4t_zmm_tile(a, (const uint8_t *)a->w + woff, wbytes - woff, (const uint8_t *)a->x + m * xrow, m, m1, n,
                         n1, MR, G);
    }
}

/* The variant NAME (its file stem), op OP (GEMV or GEMM), with an MR x 16 G
 * register tile, W layout q4t_w_<W> and X layout q4t_x_<X>: its run() is
 * q4t_zmm_run inlined with the constants MR and G. */
#define ZMM_VARIANT(NAME, OP, MR, G, W, X)                                                                             \
    static void run(const q4t_run_args *a, size_t m0, size_t m1, size_t n0, size_t n1)                                 \
    {                                                                                                                  \
        q4t_zmm_run(a, m0, m1, n0, n1, MR, G);                                                                         \
    }                                                                                                                  \
    Q4T_VARIANT(NAME, OP, Q4T_F_AVX2 | Q4T_F_AVX512F | Q4T_F_AVX512BW | Q4T_F_AVX512VL | Q4T_F_AVX512VNNI, W, X, run,  \
                .mr = MR, .nr = ZMM_COLS * (G), .kr = 4)

#endif
