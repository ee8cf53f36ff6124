/* The forward pass of the minimal Llama decoder (model.h): a batch of rows
 * through every layer, reading top to bottom like the maths. Matrix products
 * go through the plan's kernels; everything else through the model's vector
 * set (vec.h), row by row over the phase's pool. Each stage's time goes to
 * its part (q4t_part).
 *
 * Attention is split over the pool by the work it does:
 *   a batch of more than ATTN_SPLIT_ROWS rows is cut into tasks of up to
 *     ATTN_ROWS rows x one KV head (its kv_mul query heads), each over every
 *     key its rows attend, the latest rows (the most keys) first, taken from
 *     an atomic counter;
 *   a smaller batch (decode) is cut into one KV head x ATTN_CHUNK keys per
 *     task; the partial softmax states are then merged per query head.
 * Which tasks a shape makes depends on the shape alone, so the result does
 * not depend on the threads or their order. */
#include <math.h>
#include <stdatomic.h>
#include <string.h>

#include "formats.h"
#include "forward.h"
#include "parallel.h"
#include "timer.h"

static const char *const part_names[Q4T_PART_COUNT] = {"matmul", "quant", "attention", "elementwise", "output", "pick"};

const char *q4t_part_name(q4t_part p)
{
    return p < Q4T_PART_COUNT ? part_names[p] : "?";
}

/* Adds the time since t0 to part of phase ph; returns now. */
static double lap(q4t_model *m, q4t_phase ph, q4t_part part, double t0)
{
    const double t = q4t_now();
    m->time[ph][part] += t - t0;
    return t;
}

static size_t kv_bytes(const q4t_model *m)
{
    return m->kv == Q4T_KV_F16 ? sizeof(uint16_t) : sizeof(float);
}

/* Layer l's cache of one kind at position p. */
static void *cache_at(const q4t_model *m, void *cache, int l, size_t p)
{
    const size_t kv_dim = (size_t)(m->config.dim / m->config.n_heads * m->config.n_kv_heads);
    return (char *)cache + (((size_t)l * (size_t)m->ctx + p) * kv_dim) * kv_bytes(m);
}

/* ---- matrix products ---- */

/* One product of a batch: Y (M rows, ldy apart) = X . W^T. */
typedef struct {
    const q4t_qmatrix *w;
    float *y;
    size_t ldy;
} product;

/* The products that share the input X (M x K): M = 1 runs each matrix's
 * decode kernel, M > 1 its prefill kernel, on the phase's pool. X is packed
 * once for consecutive kernels that pack it alike. The products' time goes
 * to part (matmul, or output), X's packing to quant. */
static void matmuls(q4t_model *m, q4t_phase ph, q4t_part part, const float *x, size_t M, int n, const product *p)
{
    const q4t_kernel *packed_for = NULL;
    double t = q4t_now();
    for (int i = 0; i < n; i++) {
        const q4t_qmatrix *w = p[i].w;
        const q4t_plan_choice *c = &w->plan->phase[M == 1 ? Q4T_DECODE : Q4T_PREFILL];
        if (!packed_for || !q4t_kernel_same_x(c->kernel, packed_for)) {
            q4t_parallel_pack_x(m->pool[ph], c->kernel, x, M, w->K, m->s.xq);
            packed_for = c->kernel;
            t = lap(m, ph, Q4T_PART_QUANT, t);
        }
        const q4t_run_args a = {.w = w->packed, .x = m->s.xq, .y = p[i].y, .ldy = p[i].ldy, .M = M, .N = w->N, .K = w->K};
        q4t_parallel_run(m->pool[ph], c->kernel, &a, &c->split);
        t = lap(m, ph, part, t);
    }
}

/* ---- row-wise stages ---- */

typedef struct rows_job {
    q4t_model *m;
    int layer, pos;
    size_t rows;
    void (*row)(const struct rows_job *j, size_t i);
} rows_job;

static void rows_task(void *ctx, int thread, int nthreads)
{
    const rows_job *j = ctx;
    for (size_t i = j->rows * (size_t)thread / (size_t)nthreads; i < j->rows * ((size_t)thread + 1) / (size_t)nthreads;
         i++)
        j->row(j, i);
}

/* row(j, i) for every row of the batch, split over the pool (one row: here). */
static void rows_run(q4t_model *m, q4t_phase ph, int layer, int pos, size_t rows,
                     void (*row)(const rows_job *j, size_t i))
{
    const double t = q4t_now();
    rows_job j = {m, layer, pos, rows, row};
    if (rows > 1)
        q4t_pool_run(m->pool[ph], rows_task, &j);
    else
        rows_task(&j, 0, 1);
    lap(m, ph, Q4T_PART_ELEMENTWISE, t);
}

