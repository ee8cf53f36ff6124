/* The tokenizer on hand-built vocabularies written as GGUF files: exact ids
 * of known strings (merge order by score, leftmost among equals, byte
 * fallback, the leading space, special tokens), decoding whole and streamed,
 * and every kind of broken metadata, each an error naming its key.
 *
 * Usage: test_tokenizer <dir for the GGUF files> */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tokenizer.h"
#include "vocab_gguf.h"

static const char *dir;

/* ---- the SentencePiece vocabulary ----
 *   0 <unk> (unknown)  1 <s>, 2 </s> (control)  3 .. 258 <0x00> .. <0xFF> (byte)
 *   then the normal tokens below, and the special ones after them. */
enum { UNK, BOS, EOS, BYTE0 = 3, SP = 259 };
enum { T_SP = SP, T_H, T_E, T_L, T_O, T_W, T_LL, T_HE, T_HELL, T_LO, T_SPW, T_OW, T_OH, T_USER, T_USER2, T_DUP, N_SPM };

static const struct {
    const char *text;
    float score;
    int32_t type;
} spm_tokens[N_SPM - SP] = {
    {"\xE2\x96\x81", -100, 1}, {"h", -100, 1}, {"e", -100, 1}, {"l", -100, 1}, {"o", -100, 1}, {"w", -100, 1},
    {"ll", -1, 1},     /* "hello": ll and lo compete for the middle l */
    {"he", -2, 1},     {"hell", -3, 1},
    {"lo", -0.5f, 1},  /* ... and lo, better scored, wins: he l lo, never hell o */
    {"\xE2\x96\x81w", -6, 1},
    {"ow", 0, 5},      /* unused: never merged into, though the best scored */
    {"oh", 0, 2},      /* unknown: never merged into either */
    {"[ab]", 0, 4},    /* user-defined */
    {"[ab][cd]", 0, 4}, /* user-defined, longer: split first */
    {"ll", 5, 1},      /* the text of T_LL again: T_LL spells it */
};

typedef struct {
    const char *tokens[N_SPM];
    float scores[N_SPM];
    int32_t types[N_SPM];
    char bytes[256][8];
    tw_vocab v;
} spm_vocab;

static void spm_vocab_init(spm_vocab *s)
{
    s->tokens[UNK] = "<unk>", s->types[UNK] = 2;
    s->tokens[BOS] = "<s>", s->types[BOS] = 3;
    s->tokens[EOS] = "</s>", s->types[EOS] = 3;
    for (int b = 0; b < 256; b++) {
        snprintf(s->bytes[b], sizeof s->bytes[b], "<0x%02X>", b);
        s->tokens[BYTE0 + b] = s->bytes[b];
        s->types[BYTE0 + b] = 6;
    }
    for (int i = 0; i < SP; i++)
        s->scores[i] = 0;
    for (int i = SP; i < N_SPM; i++) {
        s->tokens[i] = spm_tokens[i - SP].text;
        s->scores[i] = spm_tokens[i - SP].score;
        s->types[i] = spm_tokens[i - SP].type;
    }
    s->v = (tw_vocab){.model = "llama", .n = N_SPM, .tokens = s->tokens, .scores = s->scores, .types = s->types,
                      .bos = BOS, .eos = EOS, .unk = UNK, .add_bos = -1};
}

/* The tokenizer of the GGUF w writes (NULL with err). */
static q4t_tokenizer *load(gguf_writer *w, const char *name, char *err, size_t errlen)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tokenizer_%s.gguf", dir, name);
    const int written = gw_write(w, path) == 0;
    gw_free(w);
    if (!written) {
        snprintf(err, errlen, "cannot write the GGUF in %s", dir);
        return NULL;
    }
    q4t_gguf *g = q4t_gguf_open(path, err, errlen);
    if (!g)
        return NULL;
    q4t_tokenizer *t = q4t_tokenizer_load(g, err, errlen);
    q4t_gguf_close(g); /* the tokenizer keeps what it needs */
    return t;
}

