// The pre-tokenizer oracle of test_tokenizer_bpe: JavaScript's own regex
// engine splits each case of the corpus (and of a seeded random corpus) with
// the pre-tokenizer regexes, and the C scanners (model/unicode.h) must cut the
// same pieces. Writes one line per case and regex:
//   <pre> \t <case bytes in hex> \t <piece in hex> <piece in hex> ...
//
// Usage: node splits.mjs <corpus.txt> <out>
//
// The corpus: one case a line, '#' lines and empty lines skipped, with the
// escapes \n \t \r \\ and \xNN (any byte, so invalid UTF-8 too).
//
// A byte that does not start a valid UTF-8 character is one unit of class
// "other" (not \s, \p{L} or \p{N}), as model/unicode.h defines it: here it
// becomes U+E000 (private use, of that class) in the string the regex sees.
import { readFileSync, writeFileSync } from 'node:fs';

// The regexes as tokenizer.json spells them; (?i:...) is written for
// JavaScript as llama3-tokenizer-js does.
const CONTRACTIONS_I = ["(?i:'s|'t|'re|'ve|'m|'ll|'d)", "(?:'([sS]|[tT]|[rR][eE]|[vV][eE]|[mM]|[lL][lL]|[dD]))"];
const REGEXES = {
    'default': String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`,
    'llama-bpe': String.raw`(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`,
    'qwen2': String.raw`(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`,
};
const compile = (src) => new RegExp(src.replaceAll(CONTRACTIONS_I[0], CONTRACTIONS_I[1]), 'gu');

function parseCase(line) {
    const out = [];
    for (let i = 0; i < line.length; i++) {
        if (line[i] !== 0x5c) {
            out.push(line[i]);
            continue;
        }
        const c = String.fromCharCode(line[++i]);
        if (c === 'x') {
            out.push(parseInt(line.subarray(i + 1, i + 3).toString('latin1'), 16));
            i += 2;
        } else {
            const b = { n: 0x0a, t: 0x09, r: 0x0d, '\\': 0x5c }[c];
            if (b === undefined) throw new Error(`corpus: unknown escape \\${c}`);
            out.push(b);
        }
    }
    return Buffer.from(out);
}

// The units of bytes: [byte length, the JS string standing for it].
const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }); // a BOM is U+FEFF, kept
function units(bytes) {
    const u = [];
    for (let i = 0; i < bytes.length;) {
        const b = bytes[i];
        const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
        let s = null;
        if (len && i + len <= bytes.length) {
            try {
                s = fatal.decode(bytes.subarray(i, i + len));
            } catch {
                s = null;
            }
        }
        if (s !== null && [...s].length === 1) {
            u.push([len, s]);
            i += len;
        } else {
            u.push([1, '\uE000']);
            i += 1;
        }
    }
    return u;
}

// regexSplit's pieces (matches and the gaps between them) as byte ranges.
function split(bytes, re) {
    const u = units(bytes);
    let str = '';
    const byteAt = [0]; // UTF-16 index -> byte offset, at unit starts
    let off = 0;
    for (const [len, s] of u) {
        str += s;
        off += len;
        while (byteAt.length < str.length) byteAt.push(undefined);
        byteAt.push(off);
    }
    const pieces = [];
    let prev = 0;
    const cut = (from, to) => pieces.push(bytes.subarray(byteAt[from], byteAt[to]));
    for (const m of str.matchAll(re)) {
        if (prev < m.index) cut(prev, m.index);
        if (m[0].length > 0) cut(m.index, m.index + m[0].length);
        prev = m.index + m[0].length;
    }
    if (prev < str.length) cut(prev, str.length);
    return pieces;
}

// Random cases from a pool of the characters the regexes tell apart.
function randomCases(count, seed) {
    const pool = [
        ' ', ' ', ' ', '\n', '\r', '\t', '\u00a0', '\u3000', '\u2028', '\u0085', '\u200b', '\ufeff',
        'a', 'b', 'Z', 's', 'S', 't', 'r', 'e', 'v', 'm', 'l', 'L', 'd', 'D', "'", "'", "'",
        '0', '7', '\u0663', '\u00bd', '\u2167', '!', '?', '.', '-', '_', '(', '\u00e9', 'e\u0301',
        '\u00df', '\u4e2d', '\u6587', '\ud83d\ude00', '\ud83d\udc4d\ud83c\udffd', '\u05d0', '\u0915\u093f',
        '\\xff', '\\xc3', '\\x80', '\\xe2\\x82',
    ];
    let x = seed >>> 0;
    const next = () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    const cases = [];
    for (let i = 0; i < count; i++) {
        let line = '';
        const n = 1 + Math.floor(next() * 12);
        for (let k = 0; k < n; k++) {
            const c = pool[Math.floor(next() * pool.length)];
            line += c.startsWith('\\x') ? c : c.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('\r', '\\r').replaceAll('\t', '\\t');
        }
        cases.push(Buffer.from(line, 'utf8'));
    }
    return cases;
}

const [corpusPath, outPath] = process.argv.slice(2);
if (!outPath) {
    console.error('usage: node splits.mjs <corpus.txt> <out>');
    process.exit(2);
}
const lines = [];
let start = 0;
const corpus = readFileSync(corpusPath);
for (let i = 0; i <= corpus.length; i++) {
    if (i < corpus.length && corpus[i] !== 0x0a) continue;
    const line = corpus.subarray(start, i);
    start = i + 1;
    if (line.length && line[0] !== 0x23) lines.push(line);
}
const cases = [...lines, ...randomCases(2000, 20240607)].map(parseCase);
let text = '';
for (const [pre, src] of Object.entries(REGEXES)) {
    const re = compile(src);
    for (const c of cases)
        text += `${pre}\t${c.toString('hex')}\t${split(c, re).map((p) => p.toString('hex')).join(' ')}\n`;
}
writeFileSync(outPath, text);
console.log(`splits.mjs: ${cases.length} cases x ${Object.keys(REGEXES).length} regexes -> ${outPath}`);
