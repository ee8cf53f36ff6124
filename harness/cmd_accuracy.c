/* q4tune accuracy --model PRESET | --gguf PATH [--text S | --text-file F | --prompt N]:
 * what the Q4_0 weights cost. The same prompt runs through the float model
 * (model/reference.h: fp32 maths on the unquantized weights) and through the
 * Q4_0 model q4tune runs (weights quantized at load, Q8_0 activations, the
 * default kernels), and at every position the two next-token distributions
 * are compared (model/accuracy.h: KL divergence, top-1, perplexities).
 *
 * The record goes to <out>/<device-id>/accuracy-<model>-p<tokens>.json. */
#define _DEFAULT_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "config.h"
#include "device.h"
#include "gguf.h"
#include "json.h"
#include "model.h"
#include "pool.h"
#include "accuracy.h"
#include "reference.h"
#include "run.h"
#include "synthetic.h"
#include "timer.h"
#include "topology.h"

static const char usage[] =
    "usage: q4tune accuracy --model PRESET | --gguf PATH [--layers N] [--seed N]\n"
    "                       [--text TEXT | --text-file PATH | --prompt N] [--threads N] [--batch N]\n"
    "                       [--per-position] [--json] [--out DIR | --no-save] [--isa=LIST]\n"
    "  What Q4_0 costs: the prompt through the float model (fp32 on the unquantized weights:\n"
    "  a float GGUF's own, or a preset's synthetic weights before quantization) and through\n"
    "  the Q4_0 model q4tune runs (quantized at load, default kernels), compared at every\n"
    "  position: KL divergence of the Q4_0 model's next-token distribution from the float\n"
    "  one's (mean with its standard error, median, 99th percentile, max), how often both\n"
    "  rank the same token first, and the prompt's perplexity under each (as llama.cpp's\n"
    "  llama-perplexity --kl-divergence). A text prompt (--text, --text-file, in the GGUF's\n"
    "  own tokenizer) makes the perplexities meaningful; a synthetic one (--prompt N seeded\n"
    "  token ids, default 128) and random weights show only how far the two models drift.\n"
    "  The float model holds 4 bytes per parameter. --per-position prints every position.\n"
    "  The record goes to DIR/<device-id>/accuracy-<model>-p<tokens>.json (DIR: results). Presets:";

enum {
    OPT_MODEL = 0x200, OPT_GGUF, OPT_LAYERS, OPT_SEED, OPT_PROMPT, OPT_TEXT, OPT_TEXT_FILE, OPT_THREADS, OPT_BATCH,
    OPT_PER_POSITION, OPT_JSON, OPT_OUT, OPT_NO_SAVE,
};

static void print_usage(FILE *f)
{
    fputs(usage, f);
    for (size_t i = 0; i < q4t_model_preset_count(); i++)
        fprintf(f, " %s", q4t_model_preset_at(i)->name);
    fputs("\n", f);
}

/* How the Q4_0 model ran (kept after it is freed). */
typedef struct {
    const char *decode, *prefill, *vec; /* kernel and vector set names */
    const char *kv;
} q4_run;

/* The model's weights: the preset's float synthetic ones, or the GGUF's. */
static int open_source(const char *gguf, const q4t_model_config *preset, int seed, q4t_model_config *c,
                       q4t_weight_source *src, char *err, size_t errlen)
{
    if (preset) {
        *c = *preset;
        q4t_synth_source_float(c, (uint64_t)seed, src);
        return 0;
    }
    return q4t_gguf_llama(gguf, c, src, err, errlen);
}

