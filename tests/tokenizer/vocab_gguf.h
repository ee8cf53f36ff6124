/* A vocabulary's tokenizer.ggml.* keys into a test GGUF (gguf_writer.h), and
 * the numeric arrays and bools gguf_writer.h has no call for. */
#ifndef Q4T_VOCAB_GGUF_H
#define Q4T_VOCAB_GGUF_H

#include <stddef.h>
#include <stdint.h>

#include "gguf_writer.h"

typedef struct {
    const char *model;         /* tokenizer.ggml.model: "llama" or "gpt2" */
    const char *pre;           /* tokenizer.ggml.pre; NULL: none */
    size_t n;                  /* tokens */
    const char *const *tokens; /* (n) */
    const float *scores;       /* (n) NULL: none */
    const int32_t *types;      /* (n) NULL: none */
    size_t n_merges;
    const char *const *merges; /* (n_merges) "left right"; none if n_merges is 0 */
    int32_t bos, eos, unk;     /* -1: none */
    int add_bos;               /* -1: none */
} tw_vocab;

void tw_vocab_write(gguf_writer *w, const tw_vocab *v);

void tw_f32_array(gguf_writer *w, const char *key, size_t n, const float *v);
void tw_i32_array(gguf_writer *w, const char *key, size_t n, const int32_t *v);
void tw_bool(gguf_writer *w, const char *key, int v);

#endif
