/* q4tune's tokenizer against a JS package's (oracle.mjs): for every corpus
 * case of <expected>, the ids of the GGUF's tokenizer equal the package's,
 * and decoding them gives back the text; a case that is not UTF-8 encodes
 * (through byte tokens) and decodes back to the same bytes.
 *
 * Usage: test_tokenizer_oracle <gguf> <expected> [--parse-special]
 *   --parse-special  special tokens written in the text are their ids (as
 *                    llama3-tokenizer-js always does); a case holding a
 *                    control token is not round-tripped (it decodes to nothing). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tokenizer.h"

enum { MAX_LINE = 1 << 20 };

static void print_ids(const char *what, const int32_t *v, size_t n)
{
    fprintf(stderr, "  %s (%zu):", what, n);
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, " %d", (int)v[i]);
    fputc('\n', stderr);
}

/* hex digits s[0 .. n) into out: the byte count, or -1. */
static long unhex(const char *s, size_t n, char *out)
{
    if (n % 2)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        unsigned b;
        if (sscanf(s + 2 * i, "%2x", &b) != 1)
            return -1;
        out[i] = (char)b;
    }
    return (long)(n / 2);
}

/* Space-separated ids into out (cap of them): the count, or -1. */
static long parse_ids(const char *s, int32_t *out, size_t cap)
{
    size_t n = 0;
    for (char *end;; s = end) {
        long v = strtol(s, &end, 10);
        if (end == s)
            return *s ? -1 : (long)n;
        if (n == cap)
            return -1;
        out[n++] = (int32_t)v;
    }
}

/* One case: 1 if it agrees with the package (or, not UTF-8, round-trips). */
static int check_case(const q4t_tokenizer *t, int line, const char *text, size_t len, const int32_t *want, long nwant,
                      int parse_special)
{
    char err[256];
    long n = q4t_tokenize(t, text, len, 0, parse_special, NULL, 0, err, sizeof err);
    CHECK(n >= 0, "line %d: %s", line, err);
    if (n < 0)
        return 0;
    int32_t *ids = malloc(((size_t)n + 1) * sizeof *ids);
    if (!ids)
        abort();
    CHECK(q4t_tokenize(t, text, len, 0, parse_special, ids, (size_t)n, err, sizeof err) == n, "line %d: %s", line,
          err);
    int ok = 1;
    if (nwant >= 0) {
        long first = 0;
        while (first < n && first < nwant && ids[first] == want[first])
            first++;
        if (first < n || first < nwant) {
            ok = 0;
            CHECK(0, "line %d: '%.*s': ids differ from the package's at position %ld", line, (int)len, text, first);
            print_ids("q4tune ", ids, (size_t)n);
            print_ids("package", want, (size_t)nwant);
        }
    }
    int control = 0;
    for (long i = 0; i < n; i++)
        control |= q4t_tokenizer_is_control(t, ids[i]);
    if (!control) {
        size_t dlen = 0;
        char *back = q4t_detokenize(t, ids, (size_t)n, &dlen);
        int same = back && dlen == len && !memcmp(back, text, len);
        CHECK(same, "line %d: '%.*s' decodes to '%.*s' (%zu bytes, %zu given)", line, (int)len, text,
              back ? (int)dlen : 0, back ? back : "", dlen, len);
        ok &= same;
        free(back);
    }
    free(ids);
    return ok;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4 || (argc == 4 && strcmp(argv[3], "--parse-special"))) {
        fprintf(stderr, "usage: test_tokenizer_oracle <gguf> <expected> [--parse-special]\n");
        return 2;
    }
    const int parse_special = argc == 4;
    char err[512];
    q4t_gguf *g = q4t_gguf_open(argv[1], err, sizeof err);
    if (!g) {
        fprintf(stderr, "test_tokenizer_oracle: %s\n", err);
        return 1;
    }
    q4t_tokenizer *t = q4t_tokenizer_load(g, err, sizeof err);
    q4t_gguf_close(g); /* the tokenizer keeps its own copy */
    if (!t) {
        fprintf(stderr, "test_tokenizer_oracle: %s: %s\n", argv[1], err);
        return 1;
    }
    FILE *f = fopen(argv[2], "r");
    if (!f) {
        perror(argv[2]);
        return 1;
    }
    char *line = malloc(MAX_LINE), *text = malloc(MAX_LINE / 2);
    int32_t *want = malloc(MAX_LINE / 2 * sizeof *want);
    if (!line || !text || !want)
        abort();
    int lineno = 0, cases = 0, agree = 0, invalid = 0;
    while (fgets(line, MAX_LINE, f)) {
        lineno++;
        line[strcspn(line, "\n")] = '\0';
        char *tab = strchr(line, '\t');
        long len = tab ? unhex(line, (size_t)(tab - line), text) : -1;
        long nwant = !tab ? -1 : !strcmp(tab + 1, "invalid") ? -2 : parse_ids(tab + 1, want, MAX_LINE / 2);
        CHECK(len >= 0 && nwant != -1, "%s:%d: expected '<hex>\\t<ids>' or '<hex>\\tinvalid'", argv[2], lineno);
        if (len < 0 || nwant == -1)
            continue;
        cases++;
        invalid += nwant == -2;
        agree += check_case(t, lineno, text, (size_t)len, want, nwant == -2 ? -1 : nwant, parse_special);
    }
    fclose(f);
    printf("%s: %d of %d corpus cases agree (%d of them not UTF-8, round-tripped only)\n", argv[1], agree, cases,
           invalid);
    CHECK(cases > 0, "%s: no cases", argv[2]);
    free(line);
    free(text);
    free(want);
    q4t_tokenizer_free(t);
    return check_done("tokenizer_oracle");
}
