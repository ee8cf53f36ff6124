/* What tokenizer.c shares with the two encoders (tok_spm.c, tok_bpe.c). */
#ifndef Q4T_TOKENIZER_IMPL_H
#define Q4T_TOKENIZER_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "tokenizer.h"

enum { Q4T_TOK_SPM, Q4T_TOK_BPE };
enum { Q4T_TT_NORMAL = 1, Q4T_TT_UNKNOWN, Q4T_TT_CONTROL, Q4T_TT_USER, Q4T_TT_UNUSED, Q4T_TT_BYTE };

/* Byte strings to int32 values: open addressing, keys copied in. */
typedef struct {
    struct tok_slot {
        char *key;
        uint32_t len;
        int32_t value;
    } *slots;
    size_t cap, n;
} q4t_tok_map;

/* A key already there keeps its first value. 0, -1 out of memory. */
int q4t_tok_map_put(q4t_tok_map *m, const char *key, size_t len, int32_t value);
int32_t q4t_tok_map_get(const q4t_tok_map *m, const char *key, size_t len);      /* -1 if absent */
void q4t_tok_map_free(q4t_tok_map *m);

/* A growing array of token ids. */
typedef struct {
    int32_t *v;
    size_t n, cap;
} q4t_tok_vec;

int q4t_tok_vec_push(q4t_tok_vec *v, int32_t id); /* 0, -1 out of memory */

/* The UTF-8 character at s[0 .. n): its length (1 .. 4) if it is a valid one
 * (no overlong form, surrogate or code point past U+10FFFF); 0 if s[0] starts
 * none; -L if s[0 .. n) is a valid start of an L-byte character cut off by n. */
int q4t_utf8_char(const char *s, size_t n);

struct q4t_tokenizer {
    int kind;                  /* Q4T_TOK_SPM or Q4T_TOK_BPE */
    char model[32], pre[64];   /* tokenizer.ggml.model, .pre */
    int32_t n_vocab;
    char **text;               /* (n_vocab) each token's text as the GGUF spells it, NUL-terminated
                                  (one block from text[0]) */
    uint32_t *len;             /* (n_vocab) its length in bytes */
    float *scores;             /* (n_vocab) SPM: tokenizer.ggml.scores; NULL for BPE */
    int32_t *type;             /* (n_vocab) Q4T_TT_* */
    q4t_tok_map by_text;       /* token text -> id */
    q4t_tok_map merges;        /* BPE: "left right" -> rank (the index in tokenizer.ggml.merges) */
    int32_t bos, eos, unk;     /* -1 if none */
    int add_bos, add_space_prefix;
    int32_t byte_token[256];   /* SPM: the id of <0xNN>; BPE: the id of byte N's GPT-2 character; -1 absent */
    int32_t *specials;         /* control and user-defined ids, longest text first (parse_special) */
    size_t n_specials;
    char *piece;               /* the bytes each token decodes to, back to back (q4t_detok) */
    uint32_t *piece_off;       /* (n_vocab + 1) token i decodes to piece[piece_off[i] .. piece_off[i + 1]) */
};

/* Appends the ids of text[0 .. len), which holds no special token, to out.
 * at_start: the text begins the input or follows a special token (SPM adds
 * its leading space there, as llama.cpp does).
 * 0, or -1 with err. */
int q4t_tok_spm_encode(const q4t_tokenizer *t, const char *text, size_t len, int at_start, q4t_tok_vec *out,
                       char *err, size_t errlen);
int q4t_tok_bpe_encode(const q4t_tokenizer *t, const char *text, size_t len, q4t_tok_vec *out, char *err,
                       size_t errlen);
/* BPE: checks tokenizer.ggml.pre and builds what the encoder needs (pre,
 * merges, byte_token: the decoder reads GPT-2's byte characters from it);
 * 0, or -1 with err naming the key. Called by q4t_tokenizer_load once text,
 * len, type, by_text and the special ids are set. */
int q4t_tok_bpe_init(q4t_tokenizer *t, const q4t_gguf *g, char *err, size_t errlen);

#endif
