/* The minimal Llama-architecture decoder behind q4tune run, in the manner of
 * llama2.c's runq.c: the shapes (q4t_model_config, config.h), the weights
 * (q4t_weights), the activations and KV cache (q4t_runstate), and a forward
 * pass that reads like the maths.
 *
 * Every weight-matrix product Y[M][N] = X[M][K] . W[N][K]^T goes through the
 * kernel the plan (plan/plan.h) gives that matrix in that phase: the prompt
 * runs in batches of up to `batch` rows through a GEMM kernel (prefill), each
 * generated token through a GEMV kernel (decode). Both kernels of a matrix
 * read ONE packed copy of W (they share a packed W layout): packing runs once
 * per matrix, and the source tensor is released as soon as it is packed. The
 * phases run on the pools the plan places. Everything else (norms, RoPE,
 * SwiGLU, residuals, attention) goes through one vector set (kernels/vec.h),
 * attention split over the pool by the positions each task attends.
 *
 * Weights come from a q4t_weight_source: synthetic seeded weights for a
 * preset shape (synthetic.c) or a GGUF file (gguf.c). */
#ifndef Q4T_MODEL_H
#define Q4T_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "kernel.h"
#include "plan.h"
#include "pool.h"
#include "topology.h"
#include "tuned.h"
#include "vec.h"

/* ---- tensors, as GGUF names them; shapes are rows x cols = GGUF ne[1] x ne[0] ---- */

typedef enum {
    Q4T_T_TOKEN_EMBD,  /* token_embd.weight       (vocab, dim) */
    Q4T_T_OUTPUT_NORM, /* output_norm.weight      (dim) */
    Q4T_T_OUTPUT,      /* output.weight           (vocab, dim); absent: tied to token_embd */
    Q4T_T_ROPE_FREQS,  /* rope_freqs.weight       (head_dim / 2) Llama 3 frequency factors; optional */
    Q4T_T_ATTN_NORM,   /* blk.L.attn_norm.weight  (dim) */
    Q4T_T_ATTN_Q,      /* blk.L.attn_q.weight     (dim, dim)        wq */
    Q4T_T_ATTN_K,      /* blk.L.attn_k.weight     (kv_dim, dim)     wk */
    Q4T_T_ATTN_V,      /* blk.L.attn_v.weight     (kv_dim, dim)     wv */
    Q4T_T_ATTN_OUTPUT, /* blk.L.attn_output.weight (dim, dim)       wo */
    Q4T_T_FFN_NORM,    /* blk.L.ffn_norm.weight   (dim) */
    Q4T_T_FFN_GATE,    /* blk.L.ffn_gate.weight   (hidden, dim)     w1 */
    Q4T_T_FFN_DOWN,    /* blk.L.ffn_down.weight   (dim, hidden)     w2 */
    Q4T_T_FFN_UP,      /* blk.L.ffn_up.weight     (hidden, dim)     w3 */
    Q4T_T_COUNT
} q4t_tensor;

/* Element types, numbered as in GGUF (ggml_type). Weight matrices run as
 * Q4_0; the others are converted to it when the model is built. */
typedef enum { Q4T_DT_F32 = 0, Q4T_DT_F16 = 1, Q4T_DT_Q4_0 = 2, Q4T_DT_Q8_0 = 8, Q4T_DT_BF16 = 30 } q4t_dtype;

int q4t_tensor_per_layer(q4t_tensor t);
int q4t_tensor_is_matrix(q4t_tensor t); /* a weight matrix (Q4_0, packed); else a vector or the embedding */
/* "blk.3.attn_q.weight" (layer ignored for the global tensors). */
void q4t_tensor_name(q4t_tensor t, int layer, char *buf, size_t len);
/* rows x cols of t for c (vectors: 1 x n). */
void q4t_tensor_shape(const q4t_model_config *c, q4t_tensor t, size_t *rows, size_t *cols);
/* Bytes of rows x cols elements of type dt (Q4_0, Q8_0: cols a multiple of 32). */
size_t q4t_dtype_bytes(q4t_dtype dt, size_t rows, size_t cols);

/* Checks that c describes a model this decoder runs: positive sizes, dim a
 * multiple of n_heads, head_dim even, n_heads a multiple of n_kv_heads, dim and
 * hidden_dim multiples of 32. Returns 0, or -1 naming the field in err. */
int q4t_model_config_check(const q4t_model_config *c, char *err, size_t errlen);

/* The Llama 3 frequency factors (Meta's apply_scaling; llama.cpp's
 * rope_freqs.weight): the rotary frequency i of head_dim/2 is divided by
 * factors[i]. All ones without scaling (rope_factor 0). */