static size_t dim_of(const rows_job *j)
{
    return (size_t)j->m->config.dim;
}

/* xb = rmsnorm(x) with the layer's attention norm. */
static void norm_att_row(const rows_job *j, size_t i)
{
    q4t_model *m = j->m;
    const size_t dim = dim_of(j);
    m->vec->rmsnorm(m->s.xb + i * dim, m->s.x + i * dim, m->w.rms_att + (size_t)j->layer * dim, dim,
                    m->config.norm_eps);
}

/* RoPE on the row's query and key by its position, then its key and value into the cache. */
static void rope_store_row(const rows_job *j, size_t i)
{
    q4t_model *m = j->m;
    const q4t_model_config *c = &m->config;
    const size_t dim = dim_of(j), head_dim = dim / (size_t)c->n_heads, kv_dim = head_dim * (size_t)c->n_kv_heads;
    const size_t pos = (size_t)j->pos + i;
    const float *tab = m->s.rope + pos * 2 * head_dim;
    float *k = m->s.kb + i * kv_dim, *v = m->s.vb + i * kv_dim;
    m->vec->rope(m->s.q + i * dim, tab, (size_t)c->n_heads, head_dim);
    m->vec->rope(k, tab, (size_t)c->n_kv_heads, head_dim);
    void *kc = cache_at(m, m->s.key_cache, j->layer, pos), *vc = cache_at(m, m->s.value_cache, j->layer, pos);
    if (m->kv == Q4T_KV_F16) {
        m->vec->to_f16(kc, k, kv_dim);
        m->vec->to_f16(vc, v, kv_dim);
    } else {
        memcpy(kc, k, kv_dim * sizeof *k);
        memcpy(vc, v, kv_dim * sizeof *v);
    }
}

/* x += xb2 (the attention output projection), then xb = rmsnorm(x) with the feed-forward norm. */
static void add_norm_ffn_row(const rows_job *j, size_t i)
{
    q4t_model *m = j->m;
    const size_t dim = dim_of(j);
    float *x = m->s.x + i * dim;
    m->vec->add(x, m->s.xb2 + i * dim, dim);
    m->vec->rmsnorm(m->s.xb + i * dim, x, m->w.rms_ffn + (size_t)j->layer * dim, dim, m->config.norm_eps);
}

/* hb = silu(hb) * hb2. */
static void swiglu_row(const rows_job *j, size_t i)
{
    q4t_model *m = j->m;
    const size_t hidden = (size_t)m->config.hidden_dim;
    m->vec->swiglu(m->s.hb + i * hidden, m->s.hb2 + i * hidden, hidden);
}

/* x += xb2 (the feed-forward output). */
static void add_row(const rows_job *j, size_t i)
{
    const size_t dim = dim_of(j);
    j->m->vec->add(j->m->s.x + i * dim, j->m->s.xb2 + i * dim, dim);
}

/* ---- attention ---- */

typedef struct {
    q4t_model *m;
    int layer;
    size_t rows, pos;       /* the batch: rows at positions pos .. pos + rows - 1 */
    int split;              /* split keys (rows <= ATTN_SPLIT_ROWS) */
    size_t blocks, chunks;  /* row blocks of ATTN_ROWS (or 1); key chunks of ATTN_CHUNK (or 1) */
    size_t tasks;
    atomic_size_t next;
} attention_job;

/* The arguments of attend() for rows [r0, r1) of the batch and KV head g,
 * with the state in st (rows x kv_mul queries, reset). */
static q4t_attn_args attn_args(const attention_job *j, size_t r0, size_t r1, size_t g, float *st)
{
    const q4t_model *m = j->m;
    const q4t_model_config *c = &m->config;
    const size_t dim = (size_t)c->dim, hd = dim / (size_t)c->n_heads, kv_mul = (size_t)(c->n_heads / c->n_kv_heads);
    const size_t nq = (r1 - r0) * kv_mul, kv_dim = hd * (size_t)c->n_kv_heads;
    q4t_attn_args a = {.q = m->s.q + r0 * dim + g * kv_mul * hd, .ldq = dim, .rows = r1 - r0, .heads = kv_mul,
                       .head_dim = hd, .ldkv = kv_dim, .scale = 1.0f / sqrtf((float)hd), .end0 = j->pos + r0 + 1,
                       .m = st, .l = st + nq, .acc = st + 2 * nq};
    a.k = (const char *)cache_at(m, m->s.key_cache, j->layer, 0) + g * hd * kv_bytes(m);
    a.v = (const char *)cache_at(m, m->s.value_cache, j->layer, 0) + g * hd * kv_bytes(m);
    for (size_t q = 0; q < nq; q++)
        a.m[q] = -INFINITY, a.l[q] = 0.0f;
    memset(a.acc, 0, nq * hd * sizeof *a.acc);
    return a;
}

