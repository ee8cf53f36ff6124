/* gguf_preset PRESET FILE [SEED] [--layers N] [--type T] [--vocab VOCAB.gguf]: writes
 * q4tune's seeded synthetic weights of a preset's shape (the same weights
 * q4tune run --model PRESET --seed SEED runs) as a GGUF (Q4_0 unless --type) that llama.cpp
 * loads: the llama.* keys, every tensor, and the tokenizer keys its loader
 * wants (model, tokens, scores, token types, BOS/EOS ids) over placeholder
 * tokens. Used by scripts/vs-llama.cpp to run both engines on one file.
 *   --layers N        the first N layers only
 *   --type T          the matrices and embedding as q4_0 (default), or as the
 *                     float weights before quantization in f32, f16 or bf16, or
 *                     as q8_0 (what a convert_hf_to_gguf.py file holds)
 *   --vocab V.gguf    the tokenizer.* keys of V (a real vocabulary, e.g. the
 *                     ones tests/tokenizer writes from the npm packages)
 *                     instead of placeholders; the vocabulary size becomes V's
 * Exit status 0, 1 if a file cannot be read or written, 2 on bad arguments. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "gguf.h"
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

/* The number of tokenizer.ggml.tokens of the GGUF at path; -1 with a message. */
static int vocab_size(const char *path)
{
    char err[512];
    q4t_gguf_str *v = NULL;
    size_t n = 0;
    q4t_gguf *g = q4t_gguf_open(path, err, sizeof err);
    if (!g || q4t_gguf_get_str_array(g, "tokenizer.ggml.tokens", &v, &n, err, sizeof err) || !v) {
        fprintf(stderr, "gguf_preset: %s\n", g && !v ? "no tokenizer.ggml.tokens" : err);
        q4t_gguf_close(g);
        return -1;
    }
    free(v);
    q4t_gguf_close(g);
    return (int)n;
}

/* The tokenizer.* keys of the GGUF at path into w; -1 with a message. */
static int copy_vocab(gguf_writer *w, const char *path)
{
    char err[512];
    q4t_gguf *g = q4t_gguf_open(path, err, sizeof err);
    if (!g) {
        fprintf(stderr, "gguf_preset: %s\n", err);
        return -1;
    }
    static const char *const strs[] = {"tokenizer.ggml.model", "tokenizer.ggml.pre"};
    static const char *const ints[] = {"tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id",
                                       "tokenizer.ggml.unknown_token_id", "tokenizer.ggml.padding_token_id"};
    static const char *const bools[] = {"tokenizer.ggml.add_bos_token", "tokenizer.ggml.add_eos_token",
                                        "tokenizer.ggml.add_space_prefix"};
    static const char *const arrays[] = {"tokenizer.ggml.tokens", "tokenizer.ggml.merges"};
    int rc = 0;
    for (size_t i = 0; i < 2 && !rc; i++) {
        const char *s = NULL;
        rc = q4t_gguf_get_str(g, strs[i], &s, err, sizeof err);
        if (!rc && s)
            gw_str(w, strs[i], s);
    }
    for (size_t i = 0; i < 4 && !rc; i++) {
        int64_t v = -1;
        rc = q4t_gguf_get_int(g, ints[i], &v, err, sizeof err);
        if (!rc && v >= 0)
            gw_u32(w, ints[i], (uint32_t)v);
    }
    for (size_t i = 0; i < 3 && !rc; i++) {
        int v = -1;
        rc = q4t_gguf_get_bool(g, bools[i], &v, err, sizeof err);
        if (!rc && v >= 0) {
            const unsigned char b = (unsigned char)v;
            gw_raw(w, bools[i], 7 /* GGUF bool */, &b, 1);
        }
    }
    for (size_t i = 0; i < 2 && !rc; i++) {
        q4t_gguf_str *v = NULL;
        size_t n = 0;
        rc = q4t_gguf_get_str_array(g, arrays[i], &v, &n, err, sizeof err);
        if (rc || !v)
            continue;
        char **s = malloc((n ? n : 1) * sizeof *s);
        for (size_t j = 0; s && j < n; j++)
            if ((s[j] = malloc(v[j].len + 1)))
                memcpy(s[j], v[j].s, v[j].len), s[j][v[j].len] = '\0';
        gw_str_array(w, arrays[i], n, (const char *const *)s);
        for (size_t j = 0; s && j < n; j++)
            free(s[j]);
        free(s);
        free(v);
    }
    float *scores = NULL;
    int32_t *types = NULL;
    size_t ns = 0, nt = 0;
    if (!rc && !(rc = q4t_gguf_get_float_array(g, "tokenizer.ggml.scores", &scores, &ns, err, sizeof err)) && scores)
        array32(w, "tokenizer.ggml.scores", GW_F32, scores, ns);
    if (!rc && !(rc = q4t_gguf_get_int_array(g, "tokenizer.ggml.token_type", &types, &nt, err, sizeof err)) && types)
        array32(w, "tokenizer.ggml.token_type", GW_I32, types, nt);
    free(scores);
    free(types);
    q4t_gguf_close(g);
    if (rc)
        fprintf(stderr, "gguf_preset: %s: %s\n", path, err);
    return rc;
}

