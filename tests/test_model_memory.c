/* Peak memory of a model: packed weights + KV cache + activations (+ the
 * embedding table and norms) + 10%, no more. The weights are never held
 * twice: each source tensor (generated, or the GGUF mapping of it) goes as
 * soon as it is packed or, not in Q4_0, as soon as it is quantized to Q4_0
 * (the temporary goes once packed). The models: smollm-135m cut to 2 layers
 * (about 36 MiB) from synthetic weights, from a GGUF file of them, and from
 * an F16 GGUF of its float weights, quantized at load (its F16 embedding,
 * 54 MiB, dominates: it would show the tied output's conversion held with
 * its packed copy); tinyllama-1.1b cut to 1 layer and 4096 tokens, tied, as
 * F16 (its matrices dominate: it would show F16 sources kept after their
 * conversion). Each is built and run in a process of its own (so that none
 * inherits memory malloc kept from anything before); its growth in resident
 * memory (VmHWM after, less VmRSS before) is compared with the parts the
 * model reports. Linux only (/proc/self).
 * Usage: test_model_memory DIR (for the GGUF files). */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "cpu.h"
#include "gguf.h"
#include "gguf_writer.h"
#include "memory.h"
#include "model.h"
#include "run.h"
#include "synthetic.h"
#include "topology.h"

static double mib(size_t b)
{
    return (double)b / 1048576.0;
}

/* Resets VmHWM to the current RSS; 0, or -1 where the kernel does not allow it. */
static int reset_peak(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (!f)
        return -1;
    const int ok = fputs("5", f) >= 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

static void measure(const char *what, const q4t_model_config *c, q4t_weight_source *src, const q4t_topology *topo,
                    const q4t_cpu *cpu)
{
    size_t before, peak;
    if (reset_peak() || q4t_rss(&before, &peak)) {
        printf("%s: cannot reset or read the peak resident set here\n", what);
        src->close(src->ctx);
        return;
    }
    q4t_model_opts o;
    q4t_model_opts_default(&o, topo, cpu->features);
    o.batch = 32;
    o.ctx = 48;
    q4t_model *m;
    char err[512];
    if (q4t_model_build(c, src, &o, &m, err, sizeof err)) {
        CHECK(0, "%s: %s", what, err);
        return;
    }
    int prompt[32];
    q4t_run_prompt(c->vocab_size, 1, prompt, 32);
    q4t_forward(m, prompt, 32);
    int tok = q4t_argmax(q4t_logits(m, Q4T_PREFILL), c->vocab_size);
    for (int i = 0; i < 15; i++) {
        q4t_forward(m, &tok, 1);
        tok = q4t_argmax(q4t_logits(m, Q4T_DECODE), c->vocab_size);
    }
    size_t now;
    q4t_rss(&now, &peak);
    const q4t_model_memory *mm = &m->mem;
    const size_t parts = mm->packed_weights + mm->embedding + mm->norms + mm->kv_cache + mm->activations;
    const size_t grew = peak - before;
    printf("%s: peak grew %.2f MiB; parts %.2f MiB (packed %.2f, embedding %.2f, norms %.2f, KV %.2f, "
           "activations %.2f): %.1f%%\n",
           what, mib(grew), mib(parts), mib(mm->packed_weights), mib(mm->embedding), mib(mm->norms), mib(mm->kv_cache),
           mib(mm->activations), 100.0 * (double)grew / (double)parts);
    CHECK(grew <= parts + parts / 10, "%s: the peak grew by %.2f MiB, more than its parts %.2f MiB + 10%%", what,
          mib(grew), mib(parts));
    CHECK(grew >= parts / 2, "%s: the peak grew by only %.2f MiB of %.2f MiB: not measuring", what, mib(grew),
          mib(parts));
    q4t_model_free(m);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_model_memory DIR\n");
        return 2;
    }
    q4t_cpu cpu;
    q4t_topology *topo;
    char err[512];
    q4t_cpu_detect(&cpu);
    if (q4t_cpu_mask_env(&cpu, err, sizeof err) || q4t_topology_load(&topo, NULL, err, sizeof err)) {
        fprintf(stderr, "test_model_memory: %s\n", err);
        return 1;
    }
    static const struct {
        const char *what, *preset;
        int layers, vocab; /* the preset cut to, with tied embeddings */
        int file;          /* 0: its synthetic weights; 1: a GGUF file of them (gw_model flags), written first */
        unsigned flags;
    } runs[] = {
        {"smollm-135m, 2 layers, synthetic", "smollm-135m", 2, 49152, 0, 0},
        {"smollm-135m, 2 layers, GGUF", "smollm-135m", 2, 49152, 1, 0},
        {"smollm-135m, 2 layers, F16 GGUF", "smollm-135m", 2, 49152, 1, GW_MODEL_F16},
        {"tinyllama-1.1b, 1 layer, 4096 tokens, tied, F16 GGUF", "tinyllama-1.1b", 1, 4096, 1, GW_MODEL_F16},
    };
    char path[600];
    snprintf(path, sizeof path, "%s/test-memory.gguf", argv[1]);
    for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
        q4t_model_config c = *q4t_model_preset(runs[r].preset);
        c.n_layers = runs[r].layers;
        c.vocab_size = runs[r].vocab;
        c.tied_embeddings = 1;
        for (int write = runs[r].file; write >= 0; write--) { /* the file written, then the model measured */
            fflush(stdout);
            const pid_t child = fork();
            if (child == 0) {
                q4t_weight_source src;
                q4t_model_config gc;
                if (!runs[r].file) {
                    q4t_synth_source(&c, 1, &src);
                    measure(runs[r].what, &c, &src, topo, &cpu);
                } else if (write) {
                    gguf_writer *w = gw_new();
                    gw_model(w, &c, 1, runs[r].flags);
                    CHECK(gw_write(w, path) == 0, "writing %s", path);
                    gw_free(w);
                } else if (q4t_gguf_llama(path, &gc, &src, err, sizeof err) == 0) {
                    measure(runs[r].what, &gc, &src, topo, &cpu);
                } else {
                    CHECK(0, "%s", err);
                }
                fflush(stdout);
                _exit(check_failed ? 1 : 0);
            }
            int status = 0;
            CHECK(child > 0 && waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "%s: %s failed", runs[r].what, write ? "writing the file" : "the measure");
        }
    }
    unlink(path);
    q4t_topology_free(topo);
    return check_done("model_memory");
}
