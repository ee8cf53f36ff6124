// The oracles of tests/tokenizer: for a vocabulary (llama2: llama-tokenizer-js,
// LLaMA 2's SentencePiece vocabulary; llama3: llama3-tokenizer-js, Llama 3's
// byte-level BPE), writes
//   <vocab>     the vocabulary as gguf_vocab.c reads it (below)
//   <expected>  per corpus case: its bytes in hex, a tab, then the package's ids
//               (no BOS/EOS) separated by spaces, or "invalid" when the bytes are
//               not UTF-8 (a JS string cannot hold them; the C test round-trips those)
//
// Usage: node oracle.mjs llama2|llama3 <corpus.txt> <vocab> <expected>
//
// The corpus: one case a line, UTF-8, '#' lines and empty lines skipped, with
// the escapes \n \t \r \\ and \xNN (any byte, so invalid UTF-8 too); write a
// trailing space as \x20.
//
// The vocabulary file, text lines:
//   q4t-vocab 1
//   model <llama|gpt2>            pre <name>            (gpt2 only)
//   bos <id>   eos <id>   unk <id> (llama only)   add_bos <0|1>
//   tokens <n>, then n lines "<type> <score> <text in hex>"
//   merges <m>, then m lines "<'left right' in hex>"  (gpt2 only)
//
// LLaMA 2's scores: the package has merges ranked as HF's tokenizer.json lists
// them (by the SentencePiece score of the merged piece), not the scores. A token
// that merge rank r makes (its first) gets score -r, every other token a score
// below all merges, so merging by score (llama.cpp) follows merging by rank.
import { readFileSync, writeFileSync } from 'node:fs';
import llama2 from 'llama-tokenizer-js';
import llama3 from 'llama3-tokenizer-js';

const [which, corpusPath, vocabPath, expectedPath] = process.argv.slice(2);
if (!['llama2', 'llama3'].includes(which) || !expectedPath) {
    console.error('usage: node oracle.mjs llama2|llama3 <corpus.txt> <vocab> <expected>');
    process.exit(2);
}

const hex = (bytes) => Buffer.from(bytes).toString('hex');
const utf8 = (s) => Buffer.from(s, 'utf8');

function parseCase(line, lineNo) {
    const out = [];
    for (let i = 0; i < line.length; i++) {
        if (line[i] !== 0x5c) { // '\'
            out.push(line[i]);
            continue;
        }
        const c = String.fromCharCode(line[++i]);
        const simple = { n: 0x0a, t: 0x09, r: 0x0d, '\\': 0x5c }[c];
        if (simple !== undefined) {
            out.push(simple);
        } else if (c === 'x' && /^[0-9a-fA-F]{2}$/.test(line.subarray(i + 1, i + 3).toString('latin1'))) {
            out.push(parseInt(line.subarray(i + 1, i + 3).toString('latin1'), 16));
            i += 2;
        } else {
            throw new Error(`${corpusPath}:${lineNo}: unknown escape \\${c}`);
        }
    }
    return Buffer.from(out);
}

function readCorpus(path) {
    const data = readFileSync(path);
    const cases = [];
    let start = 0, lineNo = 0;
    while (start < data.length) {
        let end = data.indexOf(0x0a, start);
        if (end < 0) end = data.length;
        const line = data.subarray(start, end);
        lineNo++;
        if (line.length && line[0] !== 0x23) // '#'
            cases.push(parseCase(line, lineNo));
        start = end + 1;
    }
    return cases;
}

function llama2Vocab(tok) {
    const rankOf = new Map(); // token text -> its first merge's rank
    let nMerges = 0;
    for (const [pair, prio] of tok.merges) { // prio = 2 * rank + 1
        const rank = (prio - 1) / 2;
        const merged = pair.replace(' ', '');
        if (!rankOf.has(merged) || rankOf.get(merged) > rank) rankOf.set(merged, rank);
        nMerges = Math.max(nMerges, rank + 1);
    }
    const lines = ['q4t-vocab 1', 'model llama', 'bos 1', 'eos 2', 'unk 0', 'add_bos 1', `tokens ${tok.vocabById.length}`];
    tok.vocabById.forEach((text, id) => {
        const type = id === 0 ? 2 : id <= 2 ? 3 : id <= 258 ? 6 : 1;
        const score = type === 1 && rankOf.has(text) ? -rankOf.get(text) : -(nMerges + 1);
        lines.push(`${type} ${score} ${hex(utf8(text))}`);
    });
    lines.push('merges 0');
    return lines;
}

function llama3Vocab(tok) {
    const merges = [...tok.merges].sort((a, b) => a[1] - b[1]).map(([pair]) => pair);
    const lines = ['q4t-vocab 1', 'model gpt2', 'pre llama-bpe', 'bos 128000', 'eos 128001', 'add_bos 1',
                   `tokens ${tok.vocabById.length}`];
    tok.vocabById.forEach((text, id) => lines.push(`${id >= 128000 ? 3 : 1} 0 ${hex(utf8(text))}`));
    lines.push(`merges ${merges.length}`);
    for (const m of merges) lines.push(hex(utf8(m)));
    return lines;
}

const tok = which === 'llama2' ? llama2 : llama3;
const encode = which === 'llama2' ? (s) => tok.encode(s, false, true) : (s) => tok.encode(s, { bos: false, eos: false });
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const expected = readCorpus(corpusPath).map((bytes) => {
    let text;
    try {
        text = decoder.decode(bytes);
    } catch {
        return `${hex(bytes)}\tinvalid`;
    }
    return `${hex(bytes)}\t${encode(text).join(' ')}`;
});
writeFileSync(vocabPath, (which === 'llama2' ? llama2Vocab(tok) : llama3Vocab(tok)).join('\n') + '\n');
writeFileSync(expectedPath, expected.join('\n') + '\n');
console.log(`${which}: ${tok.vocabById.length} tokens, ${tok.merges.size} merges, ${expected.length} corpus cases`);
