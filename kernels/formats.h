/* q4tune formats: fp16, Q4_0 weights, Q8_0 activations (llama.cpp/GGUF numerics).
 *
 *   Q4_0 block: 32 weights, value = d * (q - 8), q in 0..15;
 *               element j in the low nibble of qs[j], element j+16 in the high one.
 *   Q8_0 block: 32 activations, value = d * q, q in -127..127, d = amax / 127.
 *   Q8F  block: a Q8_0 block unpacked for kernels: d already in fp32 (the exact
 *               value of the fp16 scale) and s = sum of the 32 q.
 */
#ifndef Q4T_FORMATS_H
#define Q4T_FORMATS_H

#include <stddef.h>
#include <stdint.h>

#define Q4T_QK 32 /* elements per block, for every format */

typedef struct {
    uint16_t d;             /* fp16 scale */
    uint8_t qs[Q4T_QK / 2]; /* nibbles */
} q4t_block_q4_0;

typedef struct {
    uint16_t d; /* fp16 scale */
    int8_t qs[Q4T_QK];
} q4t_block_q8_0;

typedef struct {
    float d;   /* fp16 scale widened to fp32 (exact) */
    int32_t s; /* sum of qs */
    int8_t qs[Q4T_QK];
} q4t_block_q8f;

_Static_assert(sizeof(q4t_block_q4_0) == 18, "Q4_0 block is 18 bytes");
_Static_assert(sizeof(q4t_block_q8_0) == 34, "Q8_0 block is 34 bytes");
_Static_assert(sizeof(q4t_block_q8f) == 40, "Q8F block is 40 bytes");

/* IEEE binary16 <-> binary32 in software: round to nearest even, subnormals,
 * infinities and NaNs (quiet, payload kept where it fits). */
float q4t_fp16_to_fp32(uint16_t h);
uint16_t q4t_fp32_to_fp16(float f);

/* k must be a multiple of Q4T_QK; rows are k elements, k/32 blocks. */
void q4t_quantize_row_q4_0(const float *x, q4t_block_q4_0 *y, size_t k);
void q4t_dequantize_row_q4_0(const q4t_block_q4_0 *x, float *y, size_t k);
void q4t_quantize_row_q8_0(const float *x, q4t_block_q8_0 *y, size_t k);
void q4t_dequantize_row_q8_0(const q4t_block_q8_0 *x, float *y, size_t k);
void q4t_quantize_row_q8f(const float *x, q4t_block_q8f *y, size_t k);

/* Integer dot product of one Q4_0 block with one Q8_0 block: sum (q_w - 8) * q_x. */
int32_t q4t_dot_block_q4_0_q8_0(const q4t_block_q4_0 *w, const q4t_block_q8_0 *x);

/* The reference dot product of a Q4_0 row and a Q8_0 row of nb blocks:
 * sum over blocks, in order, of (d_w * d_x) * isum, in fp32. Every kernel is
 * checked against this. */
float q4t_dot_row_q4_0_q8_0(const q4t_block_q4_0 *w, const q4t_block_q8_0 *x, size_t nb);

#endif
