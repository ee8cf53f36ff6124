/* The minimal Llama decoder: see model.h. */
#include "model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "formats.h"
#include "forward.h"
#include "memory.h"
#include "registry.h"

/* ---- tensors ---- */

static const struct {
    const char *name;
    int per_layer, matrix;
} tensors[Q4T_T_COUNT] = {
    [Q4T_T_TOKEN_EMBD] = {"token_embd", 0, 0},   [Q4T_T_OUTPUT_NORM] = {"output_norm", 0, 0},
    [Q4T_T_OUTPUT] = {"output", 0, 1},           [Q4T_T_ROPE_FREQS] = {"rope_freqs", 0, 0},
    [Q4T_T_ATTN_NORM] = {"attn_norm", 1, 0},     [Q4T_T_ATTN_Q] = {"attn_q", 1, 1},
    [Q4T_T_ATTN_K] = {"attn_k", 1, 1},           [Q4T_T_ATTN_V] = {"attn_v", 1, 1},
    [Q4T_T_ATTN_OUTPUT] = {"attn_output", 1, 1}, [Q4T_T_FFN_NORM] = {"ffn_norm", 1, 0},
    [Q4T_T_FFN_GATE] = {"ffn_gate", 1, 1},       [Q4T_T_FFN_DOWN] = {"ffn_down", 1, 1},
    [Q4T_T_FFN_UP] = {"ffn_up", 1, 1},
};

int q4t_tensor_per_layer(q4t_tensor t)
{
    return tensors[t].per_layer;
}

int q4t_tensor_is_matrix(q4t_tensor t)
{
    return tensors[t].matrix;
}

void q4t_tensor_name(q4t_tensor t, int layer, char *buf, size_t len)
{
    if (tensors[t].per_layer)
        snprintf(buf, len, "blk.%d.%s.weight", layer, tensors[t].name);
    else
        snprintf(buf, len, "%s.weight", tensors[t].name);
}

void q4t_tensor_shape(const q4t_model_config *c, q4t_tensor t, size_t *rows, size_t *cols)
{
    const size_t dim = (size_t)c->dim, hidden = (size_t)c->hidden_dim, vocab = (size_t)c->vocab_size;
    const size_t kv_dim = dim / (size_t)c->n_heads * (size_t)c->n_kv_heads, head_dim = dim / (size_t)c->n_heads;
    size_t r = 1, k = dim;
    switch (t) {
    case Q4T_T_TOKEN_EMBD:
    case Q4T_T_OUTPUT: r = vocab; break;
    case Q4T_T_ROPE_FREQS: k = head_dim / 2; break;
    case Q4T_T_ATTN_Q:
    case Q4T_T_ATTN_OUTPUT: r = dim; break;
    case Q4T_T_ATTN_K:
    case Q4T_T_ATTN_V: r = kv_dim; break;
    case Q4T_T_FFN_GATE:
    case Q4T_T_FFN_UP: r = hidden; break;
    case Q4T_T_FFN_DOWN: r = dim, k = hidden; break;
    default: break; /* norms: 1 x dim */
    }
    *rows = r;
    *cols = k;
}

size_t q4t_dtype_bytes(q4t_dtype dt, size_t rows, size_t cols)
{
    switch (dt) {
    case Q4T_DT_F32: return rows * cols * sizeof(float);
    case Q4T_DT_F16:
    case Q4T_DT_BF16: return rows * cols * sizeof(uint16_t);
    case Q4T_DT_Q8_0: return rows * (cols / Q4T_QK) * sizeof(q4t_block_q8_0);
    default: return rows * (cols / Q4T_QK) * sizeof(q4t_block_q4_0);
    }
}

void q4t_tensor_row_f32(const q4t_tensor_data *d, size_t r, float *out)
{
    const size_t n = d->cols;
    const char *row = (const char *)d->data + q4t_dtype_bytes(d->type, r, n);
    switch (d->type) {
    case Q4T_DT_F32: memcpy(out, row, n * sizeof *out); break;
    case Q4T_DT_F16:
        for (size_t i = 0; i < n; i++)
            out[i] = q4t_fp16_to_fp32(((const uint16_t *)row)[i]);
        break;
    case Q4T_DT_BF16:
        for (size_t i = 0; i < n; i++) {
            const uint32_t u = (uint32_t)((const uint16_t *)row)[i] << 16;
            memcpy(&out[i], &u, sizeof u);
        }
        break;
    case Q4T_DT_Q8_0: q4t_dequantize_row_q8_0((const q4t_block_q8_0 *)row, out, n); break;
    case Q4T_DT_Q4_0: q4t_dequantize_row_q4_0((const q4t_block_q4_0 *)row, out, n); break;
    }
}

