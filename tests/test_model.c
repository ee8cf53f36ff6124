/* The transformer against a float reference, and against itself.
 *
 *  1. The float reference model (model/reference.h: the same synthetic weights
 *     dequantized, fp32 activations, one token at a time, written from the
 *     maths and sharing no code with forward.c): the quantized model's logits for the
 *     prompt's last token and every generated token have cosine similarity
 *     > 0.99 with the reference's, and greedy decoding gives the same tokens.
 *     On the "tiny" preset (Llama 2 rotary frequencies, GQA, untied output)
 *     and on a variant with Llama 3 frequency scaling and a tied output, with
 *     an f32 and an f16 KV cache, and on a prompt of 300 tokens (batches of
 *     64: several attention row blocks each; decode past a key chunk).
 *  2. Every runnable kernel, forced (each GEMV for decode, each GEMM for
 *     prefill), thread counts 1 to 3 and prefill batch sizes 1, 5 and the
 *     whole prompt give the same logits as the reference kernels on one
 *     thread, within float-order tolerance, and the same tokens.
 *  3. Every runnable vector set, with either cache, on the short prompt (1
 *     and 3 threads) and the long one (3), against the reference set.
 * Usage: test_model reference|kernels|vec (parts 1, 2, 3: ctest's model.*;
 * only 2 and 3 depend on the CPU's features, so scripts/test runs part 1
 * under one emulated CPU and 2 and 3 under every CPU whose kernels or
 * vector sets differ). Under qemu the runs force the SDOT, I8MM, SVE and SME
 * variants the emulated CPU has; the kernels each run is printed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cpu.h"
#include "formats.h"
#include "model.h"
#include "reference.h"
#include "registry.h"
#include "run.h"
#include "synthetic.h"
#include "topology.h"

/* PROMPT: a prompt of a few batches; LONG: one past a key chunk of split
 * attention (ATTN_CHUNK, 256) and several row blocks (ATTN_ROWS, 16) per batch. */
enum { PROMPT = 13, LONG = 300, LONG_BATCH = 64, GEN = 8, STEPS = GEN, SEED = 7 };

/* ---- the quantized model ---- */

static q4t_topology *topo;
static q4t_mask_list all_pus; /* the mask "all", parsed once */
static q4t_cpu cpu;

/* How the quantized model runs: forced kernels and vector set (NULL: the
 * defaults), the KV cache type, threads per phase, batch, prompt length. */
typedef struct {
    const q4t_kernel *gemv, *gemm;
    const q4t_vec *vec;
    q4t_kv_type kv;
    int threads, batch, prompt;
} run_cfg;

/* Logits of STEPS steps: the prompt's last token, then each next token fed
 * back: feed[s] if given (teacher forcing, so that two runs stay comparable
 * past a near tie), else the greedy one. */
typedef struct {
    float *logits; /* (STEPS, vocab) */
    int tokens[STEPS];
} trace;

static int model_trace(const q4t_model_config *c, const run_cfg *rc, const int *feed, trace *out, char *used,
                       size_t used_len)
{
    q4t_model_opts o;
    q4t_model_opts_default(&o, topo, cpu.features);
    o.gemv = rc->gemv;
    o.gemm = rc->gemm;
    o.vec = rc->vec;
    o.kv = rc->kv;
    o.batch = rc->batch;
    o.ctx = rc->prompt + STEPS;
    for (int p = 0; p < 2; p++) {
        o.phase[p].threads = rc->threads;
        o.phase[p].mask = &all_pus.items[0];
        o.phase[p].binding = Q4T_BIND_NONE;
    }
    q4t_weight_source src;
    q4t_synth_source(c, SEED, &src);
    q4t_model *m;
    char err[512];
    if (q4t_model_build(c, &src, &o, &m, err, sizeof err)) {
        fprintf(stderr, "build: %s\n", err);
        return -1;
    }
    if (used)
        snprintf(used, used_len, "decode %s, prefill %s, %s, %s cache%s%s",
                 m->w.wq[0].plan->phase[Q4T_DECODE].kernel->name, m->w.wq[0].plan->phase[Q4T_PREFILL].kernel->name,
                 m->vec->name, m->kv == Q4T_KV_F16 ? "f16" : "f32", m->w.wq[0].plan->note[0] ? "; " : "",
                 m->w.wq[0].plan->note);
    int *prompt = malloc((size_t)rc->prompt * sizeof *prompt);
    q4t_run_prompt(c->vocab_size, 3, prompt, rc->prompt);
    out->logits = malloc((size_t)STEPS * (size_t)c->vocab_size * sizeof(float));
    q4t_forward(m, prompt, rc->prompt);
    for (int s = 0; s < STEPS; s++) {
        const float *l = q4t_logits(m, s == 0 ? Q4T_PREFILL : Q4T_DECODE);
        memcpy(out->logits + (size_t)s * (size_t)c->vocab_size, l, (size_t)c->vocab_size * sizeof(float));
        out->tokens[s] = q4t_argmax(l, c->vocab_size);
        if (s + 1 < STEPS)
            q4t_forward(m, feed ? &feed[s] : &out->tokens[s], 1);
    }
    free(prompt);
    q4t_model_free(m);
    return 0;
}

