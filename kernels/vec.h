/* The vector primitives of the forward pass around the weight-matrix kernels:
 * RMSNorm, residual adds, SwiGLU, rotary embedding, fp16 conversion of the KV
 * cache and blocked causal attention with an online softmax (FlashAttention's
 * recurrence). One set per ISA, each defined in its own file
 * (kernels/<arch dir>/vec_f32_<isa>.c) by one Q4T_VEC line and listed once in
 * registry.def (Q4T_VEC); vec_f32_ref is the scalar reference every other set
 * is checked against (tests/test_vec.c). Every function of a set may execute
 * its ISA: call none on a CPU that lacks a feature in .isa.
 *
 * Sets differ from the reference only by float summation order, FMA
 * contraction and their exp() (a polynomial within 2 ulp of expf where the
 * reference calls expf); each set's own order is fixed, so a result depends
 * on the inputs and the key blocks the caller chooses, never on threads.
 * Sizes are any n >= 1 (tails included) unless stated; no alignment needed.
 */
#ifndef Q4T_VEC_H
#define Q4T_VEC_H

#include <stddef.h>
#include <stdint.h>

/* Element type of the KV cache. */
typedef enum { Q4T_KV_F32, Q4T_KV_F16, Q4T_KV_TYPES } q4t_kv_type;

/* One call of attend(): queries of `rows` consecutive positions x `heads`
 * query heads that share one KV head (grouped-query attention), against the
 * keys and values of that KV head.
 *   query (r, h), r < rows, h < heads: head_dim floats at q + r * ldq + h * head_dim
 *   position p of the cache: head_dim elements (type kv) at k + p * ldkv, v + p * ldkv
 *   row r attends positions p < end0 + r (causal: end0 = its first row's position + 1)
 * The running state of query j = r * heads + h: m[j] a reference score, at
 * most 8 below the largest score so far and not above it (a set may defer
 * raising it until a score passes it by 8; -INFINITY before any key), l[j]
 * the sum of exp(score - m[j]), acc[j * head_dim ...] the sum of
 * exp(score - m[j]) * value; score = scale * q . k.
 * Start from m = -INFINITY, l = 0, acc = 0; after every key the attention
 * output of query j is acc / l. head_dim is even, 2 to Q4T_ATTN_MAX_HEAD_DIM. */
enum { Q4T_ATTN_MAX_HEAD_DIM = 256 }; /* what a set may stage per key on its stack */

typedef struct {
    const float *q;
    size_t ldq, rows, heads, head_dim;
    const void *k, *v;
    size_t ldkv;
    float scale;
    size_t end0;
    float *m, *l, *acc;
} q4t_attn_args;

typedef struct q4t_vec {
    const char *name; /* file stem: vec_f32_<isa> */
    const char *file; /* __FILE__ of the definition, checked against name */
    uint64_t isa;     /* required feature bits (isa.h) */
    /* o = w * x / sqrt(mean(x * x) + eps) over n elements (o may be x). */
    void (*rmsnorm)(float *o, const float *x, const float *w, size_t n, float eps);
    /* x += y. */
    void (*add)(float *x, const float *y, size_t n);
    /* h = silu(h) * u = h / (1 + exp(-h)) * u. */
    void (*swiglu)(float *h, const float *u, size_t n);
    /* Rotates `heads` consecutive vectors of head_dim floats in place by one
     * position's table (q4t_rope_table): for each pair f,
     *   v[2f]   = v[2f]   * cs[2f]   + v[2f+1] * sn[2f]     (sn[2f]   = -sin)
     *   v[2f+1] = v[2f+1] * cs[2f+1] + v[2f]   * sn[2f+1]   (sn[2f+1] = +sin)
     * with cs = tab, sn = tab + head_dim. */
    void (*rope)(float *v, const float *tab, size_t heads, size_t head_dim);
    /* o = x rounded to IEEE binary16 (to nearest even), n elements. */
    void (*to_f16)(uint16_t *o, const float *x, size_t n);
    /* Updates the running state of every query of a with the keys [p0, p1),
     * each row's limited to its causal end (a row whose end is <= p0 is left
     * as it is); attend[Q4T_KV_F16] reads an fp16 cache. */
    void (*attend[Q4T_KV_TYPES])(const q4t_attn_args *a, size_t p0, size_t p1);
} q4t_vec;

/* Defines the set NAME (its file stem) for features ISA; the functions by
 * designator: .rmsnorm, .add, .swiglu, .rope, .to_f16, .attend. */
#define Q4T_VEC(NAME, ISA, ...)                                                                                        \
    extern const q4t_vec NAME;                                                                                         \
    const q4t_vec NAME = {.name = #NAME, .file = __FILE__, .isa = (ISA), __VA_ARGS__}

/* One position's rotary table for q4t_vec.rope: 2 * head_dim floats, cos
 * then signed sin, each repeated for the two elements of a pair; the pair f
 * turns by pos * freq[f]. */
void q4t_rope_table(float *tab, size_t pos, const float *freq, size_t head_dim);

/* The merge of partial attention states over disjoint key ranges (m, l, acc
 * of head_dim floats each, `parts` of them, in order) into the attention
 * output: out = sum_i acc_i e^(m_i - M) / sum_i l_i e^(m_i - M), M = max m_i;
 * a part that saw no key (m = -INFINITY) adds nothing. */
void q4t_attn_merge(const float *m, const float *l, const float *acc, size_t parts, size_t head_dim, float *out);

#endif
