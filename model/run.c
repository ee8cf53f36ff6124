/* TTFT and tokens/s over repetitions: see run.h. */
#include "run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timer.h"

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double percentile(const double *sorted, int n, double p)
{
    const double at = p * (n - 1);
    const int i = (int)at;
    return i + 1 < n ? sorted[i] + (at - i) * (sorted[i + 1] - sorted[i]) : sorted[n - 1];
}

q4t_dist q4t_dist_of(const double *v, int n)
{
    double *s = malloc((size_t)n * sizeof *s);
    q4t_dist d = {.n = n};
    if (!s || n < 1) {
        free(s);
        return d;
    }
    memcpy(s, v, (size_t)n * sizeof *s);
    qsort(s, (size_t)n, sizeof *s, cmp_double);
    d.median = percentile(s, n, 0.5);
    d.min = s[0];
    d.max = s[n - 1];
    d.p10 = percentile(s, n, 0.1);
    d.p90 = percentile(s, n, 0.9);
    free(s);
    return d;
}

void q4t_run_prompt(int vocab, uint64_t seed, int *tokens, int n)
{
    uint64_t s = seed * 0x9e3779b97f4a7c15ULL + 1;
    for (int i = 0; i < n; i++) {
        s ^= s >> 12, s ^= s << 25, s ^= s >> 27;
        tokens[i] = (int)((s * 0x2545f4914f6cdd1dULL >> 33) % (uint64_t)vocab);
    }
}

/* The model's time per part since the last call, whatever the phase of the
 * calls (a one-token prompt runs as decode), into parts (NULL: dropped). */
static void take_time(q4t_model *m, double *parts)
{
    for (int p = 0; p < Q4T_PART_COUNT && parts; p++)
        parts[p] = m->time[Q4T_PREFILL][p] + m->time[Q4T_DECODE][p];
    memset(m->time, 0, sizeof m->time);
}

int q4t_run_measure(q4t_model *m, const q4t_run_opts *o, q4t_run_result *r, void (*progress)(void *, int, int),
                    void *progress_ctx, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    if (o->depth < 0 || o->prompt < 1 || o->gen < 1 || o->depth + o->prompt + o->gen > m->ctx + 1 || o->reps < 1 ||
        o->reps > Q4T_RUN_MAX_REPS || o->warmup < 0) {
        snprintf(err, errlen, "depth %d + prompt %d + gen %d tokens, %d repetitions: the KV cache holds %d", o->depth,
                 o->prompt, o->gen, o->reps, m->ctx);
        return -1;
    }
    int *tokens = malloc((size_t)(o->depth + o->prompt) * sizeof *tokens), *prompt = tokens + o->depth;
    if (!tokens) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    q4t_run_prompt(m->config.vocab_size, o->seed, tokens, o->depth + o->prompt);
    if (o->tokens)
        memcpy(prompt, o->tokens, (size_t)o->prompt * sizeof *prompt);
    const int vocab = m->config.vocab_size;
    r->same_tokens = 1;
    for (int rep = -o->warmup; rep < o->reps; rep++) {
        q4t_model_reset(m);
        if (o->depth)
            q4t_forward(m, tokens, o->depth);
        double parts[2][Q4T_PART_COUNT]; /* of the prefill phase (TTFT), then of decode */
        take_time(m, NULL);              /* the context is not timed */
        const double t0 = q4t_now();
        q4t_forward(m, prompt, o->prompt);
        const double t1 = q4t_now();
        const float *logits = q4t_logits(m, Q4T_PREFILL);
        const double tp = q4t_now();
        int tok = q4t_argmax(logits, vocab);
        const double t2 = q4t_now();
        m->time[Q4T_PREFILL][Q4T_PART_PICK] += t2 - tp;
        take_time(m, parts[Q4T_PREFILL]);
        int out[Q4T_RUN_TOKENS], nout = 0, ngen = 1;
        out[nout++] = tok;
        if (o->generated && rep == -o->warmup)
            o->generated[0] = tok;
        for (int g = 1; g < o->gen && tok != o->eos; g++, ngen++) { /* the last token needs no forward */
            q4t_forward(m, &tok, 1);
            logits = q4t_logits(m, Q4T_DECODE);
            const double t = q4t_now();
            tok = q4t_argmax(logits, vocab);
            m->time[Q4T_DECODE][Q4T_PART_PICK] += q4t_now() - t;
            if (nout < Q4T_RUN_TOKENS)
                out[nout++] = tok;
            if (o->generated && rep == -o->warmup)
                o->generated[g] = tok;
        }
        const double t3 = q4t_now();
        take_time(m, parts[Q4T_DECODE]);
        if (rep >= 0) {
            r->ttft[rep] = t2 - t0;
            r->prefill[rep] = o->prompt / (t1 - t0);
            r->decode[rep] = ngen > 1 ? (ngen - 1) / (t3 - t2) : 0.0;
            r->phase_s[Q4T_PREFILL] += t2 - t0;
            r->phase_s[Q4T_DECODE] += t3 - t2;
            for (int ph = 0; ph < 2; ph++)
                for (int p = 0; p < Q4T_PART_COUNT; p++)
                    r->part_s[ph][p] += parts[ph][p];
        }
        if (rep == -o->warmup) {
            memcpy(r->tokens, out, (size_t)nout * sizeof *out);
            r->ntokens = nout;
            r->ngen = ngen;
        } else if (ngen != r->ngen || nout != r->ntokens || memcmp(out, r->tokens, (size_t)nout * sizeof *out)) {
            r->same_tokens = 0;
        }
        if (progress)
            progress(progress_ctx, rep + o->warmup + 1, o->reps + o->warmup);
    }
    free(tokens);
    r->ttft_s = q4t_dist_of(r->ttft, o->reps);
    r->prefill_tps = q4t_dist_of(r->prefill, o->reps);
    r->decode_tps = q4t_dist_of(r->decode, o->reps);
    return 0;
}

void q4t_run_logits(q4t_model *m, const int *tokens, int n, float *out)
{
    const size_t vocab = (size_t)m->config.vocab_size;
    for (int i = 0; i < n; i += m->batch) {
        const int B = n - i < m->batch ? n - i : m->batch;
        const q4t_phase ph = B > 1 ? Q4T_PREFILL : Q4T_DECODE;
        q4t_forward(m, tokens + i, B);
        for (int row = 0; row < B; row++)
            memcpy(out + (size_t)(i + row) * vocab, q4t_logits_row(m, ph, row), vocab * sizeof *out);
    }
}
