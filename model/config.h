/* Llama-architecture model shapes: the presets q4tune knows (synthetic weights
 * for q4tune run, default shapes for q4tune tune), and the weight-matrix shapes
 * a model's forward pass multiplies by. */
#ifndef Q4T_MODEL_CONFIG_H
#define Q4T_MODEL_CONFIG_H

#include <stddef.h>

typedef struct {
    const char *name;
    int dim;          /* model width */
    int hidden_dim;   /* SwiGLU feed-forward width */
    int n_layers;
    int n_heads;      /* query heads; head_dim = dim / n_heads */
    int n_kv_heads;   /* key/value heads (grouped-query attention) */
    int vocab_size;
    int max_seq_len;  /* longest context the KV cache is sized for by default */
    float rope_theta;
    /* Llama 3 rope scaling (factor 0: none, Llama 2 style frequencies) */
    float rope_factor, rope_low_freq_factor, rope_high_freq_factor;
    int rope_original_max_pos;
    float norm_eps;
    int tied_embeddings; /* output projection = token embedding */
} q4t_model_config;

/* NULL if unknown. */
const q4t_model_config *q4t_model_preset(const char *name);
size_t q4t_model_preset_count(void);
const q4t_model_config *q4t_model_preset_at(size_t i);

/* One weight-matrix shape of the forward pass: Y[M][N] = X[M][K] . W[N][K]^T. */
typedef struct {
    const char *what; /* e.g. "wq,wo" */
    size_t N, K;
} q4t_matrix_shape;

/* The distinct (N, K) of a model's matrices (at most 5: attention q/o, k/v,
 * feed-forward up/gate, down, output); returns how many. */
size_t q4t_model_matrices(const q4t_model_config *c, q4t_matrix_shape out[5]);

#endif
