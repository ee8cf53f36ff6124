/* GPT-2-style byte-level BPE by merge rank ("gpt2"), as llama.cpp's
 * llm_tokenizer_bpe and llama3-tokenizer-js: the text is cut into pieces by
 * the pre-tokenizer (unicode.h), each piece's bytes become GPT-2's printable
 * characters (bytes_to_unicode), and while some adjacent pair of symbols is
 * a merge of tokenizer.ggml.merges, the pair of lowest rank (the leftmost
 * among equal ranks) is merged. Every byte is a symbol of its own at first,
 * so a byte that is not valid UTF-8 is spelt like any other.
 *
 * With "llama-bpe" a piece that is a token as a whole is that token, merges
 * or not (Hugging Face's ignore_merges, which Llama 3 sets and llama.cpp
 * follows for it alone).
 *
 * A min-heap of candidate pairs, invalidated lazily, keeps a piece of n bytes
 * O(n log n): each merge removes a symbol and adds at most two candidates. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer_impl.h"
#include "unicode.h"

typedef struct {
    const char *name; /* tokenizer.ggml.pre */
    q4t_pretok kind;
    int whole_pieces; /* a piece that is a token is that token (ignore_merges) */
} pre_tokenizer;

static const pre_tokenizer pre_tokenizers[] = {
    {"default", Q4T_PRETOK_DEFAULT, 0},
    {"llama-bpe", Q4T_PRETOK_LLAMA3, 1},
    {"qwen2", Q4T_PRETOK_QWEN2, 0},
};

