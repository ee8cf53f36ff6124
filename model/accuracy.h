/* What a quantized model's next-token distributions lose against a reference
 * model's, position by position (q4tune accuracy), as llama.cpp's
 * llama-perplexity --kl-divergence measures it:
 *
 *   KL(P || Q) = sum_v P(v) (ln P(v) - ln Q(v))   P the reference's softmax, Q the other's
 *   top-1      whether both put the same token first
 *   PPL        exp(mean over the positions with a next token of -ln P(next))
 *
 * Softmaxes are taken in double from the float logits. */
#ifndef Q4T_ACCURACY_H
#define Q4T_ACCURACY_H

typedef struct {
    int token, next;          /* the token at this position; the text's next one, or -1 (the last position) */
    double kl;                /* KL(reference || model), >= 0 */
    int top_ref, top_model;   /* each one's first choice (the lowest id among equals) */
    double nll_ref, nll_model; /* -ln P(next) under each (0 when next is -1) */
} q4t_acc_position;

typedef struct {
    int n, scored;            /* positions; those with a next token */
    double kl_mean, kl_stderr, kl_median, kl_p99, kl_max; /* p99: nearest rank */
    double top1;              /* share of positions with the same first choice */
    double ppl_ref, ppl_model; /* 0 if no position is scored */
} q4t_acc_summary;

/* Compares the two logit vectors of one position (vocab entries each) into
 * *p; p->token and p->next are the caller's. scratch holds 2 * vocab doubles. */
void q4t_acc_compare(const float *ref, const float *model, int vocab, double *scratch, q4t_acc_position *p);

/* The summary of n >= 1 positions; -1 if out of memory, else 0. */
int q4t_acc_summarize(const q4t_acc_position *p, int n, q4t_acc_summary *s);

#endif
