/* Unicode for the byte-level BPE tokenizer (tok_bpe.c): UTF-8 decoding, the
 * character classes of the pre-tokenizer regexes, and the pre-tokenizers.
 *
 * Text is UTF-8 bytes. A byte that does not start a valid character (an
 * overlong form, a surrogate, past U+10FFFF, cut off by the end of the text,
 * a stray continuation byte) is a unit of its own, one byte long, of class
 * "other": decoding never fails and never reads past the end.
 *
 * The classes are the regexes' own, from Node's Unicode data
 * (unicode_ranges.h, scripts/gen-unicode-ranges.mjs): \p{L}, \p{N}, and
 * JavaScript's \s (U+0009 .. U+000D, U+0020, U+00A0, U+1680, U+2000 .. U+200A,
 * U+2028, U+2029, U+202F, U+205F, U+3000, U+FEFF). They are disjoint. */
#ifndef Q4T_UNICODE_H
#define Q4T_UNICODE_H

#include <stddef.h>
#include <stdint.h>

/* The unit at s[0 .. n), n > 0: its length in bytes (1 .. 4), and its code
 * point in *cp, or -1 in *cp for an invalid byte (length 1). */
int q4t_utf8_decode(const char *s, size_t n, int32_t *cp);

enum { Q4T_CP_OTHER, Q4T_CP_LETTER, Q4T_CP_NUMBER, Q4T_CP_SPACE };
int q4t_cp_class(int32_t cp); /* Q4T_CP_*; an invalid unit (-1) is other */

/* The pre-tokenizers, each a scanner equal to its regex (JavaScript
 * semantics: the leftmost alternative that matches, with backtracking):
 *   DEFAULT  GPT-2:     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 *   LLAMA3   Llama 3:   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
 *                       ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
 *   QWEN2    Qwen 2:    LLAMA3 with \p{N} for \p{N}{1,3}
 * (?i:...) is ASCII case-insensitive, as llama.cpp and llama3-tokenizer-js
 * spell it ('[sS]|...'). Every regex matches at every position, so the
 * pieces are back to back and cover the text. */
typedef enum { Q4T_PRETOK_DEFAULT, Q4T_PRETOK_LLAMA3, Q4T_PRETOK_QWEN2 } q4t_pretok;

/* The length in bytes (>= 1) of the piece that starts s[0 .. n), n > 0. */
size_t q4t_pretok_next(q4t_pretok kind, const char *s, size_t n);

#endif