static q4t_tokenizer *load_spm(void)
{
    static spm_vocab s;
    char err[512];
    spm_vocab_init(&s);
    gguf_writer *w = gw_new();
    tw_vocab_write(w, &s.v);
    q4t_tokenizer *t = load(w, "spm", err, sizeof err);
    CHECK(t, "the SentencePiece vocabulary: %s", err);
    return t;
}

/* text encodes (no BOS unless add_bos) to exactly want[0 .. n). */
static void expect_ids(const q4t_tokenizer *t, const char *text, size_t len, int add_bos, int special,
                       const int32_t *want, size_t n)
{
    int32_t got[64];
    char err[256] = "";
    long k = q4t_tokenize(t, text, len, add_bos, special, got, 64, err, sizeof err);
    int same = k == (long)n && !memcmp(got, want, n * sizeof *want);
    CHECK(same, "'%.*s' (bos %d, special %d): %ld ids %s", (int)len, text, add_bos, special, k, err);
    if (!same && k > 0) {
        fprintf(stderr, "  got:");
        for (long i = 0; i < k && i < 64; i++)
            fprintf(stderr, " %d", (int)got[i]);
        fprintf(stderr, "\n  want:");
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, " %d", (int)want[i]);
        fputc('\n', stderr);
    }
}

#define IDS(...) (const int32_t[]){__VA_ARGS__}, sizeof((const int32_t[]){__VA_ARGS__}) / sizeof(int32_t)
#define STR(s) s, sizeof(s) - 1

/* decode(ids) is exactly text[0 .. len). */
static void expect_text(const q4t_tokenizer *t, const int32_t *ids, size_t n, const char *text, size_t len)
{
    size_t got = 0;
    char *s = q4t_detokenize(t, ids, n, &got);
    CHECK(s && got == len && !memcmp(s, text, len) && s[got] == '\0', "decodes to '%.*s' (%zu bytes), not '%.*s'",
          s ? (int)got : 0, s ? s : "", got, (int)len, text);
    free(s);
}

