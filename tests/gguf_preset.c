/* gguf_preset PRESET FILE [SEED]: writes q4tune's seeded synthetic weights of
 * a preset's shape (the same weights q4tune run --model PRESET --seed SEED
 * runs) as a Q4_0 GGUF that llama.cpp loads: the llama.* keys, every tensor,
 * and the tokenizer keys its loader wants (model, tokens, scores, token
 * types, BOS/EOS ids) over placeholder tokens. Used by scripts/vs-llama.cpp to
 * run both engines on one file. Exit status 0, 1 if the file cannot be
 * written, 2 on bad arguments. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "gguf_writer.h"

/* A GGUF array of n elements of type elem (4 bytes each). */
static void array32(gguf_writer *w, const char *key, uint32_t elem, const void *v, size_t n)
{
    unsigned char *b = malloc(12 + 4 * n);
    if (!b) {
        fprintf(stderr, "gguf_preset: out of memory\n");
        exit(1);
    }
    const uint64_t count = n;
    memcpy(b, &elem, 4);
    memcpy(b + 4, &count, 8);
    memcpy(b + 12, v, 4 * n);
    gw_raw(w, key, GW_ARRAY, b, 12 + 4 * n);
    free(b);
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: gguf_preset PRESET FILE [SEED]\n");
        return 2;
    }
    const q4t_model_config *c = q4t_model_preset(argv[1]);
    if (!c) {
        fprintf(stderr, "gguf_preset: unknown preset '%s'\n", argv[1]);
        return 2;
    }
    const unsigned long seed = argc == 4 ? strtoul(argv[3], NULL, 10) : 1;
    gguf_writer *w = gw_new();
    gw_model(w, c, seed, 0);
    float *scores = calloc((size_t)c->vocab_size, sizeof *scores);
    int32_t *types = malloc((size_t)c->vocab_size * sizeof *types);
    if (!scores || !types) {
        fprintf(stderr, "gguf_preset: out of memory\n");
        return 1;
    }
    for (int i = 0; i < c->vocab_size; i++)
        types[i] = i < 3 ? 3 : 1; /* control (unk, bos, eos), then normal */
    array32(w, "tokenizer.ggml.scores", GW_F32, scores, (size_t)c->vocab_size);
    array32(w, "tokenizer.ggml.token_type", GW_I32, types, (size_t)c->vocab_size);
    gw_u32(w, "tokenizer.ggml.unknown_token_id", 0);
    gw_u32(w, "tokenizer.ggml.bos_token_id", 1);
    gw_u32(w, "tokenizer.ggml.eos_token_id", 2);
    free(scores);
    free(types);
    const int rc = gw_write(w, argv[2]);
    gw_free(w);
    if (rc) {
        fprintf(stderr, "gguf_preset: cannot write %s\n", argv[2]);
        return 1;
    }
    return 0;
}
