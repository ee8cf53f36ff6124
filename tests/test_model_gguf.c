/* GGUF files written here (tests/gguf_writer.c), loaded by model/gguf.c:
 *  - a good file of the "tiny" preset's weights gives the preset's shape and
 *    exactly the logits of the same weights built as the preset;
 *  - so does a file with an F32 token embedding, F16 norms, rope_freqs.weight
 *    (Llama 3 scaling) and no output.weight (tied), against the preset model
 *    with those settings; an F16 embedding loads and runs;
 *  - files of float or Q8_0 matrices (F32, F16, BF16, Q8_0; tied or not):
 *    the matrices quantized at load are packed byte for byte as those of the
 *    file the writer quantized to Q4_0 from the same rows, and the logits are
 *    equal bit for bit; the float synthetic weights quantized at load are the
 *    Q4_0 synthetic ones; each source's note says what was converted;
 *  - each broken file gets its own clear error (unsupported types name the
 *    tensor and say what q4tune takes);
 *  - every truncation of the good file, and random byte changes in its
 *    header, give an error or a model, never a crash.
 * Usage: test_model_gguf DIR (where the files go). */
#define _DEFAULT_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cpu.h"
#include "gguf.h"
#include "gguf_writer.h"
#include "model.h"
#include "run.h"
#include "synthetic.h"
#include "topology.h"

enum { SEED = 11, PROMPT = 9, STEPS = 4 };

static q4t_topology *topo;
static q4t_mask_list all_pus; /* the mask "all", parsed once */
static q4t_cpu cpu;
static char dir[512];

static void path_of(const char *name, char *buf, size_t len)
{
    snprintf(buf, len, "%s/test-", dir);
    size_t n = strlen(buf);
    for (; *name && n + 6 < len; name++) /* "norm not F32/F16" -> test-norm-not-F32-F16.gguf */
        buf[n++] = *name == ' ' || *name == '/' ? '-' : *name;
    snprintf(buf + n, len - n, ".gguf");
}

/* The model of src (one thread, prefill batches of 4); NULL with the reason in err. */
static q4t_model *build(const q4t_model_config *c, q4t_weight_source *src, char *err, size_t errlen)
{
    q4t_model_opts o;
    q4t_model_opts_default(&o, topo, cpu.features);
    o.batch = 4;
    o.ctx = PROMPT + STEPS;
    for (int p = 0; p < 2; p++)
        o.phase[p] = (q4t_phase_opts){1, &all_pus.items[0], Q4T_BIND_NONE};
    q4t_model *m;
    return q4t_model_build(c, src, &o, &m, err, errlen) ? NULL : m;
}

/* The logits of STEPS steps (greedy) after the prompt: the prefill's, then each decode step's. */
static float *run_logits(q4t_model *m)
{
    const q4t_model_config *c = &m->config;
    int prompt[PROMPT];
    q4t_run_prompt(c->vocab_size, 5, prompt, PROMPT);
    float *out = malloc((size_t)STEPS * (size_t)c->vocab_size * sizeof *out);
    q4t_forward(m, prompt, PROMPT);
    for (int s = 0; s < STEPS; s++) {
        const float *l = q4t_logits(m, s ? Q4T_DECODE : Q4T_PREFILL);
        memcpy(out + (size_t)s * (size_t)c->vocab_size, l, (size_t)c->vocab_size * sizeof *out);
        int tok = q4t_argmax(l, c->vocab_size);
        if (s + 1 < STEPS)
            q4t_forward(m, &tok, 1);
    }
    return out;
}

/* Builds a model from src and returns the logits of STEPS steps. */
static float *logits_of(const q4t_model_config *c, q4t_weight_source *src, char *err, size_t errlen)
{
    q4t_model *m = build(c, src, err, errlen);
    if (!m)
        return NULL;
    float *out = run_logits(m);
    q4t_model_free(m);
    return out;
}

