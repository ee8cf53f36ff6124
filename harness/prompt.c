/* The text prompt of q4tune run and q4tune accuracy (--text, --text-file):
 * read, tokenized with the GGUF's own tokenizer, and shown token by token. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { TEXT_MAX = 16 << 20 }; /* bytes of a --text-file */

/* The whole file at path: malloc'd, NUL-terminated, *len bytes; NULL with err. */
static char *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "--text-file %s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(TEXT_MAX + 1);
    size_t n = buf ? fread(buf, 1, TEXT_MAX + 1, f) : 0;
    const int bad = ferror(f);
    fclose(f);
    if (!buf || bad || n > TEXT_MAX) {
        snprintf(err, errlen, "--text-file %s: %s", path,
                 !buf ? "out of memory" : bad ? "read error" : "larger than 16 MiB");
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

int q4t_cli_text_prompt(const char *cmd, const char *gguf, const char *text, const char *text_file, q4t_text_prompt *p)
{
    char err[1024];
    memset(p, 0, sizeof *p);
    if (text && text_file) {
        fprintf(stderr, "q4tune %s: give --text or --text-file, not both\n", cmd);
        return Q4T_EXIT_USAGE;
    }
    if (!gguf) {
        fprintf(stderr, "q4tune %s: --text and --text-file need a model with a tokenizer: --gguf PATH (a preset has none)\n",
                cmd);
        return Q4T_EXIT_USAGE;
    }
    if (text_file) {
        if (!(p->text = read_file(text_file, &p->len, err, sizeof err))) {
            fprintf(stderr, "q4tune %s: %s\n", cmd, err);
            return Q4T_EXIT_USAGE;
        }
    } else {
        p->len = strlen(text);
        if (!(p->text = malloc(p->len + 1))) {
            fprintf(stderr, "q4tune %s: out of memory\n", cmd);
            return Q4T_EXIT_FAIL;
        }
        memcpy(p->text, text, p->len + 1);
    }
    q4t_gguf *g = q4t_gguf_open(gguf, err, sizeof err);
    if (!g) {
        fprintf(stderr, "q4tune %s: %s\n", cmd, err);
        q4t_text_prompt_free(p);
        return Q4T_EXIT_FAIL;
    }
    char why[1024];
    p->tok = q4t_tokenizer_load(g, why, sizeof why);
    q4t_gguf_close(g);
    if (!p->tok) {
        fprintf(stderr, "q4tune %s: %s: %s\n", cmd, gguf, why);
        q4t_text_prompt_free(p);
        return Q4T_EXIT_FAIL;
    }
    const int bos = q4t_tokenizer_add_bos(p->tok);
    long n = q4t_tokenize(p->tok, p->text, p->len, bos, 1, NULL, 0, err, sizeof err);
    int32_t *ids = n >= 0 ? malloc((size_t)(n ? n : 1) * sizeof *ids) : NULL;
    if (n >= 0 && ids)
        n = q4t_tokenize(p->tok, p->text, p->len, bos, 1, ids, (size_t)n, err, sizeof err);
    if (n <= 0 || !ids || !(p->ids = malloc((size_t)n * sizeof *p->ids))) {
        fprintf(stderr, "q4tune %s: the prompt: %s\n", cmd,
                n < 0 ? err : n == 0 ? "no tokens (the text is empty)" : "out of memory");
        free(ids);
        q4t_text_prompt_free(p);
        return n == 0 ? Q4T_EXIT_USAGE : Q4T_EXIT_FAIL;
    }
    for (long i = 0; i < n; i++)
        p->ids[i] = ids[i];
    free(ids);
    p->n = (int)n;
    return 0;
}

void q4t_text_prompt_free(q4t_text_prompt *p)
{
    q4t_tokenizer_free(p->tok);
    free(p->text);
    free(p->ids);
    memset(p, 0, sizeof *p);
}

/* One token as a quoted piece: its bytes (a leading space kept), control
 * and non-printing bytes escaped. */
static void print_piece(FILE *f, const q4t_tokenizer *t, int id)
{
    if (q4t_tokenizer_is_control(t, id)) {
        fprintf(f, "%d<control>", id);
        return;
    }
    char s[512];
    q4t_detok d;
    q4t_detok_init(&d, t);
    d.first = 0; /* a piece on its own: its space is part of it */
    size_t len = q4t_detok_push(&d, id, s, sizeof s);
    len = len < sizeof s - 1 ? len : sizeof s - 1;
    len += q4t_detok_flush(&d, s + len, sizeof s - len);
    len = len < sizeof s - 1 ? len : sizeof s - 1;
    fprintf(f, "%d'", id);
    for (size_t i = 0; i < len; i++) {
        const unsigned char c = (unsigned char)s[i];
        if (c == '\n')
            fputs("\\n", f);
        else if (c == '\t')
            fputs("\\t", f);
        else if (c < 0x20 || c == 0x7f || c == '\'' || c == '\\')
            fprintf(f, "\\x%02x", c);
        else
            fputc(c, f);
    }
    fputc('\'', f);
}

void q4t_cli_print_tokens(FILE *f, const q4t_tokenizer *t, const int *ids, int n, int max)
{
    for (int i = 0; i < n && i < max; i++) {
        fputc(' ', f);
        print_piece(f, t, ids[i]);
    }
    if (n > max)
        fprintf(f, " ... (%d more)", n - max);
    fputc('\n', f);
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    const unsigned char c = s[0];
    size_t len;
    unsigned lo = 0x80, hi = 0xbf; /* range of the second byte */
    if (c < 0x80)
        return 1;
    else if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
    else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    return len;
}

char *q4t_cli_utf8_valid(const char *s, size_t n)
{
    char *out = malloc(3 * n + 1), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n;) {
        const size_t len = utf8_len((const unsigned char *)s + i, n - i);
        if (len && s[i]) {
            memcpy(o, s + i, len);
            o += len, i += len;
        } else { /* an invalid byte (or a NUL, which JSON strings from C cannot hold): U+FFFD */
            memcpy(o, "\xef\xbf\xbd", 3);
            o += 3, i++;
        }
    }
    *o = '\0';
    return out;
}
