/* The tests' GGUF writer: see gguf_writer.h. */
#include "gguf_writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats.h"
#include "model.h"
#include "synthetic.h"

typedef struct {
    char *key;
    uint32_t type;
    unsigned char *value;
    size_t n;
} gw_kv;

typedef struct {
    char *name;
    uint32_t type;
    int n_dims;
    uint64_t ne[8];
    size_t bytes;
    void *data;
    gw_fill_fn fill;
    void *ctx;
    int own_ctx;
    uint64_t bias;
} gw_tensor_t;

struct gguf_writer {
    uint32_t version;
    size_t nkv, ntensors;
    gw_kv kvs[256];
    gw_tensor_t tensors[1024];
};

static char *gw_dup(const char *s)
{
    char *d = malloc(strlen(s) + 1);
    if (!d)
        abort();
    return strcpy(d, s);
}

gguf_writer *gw_new(void)
{
    gguf_writer *w = calloc(1, sizeof *w);
    if (!w)
        abort();
    w->version = 3;
    return w;
}

static void free_tensor(gw_tensor_t *t)
{
    free(t->name);
    free(t->data);
    if (t->own_ctx)
        free(t->ctx);
}

void gw_free(gguf_writer *w)
{
    for (size_t i = 0; i < w->nkv; i++) {
        free(w->kvs[i].key);
        free(w->kvs[i].value);
    }
    for (size_t i = 0; i < w->ntensors; i++)
        free_tensor(&w->tensors[i]);
    free(w);
}

void gw_version(gguf_writer *w, uint32_t version)
{
    w->version = version;
}

void gw_raw(gguf_writer *w, const char *key, uint32_t type, const void *bytes, size_t n)
{
    gw_kv *e = NULL;
    for (size_t i = 0; i < w->nkv && !e; i++)
        if (!strcmp(w->kvs[i].key, key))
            e = &w->kvs[i];
    if (!e) {
        if (w->nkv == sizeof w->kvs / sizeof w->kvs[0])
            abort();
        e = &w->kvs[w->nkv++];
        e->key = gw_dup(key);
    } else {
        free(e->value);
    }
    e->type = type;
    e->n = n;
    e->value = malloc(n ? n : 1);
    if (!e->value)
        abort();
    memcpy(e->value, bytes, n);
}

void gw_u32(gguf_writer *w, const char *key, uint32_t v) { gw_raw(w, key, GW_U32, &v, 4); }
void gw_i32(gguf_writer *w, const char *key, int32_t v) { gw_raw(w, key, GW_I32, &v, 4); }
void gw_f32(gguf_writer *w, const char *key, float v) { gw_raw(w, key, GW_F32, &v, 4); }

void gw_str(gguf_writer *w, const char *key, const char *v)
{
    const uint64_t len = strlen(v);
    unsigned char *b = malloc(8 + len);
    if (!b)
        abort();
    memcpy(b, &len, 8);
    memcpy(b + 8, v, len);
    gw_raw(w, key, GW_STRING, b, 8 + len);
    free(b);
}

void gw_str_array(gguf_writer *w, const char *key, size_t n, const char *const *v)
{
    size_t total = 12;
    for (size_t i = 0; i < n; i++)
        total += 8 + strlen(v[i]);
    unsigned char *b = malloc(total), *p = b;
    if (!b)
        abort();
    const uint32_t et = GW_STRING;
    const uint64_t count = n;
    memcpy(p, &et, 4), p += 4;
    memcpy(p, &count, 8), p += 8;
    for (size_t i = 0; i < n; i++) {
        const uint64_t len = strlen(v[i]);
        memcpy(p, &len, 8), p += 8;
        memcpy(p, v[i], len), p += len;
    }
    gw_raw(w, key, GW_ARRAY, b, total);
    free(b);
}

int gw_remove_kv(gguf_writer *w, const char *key)
{
    for (size_t i = 0; i < w->nkv; i++)
        if (!strcmp(w->kvs[i].key, key)) {
            free(w->kvs[i].key);
            free(w->kvs[i].value);
            memmove(&w->kvs[i], &w->kvs[i + 1], (w->nkv - i - 1) * sizeof w->kvs[0]);
            w->nkv--;
            return 0;
        }
    return -1;
}