static float *preset_logits(const q4t_model_config *c)
{
    q4t_weight_source src;
    q4t_synth_source(c, SEED, &src);
    char err[512];
    float *l = logits_of(c, &src, err, sizeof err);
    CHECK(l != NULL, "%s as a preset: %s", c->name, err);
    return l;
}

/* The file's model against the preset's: same shape, same logits bit for bit. */
static void same_as_preset(const char *what, const char *path, const q4t_model_config *want, const float *expect,
                           int exact, const char *note)
{
    q4t_model_config c;
    q4t_weight_source src;
    char err[512];
    if (q4t_gguf_llama(path, &c, &src, err, sizeof err)) {
        CHECK(0, "%s: %s", what, err);
        return;
    }
    CHECK(!strcmp(src.note, note), "%s: note \"%s\", expected \"%s\"", what, src.note, note);
    CHECK(c.dim == want->dim && c.hidden_dim == want->hidden_dim && c.n_layers == want->n_layers &&
              c.n_heads == want->n_heads && c.n_kv_heads == want->n_kv_heads && c.vocab_size == want->vocab_size &&
              c.rope_theta == want->rope_theta && c.norm_eps == want->norm_eps &&
              c.tied_embeddings == want->tied_embeddings && c.max_seq_len == want->max_seq_len,
          "%s: shape read back", what);
    CHECK(!strcmp(c.name, want->name), "%s: name '%s'", what, c.name);
    float *got = logits_of(&c, &src, err, sizeof err);
    CHECK(got != NULL, "%s: %s", what, err);
    if (!got || !expect)
        return;
    const size_t n = (size_t)STEPS * (size_t)want->vocab_size;
    double worst = 0, largest = 0;
    for (size_t i = 0; i < n; i++) {
        worst = fabs((double)got[i] - expect[i]) > worst ? fabs((double)got[i] - expect[i]) : worst;
        largest = fabs((double)expect[i]) > largest ? fabs((double)expect[i]) : largest;
    }
    if (exact)
        CHECK(!memcmp(got, expect, n * sizeof *got), "%s: logits differ from the preset's by up to %g", what, worst);
    else /* F16 rounding of the embedding, and of the output projection quantized from it */
        CHECK(worst < 0.02 * largest, "%s: logits differ from the preset's by up to %g of %g", what, worst, largest);
    printf("%-44s loads: %d layers, dim %d, vocab %d%s; logits %s the preset's (max diff %.3g of %.3g)\n", what,
           c.n_layers, c.dim, c.vocab_size, c.tied_embeddings ? ", tied" : "", exact ? "equal to" : "close to", worst,
           largest);
    free(got);
}

/* A writer holding the tiny model (flags: gguf_writer.h). */
static gguf_writer *tiny_writer(const q4t_model_config *c, unsigned flags)
{
    gguf_writer *w = gw_new();
    gw_model(w, c, SEED, flags);
    return w;
}

static void write_file(gguf_writer *w, const char *path)
{
    CHECK(gw_write(w, path) == 0, "writing %s", path);
    gw_free(w);
}

/* Overwrites bytes of a file at an offset. */
static void patch(const char *path, long at, const void *bytes, size_t n)
{
    FILE *f = fopen(path, "r+b");
    CHECK(f && fseek(f, at, SEEK_SET) == 0 && fwrite(bytes, 1, n, f) == n, "patching %s", path);
    if (f)
        fclose(f);
}

static long file_size(const char *path)
{
    FILE *f = fopen(path, "rb");
    long n = -1;
    if (f && fseek(f, 0, SEEK_END) == 0)
        n = ftell(f);
    if (f)
        fclose(f);
    return n;
}

/* ---- float and Q8_0 matrices, quantized to Q4_0 at load ---- */

