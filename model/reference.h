/* The float reference model: the same Llama architecture as model.h, written
 * again from the maths and sharing no code with forward.c, in fp32 weights
 * and activations (dot products summed in fp32 lanes, then in double), one
 * position at a time, attention exact over an fp32 cache.
 *
 * Every tensor of the source becomes floats at build (q4t_tensor_row_f32):
 * a float GGUF's or the float synthetic weights' own values (the
 * unquantized model q4tune accuracy compares against), or Q4_0 weights
 * dequantized (the tests' reference for the quantized model). It holds the
 * whole model in fp32: 4 bytes per parameter.
 *
 * The tests check the quantized model against it; q4tune accuracy measures
 * what Q4_0 costs against it. */
#ifndef Q4T_REFERENCE_H
#define Q4T_REFERENCE_H

#include <stddef.h>

#include "model.h"
#include "pool.h"

typedef struct q4t_ref_model q4t_ref_model;

/* Reads every tensor of c from src (each released after its conversion; src
 * stays the caller's) for a context of ctx positions. pool (may be NULL: the
 * calling thread alone) splits the matrix products by rows. Returns 0, or -1
 * with the reason in err. */
int q4t_ref_build(const q4t_model_config *c, q4t_weight_source *src, int ctx, q4t_pool *pool, q4t_ref_model **out,
                  char *err, size_t errlen);
void q4t_ref_free(q4t_ref_model *r);

/* Bytes the reference holds (weights and cache). */
size_t q4t_ref_bytes(const q4t_ref_model *r);

/* Runs token at position pos (0, 1, ... in order; pos < ctx) through every
 * layer, its key and value into the cache, and writes the vocab_size logits
 * of the next token into logits. */
void q4t_ref_forward(q4t_ref_model *r, int token, int pos, float *logits);

#endif