static double cosine(const float *a, const float *b, int n)
{
    double ab = 0, aa = 0, bb = 0;
    for (int i = 0; i < n; i++)
        ab += (double)a[i] * b[i], aa += (double)a[i] * a[i], bb += (double)b[i] * b[i];
    return ab / sqrt(aa * bb);
}

/* Largest |a - b| relative to the largest |b|. */
static double max_rel_diff(const float *a, const float *b, size_t n)
{
    double d = 0, m = 0;
    for (size_t i = 0; i < n; i++) {
        d = fabs((double)a[i] - b[i]) > d ? fabs((double)a[i] - b[i]) : d;
        m = fabs((double)b[i]) > m ? fabs((double)b[i]) : m;
    }
    return d / m;
}

/* The model's pick at a step is the reference's, or a near tie: its
 * reference logit within TIE of the reference's best (the quantization of
 * weights and activations moves logits by about that much). */
#define TIE 0.02

static void against_reference(const q4t_model_config *c, const run_cfg *rc)
{
    /* the reference, greedy */
    const int n = rc->prompt;
    q4t_ref_model *r;
    q4t_weight_source src;
    char err[512];
    q4t_synth_source(c, SEED, &src);
    const int built = q4t_ref_build(c, &src, n + STEPS, NULL, &r, err, sizeof err);
    src.close(src.ctx);
    CHECK(built == 0, "reference model: %s", err);
    if (built)
        return;
    int *prompt = malloc((size_t)n * sizeof *prompt), ref_tokens[STEPS];
    q4t_run_prompt(c->vocab_size, 3, prompt, n);
    float *ref_logits = malloc((size_t)STEPS * (size_t)c->vocab_size * sizeof *ref_logits);
    for (int i = 0; i < n - 1; i++)
        q4t_ref_forward(r, prompt[i], i, ref_logits);
    int tok = prompt[n - 1];
    for (int s = 0; s < STEPS; s++) {
        q4t_ref_forward(r, tok, n - 1 + s, ref_logits + (size_t)s * (size_t)c->vocab_size);
        tok = ref_tokens[s] = q4t_argmax(ref_logits + (size_t)s * (size_t)c->vocab_size, c->vocab_size);
    }
    /* the quantized model, fed the reference's tokens */
    trace t;
    char used[300];
    if (model_trace(c, rc, ref_tokens, &t, used, sizeof used)) {
        CHECK(0, "%s: model built", c->name);
        return;
    }
    double worst = 1.0;
    int ties = 0;
    for (int s = 0; s < STEPS; s++) {
        const float *rl = ref_logits + (size_t)s * (size_t)c->vocab_size;
        const double cs = cosine(t.logits + (size_t)s * (size_t)c->vocab_size, rl, c->vocab_size);
        worst = cs < worst ? cs : worst;
        CHECK(cs > 0.99, "%s prompt %d step %d: cosine %.5f (%s)", c->name, n, s, cs, used);
        const double behind = rl[ref_tokens[s]] - rl[t.tokens[s]];
        ties += t.tokens[s] != ref_tokens[s];
        CHECK(behind <= TIE, "%s prompt %d step %d: token %d, reference %d (%.4f behind it; %s)", c->name, n, s,
              t.tokens[s], ref_tokens[s], behind, used);
    }
    printf("%s, prompt %d, vs float reference: worst cosine %.5f over %d steps; greedy tokens the same%s", c->name, n,
           worst, STEPS, ties ? " but for near ties:" : ":");
    for (int s = 0; s < STEPS; s++)
        printf(t.tokens[s] == ref_tokens[s] ? " %d" : " %d (model %d)", ref_tokens[s], t.tokens[s]);
    printf("\n  (%s)\n", used);
    free(prompt);
    free(ref_logits);
    free(t.logits);
    q4t_ref_free(r);
}