/* How many of the models' matrices differ: in kernel, or packed byte for byte. */
static int packed_differences(const q4t_model *a, const q4t_model *b)
{
    const size_t n = 7 * (size_t)a->config.n_layers;
    int differ = 0;
    for (size_t i = 0; i <= n; i++) {
        const q4t_qmatrix *x = i < n ? &a->w.wq[i] : &a->w.wcls, *y = i < n ? &b->w.wq[i] : &b->w.wcls;
        differ += x->plan->phase[Q4T_DECODE].kernel != y->plan->phase[Q4T_DECODE].kernel ||
                  x->packed_bytes != y->packed_bytes || memcmp(x->packed, y->packed, x->packed_bytes) != 0;
    }
    return differ;
}

/* The models of a and b (sources taken over): every matrix packed alike, the
 * norms alike, the logits of the prompt and the decode steps equal bit for bit. */
static void same_models(const char *what, const q4t_model_config *ca, q4t_weight_source *a,
                        const q4t_model_config *cb, q4t_weight_source *b)
{
    char err[512];
    q4t_model *ma = build(ca, a, err, sizeof err);
    CHECK(ma != NULL, "%s: %s", what, err);
    q4t_model *mb = build(cb, b, err, sizeof err);
    CHECK(mb != NULL, "%s: %s", what, err);
    if (ma && mb) {
        const size_t L = (size_t)ca->n_layers, dim = (size_t)ca->dim, n = (size_t)STEPS * (size_t)ca->vocab_size;
        const int differ = packed_differences(ma, mb);
        CHECK(differ == 0, "%s: %d of %zu packed matrices differ", what, differ, 7 * L + 1);
        CHECK(!memcmp(ma->w.rms_att, mb->w.rms_att, L * dim * sizeof(float)) &&
                  !memcmp(ma->w.rms_ffn, mb->w.rms_ffn, L * dim * sizeof(float)) &&
                  !memcmp(ma->w.rms_final, mb->w.rms_final, dim * sizeof(float)),
              "%s: norm weights differ", what);
        float *la = run_logits(ma), *lb = run_logits(mb);
        double worst = 0;
        for (size_t i = 0; i < n; i++)
            worst = fabs((double)la[i] - lb[i]) > worst ? fabs((double)la[i] - lb[i]) : worst;
        CHECK(!memcmp(la, lb, n * sizeof *la), "%s: logits differ by up to %g", what, worst);
        printf("%-44s %zu matrices packed alike (%s), logits of %d steps equal\n", what, 7 * L + 1,
               ma->w.wcls.plan->phase[Q4T_DECODE].kernel->name, STEPS);
        free(la);
        free(lb);
    }
    q4t_model_free(ma);
    q4t_model_free(mb);
}

/* Opens path into c and src, its note checked against want: 0, or -1 (failed). */
static int open_with_note(const char *what, const char *path, const char *want, q4t_model_config *c,
                          q4t_weight_source *src)
{
    char err[512];
    if (q4t_gguf_llama(path, c, src, err, sizeof err)) {
        CHECK(0, "%s: %s", what, err);
        return -1;
    }
    CHECK(!strcmp(src->note, want), "%s: note \"%s\", expected \"%s\"", what, src->note, want);
    return 0;
}

/* A file of the float synthetic weights with matrices (and embedding) of a
 * float mode (GW_MODEL_F16, ...) against the file of the same stored rows
 * quantized to Q4_0 by the writer (GW_MODEL_AS_Q4_0, q4t_quantize_row_q4_0):
 * the matrices quantized at load are that file's, byte for byte, and the
 * logits equal; each file's note as given. The file cut by one byte is refused. */
