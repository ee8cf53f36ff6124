/* Writes a GGUF holding only a tokenizer, from the vocabulary file oracle.mjs
 * writes (its format is described there).
 *
 * Usage: gguf_vocab <vocab> <out.gguf> */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vocab_gguf.h"

typedef struct {
    FILE *f;
    const char *path;
    int line;
    char buf[1 << 18]; /* a token of 64 KB in hex, and then some */
} reader;

static void die(const reader *r, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "gguf_vocab: %s:%d: ", r->path, r->line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

/* The next line, without its newline. */
static char *next_line(reader *r)
{
    r->line++;
    if (!fgets(r->buf, sizeof r->buf, r->f))
        die(r, "the file ends early");
    size_t n = strlen(r->buf);
    if (n && r->buf[n - 1] == '\n')
        r->buf[--n] = '\0';
    else if (n == sizeof r->buf - 1)
        die(r, "line longer than %zu bytes", sizeof r->buf - 2);
    return r->buf;
}

/* "<name> <value>": the value, after checking the name. */
static char *field(reader *r, const char *name)
{
    char *s = next_line(r);
    size_t n = strlen(name);
    if (strncmp(s, name, n) || s[n] != ' ')
        die(r, "expected '%s <value>', got '%s'", name, s);
    return s + n + 1;
}

static long number(reader *r, const char *name)
{
    char *end, *s = field(r, name);
    long v = strtol(s, &end, 10);
    if (end == s || *end)
        die(r, "%s: '%s' is not a number", name, s);
    return v;
}

/* hex digits to a new NUL-terminated string. */
static char *unhex(reader *r, const char *s)
{
    size_t n = strlen(s);
    char *out = malloc(n / 2 + 1);
    if (!out || n % 2)
        die(r, out ? "odd number of hex digits" : "out of memory");
    for (size_t i = 0; i < n / 2; i++) {
        unsigned b;
        if (sscanf(s + 2 * i, "%2x", &b) != 1)
            die(r, "'%.2s' is not a hex byte", s + 2 * i);
        if (b == 0)
            die(r, "a NUL byte in a token (the GGUF writer takes C strings)");
        out[i] = (char)b;
    }
    out[n / 2] = '\0';
    return out;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: gguf_vocab <vocab> <out.gguf>\n");
        return 2;
    }
    static reader r;
    r.path = argv[1];
    if (!(r.f = fopen(argv[1], "r"))) {
        perror(argv[1]);
        return 1;
    }
    if (strcmp(next_line(&r), "q4t-vocab 1"))
        die(&r, "not a vocabulary file (expected 'q4t-vocab 1')");
    static char model[16], pre[64];
    snprintf(model, sizeof model, "%s", field(&r, "model"));
    tw_vocab v = {.model = model, .bos = -1, .eos = -1, .unk = -1};
    if (!strcmp(model, "gpt2")) {
        snprintf(pre, sizeof pre, "%s", field(&r, "pre"));
        v.pre = pre;
    }
    v.bos = (int32_t)number(&r, "bos");
    v.eos = (int32_t)number(&r, "eos");
    if (!strcmp(model, "llama"))
        v.unk = (int32_t)number(&r, "unk");
    v.add_bos = (int)number(&r, "add_bos");

    v.n = (size_t)number(&r, "tokens");
    char **tokens = calloc(v.n, sizeof *tokens);
    float *scores = malloc(v.n * sizeof *scores);
    int32_t *types = malloc(v.n * sizeof *types);
    if (!tokens || !scores || !types)
        die(&r, "out of memory for %zu tokens", v.n);
    for (size_t i = 0; i < v.n; i++) {
        char *s = next_line(&r), *end;
        types[i] = (int32_t)strtol(s, &end, 10);
        scores[i] = strtof(end, &end);
        if (*end != ' ')
            die(&r, "expected '<type> <score> <hex>'");
        tokens[i] = unhex(&r, end + 1);
    }
    v.n_merges = (size_t)number(&r, "merges");
    char **merges = calloc(v.n_merges ? v.n_merges : 1, sizeof *merges);
    if (!merges)
        die(&r, "out of memory for %zu merges", v.n_merges);
    for (size_t i = 0; i < v.n_merges; i++)
        merges[i] = unhex(&r, next_line(&r));
    fclose(r.f);

    v.tokens = (const char *const *)tokens;
    v.scores = strcmp(model, "llama") ? NULL : scores;
    v.types = types;
    v.merges = (const char *const *)merges;
    gguf_writer *w = gw_new();
    tw_vocab_write(w, &v);
    int rc = gw_write(w, argv[2]);
    if (rc)
        fprintf(stderr, "gguf_vocab: cannot write %s\n", argv[2]);
    else
        printf("gguf_vocab: %s: %s, %zu tokens, %zu merges\n", argv[2], model, v.n, v.n_merges);
    gw_free(w);
    for (size_t i = 0; i < v.n; i++)
        free(tokens[i]);
    for (size_t i = 0; i < v.n_merges; i++)
        free(merges[i]);
    free(tokens);
    free(merges);
    free(scores);
    free(types);
    return rc ? 1 : 0;
}
