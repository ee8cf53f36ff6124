/* The tokenizer's common part (tokenizer.h): the vocabulary from the GGUF's
 * tokenizer.ggml.* keys, the split of a text at its special tokens, and the
 * decoder. The encoders are tok_spm.c ("llama") and tok_bpe.c ("gpt2"). */
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer_impl.h"
#include "unicode.h"

enum { MAX_TOKEN_BYTES = 1 << 16 }; /* a token's text, at most (real ones are under 100 bytes) */

/* ---- byte strings to int32 values ---- */

static uint64_t hash_bytes(const char *s, size_t n) /* FNV-1a */
{
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

/* The slot of key, or the empty slot where it would go (cap is a power of two, never full). */
static struct tok_slot *find_slot(const q4t_tok_map *m, const char *key, size_t len)
{
    size_t i = (size_t)hash_bytes(key, len) & (m->cap - 1);
    while (m->slots[i].key && !(m->slots[i].len == len && !memcmp(m->slots[i].key, key, len)))
        i = (i + 1) & (m->cap - 1);
    return &m->slots[i];
}

static int grow(q4t_tok_map *m)
{
    q4t_tok_map bigger = {calloc(m->cap ? 2 * m->cap : 64, sizeof *m->slots), m->cap ? 2 * m->cap : 64, m->n};
    if (!bigger.slots)
        return -1;
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key)
            *find_slot(&bigger, m->slots[i].key, m->slots[i].len) = m->slots[i];
    free(m->slots);
    *m = bigger;
    return 0;
}

int q4t_tok_map_put(q4t_tok_map *m, const char *key, size_t len, int32_t value)
{
    if (len > UINT32_MAX || (2 * (m->n + 1) > m->cap && grow(m)))
        return -1;
    struct tok_slot *s = find_slot(m, key, len);
    if (s->key)
        return 0;
    char *k = malloc(len ? len : 1);
    if (!k)
        return -1;
    memcpy(k, key, len);
    *s = (struct tok_slot){k, (uint32_t)len, value};
    m->n++;
    return 0;
}

int32_t q4t_tok_map_get(const q4t_tok_map *m, const char *key, size_t len)
{
    if (!m->cap)
        return -1;
    const struct tok_slot *s = find_slot(m, key, len);
    return s->key ? s->value : -1;
}

void q4t_tok_map_free(q4t_tok_map *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->slots[i].key);
    free(m->slots);
    *m = (q4t_tok_map){0};
}

int q4t_tok_vec_push(q4t_tok_vec *v, int32_t id)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? 2 * v->cap : 64;
        int32_t *p = realloc(v->v, cap * sizeof *p);
        if (!p)
            return -1;
        v->v = p;
        v->cap = cap;
    }
    v->v[v->n++] = id;
    return 0;
}

int q4t_utf8_char(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned lo = 0x80, hi = 0xBF; /* the second byte's range */
    int len;
    if (n == 0)
        return 0;
    if (u[0] < 0x80)
        return 1;
    if (u[0] >= 0xC2 && u[0] <= 0xDF) {
        len = 2;
    } else if (u[0] >= 0xE0 && u[0] <= 0xEF) {
        len = 3;
        lo = u[0] == 0xE0 ? 0xA0 : 0x80; /* no overlong form */
        hi = u[0] == 0xED ? 0x9F : 0xBF; /* no surrogate */
    } else if (u[0] >= 0xF0 && u[0] <= 0xF4) {
        len = 4;
        lo = u[0] == 0xF0 ? 0x90 : 0x80;
        hi = u[0] == 0xF4 ? 0x8F : 0xBF; /* up to U+10FFFF */
    } else {
        return 0;
    }
    for (int i = 1; i < len; i++) {
        if ((size_t)i >= n)
            return -len;
        if (u[i] < (i == 1 ? lo : 0x80) || u[i] > (i == 1 ? hi : 0xBF))
            return 0;
    }
    return len;
}

