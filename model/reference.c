/* The float reference model: see reference.h. */
#include "reference.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct q4t_ref_model {
    q4t_model_config c;
    int head_dim, kv_dim, ctx;
    q4t_pool *pool;
    float *embd, *out;          /* (vocab, dim); out == embd when tied */
    float *att_norm, *ffn_norm; /* (layer, dim) */
    float *wq, *wk, *wv, *wo;   /* (layer, N, K): Y = W . x */
    float *w1, *w2, *w3;
    float *final_norm;          /* (dim) */
    double *freq;               /* (head_dim / 2) rotary frequencies */
    float *kcache, *vcache;     /* (layer, ctx, kv_dim) */
    float *x, *xb, *q, *att, *h1, *h3, *o; /* activations of one position */
    size_t bytes;
};

/* ---- building ---- */

/* Tensor t of every layer (layers: 1 for the global ones) as floats, or NULL
 * with *absent set when the source has none (output: tied; rope_freqs). */
static float *tensor_f32(q4t_ref_model *r, q4t_weight_source *src, q4t_tensor t, int layers, int *absent, char *err,
                         size_t errlen)
{
    size_t rows, cols;
    q4t_tensor_shape(&r->c, t, &rows, &cols);
    float *out = malloc((size_t)layers * rows * cols * sizeof *out);
    if (!out) {
        snprintf(err, errlen, "reference model: out of memory for %zu x %zu floats", rows, cols);
        return NULL;
    }
    for (int l = 0; l < layers; l++) {
        q4t_tensor_data d;
        if (src->get(src->ctx, t, l, &d, err, errlen)) {
            free(out);
            return NULL;
        }
        if (!d.data) {
            free(out);
            *absent = 1;
            return NULL;
        }
        for (size_t i = 0; i < rows; i++)
            q4t_tensor_row_f32(&d, i, out + ((size_t)l * rows + i) * cols);
        src->release(src->ctx, &d);
    }
    r->bytes += (size_t)layers * rows * cols * sizeof *out;
    return out;
}

/* Rotary frequencies theta^(-2i/d), with Meta's Llama 3 apply_scaling or the
 * file's own factors (rope_freqs.weight) when it has them. */
static void rope_frequencies(q4t_ref_model *r, const float *factors)
{
    const q4t_model_config *c = &r->c;
    for (int i = 0; i < r->head_dim / 2; i++) {
        double f = pow(c->rope_theta, -2.0 * i / r->head_dim);
        if (factors) {
            f /= factors[i];
        } else if (c->rope_factor > 0) {
            const double wavelen = 2 * 3.14159265358979323846 / f;
            const double low = c->rope_original_max_pos / c->rope_low_freq_factor;
            const double high = c->rope_original_max_pos / c->rope_high_freq_factor;
            if (wavelen > low) {
                f /= c->rope_factor;
            } else if (wavelen >= high) {
                const double s = (c->rope_original_max_pos / wavelen - c->rope_low_freq_factor) /
                                 (c->rope_high_freq_factor - c->rope_low_freq_factor);
                f = (1 - s) * f / c->rope_factor + s * f;
            }
        }
        r->freq[i] = f;
    }
}

