/* Synthetic weights: any model shape, seeded, so that anyone can measure
 * without downloading a model. Every tensor is a pure function of (seed,
 * tensor, layer, row): the same whatever order they are asked for in.
 *   matrices and the embedding table: uniform in +-sqrt(3/K) (+-1 for the
 *     embedding), quantized to Q4_0 as llama.cpp does;
 *   norm weights: 1 + n/1024, n in -64..64 (exact in F16 too);
 *   output.weight absent when the config ties it to the embedding;
 *   rope_freqs.weight absent (the model computes the Llama 3 factors). */
#ifndef Q4T_SYNTHETIC_H
#define Q4T_SYNTHETIC_H

#include <stdint.h>

#include "model.h"

/* A weight source of synthetic tensors for c; allocates each tensor when
 * asked and frees it on release. */
void q4t_synth_source(const q4t_model_config *c, uint64_t seed, q4t_weight_source *out);

/* The tensor's type and whether the synthetic model has it (0: absent). */
int q4t_synth_has(const q4t_model_config *c, q4t_tensor t, q4t_dtype *type);
/* Fills dst (q4t_dtype_bytes of its type and shape) with tensor t of layer. */
void q4t_synth_fill(const q4t_model_config *c, uint64_t seed, q4t_tensor t, int layer, void *dst);

#endif