void q4t_rope_factors(const q4t_model_config *c, float *factors);

/* ---- where the weights come from ---- */

typedef struct {
    q4t_dtype type;
    const void *data; /* rows x cols elements, row-major; Q4_0: cols / 32 blocks per row */
    size_t rows, cols;
} q4t_tensor_data;

typedef struct q4t_weight_source {
    char what[256]; /* "synthetic, seed 1" or the GGUF path */
    /* What loading converts, for the user, set when the source is opened:
     * "154 F16 matrices quantized to Q4_0 at load", "1 Q8_0 matrix
     * re-quantized to Q4_0 (8-bit to 4-bit: not the file's own numerics)",
     * several joined by "; "; empty when every matrix is Q4_0. */
    char note[256];
    void *ctx;
    /* The tensor's data into out, valid until release(): 0, with out->data
     * NULL if the tensor is absent (only Q4T_T_OUTPUT, meaning tied, and
     * Q4T_T_ROPE_FREQS may be); -1 with a message naming the tensor in err. */
    int (*get)(void *ctx, q4t_tensor t, int layer, q4t_tensor_data *out, char *err, size_t errlen);
    /* The data is no longer needed: free it, or drop its pages from memory. */
    void (*release)(void *ctx, const q4t_tensor_data *d);
    void (*close)(void *ctx);
} q4t_weight_source;

/* Row r of d (any q4t_dtype) as d->cols floats: exact for F32, F16 and BF16,
 * the dequantized values for Q4_0 and Q8_0. */
void q4t_tensor_row_f32(const q4t_tensor_data *d, size_t r, float *out);

/* ---- the model ---- */

/* One weight matrix, packed once for the two kernels its plan gives it (one
 * per phase, sharing a packed W layout). */
typedef struct {
    const char *what;            /* "wq", "w1", "output", ... */
    size_t N, K;                 /* Y[M][N] = X[M][K] . W[N][K]^T */
    void *packed;                /* packed for plan->phase[Q4T_DECODE].kernel (and so for prefill's) */
    size_t packed_bytes;
    const q4t_plan_matrix *plan; /* kernel and task split per phase, the model's plan of its role */
} q4t_qmatrix;

typedef struct {
    q4t_tensor_data token_embd; /* (vocab, dim) rows of F32, F16 or Q4_0; owned by the source */
    float *rms_att;     /* (layer, dim) attention RMSNorm weights */
    float *rms_ffn;     /* (layer, dim) feed-forward RMSNorm weights */
    q4t_qmatrix *wq;    /* (layer) each (dim, dim) */
    q4t_qmatrix *wk;    /* (layer) each (kv_dim, dim) */
    q4t_qmatrix *wv;    /* (layer) each (kv_dim, dim) */
    q4t_qmatrix *wo;    /* (layer) each (dim, dim) */
    q4t_qmatrix *w1;    /* (layer) each (hidden_dim, dim)  gate */
    q4t_qmatrix *w2;    /* (layer) each (dim, hidden_dim)  down */
    q4t_qmatrix *w3;    /* (layer) each (hidden_dim, dim)  up */
    float *rms_final;   /* (dim) */
    q4t_qmatrix wcls;   /* (vocab, dim) output projection */
    float *freq;        /* (head_dim / 2) rotary frequencies, Llama 3 factors applied */
} q4t_weights;

typedef struct {
    float *x;           /* (batch, dim) the residual stream */
    float *xb;          /* (batch, dim) normed x; attention output */
    float *xb2;         /* (batch, dim) projection outputs added to x */
    float *hb;          /* (batch, hidden_dim) gate, then silu(gate) * up */
    float *hb2;         /* (batch, hidden_dim) up */
    float *q;           /* (batch, dim) queries */
    float *kb, *vb;     /* (batch, kv_dim) keys and values, before they enter the cache */
    float *rope;        /* (ctx, 2 * head_dim) rotary table per position (q4t_rope_table) */
    float *attn_state;  /* (threads, ATTN_ROWS * kv_mul * (head_dim + 2)) online-softmax state per pool thread */
    float *attn_parts;  /* (ATTN_SPLIT_ROWS * n_heads, ctx / ATTN_CHUNK, head_dim + 2) partial states of split keys */
    float *logits;      /* (vocab) */
    void *key_cache;    /* (layer, ctx, kv_dim) of the cache type */
    void *value_cache;  /* (layer, ctx, kv_dim) */
    void *xq;           /* X packed for a kernel: the largest any matrix needs */
    size_t xq_bytes;
} q4t_runstate;

