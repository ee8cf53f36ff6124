/* UTF-8 units, their regex classes and the pre-tokenizer scanners (unicode.h).
 *
 * The scanners work on units at byte offsets: at(s, n, i) decodes the unit
 * at s[i] (end of text: class END). Each alternative of a regex is a test
 * that returns its match's end, or 0 when it does not match at that start. */
#include "unicode.h"

#include "unicode_ranges.h"

int q4t_utf8_decode(const char *s, size_t n, int32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned lo = 0x80, hi = 0xBF; /* the second byte's range */
    int len;
    int32_t c;
    *cp = -1;
    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    }
    if (u[0] >= 0xC2 && u[0] <= 0xDF) {
        len = 2, c = u[0] & 0x1F;
    } else if (u[0] >= 0xE0 && u[0] <= 0xEF) {
        len = 3, c = u[0] & 0x0F;
        lo = u[0] == 0xE0 ? 0xA0 : 0x80; /* no overlong form */
        hi = u[0] == 0xED ? 0x9F : 0xBF; /* no surrogate */
    } else if (u[0] >= 0xF0 && u[0] <= 0xF4) {
        len = 4, c = u[0] & 0x07;
        lo = u[0] == 0xF0 ? 0x90 : 0x80; /* no overlong form */
        hi = u[0] == 0xF4 ? 0x8F : 0xBF; /* up to U+10FFFF */
    } else {
        return 1;
    }
    if ((size_t)len > n)
        return 1;
    for (int i = 1; i < len; i++) {
        if (u[i] < (i == 1 ? lo : 0x80) || u[i] > (i == 1 ? hi : 0xBF))
            return 1;
        c = c << 6 | (u[i] & 0x3F);
    }
    *cp = c;
    return len;
}

static int in_ranges(const uint32_t (*r)[2], size_t n, uint32_t c)
{
    size_t lo = 0, hi = n; /* the range holding c, if any, is in r[lo .. hi) */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c < r[mid][0])
            hi = mid;
        else if (c > r[mid][1])
            lo = mid + 1;
        else
            return 1;
    }
    return 0;
}

#define IN(table, c) in_ranges(table, sizeof table / sizeof table[0], c)

int q4t_cp_class(int32_t cp)
{
    if (cp < 0)
        return Q4T_CP_OTHER;
    if (IN(q4t_ranges_letter, (uint32_t)cp))
        return Q4T_CP_LETTER;
    if (IN(q4t_ranges_number, (uint32_t)cp))
        return Q4T_CP_NUMBER;
    if (IN(q4t_ranges_space, (uint32_t)cp))
        return Q4T_CP_SPACE;
    return Q4T_CP_OTHER;
}

/* ---- the scanners ---- */

enum { END = -1 }; /* the class past the last unit */

typedef struct {
    int cls;    /* Q4T_CP_* or END */
    int32_t cp; /* -1 for an invalid byte or END */
    size_t end; /* the offset after the unit */
} unit;

static unit at(const char *s, size_t n, size_t i)
{
    if (i >= n)
        return (unit){END, -1, n};
    int32_t cp;
    size_t len = (size_t)q4t_utf8_decode(s + i, n - i, &cp);
    return (unit){q4t_cp_class(cp), cp, i + len};
}

static int is_newline(unit u) { return u.cp == '\r' || u.cp == '\n'; }

/* The end of the run of class cls from i (i itself if s[i] is not of it),
 * at most max units long. */
static size_t run(const char *s, size_t n, size_t i, int cls, size_t max)
{
    for (unit u; max > 0 && (u = at(s, n, i)).cls == cls; max--)
        i = u.end;
    return i;
}

/* 's|'t|'re|'ve|'m|'ll|'d, ASCII case-insensitive if fold. */
static size_t contraction(const char *s, size_t n, size_t i, int fold)
{
    static const char *const suffix[] = {"s", "t", "re", "ve", "m", "ll", "d"};
    if (s[i] != '\'')
        return 0;
    for (size_t k = 0; k < sizeof suffix / sizeof suffix[0]; k++) {
        size_t j = 0;
        for (; suffix[k][j] && i + 1 + j < n; j++) {
            char c = s[i + 1 + j];
            if (fold && c >= 'A' && c <= 'Z')
                c = (char)(c - 'A' + 'a');
            if (c != suffix[k][j])
                break;
        }
        if (!suffix[k][j])
            return i + 1 + j;
    }
    return 0;
}

/* ` ?X+` for X the class cls. */
static size_t space_then_run(const char *s, size_t n, size_t i, int cls)
{
    unit u = at(s, n, i);
    if (u.cp == ' ' && at(s, n, u.end).cls == cls)
        return run(s, n, u.end, cls, SIZE_MAX);
    return u.cls == cls ? run(s, n, i, cls, SIZE_MAX) : 0;
}

/* `\s+(?!\S)|\s+` from a space at i: the run, less its last unit when a
 * non-space follows and the run is longer than one. */
static size_t spaces(const char *s, size_t n, size_t i)
{
    size_t last = i, end = i;
    for (unit u; (u = at(s, n, end)).cls == Q4T_CP_SPACE; end = u.end)
        last = end;
    return end == n || last == i ? end : last;
}

/* `\s*[\r\n]+` from a space at i: up to the run's last \r or \n, or 0. */
static size_t spaces_to_newline(const char *s, size_t n, size_t i)
{
    size_t match = 0;
    for (unit u; (u = at(s, n, i)).cls == Q4T_CP_SPACE; i = u.end)
        if (is_newline(u))
            match = u.end;
    return match;
}

static size_t gpt2_next(const char *s, size_t n)
{
    size_t e;
    if ((e = contraction(s, n, 0, 0)) || (e = space_then_run(s, n, 0, Q4T_CP_LETTER)) ||
        (e = space_then_run(s, n, 0, Q4T_CP_NUMBER)) || (e = space_then_run(s, n, 0, Q4T_CP_OTHER)))
        return e;
    return spaces(s, n, 0);
}

static size_t llama3_next(const char *s, size_t n, size_t max_digits)
{
    size_t e;
    if ((e = contraction(s, n, 0, 1)))
        return e;
    unit u = at(s, n, 0), v = at(s, n, u.end);
    if (u.cls == Q4T_CP_LETTER) /* [^\r\n\p{L}\p{N}]?\p{L}+ */
        return run(s, n, 0, Q4T_CP_LETTER, SIZE_MAX);
    if (u.cls != Q4T_CP_NUMBER && !is_newline(u) && v.cls == Q4T_CP_LETTER)
        return run(s, n, u.end, Q4T_CP_LETTER, SIZE_MAX);
    if (u.cls == Q4T_CP_NUMBER) /* \p{N}{1,max_digits} */
        return run(s, n, 0, Q4T_CP_NUMBER, max_digits);
    if ((e = space_then_run(s, n, 0, Q4T_CP_OTHER))) { /* ` ?[^\s\p{L}\p{N}]+[\r\n]*` */
        for (unit w; is_newline(w = at(s, n, e));)
            e = w.end;
        return e;
    }
    if ((e = spaces_to_newline(s, n, 0)))
        return e;
    return spaces(s, n, 0);
}

size_t q4t_pretok_next(q4t_pretok kind, const char *s, size_t n)
{
    switch (kind) {
    case Q4T_PRETOK_LLAMA3:
        return llama3_next(s, n, 3);
    case Q4T_PRETOK_QWEN2:
        return llama3_next(s, n, 1);
    case Q4T_PRETOK_DEFAULT:
        break;
    }
    return gpt2_next(s, n);
}