static void converted(const char *what, const q4t_model_config *c, unsigned mode, const char *note,
                      const char *q4_note)
{
    char path[600], q4_path[600], q4_what[128];
    snprintf(q4_what, sizeof q4_what, "%s as Q4_0", what);
    path_of(what, path, sizeof path);
    path_of(q4_what, q4_path, sizeof q4_path);
    write_file(tiny_writer(c, mode), path);
    write_file(tiny_writer(c, mode | GW_MODEL_AS_Q4_0), q4_path);
    q4t_model_config ca, cb;
    q4t_weight_source a, b;
    if (open_with_note(what, path, note, &ca, &a))
        return;
    if (open_with_note(q4_what, q4_path, q4_note, &cb, &b)) {
        a.close(a.ctx);
        return;
    }
    printf("%-44s note: \"%s\"\n", what, a.note);
    same_models(what, &ca, &a, &cb, &b);
    const long size = file_size(path);
    char err[512];
    CHECK(size > 0 && truncate(path, size - 1) == 0, "truncating %s", path);
    const int rc = q4t_gguf_llama(path, &ca, &a, err, sizeof err);
    if (rc == 0)
        a.close(a.ctx);
    CHECK(rc != 0 && strstr(err, "truncated: tensor 'blk.1.ffn_up.weight'"), "%s cut by a byte: %s", what,
          rc ? err : "it loads");
}

/* The float synthetic weights, quantized at load, are the Q4_0 synthetic
 * weights byte for byte (the embedding's rows too, quantized here); an F32
 * GGUF of them runs exactly as they do. */
static void synthetic_float(const q4t_model_config *c)
{
    char want[96], err[512];
    snprintf(want, sizeof want, "%d F32 matrices quantized to Q4_0 at load", 7 * c->n_layers + 1);
    q4t_weight_source q4, f32;
    q4t_synth_source(c, SEED, &q4);
    q4t_synth_source_float(c, SEED, &f32);
    CHECK(q4.note[0] == '\0', "Q4_0 synthetic weights: note \"%s\"", q4.note);
    CHECK(!strcmp(f32.note, want), "F32 synthetic weights: note \"%s\", expected \"%s\"", f32.note, want);
    q4t_model *mq = build(c, &q4, err, sizeof err);
    CHECK(mq != NULL, "Q4_0 synthetic: %s", err);
    q4t_model *mf = build(c, &f32, err, sizeof err);
    CHECK(mf != NULL, "F32 synthetic: %s", err);
    if (mq && mf) {
        const q4t_tensor_data *eq = &mq->w.token_embd, *ef = &mf->w.token_embd;
        const int differ = packed_differences(mq, mf);
        CHECK(differ == 0, "F32 synthetic: %d matrices quantized at load differ from the Q4_0 synthetic ones", differ);
        CHECK(eq->type == Q4T_DT_Q4_0 && ef->type == Q4T_DT_F32, "embedding types %d and %d", eq->type, ef->type);
        const size_t nb = ef->cols / 32;
        float *row = malloc(ef->cols * sizeof *row);
        q4t_block_q4_0 *q = malloc(nb * sizeof *q);
        size_t rows_differ = 0;
        for (size_t r = 0; row && q && r < ef->rows; r++) {
            q4t_tensor_row_f32(ef, r, row);
            q4t_quantize_row_q4_0(row, q, ef->cols);
            rows_differ += memcmp(q, (const q4t_block_q4_0 *)eq->data + r * nb, nb * sizeof *q) != 0;
        }
        CHECK(row && q && rows_differ == 0, "F32 synthetic: %zu embedding rows quantize to other Q4_0 rows", rows_differ);
        printf("%-44s %d matrices and %zu embedding rows quantize to the Q4_0 synthetic ones\n",
               "F32 synthetic weights", 7 * c->n_layers + 1 - differ, ef->rows - rows_differ);
        free(row);
        free(q);
    }
    q4t_model_free(mq);
    q4t_model_free(mf);

    char path[600];
    q4t_model_config gc;
    q4t_weight_source g;
    path_of("F32 synthetic", path, sizeof path);
    write_file(tiny_writer(c, GW_MODEL_F32), path);
    if (open_with_note("F32 GGUF", path, want, &gc, &g))
        return;
    q4t_synth_source_float(c, SEED, &f32);
    same_models("F32 GGUF vs the F32 synthetic source", &gc, &g, c, &f32);
}

