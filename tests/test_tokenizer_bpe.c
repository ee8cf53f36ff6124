/* The byte-level BPE tokenizer ("gpt2": model/tok_bpe.c, model/unicode.c):
 *   unicode  UTF-8 units (invalid bytes one byte each) and the regex classes
 *   pretok   the pre-tokenizers against JavaScript's regex engine: SPLITS is
 *            tokenizer_bpe/splits.mjs's output (each case cut by the regexes)
 *   bpe      a hand-made vocabulary and merges: the exact ids, "default" and
 *            "llama-bpe", and back to the text
 *   broken   every metadata error names its key
 *
 * Usage: test_tokenizer_bpe DIR [SPLITS]   (DIR: where the GGUFs are written) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gguf_writer.h"
#include "tokenizer.h"
#include "unicode.h"

static char dir[512];

/* ---- unicode ---- */

static void test_unicode(void)
{
    static const struct {
        const char *s;
        size_t n;
        int len;
        int32_t cp;
    } units[] = {
        {"a", 1, 1, 'a'},
        {"\xC3\xA9", 2, 2, 0xE9},
        {"\xE2\x82\xAC", 3, 3, 0x20AC},
        {"\xF0\x9F\x98\x80", 4, 4, 0x1F600},
        {"\xF4\x8F\xBF\xBF", 4, 4, 0x10FFFF},
        {"\x80", 1, 1, -1},             /* a stray continuation byte */
        {"\xC0\x80", 2, 1, -1},         /* overlong */
        {"\xC1\xBF", 2, 1, -1},         /* overlong */
        {"\xE0\x9F\xBF", 3, 1, -1},     /* overlong */
        {"\xED\xA0\x80", 3, 1, -1},     /* a surrogate */
        {"\xF4\x90\x80\x80", 4, 1, -1}, /* past U+10FFFF */
        {"\xF5\x80\x80\x80", 4, 1, -1},
        {"\xE2\x82\xAC", 2, 1, -1},     /* cut off by n: never read past it */
        {"\xF0\x9F\x98\x80", 3, 1, -1},
        {"\xE2\x28\xAC", 3, 1, -1},     /* a bad continuation */
        {"\xFF", 1, 1, -1},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        int32_t cp = 0;
        int len = q4t_utf8_decode(units[i].s, units[i].n, &cp);
        CHECK(len == units[i].len && cp == units[i].cp, "unit %zu: length %d code point %ld, expected %d %ld", i,
              len, (long)cp, units[i].len, (long)units[i].cp);
    }

    static const struct {
        int32_t cp;
        int cls;
    } classes[] = {
        {'a', Q4T_CP_LETTER},    {'Z', Q4T_CP_LETTER},    {0xE9, Q4T_CP_LETTER},   {0x4E2D, Q4T_CP_LETTER},
        {0x1F600, Q4T_CP_OTHER}, {0x301, Q4T_CP_OTHER},   {'7', Q4T_CP_NUMBER},    {0x663, Q4T_CP_NUMBER},
        {0xBD, Q4T_CP_NUMBER},   {0x2167, Q4T_CP_NUMBER}, {' ', Q4T_CP_SPACE},     {'\t', Q4T_CP_SPACE},
        {'\r', Q4T_CP_SPACE},    {0x0B, Q4T_CP_SPACE},    {0xA0, Q4T_CP_SPACE},    {0x2028, Q4T_CP_SPACE},
        {0x3000, Q4T_CP_SPACE},  {0xFEFF, Q4T_CP_SPACE},  {0x85, Q4T_CP_OTHER},    {0x200B, Q4T_CP_OTHER},
        {0x180E, Q4T_CP_OTHER},  {'\'', Q4T_CP_OTHER},    {'!', Q4T_CP_OTHER},     {-1, Q4T_CP_OTHER},
        {0x10FFFF, Q4T_CP_OTHER},
    };
    for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++)
        CHECK(q4t_cp_class(classes[i].cp) == classes[i].cls, "U+%04lX: class %d, expected %d",
              (unsigned long)classes[i].cp, q4t_cp_class(classes[i].cp), classes[i].cls);
}

