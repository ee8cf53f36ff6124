/* Model presets: the published shapes (config.json of each model). Qwen2.5's
 * q/k/v biases are not modelled: the presets are shapes for speed, with
 * synthetic weights. */
#include "config.h"

#include <string.h>

static const q4t_model_config presets[] = {
    /* name            dim   hidden layers heads kv  vocab  ctx   theta     llama3 rope scaling     eps  tied */
    {"smollm-135m",     576,  1536, 30,  9,  3,  49152, 2048, 10000.0f,  0, 0, 0, 0,              1e-5f, 1},
    {"qwen2.5-0.5b",    896,  4864, 24, 14,  2, 151936, 4096, 1000000.0f, 0, 0, 0, 0,             1e-6f, 1},
    {"tinyllama-1.1b", 2048,  5632, 22, 32,  4,  32000, 2048, 10000.0f,  0, 0, 0, 0,              1e-5f, 0},
    {"llama3.2-1b",    2048,  8192, 16, 32,  8, 128256, 4096, 500000.0f, 32.0f, 1.0f, 4.0f, 8192, 1e-5f, 1},
    {"llama2-7b",      4096, 11008, 32, 32, 32,  32000, 4096, 10000.0f,  0, 0, 0, 0,              1e-5f, 0},
    {"llama3-8b",      4096, 14336, 32, 32,  8, 128256, 4096, 500000.0f, 0, 0, 0, 0,              1e-5f, 0},
    {"llama3.1-8b",    4096, 14336, 32, 32,  8, 128256, 4096, 500000.0f, 8.0f, 1.0f, 4.0f, 8192,  1e-5f, 0},
    /* tests and emulated runs: every code path (GQA, ragged N) at a size qemu runs in a moment */
    {"tiny",            128,   352,  2,  4,  2,    250,  256, 10000.0f,  0, 0, 0, 0,              1e-5f, 0},
};

size_t q4t_model_preset_count(void)
{
    return sizeof presets / sizeof presets[0];
}

const q4t_model_config *q4t_model_preset_at(size_t i)
{
    return i < q4t_model_preset_count() ? &presets[i] : NULL;
}

const q4t_model_config *q4t_model_preset(const char *name)
{
    for (size_t i = 0; i < q4t_model_preset_count(); i++)
        if (!strcmp(presets[i].name, name))
            return &presets[i];
    return NULL;
}

size_t q4t_model_matrices(const q4t_model_config *c, q4t_matrix_shape out[5])
{
    const size_t dim = (size_t)c->dim, kv_dim = dim / (size_t)c->n_heads * (size_t)c->n_kv_heads;
    const q4t_matrix_shape all[5] = {
        {"wq,wo", dim, dim},
        {"wk,wv", kv_dim, dim},
        {"w1,w3", (size_t)c->hidden_dim, dim},
        {"w2", dim, (size_t)c->hidden_dim},
        {"output", (size_t)c->vocab_size, dim},
    };
    size_t n = 0;
    for (size_t i = 0; i < 5; i++) {
        size_t j = 0;
        while (j < n && !(out[j].N == all[i].N && out[j].K == all[i].K))
            j++;
        if (j == n) /* llama2-7b: wk,wv have the shape of wq,wo */
            out[n++] = all[i];
    }
    return n;
}