/* ---- loading ---- */

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* An optional token id key: *id stays -1 if absent. */
static int read_id(const q4t_gguf *g, const char *key, int32_t n_vocab, int32_t *id, char *err, size_t errlen)
{
    int64_t v = -1;
    if (q4t_gguf_get_int(g, key, &v, err, errlen))
        return -1;
    if (!q4t_gguf_has(g, key))
        return 0;
    if (v < 0 || v >= n_vocab)
        return fail(err, errlen, "%s: %lld is past the vocabulary (token ids 0 .. %d)", key, (long long)v,
                    (int)n_vocab - 1);
    *id = (int32_t)v;
    return 0;
}

/* The texts, one block from text[0]; types default to normal. */
static int read_tokens(q4t_tokenizer *t, const q4t_gguf *g, char *err, size_t errlen)
{
    const char *key = "tokenizer.ggml.tokens";
    q4t_gguf_str *tok = NULL;
    size_t n = 0, bytes = 0;
    if (q4t_gguf_get_str_array(g, key, &tok, &n, err, errlen))
        return -1;
    if (!tok)
        return fail(err, errlen, "%s: missing (the vocabulary)", key);
    int rc = -1;
    if (n == 0 || n > INT32_MAX) {
        fail(err, errlen, "%s: %zu tokens (1 .. %d)", key, n, INT32_MAX);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        if (tok[i].len > MAX_TOKEN_BYTES) {
            fail(err, errlen, "%s: token %zu is %zu bytes long (at most %d)", key, i, tok[i].len, MAX_TOKEN_BYTES);
            goto done;
        }
        bytes += tok[i].len + 1;
    }
    t->n_vocab = (int32_t)n;
    t->text = calloc(n, sizeof *t->text);
    t->len = malloc(n * sizeof *t->len);
    t->type = malloc(n * sizeof *t->type);
    char *block = malloc(bytes);
    if (!t->text || !t->len || !t->type || !block) {
        free(block);
        fail(err, errlen, "%s: out of memory for %zu tokens", key, n);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        t->text[i] = block;
        t->len[i] = (uint32_t)tok[i].len;
        t->type[i] = Q4T_TT_NORMAL;
        memcpy(block, tok[i].s, tok[i].len);
        block[tok[i].len] = '\0';
        block += tok[i].len + 1;
    }
    rc = 0;
done:
    free(tok);
    return rc;
}

static int read_types(q4t_tokenizer *t, const q4t_gguf *g, char *err, size_t errlen)
{
    const char *key = "tokenizer.ggml.token_type";
    int32_t *v = NULL;
    size_t n = 0;
    if (q4t_gguf_get_int_array(g, key, &v, &n, err, errlen))
        return -1;
    if (!v)
        return 0;
    int rc = -1;
    if (n != (size_t)t->n_vocab) {
        fail(err, errlen, "%s: %zu types for %d tokens", key, n, (int)t->n_vocab);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        if (v[i] < Q4T_TT_NORMAL || v[i] > Q4T_TT_BYTE) {
            fail(err, errlen, "%s: token %zu has type %d (1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, "
                 "6 byte)", key, i, (int)v[i]);
            goto done;
        }
        t->type[i] = v[i];
    }
    rc = 0;
done:
    free(v);
    return rc;
}

static int read_scores(q4t_tokenizer *t, const q4t_gguf *g, char *err, size_t errlen)
{
    const char *key = "tokenizer.ggml.scores";
    size_t n = 0;
    if (q4t_gguf_get_float_array(g, key, &t->scores, &n, err, errlen))
        return -1;
    if (!t->scores)
        return fail(err, errlen, "%s: missing (model llama merges by score)", key);
    if (n != (size_t)t->n_vocab)
        return fail(err, errlen, "%s: %zu scores for %d tokens", key, n, (int)t->n_vocab);
    for (size_t i = 0; i < n; i++)
        if (isnan(t->scores[i]))
            return fail(err, errlen, "%s: token %zu has a score that is not a number", key, i);
    return 0;
}

/* Every text that can appear in the input is spelled by exactly the tokens
 * it was given; an empty one would be spelled nowhere. */
static int check_texts(const q4t_tokenizer *t, char *err, size_t errlen)
{
    for (int32_t i = 0; i < t->n_vocab; i++)
        if (t->len[i] == 0 && t->type[i] != Q4T_TT_CONTROL && t->type[i] != Q4T_TT_UNUSED)
            return fail(err, errlen, "tokenizer.ggml.tokens: token %d (type %d) is empty", (int)i, (int)t->type[i]);
    return 0;
}