/* ---- the pre-tokenizers against the regexes ---- */

static int unhex(const char *h, size_t n, char *out)
{
    for (size_t i = 0; i + 1 < n; i += 2) {
        unsigned v;
        if (sscanf(h + i, "%2x", &v) != 1)
            return -1;
        out[i / 2] = (char)v;
    }
    return n % 2 ? -1 : 0;
}

static void print_hex(FILE *f, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02x", (unsigned char)s[i]);
}

/* One line of SPLITS: "<pre>\t<case>\t<piece> <piece> ..." in hex; the scanner
 * must cut the case into exactly those pieces. 1 if it does. */
static int same_split(char *line, size_t lineno)
{
    char *tab1 = strchr(line, '\t'), *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
    CHECK(tab2, "splits line %zu: not <pre> <case> <pieces>", lineno);
    if (!tab2)
        return 0;
    *tab1 = *tab2 = '\0';
    const char *pre = line, *hex = tab1 + 1;
    char *pieces = tab2 + 1;
    pieces[strcspn(pieces, "\n")] = '\0';
    q4t_pretok kind = !strcmp(pre, "llama-bpe") ? Q4T_PRETOK_LLAMA3
                      : !strcmp(pre, "qwen2")   ? Q4T_PRETOK_QWEN2
                                                : Q4T_PRETOK_DEFAULT;
    const size_t n = strlen(hex) / 2;
    char *text = malloc(n + 1), *want = malloc(n + 1);
    int ok = text && want && !unhex(hex, 2 * n, text);
    size_t at = 0;
    for (const char *p = pieces; ok && *p; p += *p == ' ') {
        const size_t hex_n = strcspn(p, " "), want_n = hex_n / 2;
        ok = !unhex(p, hex_n, want) && at + want_n <= n && want_n > 0 &&
             q4t_pretok_next(kind, text + at, n - at) == want_n && !memcmp(text + at, want, want_n);
        at += want_n;
        p += hex_n;
    }
    ok = ok && at == n;
    if (!ok && text) {
        fprintf(stderr, "%s: case ", pre);
        print_hex(stderr, text, n);
        fprintf(stderr, "\n  regex:   %s\n  scanner:", pieces);
        for (size_t i = 0; i < n;) {
            size_t k = q4t_pretok_next(kind, text + i, n - i);
            fputc(' ', stderr);
            print_hex(stderr, text + i, k);
            i += k;
        }
        fputc('\n', stderr);
    }
    CHECK(ok, "splits line %zu (%s): the scanner's pieces differ from the regex's", lineno, pre);
    free(text);
    free(want);
    return ok;
}

static void test_pretok(const char *path)
{
    FILE *f = fopen(path, "r");
    CHECK(f, "cannot open %s", path);
    if (!f)
        return;
    size_t cap = 1 << 16, lineno = 0, same = 0;
    char *line = malloc(cap);
    while (line && fgets(line, (int)cap, f)) {
        CHECK(strchr(line, '\n'), "splits line %zu: longer than %zu bytes", lineno + 1, cap);
        same += (size_t)same_split(line, ++lineno);
    }
    free(line);
    fclose(f);
    CHECK(lineno > 1000, "%s: %zu lines, expected the corpus and the random cases", path, lineno);
    printf("pre-tokenizers: %zu of %zu splits as JavaScript's regexes\n", same, lineno);
}

/* ---- a hand-made vocabulary ---- */

/* GPT-2's bytes_to_unicode, as its definition reads: the printable bytes
 * stand for themselves, the others in order for 256, 257, ... */