static cJSON *record_json(const q4t_cpu *cpu, const q4t_topology *topo, const char *model_name, const char *source,
                          const q4t_model_config *c, const q4_run *m, const q4t_text_prompt *tp, int seed,
                          int synthetic, const q4t_acc_position *p, const q4t_acc_summary *s, const char *note)
{
    cJSON *root = q4t_record_json("q4tune-accuracy", 1, cpu, topo);
    cJSON *mo = cJSON_AddObjectToObject(root, "model");
    cJSON_AddStringToObject(mo, "name", model_name);
    cJSON_AddStringToObject(mo, "source", source);
    cJSON_AddNumberToObject(mo, "layers", c->n_layers);
    cJSON_AddNumberToObject(mo, "dim", c->dim);
    cJSON_AddNumberToObject(mo, "vocab_size", c->vocab_size);
    cJSON_AddStringToObject(mo, "converted", note);
    cJSON_AddBoolToObject(mo, "synthetic_weights", synthetic);
    cJSON *q = cJSON_AddObjectToObject(root, "quantized");
    cJSON_AddStringToObject(q, "weights", "Q4_0");
    cJSON_AddStringToObject(q, "activations", "Q8_0");
    cJSON_AddStringToObject(q, "decode_kernel", m->decode);
    cJSON_AddStringToObject(q, "prefill_kernel", m->prefill);
    cJSON_AddStringToObject(q, "vector_set", m->vec);
    cJSON_AddStringToObject(q, "kv_cache", m->kv);
    cJSON_AddStringToObject(root, "reference", "fp32 weights and activations (model/reference.h)");
    cJSON *pr = cJSON_AddObjectToObject(root, "prompt");
    cJSON_AddStringToObject(pr, "source", tp ? "text" : "synthetic");
    cJSON_AddNumberToObject(pr, "tokens", s->n);
    char *text = tp ? q4t_cli_utf8_valid(tp->text, tp->len) : NULL;
    if (tp)
        cJSON_AddStringToObject(pr, "text", text ? text : "");
    else
        cJSON_AddNumberToObject(pr, "seed", seed);
    free(text);
    cJSON *r = cJSON_AddObjectToObject(root, "summary");
    cJSON_AddNumberToObject(r, "positions", s->n);
    cJSON_AddNumberToObject(r, "scored_positions", s->scored);
    cJSON_AddNumberToObject(r, "kl_mean", s->kl_mean);
    cJSON_AddNumberToObject(r, "kl_stderr", s->kl_stderr);
    cJSON_AddNumberToObject(r, "kl_median", s->kl_median);
    cJSON_AddNumberToObject(r, "kl_p99", s->kl_p99);
    cJSON_AddNumberToObject(r, "kl_max", s->kl_max);
    cJSON_AddNumberToObject(r, "top1_agreement", s->top1);
    cJSON_AddNumberToObject(r, "ppl_float", s->ppl_ref);
    cJSON_AddNumberToObject(r, "ppl_q4_0", s->ppl_model);
    cJSON_AddNumberToObject(r, "ppl_ratio", s->ppl_ref > 0 ? s->ppl_model / s->ppl_ref : 0);
    cJSON *a = cJSON_AddArrayToObject(root, "positions");
    for (int i = 0; i < s->n; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "pos", i);
        cJSON_AddNumberToObject(o, "token", p[i].token);
        if (p[i].next >= 0)
            cJSON_AddNumberToObject(o, "next", p[i].next);
        else
            cJSON_AddNullToObject(o, "next");
        cJSON_AddNumberToObject(o, "kl", p[i].kl);
        cJSON_AddNumberToObject(o, "top_float", p[i].top_ref);
        cJSON_AddNumberToObject(o, "top_q4_0", p[i].top_model);
        if (p[i].next >= 0) {
            cJSON_AddNumberToObject(o, "nll_float", p[i].nll_ref);
            cJSON_AddNumberToObject(o, "nll_q4_0", p[i].nll_model);
        }
        cJSON_AddItemToArray(a, o);
    }
    return root;
}

