/* Synthetic seeded weights: see synthetic.h. */
#include "synthetic.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats.h"
#include "memory.h"

static uint64_t splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* xorshift64*: fast, and plenty for weights. */
static uint64_t next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dULL;
}

static uint64_t row_state(uint64_t seed, q4t_tensor t, int layer, size_t row)
{
    const uint64_t s = splitmix64(splitmix64(splitmix64(seed) ^ (uint64_t)t) ^ (uint64_t)layer) ^ (uint64_t)row;
    return splitmix64(s) | 1; /* never 0 */
}

/* n values uniform in [-scale, scale). */
static void uniform_row(uint64_t *s, float *out, size_t n, float scale)
{
    for (size_t i = 0; i < n; i += 2) {
        const uint64_t r = next(s);
        out[i] = scale * ((float)(r >> 40) * (1.0f / 8388608.0f) - 1.0f);
        if (i + 1 < n)
            out[i + 1] = scale * ((float)((r >> 16) & 0xffffff) * (1.0f / 8388608.0f) - 1.0f);
    }
}

int q4t_synth_has(const q4t_model_config *c, q4t_synth_kind kind, q4t_tensor t, q4t_dtype *type)
{
    if (t == Q4T_T_ROPE_FREQS || (t == Q4T_T_OUTPUT && c->tied_embeddings))
        return 0;
    const int weights = q4t_tensor_is_matrix(t) || t == Q4T_T_TOKEN_EMBD;
    *type = weights && kind == Q4T_SYNTH_Q4_0 ? Q4T_DT_Q4_0 : Q4T_DT_F32;
    return 1;
}

void q4t_synth_fill(const q4t_model_config *c, uint64_t seed, q4t_synth_kind kind, q4t_tensor t, int layer,
                    void *dst)
{
    size_t rows, cols;
    q4t_tensor_shape(c, t, &rows, &cols);
    q4t_dtype type;
    if (!q4t_synth_has(c, kind, t, &type))
        return;
    if (!q4t_tensor_is_matrix(t) && t != Q4T_T_TOKEN_EMBD) { /* norm weights */
        uint64_t s = row_state(seed, t, layer, 0);
        float *v = dst;
        for (size_t i = 0; i < cols; i++)
            v[i] = 1.0f + (float)((int)(next(&s) >> 57) - 64) / 1024.0f;
        return;
    }
    const float scale = t == Q4T_T_TOKEN_EMBD ? 1.0f : sqrtf(3.0f / (float)cols);
    const size_t nb = cols / Q4T_QK;
    for (size_t r = 0; r < rows; r++) {
        uint64_t s = row_state(seed, t, layer, r);
        for (size_t b = 0; b < nb; b++) { /* a block at a time, the row's draws in order: the same values either way */
            float block[Q4T_QK];
            float *v = type == Q4T_DT_F32 ? (float *)dst + (r * nb + b) * Q4T_QK : block;
            uniform_row(&s, v, Q4T_QK, scale);
            if (type == Q4T_DT_Q4_0)
                q4t_quantize_row_q4_0(v, (q4t_block_q4_0 *)dst + r * nb + b, Q4T_QK);
        }
    }
}

typedef struct {
    q4t_model_config config;
    uint64_t seed;
    q4t_synth_kind kind;
} synth;

static int synth_get(void *ctx, q4t_tensor t, int layer, q4t_tensor_data *out, char *err, size_t errlen)
{
    const synth *s = ctx;
    q4t_dtype type;
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (!q4t_synth_has(&s->config, s->kind, t, &type)) {
        out->data = NULL;
        return 0;
    }
    q4t_tensor_shape(&s->config, t, &out->rows, &out->cols);
    out->type = type;
    const size_t bytes = q4t_dtype_bytes(type, out->rows, out->cols);
    void *p = q4t_pages_alloc(bytes);
    if (!p) {
        char name[64];
        q4t_tensor_name(t, layer, name, sizeof name);
        snprintf(err, errlen, "out of memory for %s (%zu bytes)", name, bytes);
        return -1;
    }
    q4t_synth_fill(&s->config, s->seed, s->kind, t, layer, p);
    out->data = p;
    return 0;
}

static void synth_release(void *ctx, const q4t_tensor_data *d)
{
    (void)ctx;
    q4t_pages_free((void *)d->data, q4t_dtype_bytes(d->type, d->rows, d->cols));
}

static void synth_close(void *ctx)
{
    free(ctx);
}

static void make_source(const q4t_model_config *c, uint64_t seed, q4t_synth_kind kind, q4t_weight_source *out)
{
    memset(out, 0, sizeof *out);
    synth *s = calloc(1, sizeof *s);
    if (s) {
        s->config = *c;
        s->seed = seed;
        s->kind = kind;
    }
    snprintf(out->what, sizeof out->what, "synthetic, seed %llu", (unsigned long long)seed);
    if (kind == Q4T_SYNTH_F32) /* every matrix, and the output projection tied or not */
        snprintf(out->note, sizeof out->note, "%d F32 matrices quantized to Q4_0 at load", 7 * c->n_layers + 1);
    out->ctx = s;
    out->get = synth_get;
    out->release = synth_release;
    out->close = synth_close;
}

void q4t_synth_source(const q4t_model_config *c, uint64_t seed, q4t_weight_source *out)
{
    make_source(c, seed, Q4T_SYNTH_Q4_0, out);
}

void q4t_synth_source_float(const q4t_model_config *c, uint64_t seed, q4t_weight_source *out)
{
    make_source(c, seed, Q4T_SYNTH_F32, out);
}
