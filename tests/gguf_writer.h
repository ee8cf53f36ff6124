/* A GGUF writer for the tests: good files from a model's weights, and broken
 * ones (every field can be set to what a corrupt file would hold). Tensors
 * are written one at a time, each generated just before it is written, so
 * writing a model holds at most one tensor in memory. */
#ifndef Q4T_GGUF_WRITER_H
#define Q4T_GGUF_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

enum { GW_U32 = 4, GW_I32 = 5, GW_F32 = 6, GW_STRING = 8, GW_ARRAY = 9 };

typedef struct gguf_writer gguf_writer;

/* Fills dst (the tensor's bytes) when the file is written. */
typedef void (*gw_fill_fn)(void *ctx, void *dst, size_t bytes);

gguf_writer *gw_new(void);
void gw_free(gguf_writer *w);

/* Key/values in the order added; setting a key again replaces its value. */
void gw_u32(gguf_writer *w, const char *key, uint32_t v);
void gw_i32(gguf_writer *w, const char *key, int32_t v);
void gw_f32(gguf_writer *w, const char *key, float v);
void gw_str(gguf_writer *w, const char *key, const char *v);
void gw_str_array(gguf_writer *w, const char *key, size_t n, const char *const *v);
/* A value written as given: type, then the raw bytes. */
void gw_raw(gguf_writer *w, const char *key, uint32_t type, const void *bytes, size_t n);
int gw_remove_kv(gguf_writer *w, const char *key); /* 0, or -1 if absent */

/* A tensor of n_dims dimensions (ne[0] contiguous) and ggml type, bytes long:
 * its data copied from data now, or produced by fill(ctx, ...) when written
 * (ctx is freed with free() afterwards if own_ctx). */
void gw_tensor(gguf_writer *w, const char *name, uint32_t type, int n_dims, const uint64_t *ne, size_t bytes,
               const void *data, gw_fill_fn fill, void *ctx, int own_ctx);
int gw_remove_tensor(gguf_writer *w, const char *name);
/* Added to the tensor's offset as written (a misaligned tensor); 0, or -1 if absent. */
int gw_offset_bias(gguf_writer *w, const char *name, uint64_t bias);

/* Writes the file: version 3 unless set, alignment general.alignment (32).
 * Returns 0, or -1 if it cannot be written. */
int gw_write(gguf_writer *w, const char *path);
void gw_version(gguf_writer *w, uint32_t version);

/* ---- a Llama model ---- */

enum {
    GW_MODEL_EMBD_F32 = 1,   /* token_embd.weight as F32 (the Q4_0 rows dequantized) */
    GW_MODEL_EMBD_F16 = 2,   /* ... as F16 (rounded) */
    GW_MODEL_NORMS_F16 = 4,  /* norm weights as F16 */
    GW_MODEL_ROPE_FREQS = 8, /* rope_freqs.weight from q4t_rope_factors */
    /* The weight matrices and token_embd.weight of the float synthetic
     * weights (q4t_synth_source_float) instead, stored as one of these (F16
     * and BF16 rounded to nearest even, Q8_0 quantized as llama.cpp does): */
    GW_MODEL_F32 = 16,
    GW_MODEL_F16 = 32,
    GW_MODEL_BF16 = 64,
    GW_MODEL_Q8_0 = 128,
    /* ... and then the matrices (not token_embd) quantized to Q4_0 from the
     * values so stored (q4t_quantize_row_q4_0): the Q4_0 model a loader
     * should make of the file written without this flag. */
    GW_MODEL_AS_Q4_0 = 256,
};

/* Adds the llama.* keys and every tensor of c's synthetic weights (seed),
 * as llama.cpp lays them out. */
void gw_model(gguf_writer *w, const q4t_model_config *c, uint64_t seed, unsigned flags);

#endif