int q4t_ref_build(const q4t_model_config *c, q4t_weight_source *src, int ctx, q4t_pool *pool, q4t_ref_model **out,
                  char *err, size_t errlen)
{
    q4t_ref_model *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "reference model: out of memory");
        return -1;
    }
    r->c = *c;
    r->ctx = ctx;
    r->pool = pool;
    r->head_dim = c->dim / c->n_heads;
    r->kv_dim = r->head_dim * c->n_kv_heads;
    const int L = c->n_layers;
    int absent = 0, ok = 1;
    struct {
        float **dst;
        q4t_tensor t;
        int layers;
    } const parts[] = {
        {&r->embd, Q4T_T_TOKEN_EMBD, 1}, {&r->att_norm, Q4T_T_ATTN_NORM, L}, {&r->ffn_norm, Q4T_T_FFN_NORM, L},
        {&r->final_norm, Q4T_T_OUTPUT_NORM, 1}, {&r->wq, Q4T_T_ATTN_Q, L}, {&r->wk, Q4T_T_ATTN_K, L},
        {&r->wv, Q4T_T_ATTN_V, L}, {&r->wo, Q4T_T_ATTN_OUTPUT, L}, {&r->w1, Q4T_T_FFN_GATE, L},
        {&r->w2, Q4T_T_FFN_DOWN, L}, {&r->w3, Q4T_T_FFN_UP, L},
    };
    for (size_t i = 0; ok && i < sizeof parts / sizeof parts[0]; i++)
        ok = (*parts[i].dst = tensor_f32(r, src, parts[i].t, parts[i].layers, &absent, err, errlen)) != NULL;
    if (ok) {
        absent = 0;
        r->out = tensor_f32(r, src, Q4T_T_OUTPUT, 1, &absent, err, errlen);
        ok = r->out || absent;
        if (absent)
            r->out = r->embd;
    }
    float *factors = NULL;
    if (ok) {
        absent = 0;
        factors = tensor_f32(r, src, Q4T_T_ROPE_FREQS, 1, &absent, err, errlen);
        ok = factors || absent;
    }
    const size_t cache = (size_t)L * (size_t)ctx * (size_t)r->kv_dim, hidden = (size_t)c->hidden_dim;
    if (ok) {
        r->freq = malloc((size_t)r->head_dim / 2 * sizeof *r->freq);
        r->kcache = calloc(cache, sizeof(float));
        r->vcache = calloc(cache, sizeof(float));
        r->x = malloc((size_t)c->dim * sizeof(float));
        r->xb = malloc((size_t)c->dim * sizeof(float));
        r->q = malloc((size_t)c->dim * sizeof(float));
        r->o = malloc((size_t)c->dim * sizeof(float));
        r->att = malloc((size_t)ctx * sizeof(float));
        r->h1 = malloc(hidden * sizeof(float));
        r->h3 = malloc(hidden * sizeof(float));
        ok = r->freq && r->kcache && r->vcache && r->x && r->xb && r->q && r->o && r->att && r->h1 && r->h3;
        if (!ok)
            snprintf(err, errlen, "reference model: out of memory for a cache of %d positions", ctx);
        else
            rope_frequencies(r, factors);
        r->bytes += 2 * cache * sizeof(float);
    }
    free(factors);
    if (!ok) {
        q4t_ref_free(r);
        return -1;
    }
    *out = r;
    return 0;
}

void q4t_ref_free(q4t_ref_model *r)
{
    if (!r)
        return;
    if (r->out != r->embd)
        free(r->out);
    float *all[] = {r->embd, r->att_norm, r->ffn_norm, r->final_norm, r->wq, r->wk, r->wv, r->wo, r->w1,
                    r->w2,   r->w3,       r->kcache,   r->vcache,     r->x,  r->xb, r->q,  r->o,  r->att,
                    r->h1,   r->h3};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        free(all[i]);
    free(r->freq);
    free(r);
}

size_t q4t_ref_bytes(const q4t_ref_model *r)
{
    return r->bytes;
}

/* ---- the forward pass ---- */

/* sum_k w[k] x[k]: eight fp32 lanes (vectorisable), then summed in double. */
static float dot(const float *w, const float *x, int k)
{
    float lane[8] = {0};
    int j = 0;
    for (; j + 8 <= k; j += 8)
        for (int e = 0; e < 8; e++)
            lane[e] += w[j + e] * x[j + e];
    double s = 0;
    for (int e = 0; e < 8; e++)
        s += lane[e];
    for (; j < k; j++)
        s += (double)w[j] * x[j];
    return (float)s;
}

typedef struct {
    float *y;
    const float *w, *x;
    int n, k;
} matvec_task;

static void matvec_rows(void *ctx, int thread, int nthreads)
{
    const matvec_task *t = ctx;
    const int lo = (int)((long)t->n * thread / nthreads), hi = (int)((long)t->n * (thread + 1) / nthreads);
    for (int i = lo; i < hi; i++)
        t->y[i] = dot(t->w + (size_t)i * (size_t)t->k, t->x, t->k);
}

/* y[n] = W[n][k] . x[k], rows split over the pool. */
static void matvec(const q4t_ref_model *r, float *y, const float *w, const float *x, int n, int k)
{
    matvec_task t = {y, w, x, n, k};
    if (r->pool)
        q4t_pool_run(r->pool, matvec_rows, &t);
    else
        matvec_rows(&t, 0, 1);
}