static void print_text(const char *device_id, const char *model_name, const char *source, const q4_run *m,
                       const q4t_text_prompt *tp, int synthetic, const q4t_acc_position *p, const q4t_acc_summary *s,
                       int per_position, const char *note, double ref_s, double q4_s, int vocab)
{
    printf("q4tune accuracy on %s\n", device_id);
    printf("model:      %s (%s)%s%s\n", model_name, source, note[0] ? "; " : "", note);
    printf("float:      fp32 weights and activations, %.1f s for %d positions\n", ref_s, s->n);
    printf("Q4_0:       weights Q4_0, activations Q8_0, decode %s, prefill %s, %s, KV %s; %.1f s\n",
           m->decode, m->prefill, m->vec, m->kv, q4_s);
    if (tp) {
        printf("prompt:     text, %d tokens:", tp->n);
        q4t_cli_print_tokens(stdout, tp->tok, tp->ids, tp->n, 24);
    } else {
        printf("prompt:     %d synthetic token ids\n", s->n);
    }
    if (per_position) {
        printf("\n%5s %7s %7s %10s %8s %8s %9s %9s\n", "pos", "token", "next", "KL", "top fp32", "top Q4_0",
               "-lnP fp32", "-lnP Q4_0");
        for (int i = 0; i < s->n; i++) {
            printf("%5d %7d ", i, p[i].token);
            if (p[i].next >= 0)
                printf("%7d %10.6f %8d %8d %9.4f %9.4f\n", p[i].next, p[i].kl, p[i].top_ref, p[i].top_model,
                       p[i].nll_ref, p[i].nll_model);
            else
                printf("%7s %10.6f %8d %8d %9s %9s\n", "-", p[i].kl, p[i].top_ref, p[i].top_model, "-", "-");
        }
    }
    printf("\nKL divergence (float || Q4_0), nats per position, over %d positions:\n", s->n);
    printf("  mean %.6f +- %.6f   median %.6f   99%% %.6f   max %.6f\n", s->kl_mean, s->kl_stderr, s->kl_median,
           s->kl_p99, s->kl_max);
    printf("same top token:  %.2f%% of positions\n", 100.0 * s->top1);
    printf("perplexity over %d next tokens:  float %.4f   Q4_0 %.4f   (Q4_0 / float %.4f)\n", s->scored, s->ppl_ref,
           s->ppl_model, s->ppl_ref > 0 ? s->ppl_model / s->ppl_ref : 0);
    if (!tp)
        printf("note: a synthetic prompt%s: the perplexities say nothing about a language model;\n"
               "      KL and top-1 say how far Q4_0 moves this model's outputs, not how much a real one loses.\n",
               synthetic ? " on random weights" : "");
    else if (s->scored > 0 && s->ppl_ref >= vocab)
        printf("note: the float model's perplexity is at or above the vocabulary's size (%d): it predicts this\n"
               "      text no better than chance (untrained or random weights?), so the comparison says little.\n",
               vocab);
}

