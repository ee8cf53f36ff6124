/* q4tune run --model PRESET | --gguf PATH [--prompt N | --text S | --text-file F] [--gen N] [--tuned FILE] ...:
 * the minimal transformer (model/) with the tuned kernels: time to first
 * token, prefill and decode tokens/s over repetitions, decode bandwidth as a
 * share of the measured read bandwidth, peak memory and its parts; with a
 * text prompt, the prompt's tokens and the generated text. The record
 * goes to <out>/<device-id>/run-<model>-p<prompt>-g<gen>[-tuned].json. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "config.h"
#include "device.h"
#include "gguf.h"
#include "tokenizer.h"
#include "json.h"
#include "memory.h"
#include "model.h"
#include "registry.h"
#include "roofline.h"
#include "run.h"
#include "synthetic.h"
#include "timer.h"
#include "topology.h"
#include "tuned.h"

static const char usage[] =
    "usage: q4tune run --model PRESET | --gguf PATH [--layers N] [--seed N]\n"
    "                  [--prompt N | --text TEXT | --text-file PATH] [--gen N] [--depth N]\n"
    "                  [--batch N] [--reps N] [--warmup N] [--logits FILE]\n"
    "                  [--kv f16|f32] [--vec NAME]\n"
    "                  [--tuned FILE [--any-device]] [--kernel-gemv NAME] [--kernel-gemm NAME]\n"
    "                  [--threads N] [--affinity MASK] [--binding strict|mask|none]\n"
    "                  [--prefill-threads N] [--prefill-affinity MASK] [--prefill-binding B]\n"
    "                  [--decode-threads N] [--decode-affinity MASK] [--decode-binding B]\n"
    "                  [--json] [--out DIR | --no-save] [--no-roofline] [--isa=LIST]\n"
    "  A Llama-architecture decoder with Q4_0 weights: synthetic seeded weights of a preset\n"
    "  shape (--layers N keeps the first N layers), or a GGUF file (llama architecture, Q4_0\n"
    "  matrices as llama-quantize --pure ... Q4_0 writes them). Defaults: prompt 512, gen 128,\n"
    "  batch 512, 5 repetitions after 1 warm-up, seed 1, fp16 KV cache (--kv), the vector\n"
    "  set of this CPU (--vec, see q4tune info). --depth N runs N tokens of context, untimed,\n"
    "  before the timed prompt (llama-bench's -d); depth + prompt + gen fit the model's context.\n"
    "  --text / --text-file: the prompt is that text in the GGUF's own tokenizer (BOS as the file\n"
    "  says; special tokens written in it, like <|eot_id|>, parsed), generation is greedy and\n"
    "  stops at the end token or --gen, and the generated text is printed; timing as with\n"
    "  --prompt N. --logits FILE: after the timed runs, one more pass over the prompt and the\n"
    "  generated tokens (in batches) writes the logits after each of them: rows of vocab float32\n"
    "  values (this CPU's byte order), row i the distribution of token i + 1 (numpy:\n"
    "  fromfile(FILE, float32).reshape(-1, vocab)); not with --depth.\n"
    "  Prints TTFT (prompt + first token), prefill and decode tokens/s (median, p10/p90,\n"
    "  min/max), where each phase's time goes (matrix products, X quantization, attention,\n"
    "  element-wise work, output projection, token pick), decode bandwidth as a % of the\n"
    "  measured read bandwidth, and peak memory with its parts. Kernels, threads and masks come from --tuned FILE (the tuner's\n"
    "  tuned.json for this device) or the defaults; the options above override them.\n"
    "  The record goes to DIR/<device-id>/run-<model>[-d<depth>]-p<prompt>-g<gen>[-kvf32][-tuned].json\n"
    "  (DIR: results). Presets:";

enum {
    OPT_MODEL = 0x200, OPT_GGUF, OPT_LAYERS, OPT_SEED, OPT_PROMPT, OPT_GEN, OPT_BATCH, OPT_REPS, OPT_WARMUP,
    OPT_TUNED, OPT_ANY_DEVICE, OPT_GEMV, OPT_GEMM, OPT_JSON, OPT_OUT, OPT_NO_SAVE, OPT_NO_ROOFLINE, OPT_DEPTH,
    OPT_KV, OPT_VEC, OPT_TEXT, OPT_TEXT_FILE, OPT_LOGITS,
    OPT_THREADS, OPT_AFFINITY, OPT_BINDING, /* then the same three for prefill, then decode */
};

static void print_usage(FILE *f)
{
    fputs(usage, f);
    for (size_t i = 0; i < q4t_model_preset_count(); i++)
        fprintf(f, " %s", q4t_model_preset_at(i)->name);
    fputs("\n", f);
}

static double mib(size_t bytes)
{
    return (double)bytes / (1024.0 * 1024.0);
}

typedef struct {
    int tty;
    double t0;
    int last;
} progress_state;

static void pack_progress(void *ctx, size_t done, size_t total)
{
    progress_state *p = ctx;
    const int pct = (int)(100.0 * (double)done / (double)total);
    if (p->tty && pct != p->last)
        fprintf(stderr, "\rq4tune run: packing weights %3d%%", pct);
    p->last = pct;
    if (p->tty && done == total)
        fprintf(stderr, "\r\033[K");
}

static void rep_progress(void *ctx, int done, int total)
{
    progress_state *p = ctx;
    if (p->tty)
        fprintf(stderr, done < total ? "\rq4tune run: repetition %d of %d" : "\r\033[K", done + 1, total);
}

/* part of whole, 0 when nothing was timed. */
static double share(double part, double whole)
{
    return whole > 0.0 ? part / whole : 0.0;
}