/* Tolerance between kernels: float accumulation order, and the Q8_0
 * rounding of an activation that such a difference tips over .5. Between
 * vector sets (another exp, sums in other orders, in every norm and every
 * attention) such tips come at any prompt length, by the dozen over a long
 * one: one moves the logits by the size of Q8_0's own error (about 1e-2 of
 * the largest; cosine 0.9999 to the float model), so sets are held to that
 * size, with the same tokens. */
#define KERNEL_TOL 2e-3
#define VEC_TOL 3e-2

static int check_variant(const q4t_model_config *c, const trace *base, const run_cfg *rc)
{
    trace t;
    char used[300];
    if (model_trace(c, rc, base->tokens, &t, used, sizeof used)) {
        CHECK(0, "built with %s / %s / %s", rc->gemv ? rc->gemv->name : "-", rc->gemm ? rc->gemm->name : "-",
              rc->vec ? rc->vec->name : "-");
        return -1;
    }
    const double d = max_rel_diff(t.logits, base->logits, (size_t)STEPS * (size_t)c->vocab_size);
    const int same = !memcmp(t.tokens, base->tokens, sizeof t.tokens);
    const double tol = rc->vec != q4t_vec_reference() ? VEC_TOL : KERNEL_TOL; /* another set than the base's */
    CHECK(d <= tol && same, "%s, prompt %d, %d threads, batch %d (%s): logits differ by %.2e of the largest, "
          "tokens %s", c->name, rc->prompt, rc->threads, rc->batch, used, d, same ? "same" : "DIFFER");
    printf("  %-78s t%d batch %-2d max diff %.1e%s\n", used, rc->threads, rc->batch, d, same ? "" : " TOKENS DIFFER");
    free(t.logits);
    return 0;
}

/* The reference vector set on one thread, with the reference kernels (ref)
 * or the default ones: what other ways of running the model are compared with. */
static int base_trace(const q4t_model_config *c, int ref, q4t_kv_type kv, int batch, int prompt, trace *base)
{
    const run_cfg rc = {ref ? q4t_reference(Q4T_OP_GEMV) : NULL, ref ? q4t_reference(Q4T_OP_GEMM) : NULL,
                        q4t_vec_reference(), kv, 1, batch, prompt};
    if (model_trace(c, &rc, NULL, base, NULL, 0)) {
        CHECK(0, "reference kernels");
        return -1;
    }
    return 0;
}

static void across_kernels(const q4t_model_config *c)
{
    trace base;
    if (base_trace(c, 1, Q4T_KV_F16, 5, PROMPT, &base))
        return;
    printf("%s: every runnable kernel forced, then the default ones on 1 to 3 threads, against the reference\n"
           "kernels (1 thread, batch 5), all with the reference vector set (the sets: below):\n", c->name);
    for (size_t i = 0; i < q4t_kernel_count(); i++) {
        const q4t_kernel *k = q4t_kernel_at(i);
        if (q4t_kernel_missing(k, cpu.features))
            continue;
        const run_cfg rc = {k->op == Q4T_OP_GEMV ? k : NULL, k->op == Q4T_OP_GEMM ? k : NULL, q4t_vec_reference(),
                            Q4T_KV_F16, 1, 5, PROMPT};
        check_variant(c, &base, &rc);
    }
    for (int threads = 1; threads <= 3; threads++) { /* the default kernels */
        const run_cfg rc = {NULL, NULL, q4t_vec_reference(), Q4T_KV_F16, threads,
                            threads == 1 ? 1 : threads == 2 ? 5 : PROMPT, PROMPT};
        check_variant(c, &base, &rc);
    }
    free(base.logits);
}

/* Every runnable vector set with either cache, on the short prompt (1 and 3
 * threads) and on the long one (split keys past a chunk, several row blocks
 * per batch; 3 threads, the reference set's own threading shown on the short
 * one), against the reference set on 1 thread with that cache and the same
 * kernels. */