static const pre_tokenizer *find_pre(const char *name)
{
    for (size_t i = 0; i < sizeof pre_tokenizers / sizeof pre_tokenizers[0]; i++)
        if (!strcmp(pre_tokenizers[i].name, name))
            return &pre_tokenizers[i];
    return NULL;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* GPT-2's bytes_to_unicode: the printable bytes '!' .. '~', U+00A1 .. U+00AC
 * and U+00AE .. U+00FF stand for themselves; the other 68 (0x00 .. 0x20,
 * 0x7F .. 0xA0, 0xAD), in increasing order, for U+0100 .. U+0143. */
static unsigned gpt2_char(unsigned byte)
{
    if (byte <= 0x20)
        return 0x100 + byte;
    if (byte >= 0x7F && byte <= 0xA0)
        return 0x100 + 0x21 + (byte - 0x7F);
    if (byte == 0xAD)
        return 0x143;
    return byte;
}

/* Byte's GPT-2 character in UTF-8 at out (room for 2): its length. */
static uint32_t gpt2_utf8(unsigned byte, char *out)
{
    const unsigned c = gpt2_char(byte);
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    out[0] = (char)(0xC0 | c >> 6);
    out[1] = (char)(0x80 | (c & 0x3F));
    return 2;
}

/* Preview of a merge or token text for an error: at most 64 bytes. */
#define SHOW(n) (int)((n) < 64 ? (n) : 64)

/* tokenizer.ggml.merges into t->merges: each "left right" (split at its
 * first space after the first byte) names two tokens whose joined text is a
 * token too (as Hugging Face requires); its rank is its index, the first of
 * a merge listed twice. */
static int read_merges(q4t_tokenizer *t, const q4t_gguf *g, char *err, size_t errlen)
{
    const char *key = "tokenizer.ggml.merges";
    q4t_gguf_str *m = NULL;
    size_t n = 0, longest = 0;
    if (q4t_gguf_get_str_array(g, key, &m, &n, err, errlen))
        return -1;
    if (!m)
        return fail(err, errlen, "%s: missing (model gpt2 merges by rank)", key);
    if (n > INT32_MAX) {
        free(m);
        return fail(err, errlen, "%s: %zu merges (at most %d)", key, n, INT32_MAX);
    }
    for (size_t i = 0; i < n; i++)
        longest = m[i].len > longest ? m[i].len : longest;
    char *joined = malloc(longest ? longest : 1);
    int rc = -1;
    if (!joined) {
        fail(err, errlen, "%s: out of memory for %zu merges", key, n);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        const char *s = m[i].s;
        const size_t len = m[i].len;
        const char *space = len > 1 ? memchr(s + 1, ' ', len - 1) : NULL;
        if (!space) {
            fail(err, errlen, "%s: merge %zu '%.*s' is not 'left right' (no space)", key, i, SHOW(len), s);
            goto done;
        }
        const size_t nl = (size_t)(space - s), nr = len - nl - 1;
        const char *unknown = q4t_tok_map_get(&t->by_text, s, nl) < 0 ? s : NULL;
        size_t nu = nl;
        if (!unknown && q4t_tok_map_get(&t->by_text, space + 1, nr) < 0)
            unknown = space + 1, nu = nr;
        if (unknown) {
            fail(err, errlen, "%s: merge %zu '%.*s': '%.*s' is not a token", key, i, SHOW(len), s, SHOW(nu),
                 unknown);
            goto done;
        }
        memcpy(joined, s, nl);
        memcpy(joined + nl, space + 1, nr);
        if (q4t_tok_map_get(&t->by_text, joined, nl + nr) < 0) {
            fail(err, errlen, "%s: merge %zu '%.*s' makes '%.*s', which is not a token", key, i, SHOW(len), s,
                 SHOW(nl + nr), joined);
            goto done;
        }
        if (q4t_tok_map_put(&t->merges, s, len, (int32_t)i)) {
            fail(err, errlen, "%s: out of memory for %zu merges", key, n);
            goto done;
        }
    }
    rc = 0;
done:
    free(joined);
    free(m);
    return rc;
}

int q4t_tok_bpe_init(q4t_tokenizer *t, const q4t_gguf *g, char *err, size_t errlen)
{
    const char *pre = "default";
    if (q4t_gguf_get_str(g, "tokenizer.ggml.pre", &pre, err, errlen))
        return -1;
    if (!find_pre(pre))
        return fail(err, errlen, "tokenizer.ggml.pre '%.64s': q4tune knows llama-bpe, qwen2 and default", pre);
    snprintf(t->pre, sizeof t->pre, "%s", pre);
    for (unsigned b = 0; b < 256; b++) {
        char c[2];
        t->byte_token[b] = q4t_tok_map_get(&t->by_text, c, gpt2_utf8(b, c));
    }
    return read_merges(t, g, err, errlen);
}

/* ---- encoding ---- */

typedef struct {
    uint32_t off, n;    /* the symbol's bytes in the mapped piece; n == 0: merged into its left neighbour */
    int32_t prev, next; /* neighbours, -1 at the ends */
    int32_t id;         /* the token it spells */
} symbol;

typedef struct {
    int32_t rank;        /* of the merge */
    int32_t left, right; /* symbols */
    uint32_t n;          /* the joined length: the pair is stale if its symbols changed since */
} pair;

typedef struct {
    const q4t_tokenizer *t;
    char *s;      /* (2 * cap) the piece in GPT-2 characters */
    char *key;    /* (2 * cap + 1) a pair's "left right" */
    symbol *sym;  /* (cap) */
    pair *heap;   /* (3 * cap) at most n - 1 pairs at first and 2 per merge */
    size_t cap, nheap;
} bpe;

static int reserve(bpe *b, size_t n)
{
    if (n <= b->cap)
        return 0;
    char *s = realloc(b->s, 2 * n), *key = s ? realloc(b->key, 2 * n + 1) : NULL;
    symbol *sym = key ? realloc(b->sym, n * sizeof *sym) : NULL;
    pair *heap = sym ? realloc(b->heap, 3 * n * sizeof *heap) : NULL;
    b->s = s ? s : b->s;
    b->key = key ? key : b->key;
    b->sym = sym ? sym : b->sym;
    b->heap = heap ? heap : b->heap;
    if (!heap)
        return -1;
    b->cap = n;
    return 0;
}

static int before(const pair *a, const pair *c) /* a merges first */
{
    return a->rank < c->rank || (a->rank == c->rank && a->left < c->left);
}

static void push_pair(bpe *b, int32_t left, int32_t right)
{
    if (left < 0 || right < 0)
        return;
    const symbol *l = &b->sym[left], *r = &b->sym[right];
    memcpy(b->key, b->s + l->off, l->n);
    b->key[l->n] = ' ';
    memcpy(b->key + l->n + 1, b->s + r->off, r->n);
    const int32_t rank = q4t_tok_map_get(&b->t->merges, b->key, (size_t)l->n + 1 + r->n);
    if (rank < 0)
        return;
    size_t i = b->nheap++;
    const pair p = {rank, left, right, l->n + r->n};
    for (; i > 0 && before(&p, &b->heap[(i - 1) / 2]); i = (i - 1) / 2)
        b->heap[i] = b->heap[(i - 1) / 2];
    b->heap[i] = p;
}

static pair pop_pair(bpe *b)
{
    const pair top = b->heap[0], last = b->heap[--b->nheap];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= b->nheap)
            break;
        if (c + 1 < b->nheap && before(&b->heap[c + 1], &b->heap[c]))
            c++;
        if (!before(&b->heap[c], &last))
            break;
        b->heap[i] = b->heap[c];
        i = c;
    }
    b->heap[i] = last;
    return top;
}

