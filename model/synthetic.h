/* Synthetic weights: any model shape, seeded, so that anyone can measure
 * without downloading a model. Every tensor is a pure function of (seed,
 * tensor, layer, row): the same whatever order they are asked for in.
 *   matrices and the embedding table: uniform in +-sqrt(3/K) (+-1 for the
 *     embedding), as F32 (Q4T_SYNTH_F32) or quantized from those very values
 *     to Q4_0 as llama.cpp does (Q4T_SYNTH_Q4_0): the F32 weights quantized
 *     at load (q4t_quantize_row_q4_0) are the Q4_0 weights, byte for byte;
 *   norm weights: 1 + n/1024, n in -64..64 (exact in F16 too), F32 in both;
 *   output.weight absent when the config ties it to the embedding;
 *   rope_freqs.weight absent (the model computes the Llama 3 factors). */
#ifndef Q4T_SYNTHETIC_H
#define Q4T_SYNTHETIC_H

#include <stdint.h>

#include "model.h"

typedef enum { Q4T_SYNTH_Q4_0, Q4T_SYNTH_F32 } q4t_synth_kind;

/* A weight source of synthetic tensors for c, Q4_0 (note empty) or F32
 * ("N F32 matrices quantized to Q4_0 at load"); allocates each tensor when
 * asked and frees it on release. */
void q4t_synth_source(const q4t_model_config *c, uint64_t seed, q4t_weight_source *out);
void q4t_synth_source_float(const q4t_model_config *c, uint64_t seed, q4t_weight_source *out);

/* The tensor's type in weights of that kind, and whether the synthetic model
 * has it (0: absent). */
int q4t_synth_has(const q4t_model_config *c, q4t_synth_kind kind, q4t_tensor t, q4t_dtype *type);
/* Fills dst (q4t_dtype_bytes of its type and shape) with tensor t of layer. */
void q4t_synth_fill(const q4t_model_config *c, uint64_t seed, q4t_synth_kind kind, q4t_tensor t, int layer,
                    void *dst);

#endif