static void gpt2_chars(char chars[256][3])
{
    unsigned cp[256], next = 256;
    for (unsigned b = 0; b < 256; b++) {
        int printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        cp[b] = printable ? b : next++;
    }
    for (unsigned b = 0; b < 256; b++) {
        memset(chars[b], 0, 3);
        if (cp[b] < 0x80) {
            chars[b][0] = (char)cp[b];
        } else {
            chars[b][0] = (char)(0xC0 | cp[b] >> 6);
            chars[b][1] = (char)(0x80 | (cp[b] & 0x3F));
        }
    }
}

/* Token 0 a control token, tokens 1 .. 256 byte b's character (id b + 1), then: */
enum { HE = 257, LL, HELL, HELLO, G_W, OR, G_WOR, LD, AA, EL, G_WORLD, N_VOCAB };
static const char *const extra[] = {"he", "ll", "hell", "hello", "\xC4\xA0w", "or", "\xC4\xA0wor", "ld", "aa",
                                    "el", "\xC4\xA0world"};
static const char *const merges[] = {"h e", "l l", "he ll", "hell o", "\xC4\xA0 w", "o r", "\xC4\xA0w or",
                                     "l d", "a a", "e l"}; /* nothing makes Ġworld */
#define N_MERGES (sizeof merges / sizeof merges[0])

static char byte_chars[256][3];
static const char *tokens[N_VOCAB];

static gguf_writer *vocab_writer(const char *pre)
{
    gpt2_chars(byte_chars);
    tokens[0] = "<|endoftext|>";
    for (int b = 0; b < 256; b++)
        tokens[b + 1] = byte_chars[b];
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
        tokens[HE + i] = extra[i];
    unsigned char types[12 + 4 * N_VOCAB];
    const uint32_t et = GW_I32;
    const uint64_t n = N_VOCAB;
    memcpy(types, &et, 4);
    memcpy(types + 4, &n, 8);
    for (int i = 0; i < N_VOCAB; i++) {
        int32_t type = i == 0 ? 3 : 1;
        memcpy(types + 12 + 4 * i, &type, 4);
    }
    gguf_writer *w = gw_new();
    gw_str(w, "general.architecture", "llama");
    gw_str(w, "tokenizer.ggml.model", "gpt2");
    if (pre)
        gw_str(w, "tokenizer.ggml.pre", pre);
    gw_str_array(w, "tokenizer.ggml.tokens", N_VOCAB, tokens);
    gw_raw(w, "tokenizer.ggml.token_type", GW_ARRAY, types, sizeof types);
    gw_str_array(w, "tokenizer.ggml.merges", N_MERGES, merges);
    gw_u32(w, "tokenizer.ggml.bos_token_id", 0);
    gw_u32(w, "tokenizer.ggml.eos_token_id", 0);
    return w;
}

/* Writes w (and frees it) as DIR/<name>.gguf and loads its tokenizer: NULL with err. */
static q4t_tokenizer *load(gguf_writer *w, const char *name, char *err, size_t errlen)
{
    char path[700];
    snprintf(path, sizeof path, "%s/tokenizer_bpe_%s.gguf", dir, name);
    for (char *p = path + strlen(dir); *p; p++)
        if (*p == ' ')
            *p = '_';
    int wrote = gw_write(w, path);
    gw_free(w);
    CHECK(wrote == 0, "%s: cannot write %s", name, path);
    q4t_gguf *g = q4t_gguf_open(path, err, errlen);
    CHECK(g, "%s: %s", name, err);
    if (!g)
        return NULL;
    q4t_tokenizer *t = q4t_tokenizer_load(g, err, errlen);
    q4t_gguf_close(g);
    return t;
}