static void test_encode(const q4t_tokenizer *t)
{
    CHECK(!strcmp(q4t_tokenizer_model(t), "llama") && !strcmp(q4t_tokenizer_pre(t), ""), "model '%s', pre '%s'",
          q4t_tokenizer_model(t), q4t_tokenizer_pre(t));
    CHECK(q4t_tokenizer_vocab_size(t) == N_SPM && q4t_tokenizer_bos(t) == BOS && q4t_tokenizer_eos(t) == EOS,
          "vocabulary %d, bos %d, eos %d", q4t_tokenizer_vocab_size(t), q4t_tokenizer_bos(t), q4t_tokenizer_eos(t));
    CHECK(q4t_tokenizer_add_bos(t) == 1, "llama adds BOS by default");
    CHECK(q4t_tokenizer_is_control(t, BOS) && q4t_tokenizer_is_control(t, EOS) && !q4t_tokenizer_is_control(t, UNK) &&
              !q4t_tokenizer_is_control(t, T_H) && !q4t_tokenizer_is_control(t, -1) &&
              !q4t_tokenizer_is_control(t, N_SPM),
          "control tokens: <s> and </s> only");

    /* The leading space (an escaped space "▁" and the h after it do not join), then score order: lo (-0.5)
     * before ll (-1), he (-2); hel, llo are no tokens, so hell never forms. */
    expect_ids(t, STR("hello"), 0, 0, IDS(T_SP, T_HE, T_L, T_LO));
    expect_ids(t, STR("hello"), 1, 0, IDS(BOS, T_SP, T_HE, T_L, T_LO));
    /* Equal scores: the leftmost pair first. */
    expect_ids(t, STR("lll"), 0, 0, IDS(T_SP, T_LL, T_L));
    /* Spaces are U+2581; "▁w" is a token, "▁▁" is not. */
    expect_ids(t, STR("he  w"), 0, 0, IDS(T_SP, T_HE, T_SP, T_SPW));
    /* Unused and unknown tokens are never merged into: "ow", "oh" stay two characters. */
    expect_ids(t, STR("how"), 0, 0, IDS(T_SP, T_H, T_O, T_W));
    expect_ids(t, STR("oh"), 0, 0, IDS(T_SP, T_O, T_H));
    /* The text of two tokens (T_LL, T_DUP) is its first's. */
    expect_ids(t, STR(" ll"), 0, 0, IDS(T_SP, T_SP, T_LL));
    /* Characters outside the vocabulary: their UTF-8 bytes; a byte that starts no character: itself. */
    expect_ids(t, STR("h\xC3\xA9"), 0, 0, IDS(T_SP, T_H, BYTE0 + 0xC3, BYTE0 + 0xA9));
    expect_ids(t, STR("\xF0\x9F\xA6\x99"), 0, 0, IDS(T_SP, BYTE0 + 0xF0, BYTE0 + 0x9F, BYTE0 + 0xA6, BYTE0 + 0x99));
    expect_ids(t, STR("\xFF" "h\xC3"), 0, 0, IDS(T_SP, BYTE0 + 0xFF, T_H, BYTE0 + 0xC3));
    expect_ids(t, STR("h\0e"), 0, 0, IDS(T_SP, T_H, BYTE0, T_E));
    /* Empty text: no ids, BOS alone. */
    expect_ids(t, "", 0, 0, 0, NULL, 0);
    expect_ids(t, "", 0, 1, 0, IDS(BOS));

    /* Special tokens: with parse_special their ids (the longest first), the text after one has its leading
     * space again (as llama.cpp: "<s>he" is <s> ▁he); without, plain text. */
    expect_ids(t, STR("he<s>he"), 0, 1, IDS(T_SP, T_HE, BOS, T_SP, T_HE));
    expect_ids(t, STR("<s>"), 0, 1, IDS(BOS));
    expect_ids(t, STR("he<s>he"), 0, 0, IDS(T_SP, T_HE, BYTE0 + '<', BYTE0 + 's', BYTE0 + '>', T_HE));
    expect_ids(t, STR("[ab][cd][ab]"), 0, 1, IDS(T_USER2, T_USER));
    expect_ids(t, STR("h[ab]</s>"), 0, 1, IDS(T_SP, T_H, T_USER, EOS));

    /* A smaller out: the count all the same, and out filled up to cap. */
    int32_t two[3] = {-7, -7, -7};
    char err[256];
    CHECK(q4t_tokenize(t, STR("hello"), 0, 0, two, 2, err, sizeof err) == 4 && two[0] == T_SP && two[1] == T_HE &&
              two[2] == -7,
          "cap 2: the count and the first two ids");
    CHECK(q4t_tokenize(t, STR("hello"), 0, 0, NULL, 0, err, sizeof err) == 4, "cap 0: the count");

    /* A long text stays fast (the merge heap) and exact: 100 KB of "hello ". */
    enum { REPS = 100000 / 6 };
    char *big = malloc(6 * REPS);
    int32_t *ids = malloc(4 * REPS * sizeof *ids + 8);
    for (int i = 0; i < REPS; i++)
        memcpy(big + 6 * i, "hello ", 6);
    long n = q4t_tokenize(t, big, 6 * REPS, 0, 0, ids, 4 * REPS + 2, err, sizeof err);
    int ok = n == 4 * REPS + 1;
    for (int i = 0; ok && i < REPS; i++)
        ok = ids[4 * i] == T_SP && ids[4 * i + 1] == T_HE && ids[4 * i + 2] == T_L && ids[4 * i + 3] == T_LO;
    CHECK(ok && ids[n - 1] == T_SP, "100 KB: %ld ids, want %d of ▁ he l lo and a ▁", n, 4 * REPS + 1);
    size_t len = 0;
    char *back = q4t_detokenize(t, ids, (size_t)n, &len);
    CHECK(back && len == 6 * REPS && !memcmp(back, big, len), "100 KB: decodes back (%zu bytes)", len);
    free(back);
    free(ids);
    free(big);
}