/* What the model holds, by part (bytes). */
typedef struct {
    size_t packed_weights; /* every packed matrix */
    size_t embedding;      /* the token embedding table (mapped GGUF pages count as touched) */
    size_t norms;          /* norm weights, rotary frequencies and the rotary table */
    size_t kv_cache;
    size_t activations;    /* run state: activations, scores, logits, packed X */
} q4t_model_memory;

typedef struct {
    const q4t_topology *topo;
    uint64_t features;
    const q4t_tuned *tuned;          /* NULL: default configurations */
    int batch;                       /* prefill rows per GEMM (the M selection uses) */
    int ctx;                         /* KV cache positions (prompt + generated tokens) */
    q4t_kv_type kv;                  /* KV cache element type (Q4T_KV_F16 by default) */
    const q4t_vec *vec;              /* vector set, or NULL: q4t_vec_preferred */
    const q4t_kernel *gemv, *gemm;   /* forced kernels, or NULL (see q4t_plan_check_forced) */
    q4t_phase_opts phase[2];         /* [Q4T_PREFILL], [Q4T_DECODE] */
    /* Progress while packing: called after each matrix with bytes done and total. */
    void (*progress)(void *ctx, size_t done, size_t total);
    void *progress_ctx;
} q4t_model_opts;

/* Where a phase's time goes (q4t_model.time): weight-matrix products, the
 * quantization of their X, attention, the other element-wise work
 * (embedding, norms, RoPE, the cache writes, SwiGLU, residuals), the final
 * norm and output projection, the token pick (by the caller). */
typedef enum {
    Q4T_PART_MATMUL,
    Q4T_PART_QUANT,
    Q4T_PART_ATTENTION,
    Q4T_PART_ELEMENTWISE,
    Q4T_PART_OUTPUT,
    Q4T_PART_PICK,
    Q4T_PART_COUNT
} q4t_part;

const char *q4t_part_name(q4t_part p); /* "matmul", "quant", "attention", "elementwise", "output", "pick" */

typedef struct q4t_model {
    q4t_model_config config;
    q4t_weights w;
    q4t_runstate s;
    int batch, ctx;
    int pos;                       /* tokens in the KV cache */
    int last_row;                  /* the row of x that holds the last token forward() ran */
    q4t_plan plan;                 /* per matrix role (wq, ..., output) and phase: kernel, split; the placements */
    q4t_pool *pool[2];             /* per phase, as placed; one pool when both are placed alike */
    q4t_kv_type kv;                /* KV cache element type */
    const q4t_vec *vec;            /* the forward pass's vector set */
    double time[2][Q4T_PART_COUNT]; /* seconds per phase and part, summed since q4t_model_reset */
    q4t_model_memory mem;
    q4t_weight_source src;
} q4t_model;

/* Default options: batch 512, ctx = config's max_seq_len, fp16 KV cache (as
 * llama.cpp: half the bytes a decode step reads from the cache), no overrides. */
void q4t_model_opts_default(q4t_model_opts *o, const q4t_topology *topo, uint64_t features);

/* Builds the model of shape c from src: plans its matrices (q4t_plan_make,
 * forced kernels and phase overrides from o), creates the phase pools, packs every matrix (largest first, each source tensor released
 * as soon as it is packed) and allocates the run state. Takes src over (it is
 * closed by q4t_model_free, or here on failure). Returns 0, or -1 with a
 * message in err. */
int q4t_model_build(const q4t_model_config *c, q4t_weight_source *src, const q4t_model_opts *o, q4t_model **out,
                    char *err, size_t errlen);
void q4t_model_free(q4t_model *m);

/* Empties the KV cache (pos = 0) and zeroes the time per part. */
void q4t_model_reset(q4t_model *m);

/* Runs tokens[0..n) at positions pos .. pos + n - 1 through every layer, their
 * keys and values into the cache: n > 1 as prefill (batches of up to batch
 * rows, GEMM), n = 1 as decode (GEMV). pos + n <= ctx. */
void q4t_forward(q4t_model *m, const int *tokens, int n);
/* The logits of the last token forward() ran: final norm, output projection.
 * phase picks the pool (prefill: the first token after the prompt). */
float *q4t_logits(q4t_model *m, q4t_phase phase);
/* The logits of row row (0 .. last_row) of the last batch forward() ran: the
 * token at position pos - last_row - 1 + row. Feeding a prompt in pieces of
 * up to batch tokens gives every position's logits (q4t_run_logits). */
float *q4t_logits_row(q4t_model *m, q4t_phase phase, int row);

/* The index of the largest value (the lowest index among equals). */
int q4t_argmax(const float *v, int n);

/* Packed weight bytes one decode token reads (every matrix once). */
size_t q4t_model_weight_bytes(const q4t_model *m);

#endif