void gw_tensor(gguf_writer *w, const char *name, uint32_t type, int n_dims, const uint64_t *ne, size_t bytes,
               const void *data, gw_fill_fn fill, void *ctx, int own_ctx)
{
    if (w->ntensors == sizeof w->tensors / sizeof w->tensors[0] || n_dims > 8)
        abort();
    gw_tensor_t *t = &w->tensors[w->ntensors++];
    memset(t, 0, sizeof *t);
    t->name = gw_dup(name);
    t->type = type;
    t->n_dims = n_dims;
    memcpy(t->ne, ne, (size_t)n_dims * sizeof *ne);
    t->bytes = bytes;
    if (data) {
        if (!(t->data = malloc(bytes ? bytes : 1)))
            abort();
        memcpy(t->data, data, bytes);
    }
    t->fill = fill;
    t->ctx = ctx;
    t->own_ctx = own_ctx;
}

static gw_tensor_t *find_tensor(gguf_writer *w, const char *name)
{
    for (size_t i = 0; i < w->ntensors; i++)
        if (!strcmp(w->tensors[i].name, name))
            return &w->tensors[i];
    return NULL;
}

int gw_remove_tensor(gguf_writer *w, const char *name)
{
    gw_tensor_t *t = find_tensor(w, name);
    if (!t)
        return -1;
    free_tensor(t);
    const size_t i = (size_t)(t - w->tensors);
    memmove(t, t + 1, (w->ntensors - i - 1) * sizeof *t);
    w->ntensors--;
    return 0;
}

int gw_offset_bias(gguf_writer *w, const char *name, uint64_t bias)
{
    gw_tensor_t *t = find_tensor(w, name);
    if (!t)
        return -1;
    t->bias = bias;
    return 0;
}

static int put(FILE *f, const void *p, size_t n)
{
    return n == 0 || fwrite(p, 1, n, f) == n ? 0 : -1;
}

static int put_str(FILE *f, const char *s)
{
    const uint64_t len = strlen(s);
    return put(f, &len, 8) || put(f, s, len);
}

static int pad(FILE *f, size_t *at, size_t to)
{
    static const char zeros[64];
    while (*at < to) {
        const size_t n = to - *at < sizeof zeros ? to - *at : sizeof zeros;
        if (put(f, zeros, n))
            return -1;
        *at += n;
    }
    return 0;
}

int gw_write(gguf_writer *w, const char *path)
{
    size_t align = 32;
    for (size_t i = 0; i < w->nkv; i++)
        if (!strcmp(w->kvs[i].key, "general.alignment") && w->kvs[i].type == GW_U32) {
            uint32_t a;
            memcpy(&a, w->kvs[i].value, 4);
            align = a ? a : 32;
        }
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    const uint64_t nt = w->ntensors, nkv = w->nkv;
    int bad = put(f, "GGUF", 4) || put(f, &w->version, 4) || put(f, &nt, 8) || put(f, &nkv, 8);
    for (size_t i = 0; i < w->nkv && !bad; i++)
        bad = put_str(f, w->kvs[i].key) || put(f, &w->kvs[i].type, 4) || put(f, w->kvs[i].value, w->kvs[i].n);
    uint64_t offset = 0;
    for (size_t i = 0; i < w->ntensors && !bad; i++) {
        const gw_tensor_t *t = &w->tensors[i];
        const uint32_t nd = (uint32_t)t->n_dims;
        const uint64_t written = offset + t->bias;
        bad = put_str(f, t->name) || put(f, &nd, 4) || put(f, t->ne, 8 * (size_t)t->n_dims) || put(f, &t->type, 4) ||
              put(f, &written, 8);
        offset = (offset + t->bytes + align - 1) / align * align;
    }
    long header = ftell(f);
    size_t at = header < 0 ? 0 : (size_t)header;
    bad = bad || header < 0 || pad(f, &at, (at + align - 1) / align * align);
    const size_t data_start = at;
    offset = 0;
    for (size_t i = 0; i < w->ntensors && !bad; i++) {
        gw_tensor_t *t = &w->tensors[i];
        bad = pad(f, &at, data_start + offset);
        void *buf = t->data;
        if (!buf && !(buf = calloc(1, t->bytes ? t->bytes : 1)))
            abort();
        if (!t->data && t->fill)
            t->fill(t->ctx, buf, t->bytes);
        bad = bad || put(f, buf, t->bytes);
        if (buf != t->data)
            free(buf);
        at += t->bytes;
        offset = (offset + t->bytes + align - 1) / align * align;
    }
    return fclose(f) || bad ? -1 : 0;
}

/* ---- a Llama model from synthetic weights ---- */

typedef struct {
    q4t_model_config config;
    uint64_t seed;
    q4t_synth_kind kind; /* the synthetic weights it comes from */
    q4t_tensor t;
    int layer;
    q4t_dtype stored; /* the type its values are rounded or quantized to ... */
    q4t_dtype type;   /* ... and the type written (Q4_0 from the stored values, or the same) */
} model_tensor;