/* Task t of a batch of row blocks: KV head t % n_kv_heads of row block
 * blocks - 1 - t / n_kv_heads (latest first), over every key its rows
 * attend; the output acc / l into xb. */
static void attend_rows(const attention_job *j, size_t t, float *st)
{
    const q4t_model *m = j->m;
    const q4t_model_config *c = &m->config;
    const size_t G = (size_t)c->n_kv_heads, g = t % G, b = j->blocks - 1 - t / G, dim = (size_t)c->dim;
    const size_t r0 = b * ATTN_ROWS, r1 = r0 + ATTN_ROWS < j->rows ? r0 + ATTN_ROWS : j->rows;
    const q4t_attn_args a = attn_args(j, r0, r1, g, st);
    m->vec->attend[m->kv](&a, 0, j->pos + r1);
    for (size_t r = 0; r < a.rows; r++)
        for (size_t h = 0; h < a.heads; h++) {
            const size_t q = r * a.heads + h;
            float *out = m->s.xb + (r0 + r) * dim + (g * a.heads + h) * a.head_dim;
            const float inv = 1.0f / a.l[q];
            for (size_t e = 0; e < a.head_dim; e++)
                out[e] = a.acc[q * a.head_dim + e] * inv;
        }
}

/* Task t of split keys: KV head t % n_kv_heads, keys of chunk t / n_kv_heads,
 * every row of the batch; the state into attn_parts at [query][chunk]. */
static void attend_chunk(const attention_job *j, size_t t, float *st)
{
    const q4t_model *m = j->m;
    const q4t_model_config *c = &m->config;
    const size_t G = (size_t)c->n_kv_heads, g = t % G, ch = t / G;
    const q4t_attn_args a = attn_args(j, 0, j->rows, g, st);
    const size_t p0 = ch * ATTN_CHUNK, end = j->pos + j->rows;
    m->vec->attend[m->kv](&a, p0, p0 + ATTN_CHUNK < end ? p0 + ATTN_CHUNK : end);
    const size_t hd = a.head_dim, H = (size_t)c->n_heads, stride = j->chunks * (hd + 2);
    for (size_t r = 0; r < a.rows; r++)
        for (size_t h = 0; h < a.heads; h++) {
            const size_t q = r * a.heads + h, head = g * a.heads + h;
            float *part = m->s.attn_parts + (r * H + head) * stride; /* m[chunks], l[chunks], acc[chunks][hd] */
            part[ch] = a.m[q];
            part[j->chunks + ch] = a.l[q];
            memcpy(part + 2 * j->chunks + ch * hd, a.acc + q * hd, hd * sizeof *a.acc);
        }
}

static void attention_task(void *ctx, int thread, int nthreads)
{
    (void)nthreads;
    attention_job *j = ctx;
    const q4t_model_config *c = &j->m->config;
    const size_t hd = (size_t)(c->dim / c->n_heads), kv_mul = (size_t)(c->n_heads / c->n_kv_heads);
    float *st = j->m->s.attn_state + (size_t)thread * ATTN_ROWS * kv_mul * (hd + 2);
    for (size_t t; (t = atomic_fetch_add_explicit(&j->next, 1, memory_order_relaxed)) < j->tasks;)
        if (j->split)
            attend_chunk(j, t, st);
        else
            attend_rows(j, t, st);
}

/* Grouped-query attention of the batch's queries over the layer's cache, into xb. */
static void attention(q4t_model *m, q4t_phase ph, int layer, size_t rows, size_t pos)
{
    const double t0 = q4t_now();
    const q4t_model_config *c = &m->config;
    const size_t G = (size_t)c->n_kv_heads;
    const int split = rows <= ATTN_SPLIT_ROWS;
    attention_job j = {.m = m, .layer = layer, .rows = rows, .pos = pos, .split = split};
    j.blocks = split ? 1 : (rows + ATTN_ROWS - 1) / ATTN_ROWS;
    j.chunks = split ? (pos + rows + ATTN_CHUNK - 1) / ATTN_CHUNK : 1;
    j.tasks = G * (split ? j.chunks : j.blocks);
    atomic_init(&j.next, 0);
    if (j.tasks > 1)
        q4t_pool_run(m->pool[ph], attention_task, &j);
    else
        attention_task(&j, 0, 1);
    if (split) { /* merge the chunks of each query head, in order */
        const size_t H = (size_t)c->n_heads, hd = (size_t)c->dim / H, stride = j.chunks * (hd + 2);
        for (size_t q = 0; q < rows * H; q++) {
            const float *part = m->s.attn_parts + q * stride;
            q4t_attn_merge(part, part + j.chunks, part + 2 * j.chunks, j.chunks, hd, m->s.xb + q * hd);
        }
    }
    lap(m, ph, Q4T_PART_ATTENTION, t0);
}