/* text's ids are want[0 .. n), and they decode back to text. */
static void expect_ids(const q4t_tokenizer *t, const char *what, const char *text, size_t len, int parse_special,
                       const int32_t *want, size_t n)
{
    char err[256] = "";
    int32_t ids[64];
    long got = q4t_tokenize(t, text, len, 0, parse_special, ids, 64, err, sizeof err);
    int same = got == (long)n;
    for (size_t i = 0; same && i < n; i++)
        same = ids[i] == want[i];
    CHECK(same, "%s (%s): %ld ids, expected %zu%s%s", what, q4t_tokenizer_pre(t), got, n, got < 0 ? ": " : "", err);
    if (!same) {
        for (long i = 0; i < got && i < 64; i++)
            fprintf(stderr, " %d", (int)ids[i]);
        fputc('\n', stderr);
    }
    if (got > 0 && !parse_special) {
        size_t back_len = 0;
        char *back = q4t_detokenize(t, ids, (size_t)got, &back_len);
        CHECK(back && back_len == len && !memcmp(back, text, len), "%s (%s): does not decode back to the text",
              what, q4t_tokenizer_pre(t));
        free(back);
    }
}

#define IDS(...) (const int32_t[]){__VA_ARGS__}, sizeof((const int32_t[]){__VA_ARGS__}) / sizeof(int32_t)
#define B(c) ((int32_t)(unsigned char)(c) + 1) /* byte c's token */

static void test_bpe(void)
{
    char err[256] = "";
    for (int llama3 = 0; llama3 <= 1; llama3++) {
        q4t_tokenizer *t = load(vocab_writer(llama3 ? "llama-bpe" : NULL), llama3 ? "llama-bpe" : "default", err,
                                sizeof err);
        CHECK(t, "the hand-made vocabulary: %s", err);
        if (!t)
            continue;
        CHECK(!strcmp(q4t_tokenizer_pre(t), llama3 ? "llama-bpe" : "default"), "pre '%s'", q4t_tokenizer_pre(t));
        CHECK(!strcmp(q4t_tokenizer_model(t), "gpt2"), "model '%s'", q4t_tokenizer_model(t));
        /* merges in rank order: h e, l l, he ll, hell o; " world": Ġ w, o r, Ġw or, l d */
        if (llama3) /* ignore_merges: " world" is the token Ġworld, which no merge makes */
            expect_ids(t, "hello world", "hello world", 11, 0, IDS(HELLO, G_WORLD));
        else
            expect_ids(t, "hello world", "hello world", 11, 0, IDS(HELLO, G_WOR, LD));
        expect_ids(t, "equal ranks: leftmost first", "aaaaa", 5, 0, IDS(AA, AA, B('a')));
        expect_ids(t, "lower rank first (l l before e l)", "ell", 3, 0, IDS(B('e'), LL));
        expect_ids(t, "rank 0 first (h e before e l)", "hel", 3, 0, IDS(HE, B('l')));
        expect_ids(t, "no merge across pieces", "he, llo", 7, 0,
                   IDS(HE, B(','), B(' '), LL, B('o')));
        expect_ids(t, "invalid UTF-8: its bytes", "\xFF\xFEhe", 4, 0, IDS(B(0xFF), B(0xFE), HE));
        expect_ids(t, "a cut-off character", "\xE2\x82", 2, 0, IDS(B(0xE2), B(0x82)));
        expect_ids(t, "every byte 0x00 .. 0x20", "\x01\x1F\x20\x7F\xAD", 5, 0,
                   IDS(B(0x01), B(0x1F), B(0x20), B(0x7F), B(0xAD)));
        expect_ids(t, "a control token as text", "<|endoftext|>", 13, 0,
                   IDS(B('<'), B('|'), B('e'), B('n'), B('d'), B('o'), B('f'), B('t'), B('e'), B('x'), B('t'),
                       B('|'), B('>')));
        expect_ids(t, "a control token, parse_special", "hello<|endoftext|>", 18, 1, IDS(HELLO, 0));
        expect_ids(t, "empty text", "", 0, 0, NULL, 0);
        q4t_tokenizer_free(t);
    }

    /* a vocabulary that cannot spell 'z': encode says so */
    gguf_writer *w = vocab_writer("default");
    tokens[B('z')] = "zz";
    gw_str_array(w, "tokenizer.ggml.tokens", N_VOCAB, tokens);
    q4t_tokenizer *t = load(w, "no z", err, sizeof err);
    CHECK(t, "vocabulary without z: %s", err);
    if (t) {
        int32_t ids[8];
        err[0] = '\0';
        long n = q4t_tokenize(t, "hez", 3, 0, 0, ids, 8, err, sizeof err);
        CHECK(n == -1 && strstr(err, "byte 0x7A"), "'z' without its token: %ld, '%s'", n, err);
        q4t_tokenizer_free(t);
    }
}