/* The byte a token text <0xNN> names, or -1. */
static int byte_of(const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF0123456789abcdef";
    const char *hi, *lo;
    if (n != 6 || memcmp(s, "<0x", 3) || s[5] != '>' || !s[3] || !s[4] || !(hi = strchr(hex, s[3])) ||
        !(lo = strchr(hex, s[4])))
        return -1;
    return (int)((hi - hex) % 16 * 16 + (lo - hex) % 16);
}

/* SPM: byte N is the token <0xNN>. Every byte token must name one byte. */
static int spm_byte_tokens(q4t_tokenizer *t, char *err, size_t errlen)
{
    for (int b = 0; b < 256; b++) {
        char name[8];
        snprintf(name, sizeof name, "<0x%02X>", b);
        t->byte_token[b] = q4t_tok_map_get(&t->by_text, name, 6);
    }
    for (int32_t i = 0; i < t->n_vocab; i++)
        if (t->type[i] == Q4T_TT_BYTE && byte_of(t->text[i], t->len[i]) < 0)
            return fail(err, errlen, "tokenizer.ggml.token_type: token %d is a byte token but its text '%s' is not <0xNN>",
                        (int)i, t->text[i]);
    return 0;
}

typedef struct {
    uint32_t len;
    int32_t id;
} special;