static void across_vec(const q4t_model_config *c)
{
    printf("%s: every runnable vector set, f32 and f16 caches, against the reference set:\n", c->name);
    for (int kv = 0; kv < Q4T_KV_TYPES; kv++)
        for (int len = 0; len < 2; len++) {
            const int prompt = len ? LONG : PROMPT, batch = len ? LONG_BATCH : 5;
            trace base;
            if (base_trace(c, 0, (q4t_kv_type)kv, batch, prompt, &base))
                continue;
            for (size_t i = 0; i < q4t_vec_count(); i++) {
                const q4t_vec *v = q4t_vec_at(i);
                if (v->isa & ~cpu.features)
                    continue;
                if (len && v == q4t_vec_reference())
                    continue;
                for (int threads = len ? 3 : 1; threads <= 3; threads += 2) {
                    const run_cfg rc = {NULL, NULL, v, (q4t_kv_type)kv, threads, batch, prompt};
                    check_variant(c, &base, &rc);
                }
            }
            free(base.logits);
        }
}

static void set_no_heads(q4t_model_config *c)
{
    c->n_heads = 0;
}

static void set_no_kv_heads(q4t_model_config *c)
{
    c->n_kv_heads = 0;
}

static void set_odd_dim(q4t_model_config *c)
{
    c->dim = 100;
}

int main(int argc, char **argv)
{
    const char *part = argc == 2 ? argv[1] : "";
    if (strcmp(part, "reference") && strcmp(part, "kernels") && strcmp(part, "vec")) {
        fprintf(stderr, "usage: test_model reference|kernels|vec\n");
        return 2;
    }
    char err[512];
    q4t_cpu_detect(&cpu);
    if (q4t_cpu_mask_env(&cpu, err, sizeof err) || q4t_topology_load(&topo, NULL, err, sizeof err) ||
        q4t_masks_parse(topo, "all", &all_pus, err, sizeof err)) {
        fprintf(stderr, "test_model: %s\n", err);
        return 1;
    }
    const q4t_model_config *tiny = q4t_model_preset("tiny");
    CHECK(tiny != NULL, "the tiny preset");
    if (!tiny)
        return check_done("model");
    q4t_model_config l3 = *tiny; /* Llama 3 frequencies (scaled below 64 positions' wavelength), tied output */
    l3.name = "tiny-llama3-tied";
    l3.rope_theta = 500000.0f;
    l3.rope_factor = 8.0f, l3.rope_low_freq_factor = 1.0f, l3.rope_high_freq_factor = 4.0f;
    l3.rope_original_max_pos = 64;
    l3.tied_embeddings = 1;
    l3.vocab_size = 96;
    l3.n_kv_heads = 1;
    float f[64];
    q4t_rope_factors(&l3, f);
    CHECK(f[0] == 1.0f && f[l3.dim / l3.n_heads / 2 - 1] == 8.0f, "Llama 3 factors: %g .. %g", f[0],
          f[l3.dim / l3.n_heads / 2 - 1]);

    if (!strcmp(part, "reference")) {
        /* A shape the decoder cannot run is refused with the field named, never a crash
         * (n_heads = 0 once divided by zero on the way out). */
        const struct {
            const char *field;
            void (*set)(q4t_model_config *c);
        } bad[] = {{"n_heads", set_no_heads}, {"n_kv_heads", set_no_kv_heads}, {"dim", set_odd_dim}};
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            q4t_model_config c = *tiny;
            bad[i].set(&c);
            q4t_model_opts o;
            q4t_model_opts_default(&o, topo, cpu.features);
            q4t_weight_source src;
            q4t_synth_source(tiny, SEED, &src);
            q4t_model *m = NULL;
            CHECK(q4t_model_build(&c, &src, &o, &m, err, sizeof err) == -1 && !m && strstr(err, bad[i].field),
                  "a shape with a bad %s is refused: %s", bad[i].field, err);
        }

        /* the default kernels and vector set, 2 threads, both caches, against the maths */
        for (int kv = 0; kv < Q4T_KV_TYPES; kv++) {
            const run_cfg shortp = {NULL, NULL, NULL, (q4t_kv_type)kv, 2, 5, PROMPT};
            const run_cfg longp = {NULL, NULL, NULL, (q4t_kv_type)kv, 2, LONG_BATCH, LONG};
            against_reference(tiny, &shortp);
            against_reference(&l3, &shortp);
            against_reference(tiny, &longp);
        }
    }
    if (!strcmp(part, "kernels"))
        across_kernels(tiny);
    if (!strcmp(part, "vec"))
        across_vec(tiny);
    q4t_mask_list_free(&all_pus);
    q4t_topology_free(topo);
    char name[32];
    snprintf(name, sizeof name, "model %s", part);
    return check_done(name);
}