/* Matrices of several types in one file: the note counts each. */
static void mixed_note(const q4t_model_config *c)
{
    char path[600];
    path_of("mixed types", path, sizeof path);
    gguf_writer *w = tiny_writer(c, GW_MODEL_F16);
    const uint64_t ne[2] = {128, 128};
    gw_remove_tensor(w, "blk.0.attn_q.weight");
    gw_tensor(w, "blk.0.attn_q.weight", Q4T_DT_BF16, 2, ne, 128 * 128 * 2, NULL, NULL, NULL, 0);
    gw_remove_tensor(w, "blk.1.attn_output.weight");
    gw_tensor(w, "blk.1.attn_output.weight", Q4T_DT_Q4_0, 2, ne, 128 * 128 / 32 * 18, NULL, NULL, NULL, 0);
    write_file(w, path);
    q4t_model_config mc;
    q4t_weight_source src;
    if (open_with_note("mixed types", path, "13 F16 matrices quantized to Q4_0 at load; 1 BF16 matrix quantized to Q4_0 at load",
                       &mc, &src))
        return;
    printf("%-44s note: \"%s\"\n", "mixed types", src.note);
    char err[512];
    float *l = logits_of(&mc, &src, err, sizeof err);
    CHECK(l != NULL, "mixed types: %s", err);
    free(l);
}

/* Loading path fails with a message containing expect. */
static void expect_error(const char *what, const char *path, const char *expect)
{
    q4t_model_config c;
    q4t_weight_source src;
    char err[1024] = "";
    const int rc = q4t_gguf_llama(path, &c, &src, err, sizeof err);
    if (rc == 0)
        src.close(src.ctx);
    CHECK(rc != 0 && strstr(err, expect), "%s: expected an error with \"%s\", got %s: %s", what, expect,
          rc ? "error" : "success", err);
    printf("%-26s %s\n", what, err + (strncmp(err, path, strlen(path)) ? 0 : strlen(path) + 2));
}