static cJSON *dist_json(const q4t_dist *d, const double *samples, int n, double scale)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "median", d->median * scale);
    cJSON_AddNumberToObject(o, "p10", d->p10 * scale);
    cJSON_AddNumberToObject(o, "p90", d->p90 * scale);
    cJSON_AddNumberToObject(o, "min", d->min * scale);
    cJSON_AddNumberToObject(o, "max", d->max * scale);
    cJSON_AddNumberToObject(o, "n", d->n);
    cJSON *a = cJSON_AddArrayToObject(o, "samples");
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateNumber(samples[i] * scale));
    return o;
}

/* A matrix's choice in a phase, with the placement of the phase's pool it runs on. */
static cJSON *choice_json(const q4t_plan_choice *c, const q4t_placement *pl)
{
    q4t_config cfg = {.kernel = c->kernel, .threads = pl->threads, .binding = pl->binding, .split = c->split};
    snprintf(cfg.mask, sizeof cfg.mask, "%s", pl->mask);
    cJSON *o = q4t_config_json(&cfg);
    cJSON_AddStringToObject(o, "pick", q4t_pick_name(c->pick));
    cJSON_AddStringToObject(o, "w_layout", q4t_kernel_w_name(c->kernel));
    return o;
}

static cJSON *pool_json(const q4t_placement *p)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "threads", p->threads);
    cJSON_AddStringToObject(o, "mask", p->mask);
    cJSON_AddStringToObject(o, "binding", q4t_binding_name(p->binding));
    return o;
}

typedef struct {
    const char *model_name, *source, *tuned_path;
    const q4t_run_opts *ro;
    const q4t_run_result *rr;
    const q4t_roofline *roof; /* NULL: not measured */
    size_t rss_before, rss_peak; /* 0 when not known */
    int rss_known;               /* /proc/self/status was readable (not in a bare chroot, say) */
    double build_s;
    const q4t_text_prompt *text; /* NULL: a synthetic prompt */
    const int *generated;        /* rr->ngen ids */
    const char *note;            /* how the weights were converted at load, or "" */
} report;

/* The generated ids as text: malloc'd (NULL if out of memory). */
static char *generated_text(const q4t_tokenizer *t, const int *ids, int n, size_t *len)
{
    int32_t *v = malloc((size_t)(n ? n : 1) * sizeof *v);
    if (!v)
        return NULL;
    for (int i = 0; i < n; i++)
        v[i] = ids[i];
    char *s = q4t_detokenize(t, v, (size_t)n, len);
    free(v);
    return s;
}

static cJSON *ids_json(const int *ids, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateNumber(ids[i]));
    return a;
}

/* The record's "text" object: the prompt's text and tokens, the generated ones and their text. */
static cJSON *text_json(const report *r)
{
    const q4t_text_prompt *tp = r->text;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "tokenizer", q4t_tokenizer_model(tp->tok));
    cJSON_AddStringToObject(o, "pre_tokenizer", q4t_tokenizer_pre(tp->tok));
    char *prompt = q4t_cli_utf8_valid(tp->text, tp->len);
    cJSON_AddStringToObject(o, "prompt", prompt ? prompt : "");
    free(prompt);
    cJSON_AddItemToObject(o, "prompt_tokens", ids_json(tp->ids, tp->n));
    cJSON_AddItemToObject(o, "generated_tokens", ids_json(r->generated, r->rr->ngen));
    size_t len;
    char *s = generated_text(tp->tok, r->generated, r->rr->ngen, &len);
    char *valid = s ? q4t_cli_utf8_valid(s, len) : NULL;
    cJSON_AddStringToObject(o, "generated", valid ? valid : "");
    free(valid);
    free(s);
    const int32_t eos = q4t_tokenizer_eos(tp->tok);
    cJSON_AddBoolToObject(o, "stopped_at_eos", r->rr->ngen && eos >= 0 && r->generated[r->rr->ngen - 1] == eos);
    return o;
}