int q4t_model_config_check(const q4t_model_config *c, char *err, size_t errlen)
{
    const char *bad = NULL;
    if (c->n_layers < 1 || c->n_layers > 4096)
        bad = "n_layers (block_count) must be 1 to 4096";
    else if (c->dim < Q4T_QK || c->dim % Q4T_QK || c->dim > (1 << 20))
        bad = "dim (embedding_length) must be a multiple of 32";
    else if (c->hidden_dim < Q4T_QK || c->hidden_dim % Q4T_QK || c->hidden_dim > (1 << 22))
        bad = "hidden_dim (feed_forward_length) must be a multiple of 32";
    else if (c->n_heads < 1 || c->dim % c->n_heads || (c->dim / c->n_heads) % 2)
        bad = "n_heads (attention.head_count) must divide dim into heads of an even size";
    else if (c->dim / c->n_heads > Q4T_ATTN_MAX_HEAD_DIM)
        bad = "heads of more than 256 elements (dim / n_heads) are not supported";
    else if (c->n_kv_heads < 1 || c->n_heads % c->n_kv_heads)
        bad = "n_kv_heads (attention.head_count_kv) must divide n_heads";
    else if (c->vocab_size < 1 || c->vocab_size > (1 << 24))
        bad = "vocab_size must be 1 to 16M";
    else if (!(c->rope_theta > 0.0f))
        bad = "rope_theta (rope.freq_base) must be positive";
    else if (!(c->norm_eps >= 0.0f))
        bad = "norm_eps (layer_norm_rms_epsilon) must not be negative";
    else if (c->rope_factor > 0.0f && !(c->rope_high_freq_factor > c->rope_low_freq_factor &&
                                        c->rope_low_freq_factor > 0.0f && c->rope_original_max_pos > 0))
        bad = "Llama 3 rope scaling needs high_freq_factor > low_freq_factor > 0 and original_max_pos > 0";
    if (bad && c->name && c->name[0])
        snprintf(err, errlen, "model %s: %s", c->name, bad);
    else if (bad)
        snprintf(err, errlen, "%s", bad);
    return bad ? -1 : 0;
}

void q4t_rope_factors(const q4t_model_config *c, float *factors)
{
    const int head_dim = c->dim / c->n_heads;
    for (int i = 0; i < head_dim / 2; i++) {
        factors[i] = 1.0f;
        if (!(c->rope_factor > 0.0f))
            continue;
        const double freq = pow((double)c->rope_theta, -2.0 * i / head_dim), wavelen = 2.0 * 3.14159265358979323846 / freq;
        const double low_wavelen = c->rope_original_max_pos / (double)c->rope_low_freq_factor;
        const double high_wavelen = c->rope_original_max_pos / (double)c->rope_high_freq_factor;
        if (wavelen > low_wavelen) {
            factors[i] = c->rope_factor;
        } else if (wavelen >= high_wavelen) { /* between: a smooth blend of scaled and unscaled */
            const double smooth = (c->rope_original_max_pos / wavelen - c->rope_low_freq_factor) /
                                  (c->rope_high_freq_factor - c->rope_low_freq_factor);
            factors[i] = (float)(1.0 / ((1.0 - smooth) / c->rope_factor + smooth));
        }
    }
}

/* ---- the plan and the pools ---- */

void q4t_model_opts_default(q4t_model_opts *o, const q4t_topology *topo, uint64_t features)
{
    memset(o, 0, sizeof *o);
    o->topo = topo;
    o->features = features;
    o->batch = 512;
    o->kv = Q4T_KV_F16;
    for (int p = 0; p < 2; p++)
        o->phase[p].binding = -1;
}

/* The weight-matrix roles, in the order of q4t_weights' per-layer arrays
 * (wq .. w3, each n_layers long and one after the other), then the output
 * projection. The model's plan holds them in this order. */