static int longest_first(const void *a, const void *b)
{
    const special *x = a, *y = b;
    if (x->len != y->len)
        return x->len > y->len ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

static int find_specials(q4t_tokenizer *t)
{
    size_t n = 0;
    for (int32_t i = 0; i < t->n_vocab; i++)
        n += (t->type[i] == Q4T_TT_CONTROL || t->type[i] == Q4T_TT_USER) && t->len[i] > 0;
    special *s = malloc((n ? n : 1) * sizeof *s);
    t->specials = malloc((n ? n : 1) * sizeof *t->specials);
    if (!s || !t->specials) {
        free(s);
        return -1;
    }
    n = 0;
    for (int32_t i = 0; i < t->n_vocab; i++)
        if ((t->type[i] == Q4T_TT_CONTROL || t->type[i] == Q4T_TT_USER) && t->len[i] > 0)
            s[n++] = (special){t->len[i], i};
    qsort(s, n, sizeof *s, longest_first);
    for (size_t i = 0; i < n; i++)
        t->specials[i] = s[i].id;
    t->n_specials = n;
    free(s);
    return 0;
}

/* The code point of the whole UTF-8 character s[0 .. n), or -1. */
static long single_code_point(const char *s, size_t n)
{
    int32_t cp = -1;
    return n > 0 && (size_t)q4t_utf8_decode(s, n, &cp) == n ? cp : -1;
}

/* What each token decodes to, from its text and type:
 *   SPM normal    U+2581 back to a space        user-defined  its text
 *   SPM byte      the byte <0xNN> names         BPE normal    GPT-2's characters back to bytes
 *   control, unknown, unused: nothing (llama.cpp's token_to_piece without special). */
static int build_pieces(q4t_tokenizer *t)
{
    enum { GPT2_CHARS = 0x144 }; /* GPT-2's byte characters are U+0021 .. U+0143 */
    int16_t gpt2_byte[GPT2_CHARS];
    size_t bytes = 0;
    for (int c = 0; c < GPT2_CHARS; c++)
        gpt2_byte[c] = -1;
    if (t->kind == Q4T_TOK_BPE) {
        for (int b = 0; b < 256; b++) {
            long c = t->byte_token[b] >= 0 ? single_code_point(t->text[t->byte_token[b]], t->len[t->byte_token[b]]) : -1;
            if (c >= 0 && c < GPT2_CHARS)
                gpt2_byte[c] = (int16_t)b;
        }
    }
    for (int32_t i = 0; i < t->n_vocab; i++)
        bytes += t->len[i];
    t->piece = malloc(bytes ? bytes : 1);
    t->piece_off = malloc(((size_t)t->n_vocab + 1) * sizeof *t->piece_off);
    if (!t->piece || !t->piece_off)
        return -1;
    uint32_t at = 0;
    for (int32_t i = 0; i < t->n_vocab; i++) {
        const char *s = t->text[i];
        const size_t n = t->len[i];
        t->piece_off[i] = at;
        if (t->type[i] == Q4T_TT_USER) {
            memcpy(t->piece + at, s, n);
            at += (uint32_t)n;
        } else if (t->type[i] == Q4T_TT_BYTE && t->kind == Q4T_TOK_SPM) {
            t->piece[at++] = (char)byte_of(s, n);
        } else if (t->type[i] == Q4T_TT_NORMAL || t->type[i] == Q4T_TT_BYTE) {
            for (size_t k = 0; k < n;) {
                int cl = q4t_utf8_char(s + k, n - k);
                size_t len = cl > 0 ? (size_t)cl : 1;
                long c = single_code_point(s + k, len);
                if (t->kind == Q4T_TOK_SPM && len == 3 && !memcmp(s + k, "\xE2\x96\x81", 3)) {
                    t->piece[at++] = ' ';
                } else if (t->kind == Q4T_TOK_BPE && c >= 0 && c < GPT2_CHARS && gpt2_byte[c] >= 0) {
                    t->piece[at++] = (char)gpt2_byte[c];
                } else {
                    memcpy(t->piece + at, s + k, len);
                    at += (uint32_t)len;
                }
                k += len;
            }
        }
    }
    t->piece_off[t->n_vocab] = at;
    return 0;
}

q4t_tokenizer *q4t_tokenizer_load(const q4t_gguf *g, char *err, size_t errlen)
{
    const char *model = NULL;
    if (q4t_gguf_get_str(g, "tokenizer.ggml.model", &model, err, errlen))
        return NULL;
    if (!model) {
        fail(err, errlen, "tokenizer.ggml.model: missing (the tokenizer: llama or gpt2)");
        return NULL;
    }
    if (strcmp(model, "llama") && strcmp(model, "gpt2")) {
        fail(err, errlen, "tokenizer.ggml.model: '%s' is not a tokenizer this build knows (llama, gpt2)", model);
        return NULL;
    }
    q4t_tokenizer *t = calloc(1, sizeof *t);
    if (!t) {
        fail(err, errlen, "tokenizer: out of memory");
        return NULL;
    }
    t->kind = strcmp(model, "llama") ? Q4T_TOK_BPE : Q4T_TOK_SPM;
    snprintf(t->model, sizeof t->model, "%s", model);
    t->bos = t->eos = t->unk = -1;
    t->add_bos = t->add_space_prefix = t->kind == Q4T_TOK_SPM;
    for (int b = 0; b < 256; b++)
        t->byte_token[b] = -1;

    int32_t pad = -1;
    if (read_tokens(t, g, err, errlen) || read_types(t, g, err, errlen) || check_texts(t, err, errlen) ||
        (t->kind == Q4T_TOK_SPM && read_scores(t, g, err, errlen)) ||
        read_id(g, "tokenizer.ggml.bos_token_id", t->n_vocab, &t->bos, err, errlen) ||
        read_id(g, "tokenizer.ggml.eos_token_id", t->n_vocab, &t->eos, err, errlen) ||
        read_id(g, "tokenizer.ggml.unknown_token_id", t->n_vocab, &t->unk, err, errlen) ||
        read_id(g, "tokenizer.ggml.padding_token_id", t->n_vocab, &pad, err, errlen) ||
        q4t_gguf_get_bool(g, "tokenizer.ggml.add_bos_token", &t->add_bos, err, errlen) ||
        q4t_gguf_get_bool(g, "tokenizer.ggml.add_space_prefix", &t->add_space_prefix, err, errlen))
        goto fail;
    for (int32_t i = 0; i < t->n_vocab; i++) /* a text twice (real vocabularies have some): its first id */
        if (q4t_tok_map_put(&t->by_text, t->text[i], t->len[i], i)) {
            fail(err, errlen, "tokenizer.ggml.tokens: out of memory for the token map");
            goto fail;
        }
    if (find_specials(t)) {
        fail(err, errlen, "tokenizer.ggml.token_type: out of memory for the special tokens");
        goto fail;
    }
    if (t->kind == Q4T_TOK_SPM ? spm_byte_tokens(t, err, errlen) : q4t_tok_bpe_init(t, g, err, errlen))
        goto fail;
    if (build_pieces(t)) {
        fail(err, errlen, "tokenizer.ggml.tokens: out of memory for the decoder");
        goto fail;
    }
    return t;
fail:
    q4t_tokenizer_free(t);
    return NULL;
}

void q4t_tokenizer_free(q4t_tokenizer *t)
{
    if (!t)
        return;
    if (t->text)
        free(t->text[0]);
    free(t->text);
    free(t->len);
    free(t->scores);
    free(t->type);
    q4t_tok_map_free(&t->by_text);
    q4t_tok_map_free(&t->merges);
    free(t->specials);
    free(t->piece);
    free(t->piece_off);
    free(t);
}

const char *q4t_tokenizer_model(const q4t_tokenizer *t) { return t->model; }
const char *q4t_tokenizer_pre(const q4t_tokenizer *t) { return t->pre; }
int32_t q4t_tokenizer_vocab_size(const q4t_tokenizer *t) { return t->n_vocab; }
int32_t q4t_tokenizer_bos(const q4t_tokenizer *t) { return t->bos; }
int32_t q4t_tokenizer_eos(const q4t_tokenizer *t) { return t->eos; }
int q4t_tokenizer_add_bos(const q4t_tokenizer *t) { return t->add_bos; }

int q4t_tokenizer_is_control(const q4t_tokenizer *t, int32_t id)
{
    return id >= 0 && id < t->n_vocab && t->type[id] == Q4T_TT_CONTROL;
}

/* ---- encoding ---- */

/* A stretch of the input: text[off .. off + len) to encode, or special token id. */
typedef struct {
    size_t off, len;
    int32_t id; /* -1: text */
} fragment;

typedef struct {
    fragment *v;
    size_t n, cap;
} fragments;

static int add_fragment(fragments *f, size_t off, size_t len, int32_t id)
{
    if (id < 0 && len == 0)
        return 0;
    if (f->n == f->cap) {
        size_t cap = f->cap ? 2 * f->cap : 16;
        fragment *p = realloc(f->v, cap * sizeof *p);
        if (!p)
            return -1;
        f->v = p;
        f->cap = cap;
    }
    f->v[f->n++] = (fragment){off, len, id};
    return 0;
}

/* As llama.cpp: each special token in turn, longest first, splits every text
 * fragment at each of its occurrences. *f becomes the split list. */
static int split_specials(const q4t_tokenizer *t, const char *text, size_t len, fragments *f)
{
    fragments next = {0};
    if (add_fragment(f, 0, len, -1))
        return -1;
    for (size_t s = 0; s < t->n_specials; s++) {
        const int32_t id = t->specials[s];
        const char *sp = t->text[id];
        const size_t sn = t->len[id];
        next.n = 0;
        for (size_t i = 0; i < f->n; i++) {
            fragment fr = f->v[i];
            if (fr.id >= 0 || fr.len < sn) {
                if (add_fragment(&next, fr.off, fr.len, fr.id))
                    goto oom;
                continue;
            }
            size_t at = fr.off, end = fr.off + fr.len;
            for (size_t k = at; k + sn <= end;) {
                const char *hit = memchr(text + k, sp[0], end - sn + 1 - k);
                if (!hit)
                    break;
                k = (size_t)(hit - text);
                if (memcmp(hit, sp, sn)) {
                    k++;
                    continue;
                }
                if (add_fragment(&next, at, k - at, -1) || add_fragment(&next, k, sn, id))
                    goto oom;
                at = k += sn;
            }
            if (add_fragment(&next, at, end - at, -1))
                goto oom;
        }
        fragments swap = *f;
        *f = next;
        next = swap;
    }
    free(next.v);
    return 0;
oom:
    free(next.v);
    return -1;
}

long q4t_tokenize(const q4t_tokenizer *t, const char *text, size_t len, int add_bos, int parse_special, int32_t *out,
                  size_t cap, char *err, size_t errlen)
{
    q4t_tok_vec ids = {0};
    fragments f = {0};
    long rc = -1;
    if ((add_bos && t->bos >= 0 && q4t_tok_vec_push(&ids, t->bos)) ||
        (parse_special ? split_specials(t, text, len, &f) : add_fragment(&f, 0, len, -1))) {
        fail(err, errlen, "tokenizer: out of memory for %zu bytes of text", len);
        goto done;
    }
    for (size_t i = 0; i < f.n; i++) {
        const fragment *fr = &f.v[i];
        if (fr->id >= 0) {
            if (q4t_tok_vec_push(&ids, fr->id)) {
                fail(err, errlen, "tokenizer: out of memory for %zu bytes of text", len);
                goto done;
            }
        } else if (t->kind == Q4T_TOK_SPM
                       ? q4t_tok_spm_encode(t, text + fr->off, fr->len, i == 0 || f.v[i - 1].id >= 0, &ids, err, errlen)
                       : q4t_tok_bpe_encode(t, text + fr->off, fr->len, &ids, err, errlen)) {
            goto done;
        }
    }
    if (ids.n > (size_t)LONG_MAX) {
        fail(err, errlen, "tokenizer: %zu tokens", ids.n);
        goto done;
    }
    if (out && cap && ids.n)
        memcpy(out, ids.v, (ids.n < cap ? ids.n : cap) * sizeof *out);
    rc = (long)ids.n;
done:
    free(ids.v);
    free(f.v);
    return rc;
}

/* ---- decoding ---- */

void q4t_detok_init(q4t_detok *d, const q4t_tokenizer *t)
{
    *d = (q4t_detok){.t = t, .first = 1};
}

/* Appends b[0 .. bn) to the stream (after the pending bytes): writes what
 * ends on a whole character to out, keeps a cut-off character's start. */
static size_t emit(q4t_detok *d, const char *b, size_t bn, char *out, size_t cap)
{
    const size_t an = (size_t)d->npend, total = an + bn;
    char last[3]; /* the stream's last bytes: a cut-off character starts there, if any */
    const size_t nl = total < sizeof last ? total : sizeof last;
    size_t keep = 0;
    for (size_t i = 0; i < nl; i++) {
        size_t at = total - nl + i;
        last[i] = at < an ? (char)d->pend[at] : b[at - an];
    }
    for (size_t i = 0; i < nl && !keep; i++)
        if (q4t_utf8_char(last + i, nl - i) < 0)
            keep = nl - i;
    const size_t done = total - keep;
    size_t w = 0;
    for (; w < done && w + 1 < cap; w++)
        out[w] = w < an ? (char)d->pend[w] : b[w - an];
    if (cap)
        out[w] = '\0';
    memcpy(d->pend, last + nl - keep, keep);
    d->npend = (int)keep;
    return done;
}

size_t q4t_detok_push(q4t_detok *d, int32_t id, char *out, size_t cap)
{
    const q4t_tokenizer *t = d->t;
    const char *p = "";
    size_t n = 0;
    if (id >= 0 && id < t->n_vocab) {
        p = t->piece + t->piece_off[id];
        n = t->piece_off[id + 1] - t->piece_off[id];
    }
    if (n && d->first) {
        d->first = 0;
        if (t->kind == Q4T_TOK_SPM && t->add_space_prefix && p[0] == ' ')
            p++, n--;
    }
    return emit(d, p, n, out, cap);
}

size_t q4t_detok_flush(q4t_detok *d, char *out, size_t cap)
{
    const size_t n = (size_t)d->npend;
    size_t w = 0;
    for (; w < n && w + 1 < cap; w++)
        out[w] = (char)d->pend[w];
    if (cap)
        out[w] = '\0';
    d->npend = 0;
    return n;
}

char *q4t_detokenize(const q4t_tokenizer *t, const int32_t *ids, size_t n, size_t *len)
{
    size_t bytes = 1;
    for (size_t i = 0; i < n; i++)
        if (ids[i] >= 0 && ids[i] < t->n_vocab)
            bytes += t->piece_off[ids[i] + 1] - t->piece_off[ids[i]];
    char *s = malloc(bytes);
    if (!s)
        return NULL;
    q4t_detok d;
    size_t w = 0;
    q4t_detok_init(&d, t);
    for (size_t i = 0; i < n; i++)
        w += q4t_detok_push(&d, ids[i], s + w, bytes - w);
    w += q4t_detok_flush(&d, s + w, bytes - w);
    *len = w;
    return s;
}