static void test_decode(const q4t_tokenizer *t)
{
    expect_text(t, IDS(T_SP, T_HE, T_L, T_LO), STR("hello"));
    expect_text(t, IDS(BOS, T_SP, T_HE, EOS), STR("he"));           /* control tokens: nothing */
    expect_text(t, IDS(T_SP, T_SP, T_LL), STR(" ll"));              /* one leading space dropped */
    expect_text(t, IDS(T_HE, T_SP), STR("he "));                    /* none to drop */
    expect_text(t, IDS(T_SP, T_H, T_USER, UNK, T_OW), STR("h[ab]")); /* user-defined: its text; unknown, unused: nothing */
    expect_text(t, IDS(T_SP, BYTE0 + 0xFF, T_H, BYTE0 + 0xC3), STR("\xFF" "h\xC3"));
    expect_text(t, IDS(BYTE0, T_E), STR("\0e"));
    expect_text(t, IDS(-1, N_SPM, T_E), STR("e")); /* ids outside the vocabulary: nothing */

    /* Streaming: a character's bytes come out when its last byte does. */
    q4t_detok d;
    char out[16];
    q4t_detok_init(&d, t);
    CHECK(q4t_detok_push(&d, T_SP, out, sizeof out) == 0 && !strcmp(out, ""), "the leading ▁: nothing");
    CHECK(q4t_detok_push(&d, T_H, out, sizeof out) == 1 && !strcmp(out, "h"), "h: '%s'", out);
    static const unsigned char llama[4] = {0xF0, 0x9F, 0xA6, 0x99};
    for (int i = 0; i < 3; i++)
        CHECK(q4t_detok_push(&d, BYTE0 + llama[i], out, sizeof out) == 0 && out[0] == '\0',
              "byte %d of 4 of U+1F999: nothing yet", i + 1);
    CHECK(q4t_detok_push(&d, BYTE0 + llama[3], out, sizeof out) == 4 && !memcmp(out, "\xF0\x9F\xA6\x99", 5),
          "its last byte: all four");
    CHECK(q4t_detok_push(&d, T_SP, out, sizeof out) == 1 && !strcmp(out, " "), "a later ▁ is a space");
    /* A cut-off character followed by an ASCII character: both, as they are. */
    CHECK(q4t_detok_push(&d, BYTE0 + 0xC3, out, sizeof out) == 0, "0xC3: held");
    CHECK(q4t_detok_push(&d, T_H, out, sizeof out) == 2 && !strcmp(out, "\xC3h"), "0xC3 then h: '%s'", out);
    /* A byte that starts no character: at once. */
    CHECK(q4t_detok_push(&d, BYTE0 + 0xFF, out, sizeof out) == 1 && !strcmp(out, "\xFF"), "0xFF: at once");
    /* E0 80 can never complete (overlong): not held. */
    CHECK(q4t_detok_push(&d, BYTE0 + 0xE0, out, sizeof out) == 0, "0xE0: held");
    CHECK(q4t_detok_push(&d, BYTE0 + 0x80, out, sizeof out) == 2 && !memcmp(out, "\xE0\x80", 3), "0xE0 0x80: out");
    /* flush: what is held, as it is. */
    CHECK(q4t_detok_push(&d, BYTE0 + 0xE2, out, sizeof out) == 0 && q4t_detok_push(&d, BYTE0 + 0x96, out, sizeof out) == 0,
          "E2 96: held");
    CHECK(q4t_detok_flush(&d, out, sizeof out) == 2 && !memcmp(out, "\xE2\x96", 3), "flush: E2 96");
    CHECK(q4t_detok_flush(&d, out, sizeof out) == 0 && out[0] == '\0', "flush again: nothing");
    /* A small out: truncated, NUL-terminated, the count all the same. */
    CHECK(q4t_detok_push(&d, T_USER2, out, 4) == 8 && !strcmp(out, "[ab"), "cap 4: '%s'", out);
}

/* ---- broken metadata ---- */

typedef void (*breaker)(gguf_writer *w, spm_vocab *s);