static const struct {
    const char *what;
    q4t_tensor t;
} roles[8] = {{"wq", Q4T_T_ATTN_Q},   {"wk", Q4T_T_ATTN_K},   {"wv", Q4T_T_ATTN_V}, {"wo", Q4T_T_ATTN_OUTPUT},
              {"w1", Q4T_T_FFN_GATE}, {"w2", Q4T_T_FFN_DOWN}, {"w3", Q4T_T_FFN_UP}, {"output", Q4T_T_OUTPUT}};

/* The plan of the roles, each weighed by how many a token passes through. */
static int make_plan(q4t_model *m, const q4t_model_opts *o, char *err, size_t errlen)
{
    const q4t_plan_opts po = {o->topo, o->features, o->tuned, o->gemv, o->gemm, {o->phase[0], o->phase[1]}};
    q4t_plan_request req[8];
    for (int i = 0; i < 8; i++) {
        req[i] = (q4t_plan_request){.what = roles[i].what, .count = roles[i].t == Q4T_T_OUTPUT ? 1 : m->config.n_layers};
        q4t_tensor_shape(&m->config, roles[i].t, &req[i].N, &req[i].K);
    }
    return q4t_plan_make(&po, Q4T_PLAN_MODEL, req, 8, (size_t)m->batch, &m->plan, err, errlen);
}

/* The phase pools where the plan places them: one pool when both are placed alike. */
static int make_pools(q4t_model *m, const q4t_model_opts *o, char *err, size_t errlen)
{
    for (int p = 0; p < 2; p++) {
        if (p == Q4T_DECODE && m->plan.shared) {
            m->pool[p] = m->pool[Q4T_PREFILL];
            break;
        }
        const q4t_placement *pl = &m->plan.place[p];
        char why[400];
        if (!(m->pool[p] = q4t_placement_pool(o->topo, pl, why, sizeof why))) {
            snprintf(err, errlen, "%s pool (%d threads, mask %s, binding %s): %s", q4t_phase_name((q4t_phase)p),
                     pl->threads, pl->mask, q4t_binding_name(pl->binding), why);
            return -1;
        }
    }
    return 0;
}

/* ---- building ---- */

static float *alloc_floats(size_t n)
{
    float *p = q4t_alloc_packed(n * sizeof(float));
    if (p)
        memset(p, 0, n * sizeof(float));
    return p;
}

/* A vector tensor into dst; an absent (optional) one leaves dst as it is. */
static int load_vector(q4t_model *m, q4t_tensor t, int layer, float *dst, char *err, size_t errlen)
{
    q4t_tensor_data d;
    if (m->src.get(m->src.ctx, t, layer, &d, err, errlen))
        return -1;
    if (!d.data)
        return 0;
    q4t_tensor_row_f32(&d, 0, dst);
    m->src.release(m->src.ctx, &d);
    return 0;
}

/* Q4_0 rows of d (not Q4_0 itself) into a new temporary of pages, a row at a
 * time as q4t_quantize_row_q4_0 quantizes them; NULL if out of memory. */
static q4t_block_q4_0 *quantize_q4_0(const q4t_tensor_data *d, size_t *bytes)
{
    *bytes = q4t_dtype_bytes(Q4T_DT_Q4_0, d->rows, d->cols);
    q4t_block_q4_0 *q = q4t_pages_alloc(*bytes);
    float *row = malloc(d->cols * sizeof *row);
    if (!q || !row) {
        q4t_pages_free(q, *bytes);
        free(row);
        return NULL;
    }
    for (size_t r = 0; r < d->rows; r++) {
        q4t_tensor_row_f32(d, r, row);
        q4t_quantize_row_q4_0(row, q + r * (d->cols / Q4T_QK), d->cols);
    }
    free(row);
    return q;
}

/* Packs w from tensor t. A matrix of another type than Q4_0 (float, Q8_0,
 * or the embedding it is tied to) is quantized to Q4_0 into a temporary and
 * released at once, so that it is never held with its packed copy (a tied
 * embedding is taken from the source again after packing); the temporary
 * is freed as soon as it is packed. A Q4_0 matrix is released once packed
 * (a tied Q4_0 embedding stays). */
