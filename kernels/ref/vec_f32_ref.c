/* vec_f32_ref: the scalar reference of the forward pass's vector primitives
 * (vec.h), portable C, one element at a time; every other set is checked
 * against it. Attention keeps the scores of one query and one key block of
 * up to REF_BLOCK keys, so that its online softmax rescales once per block. */
#include <math.h>
#include <string.h>

#include "../formats.h"
#include "../vec.h"

enum { REF_BLOCK = 64 };

static void ref_rmsnorm(float *o, const float *x, const float *w, size_t n, float eps)
{
    double ss = 0.0;
    for (size_t j = 0; j < n; j++)
        ss += (double)x[j] * x[j];
    const float scale = (float)(1.0 / sqrt(ss / (double)n + eps));
    for (size_t j = 0; j < n; j++)
        o[j] = w[j] * (scale * x[j]);
}

static void ref_add(float *x, const float *y, size_t n)
{
    for (size_t j = 0; j < n; j++)
        x[j] += y[j];
}

static void ref_swiglu(float *h, const float *u, size_t n)
{
    for (size_t j = 0; j < n; j++)
        h[j] = h[j] / (1.0f + expf(-h[j])) * u[j];
}

static void ref_rope(float *v, const float *tab, size_t heads, size_t head_dim)
{
    const float *cs = tab, *sn = tab + head_dim;
    for (size_t h = 0; h < heads; h++, v += head_dim)
        for (size_t e = 0; e < head_dim; e += 2) {
            const float v0 = v[e], v1 = v[e + 1];
            v[e] = v0 * cs[e] + v1 * sn[e];
            v[e + 1] = v1 * cs[e + 1] + v0 * sn[e + 1];
        }
}

static void ref_to_f16(uint16_t *o, const float *x, size_t n)
{
    for (size_t j = 0; j < n; j++)
        o[j] = q4t_fp32_to_fp16(x[j]);
}

static float element(const void *row, size_t e, q4t_kv_type kv)
{
    return kv == Q4T_KV_F16 ? q4t_fp16_to_fp32(((const uint16_t *)row)[e]) : ((const float *)row)[e];
}

static const void *position(const void *base, size_t p, size_t ldkv, q4t_kv_type kv)
{
    return (const char *)base + p * ldkv * (kv == Q4T_KV_F16 ? sizeof(uint16_t) : sizeof(float));
}

static void ref_attend(const q4t_attn_args *a, size_t p0, size_t p1, q4t_kv_type kv)
{
    const size_t hd = a->head_dim;
    float s[REF_BLOCK];
    for (size_t r = 0; r < a->rows; r++) {
        const size_t end = a->end0 + r < p1 ? a->end0 + r : p1;
        for (size_t h = 0; h < a->heads; h++) {
            const size_t j = r * a->heads + h;
            const float *q = a->q + r * a->ldq + h * hd;
            float *acc = a->acc + j * hd;
            for (size_t b = p0; b < end; b += REF_BLOCK) {
                const size_t n = end - b < REF_BLOCK ? end - b : REF_BLOCK;
                float max = a->m[j];
                for (size_t i = 0; i < n; i++) { /* scores of the block */
                    const void *k = position(a->k, b + i, a->ldkv, kv);
                    float dot = 0.0f;
                    for (size_t e = 0; e < hd; e++)
                        dot += q[e] * element(k, e, kv);
                    s[i] = a->scale * dot;
                    max = s[i] > max ? s[i] : max;
                }
                const float c = expf(a->m[j] - max); /* rescale what came before: 0 from -INFINITY */
                a->l[j] *= c;
                for (size_t e = 0; e < hd; e++)
                    acc[e] *= c;
                for (size_t i = 0; i < n; i++) {
                    const float p = expf(s[i] - max);
                    const void *v = position(a->v, b + i, a->ldkv, kv);
                    a->l[j] += p;
                    for (size_t e = 0; e < hd; e++)
                        acc[e] += p * element(v, e, kv);
                }
                a->m[j] = max;
            }
        }
    }
}

static void ref_attend_f32(const q4t_attn_args *a, size_t p0, size_t p1)
{
    ref_attend(a, p0, p1, Q4T_KV_F32);
}

static void ref_attend_f16(const q4t_attn_args *a, size_t p0, size_t p1)
{
    ref_attend(a, p0, p1, Q4T_KV_F16);
}

Q4T_VEC(vec_f32_ref, 0, .rmsnorm = ref_rmsnorm, .add = ref_add, .swiglu = ref_swiglu, .rope = ref_rope,
        .to_f16 = ref_to_f16, .attend = {ref_attend_f32, ref_attend_f16});
