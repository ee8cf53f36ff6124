/* The tokenizer of a GGUF, from its tokenizer.ggml.* metadata:
 *
 *   model "llama"  SentencePiece-style BPE by token scores (Llama 2, TinyLlama,
 *                  Mistral): spaces written as U+2581, a leading space added
 *                  (tokenizer.ggml.add_space_prefix, default on), the pair whose
 *                  joined text is the best-scored token merged first (leftmost
 *                  among equals), characters outside the vocabulary as their
 *                  <0xNN> byte tokens.
 *   model "gpt2"   GPT-2-style byte-level BPE by merge rank (Llama 3, SmolLM,
 *                  Qwen 2.5): the text split by the pre-tokenizer
 *                  (tokenizer.ggml.pre: "llama-bpe" (Llama 3) and "default"),
 *                  each piece's bytes mapped to GPT-2's printable characters,
 *                  then merged by tokenizer.ggml.merges in rank order.
 *
 * Token types are GGUF's (tokenizer.ggml.token_type): 1 normal, 2 unknown,
 * 3 control, 4 user-defined, 5 unused, 6 byte. BOS/EOS come from
 * tokenizer.ggml.bos_token_id / eos_token_id, and whether BOS is added from
 * tokenizer.ggml.add_bos_token (default: on for "llama", off for "gpt2").
 *
 * Every metadata problem (a missing key, arrays of different lengths, a merge
 * naming an unknown token, an id past the vocabulary, a model or pre-tokenizer
 * this file does not know) is an error naming the key. */
#ifndef Q4T_TOKENIZER_H
#define Q4T_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#include "gguf.h"

typedef struct q4t_tokenizer q4t_tokenizer;

/* From an open GGUF (the tokenizer copies what it keeps: g may be closed
 * afterwards). NULL with the reason in err. */
q4t_tokenizer *q4t_tokenizer_load(const q4t_gguf *g, char *err, size_t errlen);
void q4t_tokenizer_free(q4t_tokenizer *t);

const char *q4t_tokenizer_model(const q4t_tokenizer *t); /* "llama" or "gpt2" */
const char *q4t_tokenizer_pre(const q4t_tokenizer *t);   /* "llama-bpe", "default"; "" for "llama" */
int32_t q4t_tokenizer_vocab_size(const q4t_tokenizer *t);
int32_t q4t_tokenizer_bos(const q4t_tokenizer *t); /* -1 if the file names none */
int32_t q4t_tokenizer_eos(const q4t_tokenizer *t); /* -1 if the file names none */
int q4t_tokenizer_add_bos(const q4t_tokenizer *t);  /* the file's (or the model's default) add_bos_token */
/* Is id a control token (BOS, EOS, ...): one that generation stops at or text never shows. */
int q4t_tokenizer_is_control(const q4t_tokenizer *t, int32_t id);

/* Encodes text[0 .. len) (UTF-8; bytes that are not valid UTF-8 go through
 * the byte path, one token per byte, never an error). BOS first if add_bos.
 * With parse_special, control and user-defined tokens written in the text
 * ("<|eot_id|>", "<s>") become their ids; without, they are plain text.
 * Writes at most cap ids into out and returns how many the text takes (call
 * again with a larger out if that is more than cap), or -1 with err (out of
 * memory, or the vocabulary cannot spell a byte). */
long q4t_tokenize(const q4t_tokenizer *t, const char *text, size_t len, int add_bos, int parse_special, int32_t *out,
                  size_t cap, char *err, size_t errlen);

/* Decoding, one token at a time, as text is printed while it is generated:
 * each token's bytes (SentencePiece: U+2581 back to a space, <0xNN> to its
 * byte, the leading space the encoder added dropped; byte-level BPE: GPT-2's
 * characters back to bytes; control tokens: nothing) are appended to the
 * stream, and q4t_detok_push returns the bytes that now end on a whole UTF-8
 * character, keeping a partial multi-byte character until its last byte comes.
 * q4t_detok_flush gives what is left (an incomplete character's bytes as
 * they are). Decoding the ids q4t_tokenize gave (without BOS) gives back the
 * text it was given. */
typedef struct {
    const q4t_tokenizer *t;
    int first;             /* no text token decoded yet (the leading space) */
    unsigned char pend[8]; /* bytes of an incomplete UTF-8 character */
    int npend;
} q4t_detok;

void q4t_detok_init(q4t_detok *d, const q4t_tokenizer *t);
/* Writes up to cap bytes into out (NUL-terminated when cap > 0); returns the
 * number of bytes the token completes (out holds min(that, cap - 1)). */
size_t q4t_detok_push(q4t_detok *d, int32_t id, char *out, size_t cap);
size_t q4t_detok_flush(q4t_detok *d, char *out, size_t cap);

/* Whole ids to text: malloc'd, NUL-terminated, *len bytes (the text may hold
 * NULs); NULL if out of memory. */
char *q4t_detokenize(const q4t_tokenizer *t, const int32_t *ids, size_t n, size_t *len);

#endif