static int load_matrix(q4t_model *m, q4t_qmatrix *w, q4t_tensor t, int layer, char *err, size_t errlen)
{
    q4t_tensor_data d;
    if (m->src.get(m->src.ctx, t, layer, &d, err, errlen))
        return -1;
    const int tied = !d.data;
    if (tied) { /* no output.weight: the output projection is the embedding table */
        d = m->w.token_embd;
        t = Q4T_T_TOKEN_EMBD;
    }
    char name[96];
    q4t_tensor_name(t, layer, name, sizeof name);
    q4t_block_q4_0 *tmp = NULL;
    size_t tmp_bytes = 0;
    if (d.type != Q4T_DT_Q4_0) {
        tmp = quantize_q4_0(&d, &tmp_bytes);
        m->src.release(m->src.ctx, &d);
        if (tied)
            m->w.token_embd.data = NULL;
        if (!tmp) {
            snprintf(err, errlen, "out of memory quantizing %s (%s) to Q4_0 (%zu bytes)", name, w->what, tmp_bytes);
            return -1;
        }
    }
    const q4t_kernel *k = w->plan->phase[Q4T_DECODE].kernel;
    w->packed_bytes = q4t_kernel_packed_w_size(k, w->N, w->K);
    w->packed = q4t_alloc_packed(w->packed_bytes);
    if (w->packed)
        q4t_kernel_pack_w(k, tmp ? tmp : d.data, w->N, w->K, w->packed);
    q4t_pages_free(tmp, tmp_bytes);
    if (!tmp && !tied)
        m->src.release(m->src.ctx, &d);
    if (!w->packed) {
        snprintf(err, errlen, "out of memory packing %s (%s, %zu bytes)", name, w->what, w->packed_bytes);
        return -1;
    }
    if (tied && tmp && m->src.get(m->src.ctx, Q4T_T_TOKEN_EMBD, 0, &m->w.token_embd, err, errlen)) {
        m->w.token_embd.data = NULL; /* nothing to release */
        return -1;
    }
    return 0;
}

typedef struct {
    q4t_qmatrix *w;
    q4t_tensor t;
    int layer;
} matrix_job;

static int larger_first(const void *a, const void *b)
{
    const q4t_qmatrix *x = ((const matrix_job *)a)->w, *y = ((const matrix_job *)b)->w;
    const size_t sx = x->N * x->K, sy = y->N * y->K;
    return (sx < sy) - (sx > sy);
}

static int build_runstate(q4t_model *m, char *err, size_t errlen)
{
    const q4t_model_config *c = &m->config;
    q4t_runstate *s = &m->s;
    const size_t B = (size_t)m->batch, dim = (size_t)c->dim, hidden = (size_t)c->hidden_dim;
    const size_t kv_dim = dim / (size_t)c->n_heads * (size_t)c->n_kv_heads, head_dim = dim / (size_t)c->n_heads;
    const size_t ctx = (size_t)m->ctx, L = (size_t)c->n_layers;
    const int threads = q4t_pool_size(m->pool[0]) > q4t_pool_size(m->pool[1]) ? q4t_pool_size(m->pool[0])
                                                                              : q4t_pool_size(m->pool[1]);
    /* packed X: the most any kernel asks for, over every matrix and phase */
    s->xq_bytes = 0;
    const q4t_qmatrix *mats[] = {m->w.wq, m->w.wk, m->w.wv, m->w.wo, m->w.w1, m->w.w2, m->w.w3};
    for (size_t l = 0; l <= L; l++)
        for (size_t i = 0; i < (l < L ? 7 : 1); i++) {
            const q4t_qmatrix *w = l < L ? &mats[i][l] : &m->w.wcls;
            const size_t pre = q4t_kernel_packed_x_size(w->plan->phase[Q4T_PREFILL].kernel, B, w->K),
                         dec = q4t_kernel_packed_x_size(w->plan->phase[Q4T_DECODE].kernel, 1, w->K);
            s->xq_bytes = pre > s->xq_bytes ? pre : s->xq_bytes;
            s->xq_bytes = dec > s->xq_bytes ? dec : s->xq_bytes;
        }
    const size_t kv_mul = (size_t)(c->n_heads / c->n_kv_heads), chunks = (ctx + ATTN_CHUNK - 1) / ATTN_CHUNK;
    const size_t state = (size_t)threads * ATTN_ROWS * kv_mul * (head_dim + 2);
    const size_t parts = ATTN_SPLIT_ROWS * (size_t)c->n_heads * chunks * (head_dim + 2);
    const size_t floats = 4 * B * dim + 2 * B * kv_dim + 2 * B * hidden + state + parts + (size_t)c->vocab_size;
    const size_t kv_bytes = L * ctx * kv_dim * (m->kv == Q4T_KV_F16 ? sizeof(uint16_t) : sizeof(float));
    s->x = alloc_floats(B * dim);
    s->xb = alloc_floats(B * dim);
    s->xb2 = alloc_floats(B * dim);
    s->q = alloc_floats(B * dim);
    s->kb = alloc_floats(B * kv_dim);
    s->vb = alloc_floats(B * kv_dim);
    s->hb = alloc_floats(B * hidden);
    s->hb2 = alloc_floats(B * hidden);
    s->attn_state = alloc_floats(state);
    s->attn_parts = alloc_floats(parts);
    s->rope = alloc_floats(ctx * 2 * head_dim);
    s->logits = alloc_floats((size_t)c->vocab_size);
    s->key_cache = q4t_pages_alloc(kv_bytes);
    s->value_cache = q4t_pages_alloc(kv_bytes);
    s->xq = q4t_alloc_packed(s->xq_bytes);
    m->mem.activations = floats * sizeof(float) + s->xq_bytes;
    m->mem.norms += ctx * 2 * head_dim * sizeof(float);
    m->mem.kv_cache = 2 * kv_bytes;
    if (!s->x || !s->xb || !s->xb2 || !s->q || !s->kb || !s->vb || !s->hb || !s->hb2 || !s->attn_state ||
        !s->attn_parts || !s->rope || !s->logits || !s->key_cache || !s->value_cache || !s->xq) {
        snprintf(err, errlen, "out of memory for the run state (%zu bytes) and KV cache (%zu bytes)",
                 m->mem.activations, m->mem.kv_cache);
        return -1;
    }
    for (size_t p = 0; p < ctx; p++) /* cos and sin once per position */
        q4t_rope_table(s->rope + p * 2 * head_dim, p, m->w.freq, head_dim);
    return 0;
}