static cJSON *record_json(const q4t_model *m, const report *r, const q4t_cpu *cpu, const q4t_topology *topo)
{
    const q4t_model_config *c = &m->config;
    cJSON *root = q4t_record_json("q4tune-run", 2, cpu, topo);
    cJSON *mo = cJSON_AddObjectToObject(root, "model");
    cJSON_AddStringToObject(mo, "name", r->model_name);
    cJSON_AddStringToObject(mo, "source", r->source);
    cJSON_AddNumberToObject(mo, "layers", c->n_layers);
    cJSON_AddNumberToObject(mo, "dim", c->dim);
    cJSON_AddNumberToObject(mo, "hidden_dim", c->hidden_dim);
    cJSON_AddNumberToObject(mo, "heads", c->n_heads);
    cJSON_AddNumberToObject(mo, "kv_heads", c->n_kv_heads);
    cJSON_AddNumberToObject(mo, "vocab_size", c->vocab_size);
    cJSON_AddBoolToObject(mo, "tied_embeddings", c->tied_embeddings);
    cJSON_AddNumberToObject(mo, "rope_theta", c->rope_theta);
    cJSON_AddNumberToObject(mo, "rope_llama3_factor", c->rope_factor);
    cJSON_AddNumberToObject(mo, "weight_bytes_per_token", (double)q4t_model_weight_bytes(m));
    if (r->note[0])
        cJSON_AddStringToObject(mo, "converted", r->note);
    cJSON *ru = cJSON_AddObjectToObject(root, "run");
    cJSON_AddNumberToObject(ru, "depth", r->ro->depth);
    cJSON_AddNumberToObject(ru, "prompt", r->ro->prompt);
    cJSON_AddStringToObject(ru, "prompt_source", r->text ? "text" : "synthetic");
    cJSON_AddNumberToObject(ru, "gen", r->ro->gen);
    cJSON_AddNumberToObject(ru, "batch", m->batch);
    cJSON_AddNumberToObject(ru, "ctx", m->ctx);
    cJSON_AddNumberToObject(ru, "repetitions", r->ro->reps);
    cJSON_AddNumberToObject(ru, "warmup", r->ro->warmup);
    cJSON_AddNumberToObject(ru, "prompt_seed", (double)r->ro->seed);
    cJSON_AddItemToObject(ru, "tuned", r->tuned_path ? cJSON_CreateString(r->tuned_path) : cJSON_CreateNull());
    cJSON_AddItemToObject(ru, "features", q4t_features_json(cpu->features));
    cJSON_AddNumberToObject(ru, "build_seconds", r->build_s);
    cJSON_AddStringToObject(ru, "kv_cache", m->kv == Q4T_KV_F16 ? "f16" : "f32");
    cJSON_AddStringToObject(ru, "vector_set", m->vec->name);
    cJSON *sel = cJSON_AddArrayToObject(root, "selection");
    const q4t_plan *plan = &m->plan;
    for (int i = 0; i < plan->n; i++) { /* per matrix role: every layer is planned alike */
        const q4t_plan_matrix *w = &plan->m[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "matrix", w->what);
        cJSON_AddNumberToObject(o, "N", (double)w->N);
        cJSON_AddNumberToObject(o, "K", (double)w->K);
        cJSON_AddItemToObject(o, "decode", choice_json(&w->phase[Q4T_DECODE], &plan->place[Q4T_DECODE]));
        cJSON_AddItemToObject(o, "prefill", choice_json(&w->phase[Q4T_PREFILL], &plan->place[Q4T_PREFILL]));
        if (w->note[0])
            cJSON_AddStringToObject(o, "note", w->note);
        cJSON_AddItemToArray(sel, o);
    }
    cJSON *pools = cJSON_AddObjectToObject(root, "pools");
    cJSON_AddItemToObject(pools, "prefill", pool_json(&plan->place[Q4T_PREFILL]));
    cJSON_AddItemToObject(pools, "decode", pool_json(&plan->place[Q4T_DECODE]));
    cJSON_AddBoolToObject(pools, "shared", m->pool[0] == m->pool[1]);
    cJSON_AddStringToObject(pools, "selected_for", plan->m[plan->placed_by].what);
    const q4t_run_result *rr = r->rr;
    cJSON_AddItemToObject(root, "ttft_ms", dist_json(&rr->ttft_s, rr->ttft, r->ro->reps, 1e3));
    cJSON_AddItemToObject(root, "prefill_tok_s", dist_json(&rr->prefill_tps, rr->prefill, r->ro->reps, 1.0));
    if (rr->ngen > 1)
        cJSON_AddItemToObject(root, "decode_tok_s", dist_json(&rr->decode_tps, rr->decode, r->ro->reps, 1.0));
    else
        cJSON_AddNullToObject(root, "decode_tok_s");
    cJSON *bd = cJSON_AddObjectToObject(root, "breakdown");
    for (int ph = 0; ph < 2; ph++) {
        cJSON *o = cJSON_AddObjectToObject(bd, ph == Q4T_PREFILL ? "prefill" : "decode");
        cJSON_AddNumberToObject(o, "seconds", rr->phase_s[ph]);
        cJSON *sh = cJSON_AddObjectToObject(o, "share");
        double rest = rr->phase_s[ph];
        for (int p = 0; p < Q4T_PART_COUNT; p++) {
            cJSON_AddNumberToObject(sh, q4t_part_name((q4t_part)p), share(rr->part_s[ph][p], rr->phase_s[ph]));
            rest -= rr->part_s[ph][p];
        }
        cJSON_AddNumberToObject(sh, "other", share(rest, rr->phase_s[ph]));
    }
    const double gbs = (double)q4t_model_weight_bytes(m) * rr->decode_tps.median * 1e-9;
    if (r->roof && rr->ngen > 1) {
        cJSON *b = cJSON_AddObjectToObject(root, "decode_bandwidth");
        cJSON_AddNumberToObject(b, "gbs", gbs);
        cJSON_AddNumberToObject(b, "read_gbs", r->roof->read_gbs_all);
        cJSON_AddNumberToObject(b, "read_threads", r->roof->threads);
        cJSON_AddNumberToObject(b, "percent", 100.0 * gbs / r->roof->read_gbs_all);
    } else {
        cJSON_AddNullToObject(root, "decode_bandwidth");
    }
    cJSON *me = cJSON_AddObjectToObject(root, "memory");
    if (r->rss_known) {
        cJSON_AddNumberToObject(me, "peak_rss", (double)r->rss_peak);
        cJSON_AddNumberToObject(me, "rss_before_model", (double)r->rss_before);
    } else {
        cJSON_AddNullToObject(me, "peak_rss");
        cJSON_AddNullToObject(me, "rss_before_model");
    }
    cJSON_AddNumberToObject(me, "packed_weights", (double)m->mem.packed_weights);
    cJSON_AddNumberToObject(me, "embedding", (double)m->mem.embedding);
    cJSON_AddNumberToObject(me, "norms", (double)m->mem.norms);
    cJSON_AddNumberToObject(me, "kv_cache", (double)m->mem.kv_cache);
    cJSON_AddNumberToObject(me, "activations", (double)m->mem.activations);
    cJSON *toks = cJSON_AddArrayToObject(root, "generated_tokens");
    for (int i = 0; i < rr->ntokens; i++)
        cJSON_AddItemToArray(toks, cJSON_CreateNumber(rr->tokens[i]));
    cJSON_AddBoolToObject(root, "same_tokens_every_repetition", rr->same_tokens);
    if (r->text)
        cJSON_AddItemToObject(root, "text", text_json(r));
    return root;
}