static void broken_files(const q4t_model_config *tiny)
{
    char path[600];
    gguf_writer *w;
    const uint64_t ne2[2] = {128, 64};

#define BROKEN(name, setup, expect)                                                                                    \
    do {                                                                                                               \
        path_of(name, path, sizeof path);                                                                              \
        w = tiny_writer(tiny, 0);                                                                                      \
        setup;                                                                                                         \
        write_file(w, path);                                                                                           \
        expect_error(name, path, expect);                                                                              \
    } while (0)

    BROKEN("other architecture", gw_str(w, "general.architecture", "qwen2"), "general.architecture is 'qwen2'");
    BROKEN("no architecture", gw_remove_kv(w, "general.architecture"), "key 'general.architecture' missing");
    BROKEN("missing key", gw_remove_kv(w, "llama.embedding_length"), "key 'llama.embedding_length' missing");
    BROKEN("key of the wrong type", gw_str(w, "llama.block_count", "two"),
           "key 'llama.block_count' is a string, expected an integer");
    BROKEN("bad head count", gw_u32(w, "llama.attention.head_count", 3), "attention.head_count");
    BROKEN("partial rotary", gw_u32(w, "llama.rope.dimension_count", 16), "llama.rope.dimension_count is 16");
    BROKEN("other rope scaling", gw_str(w, "llama.rope.scaling.type", "yarn"), "llama.rope.scaling.type is 'yarn'");
    BROKEN("missing tensor", gw_remove_tensor(w, "blk.1.ffn_up.weight"), "tensor 'blk.1.ffn_up.weight' missing");
    BROKEN("matrix as Q4_1", (gw_remove_tensor(w, "blk.0.attn_k.weight"),
                              gw_tensor(w, "blk.0.attn_k.weight", 3 /* Q4_1 */, 2, ne2, 64 * 128 / 32 * 20, NULL,
                                        NULL, NULL, 0)),
           "tensor 'blk.0.attn_k.weight' is Q4_1: q4tune takes Q4_0, Q8_0, F32, F16 or BF16 matrices (all but Q4_0 "
           "quantized to Q4_0 at load)");
    BROKEN("output as Q6_K", (gw_remove_tensor(w, "output.weight"),
                              gw_tensor(w, "output.weight", 14 /* Q6_K */, 2, (const uint64_t[]){128, 250}, 0, NULL,
                                        NULL, NULL, 0)),
           "tensor 'output.weight' is Q6_K: q4tune takes Q4_0, Q8_0, F32, F16 or BF16 matrices");
    BROKEN("norm not a float", (gw_remove_tensor(w, "output_norm.weight"),
                                gw_tensor(w, "output_norm.weight", 8 /* Q8_0 */, 1, (const uint64_t[]){128}, 4 * 34,
                                          NULL, NULL, NULL, 0)),
           "tensor 'output_norm.weight' is Q8_0: q4tune takes F32, F16 or BF16 vectors");
    BROKEN("embedding as Q6_K", (gw_remove_tensor(w, "token_embd.weight"),
                                 gw_tensor(w, "token_embd.weight", 14, 2, (const uint64_t[]){128, 250}, 0, NULL, NULL,
                                           NULL, 0)),
           "tensor 'token_embd.weight' is Q6_K: q4tune takes Q4_0, Q8_0, F32, F16 or BF16 token embeddings");
    BROKEN("ragged Q8_0 rows", gw_tensor(w, "extra.weight", 8, 2, (const uint64_t[]){100, 2}, 0, NULL, NULL, NULL, 0),
           "corrupt: Q8_0 tensor 'extra.weight' has rows of 100 elements, not a multiple of 32");
    BROKEN("wrong shape", (gw_remove_tensor(w, "blk.0.attn_q.weight"),
                           gw_tensor(w, "blk.0.attn_q.weight", 2, 2, ne2, 64 * 128 / 32 * 18, NULL, NULL, NULL, 0)),
           "tensor 'blk.0.attn_q.weight' is 128 x 64, expected 128 x 128 (ne0 x ne1)");
    BROKEN("vocab size mismatch", gw_u32(w, "llama.vocab_size", 251), "llama.vocab_size is 251");
    BROKEN("five dimensions", gw_tensor(w, "extra.weight", 0, 5, (const uint64_t[]){1, 1, 1, 1, 1}, 4, NULL, NULL, NULL, 0),
           "corrupt: tensor 'extra.weight' has 5 dimensions");
    BROKEN("zero dimension", gw_tensor(w, "extra.weight", 0, 2, (const uint64_t[]){4, 0}, 0, NULL, NULL, NULL, 0),
           "corrupt: tensor 'extra.weight' has dimension 1 of 0");
    BROKEN("duplicate tensor", gw_tensor(w, "output_norm.weight", 0, 1, (const uint64_t[]){128}, 512, NULL, NULL, NULL, 0),
           "corrupt: tensor 'output_norm.weight' appears twice");
    BROKEN("misaligned tensor", gw_offset_bias(w, "blk.0.attn_v.weight", 2),
           "tensor 'blk.0.attn_v.weight' starts at offset");
    BROKEN("unknown value type", gw_raw(w, "general.weird", 99, "", 0), "key 'general.weird' has unknown value type 99");
    BROKEN("bad alignment", gw_u32(w, "general.alignment", 24), "general.alignment must be a u32 power of two");
    BROKEN("version 1", gw_version(w, 1), "GGUF version 1");

    /* byte-level damage to a good file */
    long size;
    path_of("bad magic", path, sizeof path);
    write_file(tiny_writer(tiny, 0), path);
    patch(path, 0, "GGUX", 4);
    expect_error("bad magic", path, "not a GGUF file");
    path_of("huge tensor count", path, sizeof path);
    write_file(tiny_writer(tiny, 0), path);
    patch(path, 8, &(uint64_t){(uint64_t)1 << 60}, 8);
    expect_error("huge tensor count", path, "corrupt: 1152921504606846976 tensors");
    path_of("huge key length", path, sizeof path);
    write_file(tiny_writer(tiny, 0), path);
    patch(path, 24, &(uint64_t){(uint64_t)1 << 40}, 8);
    expect_error("huge key length", path, "truncated: key #0 runs past the end of the file");
    path_of("truncated data", path, sizeof path);
    write_file(tiny_writer(tiny, 0), path);
    size = file_size(path);
    CHECK(size > 1000 && truncate(path, size - 1000) == 0, "truncating %s", path);
    expect_error("truncated data", path, "truncated: tensor 'blk.1.ffn_up.weight'");
    path_of("truncated header", path, sizeof path);
    write_file(tiny_writer(tiny, 0), path);
    CHECK(truncate(path, 2000) == 0, "truncating %s", path); /* inside the vocabulary's strings */
    expect_error("truncated header", path, "truncated: the value of key 'tokenizer.ggml.tokens' runs past");
    path_of("truncated counts", path, sizeof path);
    write_file(tiny_writer(tiny, 0), path);
    CHECK(truncate(path, 315) == 0, "truncating %s", path); /* too short for its tensors' entries */
    expect_error("truncated counts", path, "truncated or corrupt: 21 tensors in a 315-byte file");
    path_of("empty", path, sizeof path);
    write_file(gw_new(), path);
    CHECK(truncate(path, 0) == 0, "truncating %s", path);
    expect_error("empty file", path, "not a GGUF file");
    expect_error("no such file", "/nonexistent/model.gguf", "No such file or directory");
#undef BROKEN
}