static void init_matrix(q4t_qmatrix *w, const q4t_plan_matrix *p)
{
    w->plan = p;
    w->what = p->what;
    w->N = p->N, w->K = p->K;
}

int q4t_model_build(const q4t_model_config *c, q4t_weight_source *src, const q4t_model_opts *o, q4t_model **out,
                    char *err, size_t errlen)
{
    *out = NULL;
    q4t_model *m = calloc(1, sizeof *m);
    if (!m) {
        src->close(src->ctx);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    m->src = *src;
    m->config = *c;
    if (q4t_model_config_check(c, err, errlen))
        goto fail;
    m->ctx = o->ctx > 0 ? o->ctx : c->max_seq_len;
    m->kv = o->kv;
    m->vec = o->vec ? o->vec : q4t_vec_preferred(o->features);
    if (m->vec->isa & ~o->features) {
        char names[256];
        q4t_features_format(m->vec->isa & ~o->features, ",", names, sizeof names);
        snprintf(err, errlen, "vector set %s needs %s, which this CPU lacks (or --isa masked off)", m->vec->name, names);
        goto fail;
    }
    m->batch = o->batch > 0 ? (o->batch < m->ctx ? o->batch : m->ctx) : 1;
    const size_t L = (size_t)c->n_layers, dim = (size_t)c->dim, head_dim = dim / (size_t)c->n_heads;
    q4t_weights *w = &m->w;
    w->wq = calloc(7 * L, sizeof *w->wq);
    w->rms_att = alloc_floats(L * dim);
    w->rms_ffn = alloc_floats(L * dim);
    w->rms_final = alloc_floats(dim);
    w->freq = alloc_floats(head_dim / 2);
    if (!w->wq || !w->rms_att || !w->rms_ffn || !w->rms_final || !w->freq) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    w->wk = w->wq + L, w->wv = w->wk + L, w->wo = w->wv + L, w->w1 = w->wo + L, w->w2 = w->w1 + L, w->w3 = w->w2 + L;
    m->mem.norms = ((2 * L + 1) * dim + head_dim / 2) * sizeof(float);

    /* the plan (kernels for every matrix, the phases' placements), then the pools */
    if (make_plan(m, o, err, errlen))
        goto fail;
    for (size_t i = 0; i < 7 * L; i++)
        init_matrix(&w->wq[i], &m->plan.m[i / L]);
    init_matrix(&w->wcls, &m->plan.m[7]);
    if (make_pools(m, o, err, errlen))
        goto fail;

    /* norms, rotary frequencies, embedding table */
    for (size_t l = 0; l < L; l++)
        if (load_vector(m, Q4T_T_ATTN_NORM, (int)l, w->rms_att + l * dim, err, errlen) ||
            load_vector(m, Q4T_T_FFN_NORM, (int)l, w->rms_ffn + l * dim, err, errlen))
            goto fail;
    q4t_rope_factors(c, w->freq); /* unless the file has its own (rope_freqs.weight) */
    if (load_vector(m, Q4T_T_OUTPUT_NORM, 0, w->rms_final, err, errlen) ||
        load_vector(m, Q4T_T_ROPE_FREQS, 0, w->freq, err, errlen))
        goto fail;
    for (size_t i = 0; i < head_dim / 2; i++) /* theta^(-2i/head_dim), divided by its Llama 3 factor */
        w->freq[i] = (float)(pow((double)c->rope_theta, -2.0 * (double)i / (double)head_dim) / w->freq[i]);
    if (m->src.get(m->src.ctx, Q4T_T_TOKEN_EMBD, 0, &w->token_embd, err, errlen)) {
        w->token_embd.data = NULL; /* nothing to release */
        goto fail;
    }
    if (!w->token_embd.data) {
        snprintf(err, errlen, "the weights have no token embedding (token_embd.weight)");
        goto fail;
    }
    m->mem.embedding = q4t_dtype_bytes(w->token_embd.type, w->token_embd.rows, w->token_embd.cols);

    /* the matrices, largest first: the peak is then the packed weights plus
     * the source of one of the last, smaller ones */
    matrix_job *jobs = malloc((7 * L + 1) * sizeof *jobs);
    if (!jobs) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    size_t njobs = 0, total = 0, done = 0;
    for (size_t i = 0; i < 7 * L; i++)
        jobs[njobs++] = (matrix_job){&w->wq[i], roles[i / L].t, (int)(i % L)};
    jobs[njobs++] = (matrix_job){&w->wcls, roles[7].t, 0};
    qsort(jobs, njobs, sizeof *jobs, larger_first);
    for (size_t i = 0; i < njobs; i++)
        total += jobs[i].w->N * jobs[i].w->K;
    for (size_t i = 0; i < njobs; i++) {
        if (load_matrix(m, jobs[i].w, jobs[i].t, jobs[i].layer, err, errlen)) {
            free(jobs);
            goto fail;
        }
        m->mem.packed_weights += jobs[i].w->packed_bytes;
        done += jobs[i].w->N * jobs[i].w->K;
        if (o->progress)
            o->progress(o->progress_ctx, done, total);
    }
    free(jobs);
    if (build_runstate(m, err, errlen))
        goto fail;
    *out = m;
    return 0;
fail:
    q4t_model_free(m);
    return -1;
}

void q4t_model_free(q4t_model *m)
{
    if (!m)
        return;
    q4t_weights *w = &m->w;
    q4t_runstate *s = &m->s;
    const size_t L = (size_t)m->config.n_layers;
    if (w->wq)
        for (size_t i = 0; i < 7 * L; i++)
            free(w->wq[i].packed);
    free(w->wcls.packed);
    free(w->wq);
    free(w->rms_att);
    free(w->rms_ffn);
    free(w->rms_final);
    free(w->freq);
    if (w->token_embd.data)
        m->src.release(m->src.ctx, &w->token_embd);
    if (m->src.close)
        m->src.close(m->src.ctx);
    if (m->pool[1] && m->pool[1] != m->pool[0])
        q4t_pool_destroy(m->pool[1]);
    if (m->pool[0])
        q4t_pool_destroy(m->pool[0]);
    free(s->x);
    free(s->xb);
    free(s->xb2);
    free(s->q);
    free(s->kb);
    free(s->vb);
    free(s->hb);
    free(s->hb2);
    free(s->attn_state);
    free(s->attn_parts);
    free(s->rope);
    free(s->logits);
    free(s->xq);
    q4t_pages_free(s->key_cache, m->mem.kv_cache / 2); /* each cache, as allocated: 0 if never */
    q4t_pages_free(s->value_cache, m->mem.kv_cache / 2);
    q4t_plan_free(&m->plan);
    free(m);
}

void q4t_model_reset(q4t_model *m)
{
    m->pos = 0;
    memset(m->time, 0, sizeof m->time);
}

size_t q4t_model_weight_bytes(const q4t_model *m)
{
    return m->mem.packed_weights;
}