static void rmsnorm(float *o, const float *x, const float *w, int n, float eps)
{
    double ss = 0;
    for (int i = 0; i < n; i++)
        ss += (double)x[i] * x[i];
    const double s = 1.0 / sqrt(ss / n + eps);
    for (int i = 0; i < n; i++)
        o[i] = (float)(w[i] * x[i] * s);
}

void q4t_ref_forward(q4t_ref_model *r, int token, int pos, float *logits)
{
    const q4t_model_config *c = &r->c;
    const int dim = c->dim, hd = r->head_dim, kvd = r->kv_dim, hidden = c->hidden_dim;
    float *x = r->x, *xb = r->xb, *q = r->q, *att = r->att, *h1 = r->h1, *h3 = r->h3, *o = r->o;
    memcpy(x, r->embd + (size_t)token * (size_t)dim, (size_t)dim * sizeof *x);
    for (int l = 0; l < c->n_layers; l++) {
        const size_t dd = (size_t)l * (size_t)dim * (size_t)dim, kd = (size_t)l * (size_t)kvd * (size_t)dim;
        const size_t hdim = (size_t)l * (size_t)hidden * (size_t)dim;
        float *kc = r->kcache + (size_t)l * (size_t)r->ctx * (size_t)kvd;
        float *vc = r->vcache + (size_t)l * (size_t)r->ctx * (size_t)kvd;
        float *k = kc + (size_t)pos * (size_t)kvd, *v = vc + (size_t)pos * (size_t)kvd;
        rmsnorm(xb, x, r->att_norm + (size_t)l * (size_t)dim, dim, c->norm_eps);
        matvec(r, q, r->wq + dd, xb, dim, dim);
        matvec(r, k, r->wk + kd, xb, kvd, dim);
        matvec(r, v, r->wv + kd, xb, kvd, dim);
        for (int i = 0; i < dim + kvd; i += 2) { /* rotate each pair (2j, 2j+1) of a head by pos * freq[j] */
            float *p = i < dim ? q + i : k + (i - dim);
            const double a = pos * r->freq[(i % hd) / 2], p0 = p[0], p1 = p[1];
            p[0] = (float)(p0 * cos(a) - p1 * sin(a));
            p[1] = (float)(p0 * sin(a) + p1 * cos(a));
        }
        for (int h = 0; h < c->n_heads; h++) { /* softmax(q . K^T / sqrt(hd)) . V, per head */
            const size_t kvh = (size_t)(h / (c->n_heads / c->n_kv_heads)) * (size_t)hd;
            double max = -INFINITY, sum = 0;
            for (int t = 0; t <= pos; t++) {
                const float *kt = kc + (size_t)t * (size_t)kvd + kvh;
                double s = 0;
                for (int e = 0; e < hd; e++)
                    s += (double)q[h * hd + e] * kt[e];
                att[t] = (float)(s / sqrt(hd));
                max = att[t] > max ? att[t] : max;
            }
            for (int t = 0; t <= pos; t++) {
                att[t] = (float)exp(att[t] - max);
                sum += att[t];
            }
            for (int e = 0; e < hd; e++) {
                double acc = 0;
                for (int t = 0; t <= pos; t++)
                    acc += (double)att[t] * vc[(size_t)t * (size_t)kvd + kvh + (size_t)e];
                xb[h * hd + e] = (float)(acc / sum);
            }
        }
        matvec(r, o, r->wo + dd, xb, dim, dim);
        for (int i = 0; i < dim; i++)
            x[i] += o[i];
        rmsnorm(xb, x, r->ffn_norm + (size_t)l * (size_t)dim, dim, c->norm_eps);
        matvec(r, h1, r->w1 + hdim, xb, hidden, dim);
        matvec(r, h3, r->w3 + hdim, xb, hidden, dim);
        for (int i = 0; i < hidden; i++) /* SwiGLU */
            h1[i] = (float)(h1[i] / (1.0 + exp(-(double)h1[i])) * h3[i]);
        matvec(r, o, r->w2 + hdim, h1, dim, hidden);
        for (int i = 0; i < dim; i++)
            x[i] += o[i];
    }
    rmsnorm(xb, x, r->final_norm, dim, c->norm_eps);
    matvec(r, logits, r->out, xb, c->vocab_size, dim);
}