/* Appends the ids of the piece p[0 .. n), n > 0. */
static int encode_piece(bpe *b, const char *p, size_t n, int whole, q4t_tok_vec *out, char *err, size_t errlen)
{
    const q4t_tokenizer *t = b->t;
    if (n > INT32_MAX / 4)
        return fail(err, errlen, "tokenizer: a piece of %zu bytes (at most %d)", n, INT32_MAX / 4);
    if (reserve(b, n))
        return fail(err, errlen, "tokenizer: out of memory for a piece of %zu bytes", n);
    uint32_t len = 0;
    for (size_t i = 0; i < n; i++) {
        const unsigned byte = (unsigned char)p[i];
        if (t->byte_token[byte] < 0)
            return fail(err, errlen, "tokenizer.ggml.tokens: no token for byte 0x%02X (GPT-2's character U+%04X)",
                        byte, gpt2_char(byte));
        const uint32_t cl = gpt2_utf8(byte, b->s + len);
        b->sym[i] = (symbol){len, cl, (int32_t)i - 1, i + 1 < n ? (int32_t)i + 1 : -1, t->byte_token[byte]};
        len += cl;
    }
    const int32_t id = whole ? q4t_tok_map_get(&t->by_text, b->s, len) : -1;
    if (id >= 0)
        return q4t_tok_vec_push(out, id) ? fail(err, errlen, "tokenizer: out of memory for the ids") : 0;

    b->nheap = 0;
    for (size_t i = 0; i + 1 < n; i++)
        push_pair(b, (int32_t)i, (int32_t)i + 1);
    while (b->nheap) {
        const pair m = pop_pair(b);
        symbol *l = &b->sym[m.left], *r = &b->sym[m.right];
        if (l->n == 0 || l->next != m.right || l->n + r->n != m.n)
            continue; /* stale */
        l->n += r->n;
        l->next = r->next;
        if (r->next >= 0)
            b->sym[r->next].prev = m.left;
        r->n = 0;
        l->id = q4t_tok_map_get(&t->by_text, b->s + l->off, l->n); /* a token: read_merges checked */
        push_pair(b, l->prev, m.left);
        push_pair(b, m.left, l->next);
    }
    for (int32_t i = 0; i >= 0; i = b->sym[i].next)
        if (q4t_tok_vec_push(out, b->sym[i].id))
            return fail(err, errlen, "tokenizer: out of memory for the ids");
    return 0;
}

int q4t_tok_bpe_encode(const q4t_tokenizer *t, const char *text, size_t len, q4t_tok_vec *out, char *err,
                       size_t errlen)
{
    const pre_tokenizer *pre = find_pre(t->pre); /* q4t_tok_bpe_init accepted it */
    bpe b = {.t = t};
    int rc = 0;
    for (size_t at = 0; at < len && rc == 0;) {
        const size_t n = q4t_pretok_next(pre->kind, text + at, len - at);
        rc = encode_piece(&b, text + at, n, pre->whole_pieces, out, err, errlen);
        at += n;
    }
    free(b.s);
    free(b.key);
    free(b.sym);
    free(b.heap);
    return rc;
}