/* Every proper prefix of a good file fails cleanly; random damage to its
 * header loads or fails, never crashes. */
static void robustness(const char *good)
{
    const long size = file_size(good);
    FILE *f = fopen(good, "rb");
    unsigned char *bytes = malloc((size_t)size);
    CHECK(f && bytes && fread(bytes, 1, (size_t)size, f) == (size_t)size, "reading %s", good);
    if (f)
        fclose(f);
    char path[600];
    path_of("damaged", path, sizeof path);
    int cuts = 0, cut_ok = 0, damaged = 0, loaded = 0;
    char err[1024];
    q4t_model_config c;
    q4t_weight_source src;
    /* random damage: 1 to 4 bytes of the first 6000 changed, then put back */
    f = fopen(path, "w+b");
    CHECK(f && fwrite(bytes, 1, (size_t)size, f) == (size_t)size && fflush(f) == 0, "writing %s", path);
    unsigned long long s = 12345;
    for (int i = 0; f && i < 3000; i++) {
        long at[4];
        const int nchanges = 1 + i % 4;
        for (int j = 0; j < nchanges; j++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            at[j] = (long)((s >> 33) % 6000);
            fseek(f, at[j], SEEK_SET);
            fputc((int)(s >> 20) & 0xff, f);
        }
        fflush(f);
        damaged++;
        if (q4t_gguf_llama(path, &c, &src, err, sizeof err) == 0) {
            loaded++;
            src.close(src.ctx);
        }
        for (int j = 0; j < nchanges; j++) {
            fseek(f, at[j], SEEK_SET);
            fputc(bytes[at[j]], f);
        }
        fflush(f);
    }
    if (f)
        fclose(f);
    /* every length through the header, then samples, shortest last */
    for (long n = size - 1; n >= 0; n -= n > 6000 ? 4099 : 1) {
        if (truncate(path, n)) {
            CHECK(0, "truncating %s", path);
            break;
        }
        cuts++;
        if (q4t_gguf_llama(path, &c, &src, err, sizeof err) == 0) {
            src.close(src.ctx);
            CHECK(0, "the file cut at %ld of %ld bytes loads", n, size);
        } else {
            cut_ok++;
        }
    }
    printf("robustness: %d of %d truncations refused; %d files with random header damage: %d load, %d refused\n",
           cut_ok, cuts, damaged, loaded, damaged - loaded);
    free(bytes);
    unlink(path);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_model_gguf DIR\n");
        return 2;
    }
    snprintf(dir, sizeof dir, "%s", argv[1]);
    char err[512];
    q4t_cpu_detect(&cpu);
    if (q4t_cpu_mask_env(&cpu, err, sizeof err) || q4t_topology_load(&topo, NULL, err, sizeof err) ||
        q4t_masks_parse(topo, "all", &all_pus, err, sizeof err)) {
        fprintf(stderr, "test_model_gguf: %s\n", err);
        return 1;
    }
    const q4t_model_config *tiny = q4t_model_preset("tiny");
    char path[600];

    /* a good file: the preset's weights as llama.cpp lays them out */
    float *expect = preset_logits(tiny);
    path_of("good", path, sizeof path);
    write_file(tiny_writer(tiny, 0), path);
    same_as_preset("good file (Q4_0 embedding, F32 norms)", path, tiny, expect, 1, "");
    free(expect);

    /* Llama 3 frequencies in rope_freqs.weight, tied output, F32 embedding, F16 norms */
    q4t_model_config l3 = *tiny;
    l3.rope_theta = 500000.0f;
    l3.rope_factor = 8.0f, l3.rope_low_freq_factor = 1.0f, l3.rope_high_freq_factor = 4.0f;
    l3.rope_original_max_pos = 64;
    l3.tied_embeddings = 1;
    expect = preset_logits(&l3);
    path_of("llama3", path, sizeof path);
    write_file(tiny_writer(&l3, GW_MODEL_EMBD_F32 | GW_MODEL_NORMS_F16 | GW_MODEL_ROPE_FREQS), path);
    same_as_preset("rope_freqs, tied, F32 embedding, F16 norms", path, &l3, expect, 1,
                   "1 F32 matrix quantized to Q4_0 at load"); /* the output, from the embedding */
    path_of("f16-embd", path, sizeof path);
    write_file(tiny_writer(&l3, GW_MODEL_EMBD_F16 | GW_MODEL_ROPE_FREQS), path);
    same_as_preset("F16 embedding (rounded), tied", path, &l3, expect, 0, "1 F16 matrix quantized to Q4_0 at load");
    free(expect);

    /* float and Q8_0 matrices quantized at load: the same Q4_0 bytes and logits as the writer's Q4_0 of them */
    synthetic_float(tiny);
    converted("F32 matrices", tiny, GW_MODEL_F32, "15 F32 matrices quantized to Q4_0 at load", "");
    converted("F16 matrices", tiny, GW_MODEL_F16, "15 F16 matrices quantized to Q4_0 at load", "");
    converted("BF16 matrices", tiny, GW_MODEL_BF16, "15 BF16 matrices quantized to Q4_0 at load", "");
    converted("Q8_0 matrices", tiny, GW_MODEL_Q8_0,
              "15 Q8_0 matrices re-quantized to Q4_0 (8-bit to 4-bit: not the file's own numerics)", "");
    converted("F16 matrices, tied, rope_freqs", &l3, GW_MODEL_F16 | GW_MODEL_ROPE_FREQS,
              "15 F16 matrices quantized to Q4_0 at load", "1 F16 matrix quantized to Q4_0 at load");
    converted("Q8_0 matrices, tied, F16 norms", &l3, GW_MODEL_Q8_0 | GW_MODEL_NORMS_F16,
              "15 Q8_0 matrices re-quantized to Q4_0 (8-bit to 4-bit: not the file's own numerics)",
              "1 Q8_0 matrix re-quantized to Q4_0 (8-bit to 4-bit: not the file's own numerics)");
    mixed_note(tiny);

    broken_files(tiny);
    path_of("good", path, sizeof path);
    robustness(path);
    q4t_mask_list_free(&all_pus);
    q4t_topology_free(topo);
    return check_done("model_gguf");
}