int q4t_cmd_accuracy(int argc, char **argv, q4t_cpu *cpu)
{
    static const struct option opts[] = {
        {"model", required_argument, NULL, OPT_MODEL},
        {"gguf", required_argument, NULL, OPT_GGUF},
        {"layers", required_argument, NULL, OPT_LAYERS},
        {"seed", required_argument, NULL, OPT_SEED},
        {"prompt", required_argument, NULL, OPT_PROMPT},
        {"text", required_argument, NULL, OPT_TEXT},
        {"text-file", required_argument, NULL, OPT_TEXT_FILE},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"batch", required_argument, NULL, OPT_BATCH},
        {"per-position", no_argument, NULL, OPT_PER_POSITION},
        {"json", no_argument, NULL, OPT_JSON},
        {"out", required_argument, NULL, OPT_OUT},
        {"no-save", no_argument, NULL, OPT_NO_SAVE},
        {"help", no_argument, NULL, 'h'},
        Q4T_LONGOPT_ISA,
        {0, 0, 0, 0}};
    const char *preset = NULL, *gguf = NULL, *text = NULL, *text_file = NULL, *out_dir = "results";
    int layers = 0, seed = 1, prompt = 128, prompt_given = 0, threads = 0, batch = 512, per_position = 0, json = 0;
    int save = 1, c, rc;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        const char *name = NULL;
        for (const struct option *o = opts; o->name; o++)
            if (o->val == c)
                name = o->name;
        switch (c) {
        case OPT_MODEL: preset = optarg; break;
        case OPT_GGUF: gguf = optarg; break;
        case OPT_TEXT: text = optarg; break;
        case OPT_TEXT_FILE: text_file = optarg; break;
        case OPT_PER_POSITION: per_position = 1; break;
        case OPT_JSON: json = 1; break;
        case OPT_OUT: out_dir = optarg; break;
        case OPT_NO_SAVE: save = 0; break;
        case OPT_LAYERS:
            if (q4t_cli_count("accuracy", name, optarg, 1, 4096, &layers))
                return Q4T_EXIT_USAGE;
            break;
        case OPT_SEED:
            if (q4t_cli_count("accuracy", name, optarg, 0, 1 << 30, &seed))
                return Q4T_EXIT_USAGE;
            break;
        case OPT_PROMPT:
            if (q4t_cli_count("accuracy", name, optarg, 2, 1 << 20, &prompt))
                return Q4T_EXIT_USAGE;
            prompt_given = 1;
            break;
        case OPT_THREADS:
            if (q4t_cli_count("accuracy", name, optarg, 1, 1024, &threads))
                return Q4T_EXIT_USAGE;
            break;
        case OPT_BATCH:
            if (q4t_cli_count("accuracy", name, optarg, 1, 1 << 16, &batch))
                return Q4T_EXIT_USAGE;
            break;
        case 'h':
            print_usage(stdout);
            return Q4T_EXIT_OK;
        default:
            if ((rc = q4t_cli_common_option(c, cpu, usage)) >= 0)
                return rc;
        }
    }
    if ((rc = q4t_cli_no_operands(argc, argv, "accuracy")))
        return rc;
    if (!preset == !gguf) {
        fprintf(stderr, "q4tune accuracy: give one of --model PRESET or --gguf PATH (see q4tune accuracy --help)\n");
        return Q4T_EXIT_USAGE;
    }
    if ((text || text_file) && prompt_given) {
        fprintf(stderr, "q4tune accuracy: --prompt N is a synthetic prompt's length: not with --text or --text-file\n");
        return Q4T_EXIT_USAGE;
    }
    const q4t_model_config *pc = preset ? q4t_model_preset(preset) : NULL;
    if (preset && !pc) {
        fprintf(stderr, "q4tune accuracy: unknown model '%s'; presets:", preset);
        for (size_t i = 0; i < q4t_model_preset_count(); i++)
            fprintf(stderr, " %s", q4t_model_preset_at(i)->name);
        fprintf(stderr, "\n");
        return Q4T_EXIT_USAGE;
    }

    char err[1024];
    q4t_topology *topo;
    if (q4t_topology_load(&topo, NULL, err, sizeof err)) {
        fprintf(stderr, "q4tune accuracy: %s\n", err);
        return Q4T_EXIT_FAIL;
    }
    rc = Q4T_EXIT_FAIL;
    q4t_text_prompt tp = {0};
    q4t_model *m = NULL;
    q4t_ref_model *ref = NULL;
    q4t_pool *pool = NULL;
    int *ids = NULL;
    float *q4_logits = NULL, *ref_logits = NULL;
    double *scratch = NULL;
    q4t_acc_position *pos = NULL;
    q4t_model_config config;
    q4t_weight_source src;
    if (open_source(gguf, pc, seed, &config, &src, err, sizeof err)) {
        fprintf(stderr, "q4tune accuracy: %s\n", err);
        goto done;
    }
    char model_name[160], source[300], note[sizeof src.note];
    snprintf(model_name, sizeof model_name, "%s", config.name);
    snprintf(source, sizeof source, "%s", src.what);
    snprintf(note, sizeof note, "%s", src.note);
    if (layers && layers < config.n_layers) {
        config.n_layers = layers;
        snprintf(model_name + strlen(model_name), sizeof model_name - strlen(model_name), " (%d layer%s)", layers,
                 layers == 1 ? "" : "s");
    }
    /* the prompt */
    if ((text || text_file) && (rc = q4t_cli_text_prompt("accuracy", gguf, text, text_file, &tp))) {
        src.close(src.ctx);
        goto done;
    }
    rc = Q4T_EXIT_FAIL;
    const int n = tp.tok ? tp.n : prompt;
    if (n > config.max_seq_len || n < 2) {
        fprintf(stderr, "q4tune accuracy: the prompt is %d tokens: %s takes 2 to %d\n", n, model_name,
                config.max_seq_len);
        src.close(src.ctx);
        rc = Q4T_EXIT_USAGE;
        goto done;
    }
    if (tp.tok && q4t_tokenizer_vocab_size(tp.tok) > config.vocab_size) {
        fprintf(stderr, "q4tune accuracy: %s: the tokenizer has %d tokens, the model's vocabulary %d\n", gguf,
                q4t_tokenizer_vocab_size(tp.tok), config.vocab_size);
        src.close(src.ctx);
        goto done;
    }
    const size_t vocab = (size_t)config.vocab_size;
    ids = malloc((size_t)n * sizeof *ids);
    q4_logits = malloc((size_t)n * vocab * sizeof *q4_logits);
    ref_logits = malloc(vocab * sizeof *ref_logits);
    scratch = malloc(2 * vocab * sizeof *scratch);
    pos = malloc((size_t)n * sizeof *pos);
    if (!ids || !q4_logits || !ref_logits || !scratch || !pos) {
        fprintf(stderr, "q4tune accuracy: out of memory for %d positions of %zu logits\n", n, vocab);
        src.close(src.ctx);
        goto done;
    }
    if (tp.tok)
        memcpy(ids, tp.ids, (size_t)n * sizeof *ids);
    else
        q4t_run_prompt(config.vocab_size, (uint64_t)seed, ids, n);

    /* the Q4_0 model: every position's logits, then the model is freed */
    q4t_model_opts mo;
    q4t_model_opts_default(&mo, topo, cpu->features);
    mo.batch = batch < n ? batch : n;
    mo.ctx = n;
    for (int p = 0; p < 2 && threads; p++)
        mo.phase[p].threads = threads;
    double t0 = q4t_now();
    if (q4t_model_build(&config, &src, &mo, &m, err, sizeof err)) {
        fprintf(stderr, "q4tune accuracy: %s\n", err);
        goto done;
    }
    q4t_run_logits(m, ids, n, q4_logits);
    const double q4_s = q4t_now() - t0;
    const int ref_threads = m->plan.place[Q4T_DECODE].threads;
    const q4_run q4 = {m->plan.m[0].phase[Q4T_DECODE].kernel->name, m->plan.m[0].phase[Q4T_PREFILL].kernel->name,
                       m->vec->name, m->kv == Q4T_KV_F16 ? "f16" : "f32"};
    q4t_model_free(m);
    m = NULL;

    /* the float model, one position at a time, compared as it goes */
    q4t_model_config rc_config;
    q4t_weight_source rsrc;
    if (open_source(gguf, pc, seed, &rc_config, &rsrc, err, sizeof err)) {
        fprintf(stderr, "q4tune accuracy: %s\n", err);
        goto done;
    }
    rc_config.n_layers = config.n_layers;
    pool = q4t_pool_create(ref_threads);
    t0 = q4t_now();
    const int built = q4t_ref_build(&rc_config, &rsrc, n, pool, &ref, err, sizeof err);
    rsrc.close(rsrc.ctx);
    if (built) {
        fprintf(stderr, "q4tune accuracy: %s\n", err);
        goto done;
    }
    for (int i = 0; i < n; i++) {
        q4t_ref_forward(ref, ids[i], i, ref_logits);
        pos[i].token = ids[i];
        pos[i].next = i + 1 < n ? ids[i + 1] : -1;
        q4t_acc_compare(ref_logits, q4_logits + (size_t)i * vocab, (int)vocab, scratch, &pos[i]);
    }
    const double ref_s = q4t_now() - t0;
    q4t_acc_summary s;
    if (q4t_acc_summarize(pos, n, &s)) {
        fprintf(stderr, "q4tune accuracy: out of memory\n");
        goto done;
    }

    char device_id[256], file[800] = "", name_slug[160];
    q4t_device_id(cpu->arch, cpu->model, cpu->detected, topo, device_id, sizeof device_id);
    q4t_cli_slug(model_name, name_slug, sizeof name_slug);
    cJSON *rec = record_json(cpu, topo, model_name, source, &config, &q4, tp.tok ? &tp : NULL, seed, pc != NULL, pos, &s,
                             note);
    char *out = cJSON_Print(rec);
    rc = out ? Q4T_EXIT_OK : Q4T_EXIT_FAIL;
    if (out && save) {
        snprintf(file, sizeof file, "%s/%s/accuracy-%s-p%d%s.json", out_dir, device_id, name_slug, n,
                 tp.tok ? "-text" : "");
        if (q4t_json_write(file, rec, err, sizeof err)) {
            fprintf(stderr, "q4tune accuracy: %s\n", err);
            rc = Q4T_EXIT_FAIL;
        }
    }
    cJSON_Delete(rec);
    if (json && out) {
        puts(out);
    } else if (out) {
        print_text(device_id, model_name, source, &q4, tp.tok ? &tp : NULL, pc != NULL, pos, &s, per_position, note,
                   ref_s, q4_s, config.vocab_size);
        if (save)
            printf("results:    %s\n", file);
    }
    free(out);
done:
    q4t_model_free(m);
    q4t_ref_free(ref);
    q4t_pool_destroy(pool);
    q4t_text_prompt_free(&tp);
    free(ids), free(q4_logits), free(ref_logits), free(scratch), free(pos);
    q4t_topology_free(topo);
    return rc;
}