int main(int argc, char **argv)
{
    const char *args[3] = {NULL, NULL, NULL}, *vocab_path = NULL;
    int nargs = 0, layers = 0;
    unsigned flags = 0;
    static const struct {
        const char *name;
        unsigned flag;
    } kinds[] = {{"q4_0", 0}, {"f32", GW_MODEL_F32}, {"f16", GW_MODEL_F16}, {"bf16", GW_MODEL_BF16}, {"q8_0", GW_MODEL_Q8_0}};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--layers") && i + 1 < argc)
            layers = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--type") && i + 1 < argc) {
            const char *t = argv[++i];
            size_t k = 0;
            while (k < sizeof kinds / sizeof kinds[0] && strcmp(kinds[k].name, t))
                k++;
            if (k == sizeof kinds / sizeof kinds[0]) {
                fprintf(stderr, "gguf_preset: --type %s: q4_0, f32, f16, bf16 or q8_0\n", t);
                return 2;
            }
            flags = kinds[k].flag;
        } else if (!strcmp(argv[i], "--vocab") && i + 1 < argc)
            vocab_path = argv[++i];
        else if (argv[i][0] != '-' && nargs < 3)
            args[nargs++] = argv[i];
        else
            nargs = -100;
    }
    if (nargs < 2 || layers < 0) {
        fprintf(stderr, "usage: gguf_preset PRESET FILE [SEED] [--layers N] [--type T] [--vocab VOCAB.gguf]\n");
        return 2;
    }
    const q4t_model_config *pc = q4t_model_preset(args[0]);
    if (!pc) {
        fprintf(stderr, "gguf_preset: unknown preset '%s'\n", args[0]);
        return 2;
    }
    q4t_model_config c = *pc;
    if (layers && layers < c.n_layers)
        c.n_layers = layers;
    const unsigned long seed = args[2] ? strtoul(args[2], NULL, 10) : 1;
    gguf_writer *w = gw_new();
    if (vocab_path) { /* the real vocabulary's keys replace the placeholders gw_model writes */
        const int n = vocab_size(vocab_path);
        if (n < 1) {
            gw_free(w);
            return 1;
        }
        c.vocab_size = n;
        gw_model(w, &c, seed, flags);
        if (copy_vocab(w, vocab_path)) { /* setting a key again replaces its value */
            gw_free(w);
            return 1;
        }
    } else {
        gw_model(w, &c, seed, flags);
        float *scores = calloc((size_t)c.vocab_size, sizeof *scores);
        int32_t *types = malloc((size_t)c.vocab_size * sizeof *types);
        if (!scores || !types) {
            fprintf(stderr, "gguf_preset: out of memory\n");
            return 1;
        }
        for (int i = 0; i < c.vocab_size; i++)
            types[i] = i < 3 ? 3 : 1; /* control (unk, bos, eos), then normal */
        array32(w, "tokenizer.ggml.scores", GW_F32, scores, (size_t)c.vocab_size);
        array32(w, "tokenizer.ggml.token_type", GW_I32, types, (size_t)c.vocab_size);
        gw_u32(w, "tokenizer.ggml.unknown_token_id", 0);
        gw_u32(w, "tokenizer.ggml.bos_token_id", 1);
        gw_u32(w, "tokenizer.ggml.eos_token_id", 2);
        free(scores);
        free(types);
    }
    const int rc = gw_write(w, args[1]);
    gw_free(w);
    if (rc) {
        fprintf(stderr, "gguf_preset: cannot write %s\n", args[1]);
        return 1;
    }
    return 0;
}