static uint16_t to_bf16(float f) /* rounded to nearest even; NaN kept quiet */
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return (uint16_t)((u & 0x7fffffffu) > 0x7f800000u ? (u >> 16) | 0x40u : (u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

/* n floats as a row of type dt: F16 and BF16 rounded to nearest even, Q8_0
 * and Q4_0 quantized as llama.cpp does. */
static void store_row(q4t_dtype dt, const float *x, void *dst, size_t n)
{
    switch (dt) {
    case Q4T_DT_F32: memcpy(dst, x, n * sizeof *x); break;
    case Q4T_DT_F16:
        for (size_t i = 0; i < n; i++)
            ((uint16_t *)dst)[i] = q4t_fp32_to_fp16(x[i]);
        break;
    case Q4T_DT_BF16:
        for (size_t i = 0; i < n; i++)
            ((uint16_t *)dst)[i] = to_bf16(x[i]);
        break;
    case Q4T_DT_Q8_0: q4t_quantize_row_q8_0(x, dst, n); break;
    case Q4T_DT_Q4_0: q4t_quantize_row_q4_0(x, dst, n); break;
    }
}

/* x[0..n) in place as a row of F32, F16, BF16 or Q8_0 holds them: what a
 * loader should read back (decoded here, not by the loader's
 * q4t_tensor_row_f32). */
static void round_row(q4t_dtype dt, float *x, size_t n)
{
    for (size_t i = 0; dt == Q4T_DT_Q8_0 && i < n; i += Q4T_QK) {
        q4t_block_q8_0 b;
        q4t_quantize_row_q8_0(x + i, &b, Q4T_QK);
        q4t_dequantize_row_q8_0(&b, x + i, Q4T_QK);
    }
    for (size_t i = 0; dt == Q4T_DT_F16 && i < n; i++)
        x[i] = q4t_fp16_to_fp32(q4t_fp32_to_fp16(x[i]));
    for (size_t i = 0; dt == Q4T_DT_BF16 && i < n; i++) {
        const uint32_t u = (uint32_t)to_bf16(x[i]) << 16;
        memcpy(&x[i], &u, sizeof u);
    }
}

static void fill_model_tensor(void *ctx, void *dst, size_t bytes)
{
    const model_tensor *mt = ctx;
    (void)bytes; /* q4t_dtype_bytes of its type and shape */
    if (mt->t == Q4T_T_ROPE_FREQS) {
        q4t_rope_factors(&mt->config, dst);
        return;
    }
    q4t_tensor_data src;
    q4t_synth_has(&mt->config, mt->kind, mt->t, &src.type);
    if (src.type == mt->stored && mt->stored == mt->type) {
        q4t_synth_fill(&mt->config, mt->seed, mt->kind, mt->t, mt->layer, dst);
        return;
    }
    /* converted a row at a time: the synthetic values, as stored, written */
    q4t_tensor_shape(&mt->config, mt->t, &src.rows, &src.cols);
    const size_t cols = src.cols;
    void *src_bytes = malloc(q4t_dtype_bytes(src.type, src.rows, cols));
    float *row = malloc(cols * sizeof *row);
    if (!src_bytes || !row)
        abort();
    q4t_synth_fill(&mt->config, mt->seed, mt->kind, mt->t, mt->layer, src_bytes);
    src.data = src_bytes;
    for (size_t r = 0; r < src.rows; r++) {
        q4t_tensor_row_f32(&src, r, row); /* F32 as they are, or the preset's Q4_0 embedding dequantized */
        if (mt->type != mt->stored)
            round_row(mt->stored, row, cols);
        store_row(mt->type, row, (char *)dst + q4t_dtype_bytes(mt->type, r, cols), cols);
    }
    free(src_bytes);
    free(row);
}

/* The matrices' type of the float modes (flags), or Q4_0. */
static q4t_dtype float_mode(unsigned flags)
{
    return flags & GW_MODEL_F32    ? Q4T_DT_F32
           : flags & GW_MODEL_F16  ? Q4T_DT_F16
           : flags & GW_MODEL_BF16 ? Q4T_DT_BF16
           : flags & GW_MODEL_Q8_0 ? Q4T_DT_Q8_0
                                   : Q4T_DT_Q4_0;
}

static void model_tensor_add(gguf_writer *w, const q4t_model_config *c, uint64_t seed, q4t_tensor t, int layer,
                             unsigned flags)
{
    const q4t_dtype mode = float_mode(flags);
    const q4t_synth_kind kind = mode == Q4T_DT_Q4_0 ? Q4T_SYNTH_Q4_0 : Q4T_SYNTH_F32;
    q4t_dtype type = Q4T_DT_F32;
    if (t == Q4T_T_ROPE_FREQS ? !(flags & GW_MODEL_ROPE_FREQS) : !q4t_synth_has(c, kind, t, &type))
        return;
    const int weights = q4t_tensor_is_matrix(t) || t == Q4T_T_TOKEN_EMBD;
    if (weights && mode != Q4T_DT_Q4_0)
        type = mode;
    else if (t == Q4T_T_TOKEN_EMBD && (flags & (GW_MODEL_EMBD_F32 | GW_MODEL_EMBD_F16)))
        type = flags & GW_MODEL_EMBD_F32 ? Q4T_DT_F32 : Q4T_DT_F16;
    else if (!weights && t != Q4T_T_ROPE_FREQS && (flags & GW_MODEL_NORMS_F16))
        type = Q4T_DT_F16;
    const q4t_dtype written = q4t_tensor_is_matrix(t) && (flags & GW_MODEL_AS_Q4_0) ? Q4T_DT_Q4_0 : type;
    size_t rows, cols;
    q4t_tensor_shape(c, t, &rows, &cols);
    model_tensor *mt = malloc(sizeof *mt);
    if (!mt)
        abort();
    *mt = (model_tensor){*c, seed, kind, t, layer, type, written};
    char name[96];
    q4t_tensor_name(t, layer, name, sizeof name);
    const uint64_t ne[2] = {cols, rows};
    gw_tensor(w, name, (uint32_t)written, rows == 1 && t != Q4T_T_TOKEN_EMBD ? 1 : 2, ne,
              q4t_dtype_bytes(written, rows, cols), NULL, fill_model_tensor, mt, 1);
}

void gw_model(gguf_writer *w, const q4t_model_config *c, uint64_t seed, unsigned flags)
{
    gw_str(w, "general.architecture", "llama");
    gw_str(w, "general.name", c->name ? c->name : "synthetic");
    gw_u32(w, "general.alignment", 32);
    const q4t_dtype ft = flags & GW_MODEL_AS_Q4_0 ? Q4T_DT_Q4_0 : float_mode(flags); /* llama_ftype: */
    gw_u32(w, "general.file_type", ft == Q4T_DT_F32    ? 0u  /* ALL_F32 */
                                   : ft == Q4T_DT_F16  ? 1u  /* MOSTLY_F16 */
                                   : ft == Q4T_DT_BF16 ? 32u /* MOSTLY_BF16 */
                                   : ft == Q4T_DT_Q8_0 ? 7u  /* MOSTLY_Q8_0 */
                                                       : 2u /* MOSTLY_Q4_0 */);
    gw_u32(w, "llama.context_length", (uint32_t)c->max_seq_len);
    gw_u32(w, "llama.embedding_length", (uint32_t)c->dim);
    gw_u32(w, "llama.block_count", (uint32_t)c->n_layers);
    gw_u32(w, "llama.feed_forward_length", (uint32_t)c->hidden_dim);
    gw_u32(w, "llama.rope.dimension_count", (uint32_t)(c->dim / c->n_heads));
    gw_u32(w, "llama.attention.head_count", (uint32_t)c->n_heads);
    gw_u32(w, "llama.attention.head_count_kv", (uint32_t)c->n_kv_heads);
    gw_f32(w, "llama.rope.freq_base", c->rope_theta);
    gw_f32(w, "llama.attention.layer_norm_rms_epsilon", c->norm_eps);
    gw_u32(w, "llama.vocab_size", (uint32_t)c->vocab_size);
    gw_str(w, "tokenizer.ggml.model", "llama");
    char **tokens = malloc((size_t)c->vocab_size * sizeof *tokens);
    if (!tokens)
        abort();
    for (int i = 0; i < c->vocab_size; i++) {
        char buf[32];
        snprintf(buf, sizeof buf, "<t%d>", i);
        tokens[i] = gw_dup(buf);
    }
    gw_str_array(w, "tokenizer.ggml.tokens", (size_t)c->vocab_size, (const char *const *)tokens);
    for (int i = 0; i < c->vocab_size; i++)
        free(tokens[i]);
    free(tokens);
    model_tensor_add(w, c, seed, Q4T_T_ROPE_FREQS, 0, flags);
    model_tensor_add(w, c, seed, Q4T_T_TOKEN_EMBD, 0, flags);
    model_tensor_add(w, c, seed, Q4T_T_OUTPUT_NORM, 0, flags);
    model_tensor_add(w, c, seed, Q4T_T_OUTPUT, 0, flags);
    for (int l = 0; l < c->n_layers; l++)
        for (int t = Q4T_T_ATTN_NORM; t < Q4T_T_COUNT; t++)
            model_tensor_add(w, c, seed, (q4t_tensor)t, l, flags);
}