static void print_dist(const char *what, const q4t_dist *d, double scale)
{
    const double wide = d->median > 0 ? (d->max - d->min) / d->median : 0.0;
    printf("%-16s %10.2f %10.2f %10.2f %10.2f %10.2f%s\n", what, d->median * scale, d->p10 * scale, d->p90 * scale,
           d->min * scale, d->max * scale, wide > 0.10 ? "  (spread > 10%: was the machine busy?)" : "");
}

static void print_text(const q4t_model *m, const report *r)
{
    const q4t_model_config *c = &m->config;
    printf("model:      %s (%s): %d layer%s, dim %d, hidden %d, %d heads (%d kv), vocab %d%s\n", r->model_name,
           r->source, c->n_layers, c->n_layers == 1 ? "" : "s", c->dim, c->hidden_dim, c->n_heads, c->n_kv_heads, c->vocab_size,
           c->tied_embeddings ? ", tied embeddings" : "");
    printf("weights:    %.1f MiB packed Q4_0, built in %.1f s%s%s\n", mib(m->mem.packed_weights), r->build_s,
           r->note[0] ? "; " : "", r->note);
    printf("selection:  %s\n", r->tuned_path ? r->tuned_path : "defaults (no --tuned)");
    printf("  %-7s %-13s %-34s %s\n", "matrix", "N x K", "decode (M = 1)", "prefill (M = batch)");
    const q4t_plan *plan = &m->plan;
    for (int i = 0; i < plan->n; i++) {
        const q4t_plan_matrix *w = &plan->m[i];
        char shape[32], dec[64], pre[64];
        snprintf(shape, sizeof shape, "%zux%zu", w->N, w->K);
        snprintf(dec, sizeof dec, "%s (%s)", w->phase[Q4T_DECODE].kernel->name, q4t_pick_name(w->phase[Q4T_DECODE].pick));
        snprintf(pre, sizeof pre, "%s (%s)", w->phase[Q4T_PREFILL].kernel->name,
                 q4t_pick_name(w->phase[Q4T_PREFILL].pick));
        printf("  %-7s %-13s %-34s %s\n", w->what, shape, dec, pre);
    }
    for (int i = 0; i < plan->n; i++) { /* each note once, with the matrices it is about */
        const char *note = plan->m[i].note;
        int first = 1;
        for (int j = 0; j < i && first; j++)
            first = strcmp(plan->m[j].note, note) != 0;
        if (!note[0] || !first)
            continue;
        printf("  note: ");
        for (int j = i, n = 0; j < plan->n; j++)
            if (!strcmp(plan->m[j].note, note))
                printf("%s%s", n++ ? "," : "", plan->m[j].what);
        printf(": %s\n", note);
    }
    for (int p = 0; p < 2; p++) {
        const q4t_placement *pl = &plan->place[p];
        printf("%-11s %d thread%s, mask %s, binding %s%s\n", p == Q4T_PREFILL ? "prefill:" : "decode:", pl->threads,
               pl->threads == 1 ? "" : "s", pl->mask, q4t_binding_name(pl->binding),
               p == Q4T_DECODE && m->pool[0] == m->pool[1] ? " (the prefill pool)" : "");
    }
    const q4t_plan_matrix *from = &plan->m[plan->placed_by];
    printf("            (placed as selected for %s, %zux%zu, the matrix moving the most bytes; options override)\n",
           from->what, from->N, from->K);
    printf("vector set: %s (norms, RoPE, SwiGLU, attention); KV cache %s\n", m->vec->name, m->kv == Q4T_KV_F16 ? "f16" : "f32");
    const int nbatch = (r->ro->prompt + m->batch - 1) / m->batch;
    char depth[64] = "";
    if (r->ro->depth)
        snprintf(depth, sizeof depth, "after %d tokens of context (untimed), ", r->ro->depth);
    printf("run:        %sprompt %d tokens (%s, %d batch%s of up to %d), generate %d%s; %d warm-up + %d repetitions\n",
           depth, r->ro->prompt, r->text ? "text" : "synthetic", nbatch, nbatch == 1 ? "" : "es", m->batch,
           r->ro->gen, r->text ? " (or up to the end token)" : "", r->ro->warmup, r->ro->reps);
    if (r->text) {
        printf("tokenizer:  %s%s%s, vocabulary %d\nprompt:    ", q4t_tokenizer_model(r->text->tok),
               q4t_tokenizer_pre(r->text->tok)[0] ? ", pre-tokenizer " : "", q4t_tokenizer_pre(r->text->tok),
               q4t_tokenizer_vocab_size(r->text->tok));
        q4t_cli_print_tokens(stdout, r->text->tok, r->text->ids, r->text->n, 64);
    }
    printf("\n");
    printf("%-16s %10s %10s %10s %10s %10s\n", "", "median", "p10", "p90", "min", "max");
    const q4t_run_result *rr = r->rr;
    print_dist("TTFT (ms)", &rr->ttft_s, 1e3);
    print_dist("prefill (tok/s)", &rr->prefill_tps, 1.0);
    if (rr->ngen > 1)
        print_dist("decode (tok/s)", &rr->decode_tps, 1.0);
    else
        printf("decode (tok/s)   (needs 2 generated tokens or more)\n");
    printf("\nwhere the time goes (%% of the phase, all repetitions):\n%-16s", "");
    for (int p = 0; p < Q4T_PART_COUNT; p++)
        printf(" %11s", q4t_part_name((q4t_part)p));
    printf(" %11s\n", "other");
    for (int ph = 0; ph < (rr->ngen > 1 ? 2 : 1); ph++) {
        double rest = rr->phase_s[ph];
        printf("%-16s", ph == Q4T_PREFILL ? "prefill (TTFT)" : "decode");
        for (int p = 0; p < Q4T_PART_COUNT; p++) {
            printf(" %10.1f%%", 100.0 * share(rr->part_s[ph][p], rr->phase_s[ph]));
            rest -= rr->part_s[ph][p];
        }
        printf(" %10.1f%%\n", 100.0 * share(rest, rr->phase_s[ph]));
    }
    printf("\n");
    const double gbs = (double)q4t_model_weight_bytes(m) * rr->decode_tps.median * 1e-9;
    if (rr->ngen > 1) {
        printf("decode bandwidth: %.2f GB/s (%.1f MiB of weights per token)", gbs, mib(q4t_model_weight_bytes(m)));
        if (r->roof)
            printf(" = %.0f%% of the measured read bandwidth, %.2f GB/s on %d thread%s\n",
                   100.0 * gbs / r->roof->read_gbs_all, r->roof->read_gbs_all, r->roof->threads,
                   r->roof->threads == 1 ? "" : "s");
        else
            printf(" (read bandwidth not measured: --no-roofline)\n");
    }
    const q4t_model_memory *mm = &m->mem;
    const size_t parts = mm->packed_weights + mm->embedding + mm->norms + mm->kv_cache + mm->activations;
    if (r->rss_known)
        printf("memory: peak RSS %.1f MiB = %.1f before the model + %.1f for it;", mib(r->rss_peak),
               mib(r->rss_before), mib(r->rss_peak - r->rss_before));
    else
        printf("memory: peak RSS not known (/proc/self/status cannot be read);");
    printf(" its parts %.1f MiB: packed weights %.1f, embedding table %.1f, norms %.2f, KV cache %.2f, activations %.2f\n",
           mib(parts), mib(mm->packed_weights), mib(mm->embedding), mib(mm->norms), mib(mm->kv_cache),
           mib(mm->activations));
    printf("tokens: ");
    for (int i = 0; i < rr->ntokens; i++)
        printf(" %d", rr->tokens[i]);
    printf("%s%s\n", rr->ntokens < rr->ngen ? " ..." : "",
           rr->same_tokens ? " (the same every repetition)" : " (NOT the same every repetition)");
    if (r->text) {
        size_t len;
        char *s = generated_text(r->text->tok, r->generated, rr->ngen, &len);
        const int32_t eos = q4t_tokenizer_eos(r->text->tok);
        const int at_eos = rr->ngen && eos >= 0 && r->generated[rr->ngen - 1] == eos;
        printf("generated:  %d token%s%s\n----\n%s", rr->ngen, rr->ngen == 1 ? "" : "s",
               at_eos ? ", the last the end token" : " (--gen reached)", r->text->text);
        if (s)
            fwrite(s, 1, len, stdout);
        printf("\n----\n");
        free(s);
    }
}