/* ---- broken metadata ---- */

static void expect_error(gguf_writer *w, const char *name, const char *expect)
{
    char err[512] = "";
    q4t_tokenizer *t = load(w, name, err, sizeof err);
    CHECK(!t && strstr(err, expect), "%s: expected an error with \"%s\", got \"%s\"", name, expect, err);
    q4t_tokenizer_free(t);
}

static void test_broken(void)
{
    gguf_writer *w;
#define BROKEN(name, setup, expect)                                                                                    \
    do {                                                                                                               \
        w = vocab_writer("llama-bpe");                                                                                 \
        setup;                                                                                                         \
        expect_error(w, name, expect);                                                                                 \
    } while (0)
#define MERGES(...) gw_str_array(w, "tokenizer.ggml.merges", sizeof((const char *[]){__VA_ARGS__}) / sizeof(char *), \
                                 (const char *[]){__VA_ARGS__})

    BROKEN("no merges", gw_remove_kv(w, "tokenizer.ggml.merges"), "tokenizer.ggml.merges: missing");
    BROKEN("merges of numbers", gw_u32(w, "tokenizer.ggml.merges", 7), "tokenizer.ggml.merges");
    BROKEN("unknown left", MERGES("h e", "q\xC4\xA0 e"), "tokenizer.ggml.merges: merge 1 'q\xC4\xA0 e': 'q\xC4\xA0' is not a token");
    BROKEN("unknown right", MERGES("h e", "l l", "he xyz"), "tokenizer.ggml.merges: merge 2 'he xyz': 'xyz' is not a token");
    BROKEN("empty right", MERGES("h "), "tokenizer.ggml.merges: merge 0 'h ': '' is not a token");
    BROKEN("no space", MERGES("h e", "hello"), "tokenizer.ggml.merges: merge 1 'hello' is not 'left right' (no space)");
    BROKEN("only a space", MERGES(" "), "tokenizer.ggml.merges: merge 0 ' ' is not 'left right' (no space)");
    BROKEN("a merge that makes no token", MERGES("hello \xC4\xA0w"),
           "tokenizer.ggml.merges: merge 0 'hello \xC4\xA0w' makes 'hello\xC4\xA0w', which is not a token");
    BROKEN("unknown pre", gw_str(w, "tokenizer.ggml.pre", "smollm"),
           "tokenizer.ggml.pre 'smollm': q4tune knows llama-bpe, qwen2 and default");
    BROKEN("pre of a number", gw_u32(w, "tokenizer.ggml.pre", 1), "tokenizer.ggml.pre");
#undef MERGES
#undef BROKEN

    /* absent pre: GPT-2's */
    char err[256] = "";
    w = vocab_writer(NULL);
    q4t_tokenizer *t = load(w, "no pre", err, sizeof err);
    CHECK(t && !strcmp(q4t_tokenizer_pre(t), "default"), "no tokenizer.ggml.pre: '%s' %s",
          t ? q4t_tokenizer_pre(t) : "", err);
    q4t_tokenizer_free(t);
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: test_tokenizer_bpe DIR [SPLITS]\n");
        return 2;
    }
    snprintf(dir, sizeof dir, "%s", argv[1]);
    test_unicode();
    if (argc == 3)
        test_pretok(argv[2]);
    else
        printf("pre-tokenizers: not checked against JavaScript's regexes (no SPLITS file: node not found)\n");
    test_bpe();
    test_broken();
    return check_done("tokenizer_bpe");
}