/* ---- the layers ---- */

/* Rows tokens[0..B) at positions pos .. pos + B - 1, through every layer. */
static void forward_batch(q4t_model *m, q4t_phase ph, const int *tokens, int B)
{
    const q4t_model_config *p = &m->config;
    q4t_weights *w = &m->w;
    q4t_runstate *s = &m->s;
    const int dim = p->dim, pos = m->pos;
    const size_t kv_dim = (size_t)(dim / p->n_heads * p->n_kv_heads), rows = (size_t)B, hidden = (size_t)p->hidden_dim;

    const double t = q4t_now();
    for (int i = 0; i < B; i++) /* the token embeddings */
        q4t_tensor_row_f32(&w->token_embd, (size_t)tokens[i], s->x + (size_t)i * (size_t)dim);
    lap(m, ph, Q4T_PART_ELEMENTWISE, t);

    for (int l = 0; l < p->n_layers; l++) {
        /* attention rmsnorm */
        rows_run(m, ph, l, pos, rows, norm_att_row);
        /* q, k, v; RoPE on q and k by position, keys and values into the cache */
        const product qkv[3] = {{&w->wq[l], s->q, (size_t)dim}, {&w->wk[l], s->kb, kv_dim}, {&w->wv[l], s->vb, kv_dim}};
        matmuls(m, ph, Q4T_PART_MATMUL, s->xb, rows, 3, qkv);
        rows_run(m, ph, l, pos, rows, rope_store_row);
        /* grouped-query attention over the cache, into xb */
        attention(m, ph, l, rows, (size_t)pos);
        /* the attention output projection, the residual, the feed-forward rmsnorm */
        const product o = {&w->wo[l], s->xb2, (size_t)dim};
        matmuls(m, ph, Q4T_PART_MATMUL, s->xb, rows, 1, &o);
        rows_run(m, ph, l, pos, rows, add_norm_ffn_row);
        /* SwiGLU: w2(silu(w1(x)) * w3(x)), then the residual */
        const product up[2] = {{&w->w1[l], s->hb, hidden}, {&w->w3[l], s->hb2, hidden}};
        matmuls(m, ph, Q4T_PART_MATMUL, s->xb, rows, 2, up);
        rows_run(m, ph, l, pos, rows, swiglu_row);
        const product down = {&w->w2[l], s->xb2, (size_t)dim};
        matmuls(m, ph, Q4T_PART_MATMUL, s->hb, rows, 1, &down);
        rows_run(m, ph, l, pos, rows, add_row);
    }
    m->pos += B;
}

void q4t_forward(q4t_model *m, const int *tokens, int n)
{
    const q4t_phase ph = n > 1 ? Q4T_PREFILL : Q4T_DECODE;
    for (int i = 0; i < n; i += m->batch) {
        const int B = n - i < m->batch ? n - i : m->batch;
        forward_batch(m, ph, tokens + i, B);
        m->last_row = B - 1;
    }
}

float *q4t_logits_row(q4t_model *m, q4t_phase ph, int row)
{
    const q4t_model_config *p = &m->config;
    q4t_runstate *s = &m->s;
    const double t = q4t_now();
    m->vec->rmsnorm(s->xb, s->x + (size_t)row * (size_t)p->dim, m->w.rms_final, (size_t)p->dim, p->norm_eps);
    lap(m, ph, Q4T_PART_OUTPUT, t);
    const product cls = {&m->w.wcls, s->logits, (size_t)p->vocab_size};
    matmuls(m, ph, Q4T_PART_OUTPUT, s->xb, 1, 1, &cls);
    return s->logits;
}

float *q4t_logits(q4t_model *m, q4t_phase ph)
{
    return q4t_logits_row(m, ph, m->last_row);
}

int q4t_argmax(const float *v, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > v[best])
            best = i;
    return best;
}