/* --logits: the prompt and the generated tokens again from an empty cache,
 * in pieces of up to LOGITS_ROWS (batches), each piece's rows written as they come. */
enum { LOGITS_ROWS = 32 };

static int write_logits(q4t_model *m, const q4t_run_opts *ro, int ngen, const char *path, char *err, size_t errlen)
{
    const int n = ro->prompt + ngen;
    const size_t vocab = (size_t)m->config.vocab_size;
    int *seq = malloc((size_t)n * sizeof *seq);
    const int piece = m->batch < LOGITS_ROWS ? m->batch : LOGITS_ROWS;
    float *rows = malloc((size_t)piece * vocab * sizeof *rows);
    FILE *f = fopen(path, "wb");
    int rc = -1;
    if (!seq || !rows || !f) {
        snprintf(err, errlen, "%s: %s", path, f ? "out of memory" : strerror(errno));
        goto out;
    }
    if (ro->tokens)
        memcpy(seq, ro->tokens, (size_t)ro->prompt * sizeof *seq);
    else
        q4t_run_prompt((int)vocab, ro->seed, seq, ro->prompt);
    memcpy(seq + ro->prompt, ro->generated, (size_t)ngen * sizeof *seq);
    q4t_model_reset(m);
    for (int i = 0; i < n; i += piece) {
        const int B = n - i < piece ? n - i : piece;
        q4t_run_logits(m, seq + i, B, rows);
        if (fwrite(rows, sizeof *rows * vocab, (size_t)B, f) != (size_t)B) {
            snprintf(err, errlen, "%s: write error: %s", path, strerror(errno));
            goto out;
        }
    }
    rc = 0;
out:
    if (f && fclose(f) && rc == 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        rc = -1;
    }
    free(seq);
    free(rows);
    return rc;
}

