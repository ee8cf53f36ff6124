/* See vocab_gguf.h. */
#include "vocab_gguf.h"

#include <stdlib.h>
#include <string.h>

enum { GGUF_BOOL = 7 }; /* gguf_writer.h's value types stop short of it */

/* An array of n elements of type et, each size bytes. */
static void numeric_array(gguf_writer *w, const char *key, uint32_t et, size_t n, size_t size, const void *v)
{
    const uint64_t count = n;
    unsigned char *b = malloc(12 + n * size);
    if (!b)
        abort();
    memcpy(b, &et, 4);
    memcpy(b + 4, &count, 8);
    memcpy(b + 12, v, n * size);
    gw_raw(w, key, GW_ARRAY, b, 12 + n * size);
    free(b);
}

void tw_f32_array(gguf_writer *w, const char *key, size_t n, const float *v)
{
    numeric_array(w, key, GW_F32, n, sizeof *v, v);
}

void tw_i32_array(gguf_writer *w, const char *key, size_t n, const int32_t *v)
{
    numeric_array(w, key, GW_I32, n, sizeof *v, v);
}

void tw_bool(gguf_writer *w, const char *key, int v)
{
    const unsigned char b = v != 0;
    gw_raw(w, key, GGUF_BOOL, &b, 1);
}

void tw_vocab_write(gguf_writer *w, const tw_vocab *v)
{
    gw_str(w, "general.architecture", "llama");
    gw_str(w, "tokenizer.ggml.model", v->model);
    if (v->pre)
        gw_str(w, "tokenizer.ggml.pre", v->pre);
    gw_str_array(w, "tokenizer.ggml.tokens", v->n, v->tokens);
    if (v->scores)
        tw_f32_array(w, "tokenizer.ggml.scores", v->n, v->scores);
    if (v->types)
        tw_i32_array(w, "tokenizer.ggml.token_type", v->n, v->types);
    if (v->n_merges)
        gw_str_array(w, "tokenizer.ggml.merges", v->n_merges, v->merges);
    if (v->bos >= 0)
        gw_u32(w, "tokenizer.ggml.bos_token_id", (uint32_t)v->bos);
    if (v->eos >= 0)
        gw_u32(w, "tokenizer.ggml.eos_token_id", (uint32_t)v->eos);
    if (v->unk >= 0)
        gw_u32(w, "tokenizer.ggml.unknown_token_id", (uint32_t)v->unk);
    if (v->add_bos >= 0)
        tw_bool(w, "tokenizer.ggml.add_bos_token", v->add_bos);
}