static void no_model(gguf_writer *w, spm_vocab *s) { (void)s, gw_remove_kv(w, "tokenizer.ggml.model"); }
static void model_bert(gguf_writer *w, spm_vocab *s) { (void)s, gw_str(w, "tokenizer.ggml.model", "bert"); }
static void no_tokens(gguf_writer *w, spm_vocab *s) { (void)s, gw_remove_kv(w, "tokenizer.ggml.tokens"); }
static void tokens_string(gguf_writer *w, spm_vocab *s) { (void)s, gw_str(w, "tokenizer.ggml.tokens", "hello"); }
static void no_scores(gguf_writer *w, spm_vocab *s) { (void)s, gw_remove_kv(w, "tokenizer.ggml.scores"); }
static void short_scores(gguf_writer *w, spm_vocab *s) { tw_f32_array(w, "tokenizer.ggml.scores", N_SPM - 1, s->scores); }
static void short_types(gguf_writer *w, spm_vocab *s) { tw_i32_array(w, "tokenizer.ggml.token_type", 3, s->types); }

static void nan_score(gguf_writer *w, spm_vocab *s)
{
    s->scores[T_HE] = NAN;
    tw_f32_array(w, "tokenizer.ggml.scores", N_SPM, s->scores);
}

static void type_7(gguf_writer *w, spm_vocab *s)
{
    s->types[T_HE] = 7;
    tw_i32_array(w, "tokenizer.ggml.token_type", N_SPM, s->types);
}

static void type_0(gguf_writer *w, spm_vocab *s)
{
    s->types[T_HE] = 0;
    tw_i32_array(w, "tokenizer.ggml.token_type", N_SPM, s->types);
}

static void bad_byte_text(gguf_writer *w, spm_vocab *s)
{
    s->types[T_HE] = 6; /* "he" as a byte token */
    tw_i32_array(w, "tokenizer.ggml.token_type", N_SPM, s->types);
}

static void empty_token(gguf_writer *w, spm_vocab *s)
{
    s->tokens[T_HE] = "";
    gw_str_array(w, "tokenizer.ggml.tokens", N_SPM, s->tokens);
}

static void long_token(gguf_writer *w, spm_vocab *s)
{
    static char big[70001];
    memset(big, 'a', sizeof big - 1);
    s->tokens[T_HE] = big;
    gw_str_array(w, "tokenizer.ggml.tokens", N_SPM, s->tokens);
}

static void bos_past(gguf_writer *w, spm_vocab *s) { (void)s, gw_u32(w, "tokenizer.ggml.bos_token_id", N_SPM); }
static void eos_past(gguf_writer *w, spm_vocab *s) { (void)s, gw_u32(w, "tokenizer.ggml.eos_token_id", 99999); }
static void unk_past(gguf_writer *w, spm_vocab *s) { (void)s, gw_i32(w, "tokenizer.ggml.unknown_token_id", -1); }
static void pad_past(gguf_writer *w, spm_vocab *s) { (void)s, gw_u32(w, "tokenizer.ggml.padding_token_id", N_SPM); }
static void bos_string(gguf_writer *w, spm_vocab *s) { (void)s, gw_str(w, "tokenizer.ggml.bos_token_id", "1"); }
static void add_bos_int(gguf_writer *w, spm_vocab *s) { (void)s, gw_u32(w, "tokenizer.ggml.add_bos_token", 1); }
static void space_int(gguf_writer *w, spm_vocab *s) { (void)s, gw_u32(w, "tokenizer.ggml.add_space_prefix", 0); }