int q4t_cmd_run(int argc, char **argv, q4t_cpu *cpu)
{
    static const struct option opts[] = {
        {"model", required_argument, NULL, OPT_MODEL},
        {"gguf", required_argument, NULL, OPT_GGUF},
        {"layers", required_argument, NULL, OPT_LAYERS},
        {"seed", required_argument, NULL, OPT_SEED},
        {"prompt", required_argument, NULL, OPT_PROMPT},
        {"gen", required_argument, NULL, OPT_GEN},
        {"depth", required_argument, NULL, OPT_DEPTH},
        {"kv", required_argument, NULL, OPT_KV},
        {"vec", required_argument, NULL, OPT_VEC},
        {"text", required_argument, NULL, OPT_TEXT},
        {"text-file", required_argument, NULL, OPT_TEXT_FILE},
        {"logits", required_argument, NULL, OPT_LOGITS},
        {"batch", required_argument, NULL, OPT_BATCH},
        {"reps", required_argument, NULL, OPT_REPS},
        {"warmup", required_argument, NULL, OPT_WARMUP},
        {"tuned", required_argument, NULL, OPT_TUNED},
        {"any-device", no_argument, NULL, OPT_ANY_DEVICE},
        {"kernel-gemv", required_argument, NULL, OPT_GEMV},
        {"kernel-gemm", required_argument, NULL, OPT_GEMM},
        {"json", no_argument, NULL, OPT_JSON},
        {"out", required_argument, NULL, OPT_OUT},
        {"no-save", no_argument, NULL, OPT_NO_SAVE},
        {"no-roofline", no_argument, NULL, OPT_NO_ROOFLINE},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"affinity", required_argument, NULL, OPT_AFFINITY},
        {"binding", required_argument, NULL, OPT_BINDING},
        {"prefill-threads", required_argument, NULL, OPT_THREADS + 3},
        {"prefill-affinity", required_argument, NULL, OPT_AFFINITY + 3},
        {"prefill-binding", required_argument, NULL, OPT_BINDING + 3},
        {"decode-threads", required_argument, NULL, OPT_THREADS + 6},
        {"decode-affinity", required_argument, NULL, OPT_AFFINITY + 6},
        {"decode-binding", required_argument, NULL, OPT_BINDING + 6},
        {"help", no_argument, NULL, 'h'},
        Q4T_LONGOPT_ISA,
        {0, 0, 0, 0}};
    const char *preset = NULL, *gguf = NULL, *tuned_path = NULL, *out_dir = "results";
    const char *gemv_name = NULL, *gemm_name = NULL, *vec_name = NULL;
    const char *text_arg = NULL, *text_file = NULL, *logits_path = NULL;
    int prompt_given = 0;
    q4t_kv_type kv = Q4T_KV_F16;
    int layers = 0, seed = 1, batch = 512, json = 0, save = 1, roofline = 1, any_device = 0;
    q4t_run_opts ro = {.prompt = 512, .gen = 128, .reps = 5, .warmup = 1, .seed = 1, .eos = -1};
    q4t_phase_opts phase[2] = {{0, NULL, -1}, {0, NULL, -1}};
    q4t_mask masks[3] = {{NULL, NULL}, {NULL, NULL}, {NULL, NULL}}; /* --affinity, --prefill-..., --decode-... */
    int c, rc;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        const char *name = NULL;
        for (const struct option *o = opts; o->name; o++)
            if (o->val == c)
                name = o->name;
        int v;
        switch (c) {
        case OPT_MODEL: preset = optarg; break;
        case OPT_GGUF: gguf = optarg; break;
        case OPT_TUNED: tuned_path = optarg; break;
        case OPT_ANY_DEVICE: any_device = 1; break;
        case OPT_GEMV: gemv_name = optarg; break;
        case OPT_GEMM: gemm_name = optarg; break;
        case OPT_JSON: json = 1; break;
        case OPT_OUT: out_dir = optarg; break;
        case OPT_NO_SAVE: save = 0; break;
        case OPT_NO_ROOFLINE: roofline = 0; break;
        case OPT_LAYERS:
            if (q4t_cli_count("run", name, optarg, 1, 4096, &layers))
                return Q4T_EXIT_USAGE;
            break;
        case OPT_SEED:
            if (q4t_cli_count("run", name, optarg, 0, 1 << 30, &seed))
                return Q4T_EXIT_USAGE;
            break;
        case OPT_PROMPT:
            if (q4t_cli_count("run", name, optarg, 1, 1 << 20, &ro.prompt))
                return Q4T_EXIT_USAGE;
            prompt_given = 1;
            break;
        case OPT_GEN:
            if (q4t_cli_count("run", name, optarg, 1, 1 << 20, &ro.gen))
                return Q4T_EXIT_USAGE;
            break;
        case OPT_DEPTH:
            if (q4t_cli_count("run", name, optarg, 0, 1 << 20, &ro.depth))
                return Q4T_EXIT_USAGE;
            break;
        case OPT_KV:
            if (strcmp(optarg, "f16") && strcmp(optarg, "f32")) {
                fprintf(stderr, "q4tune run: --kv: the KV cache is f16 or f32, not '%s'\n", optarg);
                return Q4T_EXIT_USAGE;
            }
            kv = strcmp(optarg, "f16") ? Q4T_KV_F32 : Q4T_KV_F16;
            break;
        case OPT_VEC: vec_name = optarg; break;
        case OPT_TEXT: text_arg = optarg; break;
        case OPT_TEXT_FILE: text_file = optarg; break;
        case OPT_LOGITS: logits_path = optarg; break;
        case OPT_BATCH:
            if (q4t_cli_count("run", name, optarg, 1, 1 << 16, &batch))
                return Q4T_EXIT_USAGE;
            break;
        case OPT_REPS:
            if (q4t_cli_count("run", name, optarg, 1, Q4T_RUN_MAX_REPS, &ro.reps))
                return Q4T_EXIT_USAGE;
            break;
        case OPT_WARMUP:
            if (q4t_cli_count("run", name, optarg, 0, 100, &ro.warmup))
                return Q4T_EXIT_USAGE;
            break;
        case OPT_THREADS:
        case OPT_THREADS + 3:
        case OPT_THREADS + 6:
            if (q4t_cli_count("run", name, optarg, 1, 1024, &v))
                return Q4T_EXIT_USAGE;
            for (int p = 0; p < 2; p++)
                if (c == OPT_THREADS || (c == OPT_THREADS + 3) == (p == Q4T_PREFILL))
                    phase[p].threads = v;
            break;
        case OPT_AFFINITY:
        case OPT_AFFINITY + 3:
        case OPT_AFFINITY + 6:
            masks[(c - OPT_AFFINITY) / 3].label = optarg;
            for (int p = 0; p < 2; p++)
                if (c == OPT_AFFINITY || (c == OPT_AFFINITY + 3) == (p == Q4T_PREFILL))
                    phase[p].mask = &masks[(c - OPT_AFFINITY) / 3];
            break;
        case OPT_BINDING:
        case OPT_BINDING + 3:
        case OPT_BINDING + 6:
            if ((v = q4t_binding_parse(optarg)) < 0) {
                fprintf(stderr, "q4tune run: --%s: unknown binding '%s' (strict, mask, none)\n", name, optarg);
                return Q4T_EXIT_USAGE;
            }
            for (int p = 0; p < 2; p++)
                if (c == OPT_BINDING || (c == OPT_BINDING + 3) == (p == Q4T_PREFILL))
                    phase[p].binding = v;
            break;
        case 'h':
            print_usage(stdout);
            return Q4T_EXIT_OK;
        default:
            if ((rc = q4t_cli_common_option(c, cpu, usage)) >= 0)
                return rc;
        }
    }
    if ((rc = q4t_cli_no_operands(argc, argv, "run")))
        return rc;
    if (!preset == !gguf) {
        fprintf(stderr, "q4tune run: give one of --model PRESET or --gguf PATH (see q4tune run --help)\n");
        return Q4T_EXIT_USAGE;
    }
    if ((text_arg || text_file) && prompt_given) {
        fprintf(stderr, "q4tune run: --prompt N is a synthetic prompt's length: not with --text or --text-file\n");
        return Q4T_EXIT_USAGE;
    }
    if (logits_path && ro.depth) {
        fprintf(stderr, "q4tune run: --logits writes the prompt's and generated tokens' logits: not with --depth\n");
        return Q4T_EXIT_USAGE;
    }
    const q4t_model_config *pc = preset ? q4t_model_preset(preset) : NULL;
    if (preset && !pc) {
        fprintf(stderr, "q4tune run: unknown model '%s'; presets:", preset);
        for (size_t i = 0; i < q4t_model_preset_count(); i++)
            fprintf(stderr, " %s", q4t_model_preset_at(i)->name);
        fprintf(stderr, "\n");
        return Q4T_EXIT_USAGE;
    }
    const q4t_kernel *gemv = gemv_name ? q4t_kernel_find(gemv_name) : NULL;
    const q4t_kernel *gemm = gemm_name ? q4t_kernel_find(gemm_name) : NULL;
    char err[1024];
    if ((gemv_name && !gemv) || (gemm_name && !gemm)) {
        fprintf(stderr, "q4tune run: no kernel '%s' in this build (see 'q4tune info')\n",
                gemv_name && !gemv ? gemv_name : gemm_name);
        return Q4T_EXIT_USAGE;
    }
    if (q4t_plan_check_forced(gemv, gemm, cpu->features, err, sizeof err)) {
        fprintf(stderr, "q4tune run: %s\n", err);
        return Q4T_EXIT_USAGE;
    }
    const q4t_vec *vec = vec_name ? q4t_vec_find(vec_name) : NULL;
    if (vec_name && !vec) {
        fprintf(stderr, "q4tune run: --vec: no vector set '%s' in this build (see 'q4tune info')\n", vec_name);
        return Q4T_EXIT_USAGE;
    }
    if (vec && (vec->isa & ~cpu->features)) {
        char names[256];
        q4t_features_format(vec->isa & ~cpu->features, ",", names, sizeof names);
        fprintf(stderr, "q4tune run: --vec: %s needs %s, which this CPU lacks (or --isa masked off)\n", vec->name,
                names);
        return Q4T_EXIT_USAGE;
    }

    q4t_topology *topo;
    if (q4t_topology_load(&topo, NULL, err, sizeof err)) {
        fprintf(stderr, "q4tune run: %s\n", err);
        return Q4T_EXIT_FAIL;
    }
    rc = Q4T_EXIT_FAIL;
    q4t_tuned *tuned = NULL;
    q4t_model *m = NULL;
    q4t_text_prompt tp = {0};
    int *generated = NULL;
    static const char *const mask_opts[3] = {"affinity", "prefill-affinity", "decode-affinity"};
    for (int i = 0; i < 3; i++) /* each mask given parsed once, here */
        if (masks[i].label && (!(masks[i].pus = hwloc_bitmap_alloc()) ||
                               q4t_mask_parse(topo, masks[i].label, masks[i].pus, err, sizeof err))) {
            fprintf(stderr, "q4tune run: --%s: %s\n", mask_opts[i], masks[i].pus ? err : "out of memory");
            rc = Q4T_EXIT_USAGE;
            goto done;
        }
    char device_id[256];
    q4t_device_id(cpu->arch, cpu->model, cpu->detected, topo, device_id, sizeof device_id);
    if (tuned_path && !(tuned = q4t_tuned_load(tuned_path, device_id, any_device, err, sizeof err))) {
        fprintf(stderr, "q4tune run: --tuned: %s\n", err);
        goto done;
    }

    /* the model's shape and where its weights come from */
    q4t_model_config config;
    q4t_weight_source src;
    char model_name[160];
    if (pc) {
        config = *pc;
        q4t_synth_source(&config, (uint64_t)seed, &src);
    } else if (q4t_gguf_llama(gguf, &config, &src, err, sizeof err)) {
        fprintf(stderr, "q4tune run: %s\n", err);
        goto done;
    }
    snprintf(model_name, sizeof model_name, "%s", config.name);
    if (layers && layers < config.n_layers) {
        config.n_layers = layers;
        snprintf(model_name + strlen(model_name), sizeof model_name - strlen(model_name), " (%d layer%s)", layers,
                 layers == 1 ? "" : "s");
    }
    char source[300];
    snprintf(source, sizeof source, "%s", src.what);
    char src_note[sizeof src.note];
    snprintf(src_note, sizeof src_note, "%s", src.note);
    if ((text_arg || text_file) && (rc = q4t_cli_text_prompt("run", gguf, text_arg, text_file, &tp))) {
        src.close(src.ctx);
        goto done;
    }
    rc = Q4T_EXIT_FAIL;
    if (tp.tok) {
        if (q4t_tokenizer_vocab_size(tp.tok) > config.vocab_size) {
            fprintf(stderr, "q4tune run: %s: the tokenizer has %d tokens, the model's vocabulary %d\n", gguf,
                    q4t_tokenizer_vocab_size(tp.tok), config.vocab_size);
            src.close(src.ctx);
            goto done;
        }
        ro.prompt = tp.n;
        ro.tokens = tp.ids;
        ro.eos = q4t_tokenizer_eos(tp.tok);
    }
    if ((long)ro.depth + ro.prompt + ro.gen > (long)config.max_seq_len + 1) {
        fprintf(stderr, "q4tune run: depth %d + prompt %d%s + gen %d tokens do not fit %s's context of %d\n",
                ro.depth, ro.prompt, tp.tok ? " (the text's tokens)" : "", ro.gen, model_name, config.max_seq_len);
        src.close(src.ctx);
        rc = Q4T_EXIT_USAGE;
        goto done;
    }

    q4t_model_opts mo;
    q4t_model_opts_default(&mo, topo, cpu->features);
    mo.tuned = tuned;
    const int longest = ro.depth > ro.prompt ? ro.depth : ro.prompt; /* the largest prefill */
    mo.batch = batch < longest ? batch : longest;
    mo.ctx = ro.depth + ro.prompt + ro.gen;
    mo.kv = kv;
    mo.vec = vec;
    mo.gemv = gemv;
    mo.gemm = gemm;
    mo.phase[0] = phase[0];
    mo.phase[1] = phase[1];
    progress_state prog = {.tty = isatty(2), .last = -1};
    mo.progress = pack_progress;
    mo.progress_ctx = &prog;
    size_t rss_before, peak;
    int rss_known = q4t_rss(&rss_before, &peak) == 0;
    const double t0 = q4t_now();
    if (q4t_model_build(&config, &src, &mo, &m, err, sizeof err)) {
        fprintf(stderr, "q4tune run: %s\n", err);
        goto done;
    }
    const double build_s = q4t_now() - t0;
    ro.seed = (uint64_t)seed;
    q4t_run_result *rr = malloc(sizeof *rr);
    ro.generated = generated = malloc((size_t)ro.gen * sizeof *generated);
    if (!rr || !generated || q4t_run_measure(m, &ro, rr, rep_progress, &prog, err, sizeof err)) {
        fprintf(stderr, "q4tune run: %s\n", rr && generated ? err : "out of memory");
        free(rr);
        goto done;
    }
    size_t rss_now, rss_peak;
    rss_known &= q4t_rss(&rss_now, &rss_peak) == 0;
    if (logits_path && write_logits(m, &ro, rr->ngen, logits_path, err, sizeof err)) {
        fprintf(stderr, "q4tune run: --logits: %s\n", err);
        free(rr);
        goto done;
    }
    q4t_roofline roof; /* after the peak is read: its buffer is not the model's */
    const int have_roof = roofline && q4t_roofline_measure(&roof, cpu, m->pool[Q4T_DECODE]) == 0;

    char file[800] = "", name_slug[160];
    q4t_cli_slug(model_name, name_slug, sizeof name_slug);
    const report r = {model_name,  source,   tuned_path,           &ro,      rr, have_roof ? &roof : NULL,
                      rss_before,  rss_peak, rss_known, build_s,              tp.tok ? &tp : NULL, generated, src_note};
    cJSON *rec = record_json(m, &r, cpu, topo);
    char *text = cJSON_Print(rec);
    rc = text ? Q4T_EXIT_OK : Q4T_EXIT_FAIL;
    if (text && save) {
        char depth[32] = "";
        if (ro.depth)
            snprintf(depth, sizeof depth, "-d%d", ro.depth);
        snprintf(file, sizeof file, "%s/%s/run-%s%s-p%d-g%d%s%s.json", out_dir, device_id, name_slug, depth, ro.prompt,
                 ro.gen, m->kv == Q4T_KV_F32 ? "-kvf32" : "", tuned_path ? "-tuned" : "");
        if (q4t_json_write(file, rec, err, sizeof err)) {
            fprintf(stderr, "q4tune run: %s\n", err);
            rc = Q4T_EXIT_FAIL;
        }
    }
    cJSON_Delete(rec);
    if (json && text) {
        puts(text);
    } else if (text) {
        printf("q4tune run on %s\n", device_id);
        print_text(m, &r);
        if (logits_path)
            printf("logits:     %s: %d rows of %d float32 (the prompt's %d tokens and the %d generated)\n",
                   logits_path, ro.prompt + rr->ngen, config.vocab_size, ro.prompt, rr->ngen);
        if (save)
            printf("results:    %s\n", file);
    }
    free(text);
    free(rr);
done:
    q4t_model_free(m);
    q4t_text_prompt_free(&tp);
    free(generated);
    q4t_tuned_free(tuned);
    for (int i = 0; i < 3; i++)
        hwloc_bitmap_free(masks[i].pus);
    q4t_topology_free(topo);
    return rc;
}
