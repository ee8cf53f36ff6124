/* SentencePiece-style BPE by token scores ("llama"), as llama.cpp's
 * llm_tokenizer_spm: spaces become U+2581, the text is split into UTF-8
 * characters (a byte that starts none is a symbol of its own), and while
 * some adjacent pair of symbols joins into a token, the pair whose token has
 * the highest score (the leftmost among equal scores) is merged. Then each
 * symbol is its token, or a character outside the vocabulary its <0xNN>
 * byte tokens.
 *
 * Merges produce normal and user-defined tokens only: like SentencePiece,
 * and unlike llama.cpp (which takes any token type), a text never turns into
 * a control, unknown, unused or byte token by merging.
 *
 * A max-heap of candidate pairs, invalidated lazily, keeps this O(n log n) in
 * the text's length n: each merge removes a symbol and adds two candidates. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer_impl.h"

typedef struct {
    uint32_t off, n;     /* the symbol's bytes in the escaped text; n == 0: merged into its left neighbour */
    int32_t prev, next;  /* neighbours, -1 at the ends */
} symbol;

typedef struct {
    float score;         /* of the token the pair joins into */
    int32_t left, right; /* symbols */
    uint32_t n;          /* the joined length: the pair is stale if its symbols changed since */
} pair;

typedef struct {
    const q4t_tokenizer *t;
    char *s; /* the escaped text */
    symbol *sym;
    pair *heap;
    size_t nheap;
} spm;

/* The token that spells s[0 .. n) (normal or user-defined), or -1. */
static int32_t spelling(const q4t_tokenizer *t, const char *s, size_t n)
{
    int32_t id = q4t_tok_map_get(&t->by_text, s, n);
    return id >= 0 && (t->type[id] == Q4T_TT_NORMAL || t->type[id] == Q4T_TT_USER) ? id : -1;
}

static int before(const pair *a, const pair *b) /* a merges first */
{
    return a->score > b->score || (a->score == b->score && a->left < b->left);
}

static void push_pair(spm *m, int32_t left, int32_t right)
{
    if (left < 0 || right < 0)
        return;
    const symbol *l = &m->sym[left], *r = &m->sym[right];
    int32_t id = spelling(m->t, m->s + l->off, (size_t)l->n + r->n);
    if (id < 0)
        return;
    size_t i = m->nheap++;
    m->heap[i] = (pair){m->t->scores[id], left, right, l->n + r->n};
    while (i > 0 && before(&m->heap[i], &m->heap[(i - 1) / 2])) {
        pair p = m->heap[i];
        m->heap[i] = m->heap[(i - 1) / 2];
        m->heap[(i - 1) / 2] = p;
        i = (i - 1) / 2;
    }
}

static pair pop_pair(spm *m)
{
    pair top = m->heap[0];
    m->heap[0] = m->heap[--m->nheap];
    for (size_t i = 0;;) {
        size_t best = i, l = 2 * i + 1, r = 2 * i + 2;
        if (l < m->nheap && before(&m->heap[l], &m->heap[best]))
            best = l;
        if (r < m->nheap && before(&m->heap[r], &m->heap[best]))
            best = r;
        if (best == i)
            break;
        pair p = m->heap[i];
        m->heap[i] = m->heap[best];
        m->heap[best] = p;
        i = best;
    }
    return top;
}

/* text with ' ' as U+2581, after one if prefix. */
static char *escape_spaces(const char *text, size_t len, int prefix, size_t *n)
{
    char *s = malloc(3 * len + 3);
    size_t w = 0;
    if (!s)
        return NULL;
    if (prefix) {
        memcpy(s, "\xE2\x96\x81", 3);
        w = 3;
    }
    for (size_t i = 0; i < len; i++) {
        if (text[i] == ' ') {
            memcpy(s + w, "\xE2\x96\x81", 3);
            w += 3;
        } else {
            s[w++] = text[i];
        }
    }
    *n = w;
    return s;
}

int q4t_tok_spm_encode(const q4t_tokenizer *t, const char *text, size_t len, int at_start, q4t_tok_vec *out,
                       char *err, size_t errlen)
{
    if (len == 0)
        return 0;
    if (len > (INT32_MAX - 3) / 3) {
        snprintf(err, errlen, "tokenizer: a text of %zu bytes is too long to encode (at most %d)", len,
                 (INT32_MAX - 3) / 3);
        return -1;
    }
    size_t n = 0, nsym = 0;
    spm m = {.t = t};
    m.s = escape_spaces(text, len, at_start && t->add_space_prefix, &n);
    m.sym = malloc(n * sizeof *m.sym);
    m.heap = malloc(3 * n * sizeof *m.heap); /* n - 1 first pairs, then at most 2 per merge */
    int rc = -1;
    if (!m.s || !m.sym || !m.heap) {
        snprintf(err, errlen, "tokenizer: out of memory encoding %zu bytes", len);
        goto done;
    }
    for (size_t at = 0; at < n; nsym++) {
        int cl = q4t_utf8_char(m.s + at, n - at);
        uint32_t cn = cl > 0 ? (uint32_t)cl : 1;
        m.sym[nsym] = (symbol){(uint32_t)at, cn, (int32_t)nsym - 1, at + cn < n ? (int32_t)nsym + 1 : -1};
        at += cn;
    }
    for (size_t i = 1; i < nsym; i++)
        push_pair(&m, (int32_t)i - 1, (int32_t)i);
    while (m.nheap) {
        pair p = pop_pair(&m);
        symbol *l = &m.sym[p.left], *r = &m.sym[p.right];
        if (l->n == 0 || r->n == 0 || l->n + r->n != p.n)
            continue;
        l->n += r->n;
        r->n = 0;
        l->next = r->next;
        if (r->next >= 0)
            m.sym[r->next].prev = p.left;
        push_pair(&m, l->prev, p.left);
        push_pair(&m, p.left, l->next);
    }
    for (int32_t i = 0; i >= 0; i = m.sym[i].next) {
        const symbol *sy = &m.sym[i];
        int32_t id = spelling(t, m.s + sy->off, sy->n);
        if (id >= 0) {
            if (q4t_tok_vec_push(out, id))
                goto oom;
            continue;
        }
        for (uint32_t k = 0; k < sy->n; k++) { /* one character outside the vocabulary */
            const unsigned char b = (unsigned char)m.s[sy->off + k];
            if (t->byte_token[b] < 0) {
                snprintf(err, errlen, "tokenizer.ggml.tokens: no byte token <0x%02X> for byte 0x%02X of the text", b, b);
                goto done;
            }
            if (q4t_tok_vec_push(out, t->byte_token[b]))
                goto oom;
        }
    }
    rc = 0;
    goto done;
oom:
    snprintf(err, errlen, "tokenizer: out of memory encoding %zu bytes", len);
done:
    free(m.s);
    free(m.sym);
    free(m.heap);
    return rc;
}