static void test_broken(void)
{
    static const struct {
        const char *name;
        breaker fn;
        const char *want[2]; /* in the error */
    } cases[] = {
        {"no tokenizer.ggml.model", no_model, {"tokenizer.ggml.model", "missing"}},
        {"model bert", model_bert, {"tokenizer.ggml.model", "'bert'"}},
        {"no tokens", no_tokens, {"tokenizer.ggml.tokens", "missing"}},
        {"tokens a string", tokens_string, {"tokenizer.ggml.tokens", "array"}},
        {"no scores", no_scores, {"tokenizer.ggml.scores", "missing"}},
        {"scores short", short_scores, {"tokenizer.ggml.scores", "274 scores for 275 tokens"}},
        {"score NaN", nan_score, {"tokenizer.ggml.scores", "token 266"}},
        {"token_type short", short_types, {"tokenizer.ggml.token_type", "3 types for 275 tokens"}},
        {"token type 7", type_7, {"tokenizer.ggml.token_type", "token 266 has type 7"}},
        {"token type 0", type_0, {"tokenizer.ggml.token_type", "token 266 has type 0"}},
        {"byte token 'he'", bad_byte_text, {"tokenizer.ggml.token_type", "'he' is not <0xNN>"}},
        {"empty token", empty_token, {"tokenizer.ggml.tokens", "token 266 (type 1) is empty"}},
        {"70 KB token", long_token, {"tokenizer.ggml.tokens", "token 266 is 70000 bytes long"}},
        {"bos past the vocabulary", bos_past, {"tokenizer.ggml.bos_token_id", "275 is past the vocabulary"}},
        {"eos past the vocabulary", eos_past, {"tokenizer.ggml.eos_token_id", "99999 is past"}},
        {"unk negative", unk_past, {"tokenizer.ggml.unknown_token_id", "-1 is past"}},
        {"padding past the vocabulary", pad_past, {"tokenizer.ggml.padding_token_id", "275 is past"}},
        {"bos a string", bos_string, {"tokenizer.ggml.bos_token_id", "integer"}},
        {"add_bos_token an integer", add_bos_int, {"tokenizer.ggml.add_bos_token", "bool"}},
        {"add_space_prefix an integer", space_int, {"tokenizer.ggml.add_space_prefix", "bool"}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        static spm_vocab s;
        char err[512] = "";
        spm_vocab_init(&s);
        gguf_writer *w = gw_new();
        tw_vocab_write(w, &s.v);
        cases[i].fn(w, &s);
        q4t_tokenizer *t = load(w, "broken", err, sizeof err);
        CHECK(!t && strstr(err, cases[i].want[0]) && strstr(err, cases[i].want[1]),
              "%s: want an error with '%s' and '%s', got %s '%s'", cases[i].name, cases[i].want[0], cases[i].want[1],
              t ? "a tokenizer" : "the error", err);
        q4t_tokenizer_free(t);
    }
}

/* Loads, but cannot spell a character outside the vocabulary without its byte tokens. */
static void test_no_byte_tokens(void)
{
    static spm_vocab s;
    char err[512] = "";
    spm_vocab_init(&s);
    s.bytes[0xA9][1] = 'x'; /* <0xA9> becomes "<xxA9>" */
    s.bytes[0xA9][2] = 'x';
    gguf_writer *w = gw_new();
    tw_vocab_write(w, &s.v);
    s.types[BYTE0 + 0xA9] = 1;
    tw_i32_array(w, "tokenizer.ggml.token_type", N_SPM, s.types);
    q4t_tokenizer *t = load(w, "nobyte", err, sizeof err);
    CHECK(t, "without <0xA9>: %s", err);
    if (!t)
        return;
    int32_t ids[8];
    expect_ids(t, STR("h\xC3\xA8"), 0, 0, IDS(T_SP, T_H, BYTE0 + 0xC3, BYTE0 + 0xA8));
    CHECK(q4t_tokenize(t, STR("h\xC3\xA9"), 0, 0, ids, 8, err, sizeof err) == -1 && strstr(err, "<0xA9>") &&
              strstr(err, "tokenizer.ggml.tokens"),
          "é without <0xA9>: '%s'", err);
    q4t_tokenizer_free(t);
}

/* add_bos_token and add_space_prefix as the file sets them. */
static void test_flags(void)
{
    static spm_vocab s;
    char err[512] = "";
    spm_vocab_init(&s);
    gguf_writer *w = gw_new();
    tw_vocab_write(w, &s.v);
    tw_bool(w, "tokenizer.ggml.add_bos_token", 0);
    tw_bool(w, "tokenizer.ggml.add_space_prefix", 0);
    q4t_tokenizer *t = load(w, "flags", err, sizeof err);
    CHECK(t, "flags: %s", err);
    if (!t)
        return;
    CHECK(q4t_tokenizer_add_bos(t) == 0, "add_bos_token false");
    expect_ids(t, STR("hello"), 0, 0, IDS(T_HE, T_L, T_LO));
    expect_ids(t, STR(" hello"), 0, 0, IDS(T_SP, T_HE, T_L, T_LO));
    expect_text(t, IDS(T_SP, T_HE, T_L, T_LO), STR(" hello")); /* no leading space was added: none dropped */
    q4t_tokenizer_free(t);
}

/* ---- byte-level BPE: what tokenizer.c adds to tok_bpe.c ---- */

/* GPT-2's character for byte b (bytes_to_unicode), as UTF-8 into out. */
static void gpt2_char(unsigned b, char out[3])
{
    unsigned c = b;
    if (b <= 0x20)
        c = 0x100 + b;
    else if (b >= 0x7F && b <= 0xA0)
        c = 0x121 + (b - 0x7F);
    else if (b == 0xAD)
        c = 0x143;
    if (c < 0x80) {
        out[0] = (char)c, out[1] = '\0';
    } else {
        out[0] = (char)(0xC0 | c >> 6), out[1] = (char)(0x80 | (c & 0x3F)), out[2] = '\0';
    }
}

static void test_bpe(void)
{
    enum { HI = 256, SP_HI, EOT, N_BPE };
    static char chars[256][3];
    const char *tokens[N_BPE];
    int32_t types[N_BPE];
    for (unsigned b = 0; b < 256; b++) {
        gpt2_char(b, chars[b]);
        tokens[b] = chars[b];
        types[b] = 1;
    }
    tokens[HI] = "hi", types[HI] = 1;
    tokens[SP_HI] = "\xC4\xA0hi", types[SP_HI] = 1; /* "Ġhi": " hi" */
    tokens[EOT] = "<|eot|>", types[EOT] = 3;
    const char *merges[] = {"h i", "\xC4\xA0 hi"};
    tw_vocab v = {.model = "gpt2", .pre = "default", .n = N_BPE, .tokens = tokens, .types = types, .n_merges = 2,
                  .merges = merges, .bos = -1, .eos = EOT, .unk = -1, .add_bos = -1};
    gguf_writer *w = gw_new();
    tw_vocab_write(w, &v);
    char err[512] = "";
    q4t_tokenizer *t = load(w, "bpe", err, sizeof err);
    CHECK(t, "gpt2: %s", err);
    if (!t)
        return;
    CHECK(!strcmp(q4t_tokenizer_model(t), "gpt2") && !strcmp(q4t_tokenizer_pre(t), "default"), "gpt2: '%s' '%s'",
          q4t_tokenizer_model(t), q4t_tokenizer_pre(t));
    CHECK(q4t_tokenizer_add_bos(t) == 0 && q4t_tokenizer_bos(t) == -1 && q4t_tokenizer_eos(t) == EOT,
          "gpt2: no BOS by default, eos %d", q4t_tokenizer_eos(t));
    expect_ids(t, STR("hi hi"), 0, 0, IDS(HI, SP_HI));  /* no leading space for gpt2 */
    expect_ids(t, STR("hi hi"), 1, 0, IDS(HI, SP_HI));  /* add_bos without a BOS: none */
    expect_ids(t, STR("hi<|eot|>"), 0, 1, IDS(HI, EOT));
    /* GPT-2's characters back to bytes: "Ġ" is a space, "ĉ" a tab, "Ã" + "©" the two bytes of é. */
    expect_text(t, IDS(HI, SP_HI, 0x09, EOT), STR("hi hi\t"));
    expect_text(t, IDS(0xC3, 0xA9, 0xFF), STR("\xC3\xA9\xFF"));
    q4t_detok d;
    char out[8];
    q4t_detok_init(&d, t);
    CHECK(q4t_detok_push(&d, 0xC3, out, sizeof out) == 0 && q4t_detok_push(&d, 0xA9, out, sizeof out) == 2 &&
              !strcmp(out, "\xC3\xA9"),
          "gpt2: é streamed");
    q4t_tokenizer_free(t);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_tokenizer <dir for the GGUF files>\n");
        return 2;
    }
    dir = argv[1];
    q4t_tokenizer *t = load_spm();
    if (t) {
        test_encode(t);
        test_decode(t);
        q4t_tokenizer_free(t);
    }
    test_broken();
    test_no_byte_tokens();
    test_flags();
    test_bpe();
    return check_done("tokenizer");
}
