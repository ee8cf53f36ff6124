/* GGUF files written here (tests/gguf_writer.c), loaded by model/gguf.c:
 *  - a good file of the "tiny" preset's weights gives the preset's shape and
 *    exactly the logits of the same weights built as the preset;
 *  - so does a file with an F32 token embedding, F16 norms, rope_freqs.weight
 *    (Llama 3 scaling) and no output.weight (tied), against the preset model
 *    with those settings; an F16 embedding loads and runs;
 *  - each broken file gets its own clear error;
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

/* Builds a model from src and returns the logits of STEPS steps (greedy). */
static float *logits_of(const q4t_model_config *c, q4t_weight_source *src, char *err, size_t errlen)
{
    q4t_model_opts o;
    q4t_model_opts_default(&o, topo, cpu.features);
    o.batch = 4;
    o.ctx = PROMPT + STEPS;
    for (int p = 0; p < 2; p++)
        o.phase[p] = (q4t_phase_opts){1, &all_pus.items[0], Q4T_BIND_NONE};
    q4t_model *m;
    if (q4t_model_build(c, src, &o, &m, err, errlen))
        return NULL;
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
                           int exact)
{
    q4t_model_config c;
    q4t_weight_source src;
    char err[512];
    if (q4t_gguf_llama(path, &c, &src, err, sizeof err)) {
        CHECK(0, "%s: %s", what, err);
        return;
    }
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
    BROKEN("matrix not Q4_0", (gw_remove_tensor(w, "blk.0.attn_k.weight"),
                               gw_tensor(w, "blk.0.attn_k.weight", 8 /* Q8_0 */, 2, ne2, 64 * 128 / 32 * 34, NULL,
                                         NULL, NULL, 0)),
           "tensor 'blk.0.attn_k.weight' is Q8_0: q4tune takes Q4_0 matrices");
    BROKEN("matrix as F16", (gw_remove_tensor(w, "blk.1.ffn_down.weight"),
                             gw_tensor(w, "blk.1.ffn_down.weight", 1, 2, (const uint64_t[]){352, 128}, 352 * 128 * 2,
                                       NULL, NULL, NULL, 0)),
           "tensor 'blk.1.ffn_down.weight' is F16: q4tune takes Q4_0 matrices");
    BROKEN("norm not F32/F16", (gw_remove_tensor(w, "output_norm.weight"),
                                gw_tensor(w, "output_norm.weight", 2, 1, (const uint64_t[]){128}, 4 * 18, NULL, NULL,
                                          NULL, 0)),
           "tensor 'output_norm.weight' is Q4_0: q4tune takes F32 or F16 vectors");
    BROKEN("embedding as Q6_K", (gw_remove_tensor(w, "token_embd.weight"),
                                 gw_tensor(w, "token_embd.weight", 14, 2, (const uint64_t[]){128, 250}, 0, NULL, NULL,
                                           NULL, 0)),
           "tensor 'token_embd.weight' is Q6_K: q4tune takes F32, F16 or Q4_0 token embeddings");
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
    same_as_preset("good file (Q4_0 embedding, F32 norms)", path, tiny, expect, 1);
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
    same_as_preset("rope_freqs, tied, F32 embedding, F16 norms", path, &l3, expect, 1);
    path_of("f16-embd", path, sizeof path);
    write_file(tiny_writer(&l3, GW_MODEL_EMBD_F16 | GW_MODEL_ROPE_FREQS), path);
    same_as_preset("F16 embedding (rounded), tied", path, &l3, expect, 0);
    free(expect);

    broken_files(tiny);
    path_of("good", path, sizeof path);
    robustness(path);
    q4t_mask_list_free(&all_pus);
    q4t_topology_free(topo);
    return check_done("model_gguf");
}
