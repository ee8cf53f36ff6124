/* Measuring a model as a person sees it: time to first token, prompt and
 * generation speed, over repetitions (llama-bench's pp and tg, with the
 * kernels and placement q4tune chose).
 *
 * One repetition, from an empty KV cache:
 *   depth    (untimed) depth tokens of context first, as llama-bench's -d;
 *   prefill  the prompt's tokens through every layer (batches, GEMM);
 *   first    the final norm and output projection of the last prompt token,
 *            and its greedy token: TTFT = prefill + first;
 *   decode   gen - 1 more tokens, one at a time (GEMV), each fed back, or
 *            fewer when generation stops at an end token (eos).
 * prefill tok/s = prompt / prefill; decode tok/s = (generated - 1) / decode.
 * Where each phase's time goes is summed over the measured repetitions by
 * part (q4t_part): the prefill phase is TTFT (its output projection and pick
 * are the first token's), the decode phase the gen - 1 tokens after it. */
#ifndef Q4T_RUN_H
#define Q4T_RUN_H

#include <stdint.h>

#include "model.h"

typedef struct {
    int depth;        /* tokens in the cache before the timed prompt (untimed) */
    int prompt, gen;  /* tokens; gen >= 1 */
    int reps, warmup; /* measured repetitions, unmeasured ones before */
    uint64_t seed;    /* of the synthetic token ids (the depth's, and the prompt's without tokens) */
    const int *tokens; /* the prompt's ids (prompt of them, e.g. a text's), or NULL: seeded synthetic ones */
    int eos;           /* generation stops after this token (it counts as generated); -1: never */
    int *generated;    /* NULL, or room for gen ids: every token the first repetition generated */
} q4t_run_opts;

/* A distribution over repetitions. */
typedef struct {
    int n;
    double median, min, max, p10, p90; /* p10/p90 by linear interpolation */
} q4t_dist;

enum { Q4T_RUN_MAX_REPS = 1000, Q4T_RUN_TOKENS = 16 };

typedef struct {
    q4t_dist ttft_s, prefill_tps, decode_tps;
    double ttft[Q4T_RUN_MAX_REPS], prefill[Q4T_RUN_MAX_REPS], decode[Q4T_RUN_MAX_REPS]; /* per repetition */
    int tokens[Q4T_RUN_TOKENS]; /* the first generated tokens (the same every repetition) */
    int ntokens;
    int ngen;                   /* tokens generated per repetition: gen, or fewer up to eos */
    int same_tokens;            /* every repetition generated the same tokens */
    double phase_s[2];                   /* [Q4T_PREFILL]: sum of TTFT; [Q4T_DECODE]: of decode time */
    double part_s[2][Q4T_PART_COUNT];    /* of those, by part (the rest is unaccounted: dispatch, timers) */
} q4t_run_result;

/* The distribution of v[0..n) (n >= 1). */
q4t_dist q4t_dist_of(const double *v, int n);

/* The prompt: n token ids, seeded, uniform over a vocabulary of vocab. */
void q4t_run_prompt(int vocab, uint64_t seed, int *tokens, int n);

/* Runs warmup + reps repetitions (depth + prompt + gen <= the model's ctx + 1). Returns 0,
 * or -1 with the reason in err. progress (may be NULL) is called after each. */
int q4t_run_measure(q4t_model *m, const q4t_run_opts *o, q4t_run_result *r, void (*progress)(void *, int, int),
                    void *progress_ctx, char *err, size_t errlen);

/* Every position's logits: tokens[0 .. n) fed from the model's position on,
 * in pieces of up to its batch; row i of out (n x vocab) is the logits after
 * token i (the distribution of token i + 1). */
void q4t_run_logits(q4t_model *m, const int *tokens, int n, float *out);

#endif
