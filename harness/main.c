/* q4tune: int4 LLM kernel benchmark and autotuner. Subcommand dispatch. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "device.h"
#include "json.h"
#include "registry.h"
#include "text.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv, q4t_cpu *cpu);
    const char *summary;
} commands[] = {
    {"info", q4t_cmd_info, "CPU model, features, vector lengths, and which kernels can run here"},
    {"verify", q4t_cmd_verify, "check every runnable kernel against the reference kernel"},
    {"bench", q4t_cmd_bench, "micro-benchmarks (Google Benchmark) of kernels x shapes x threads"},
    {"roofline", q4t_cmd_roofline, "measured read bandwidth and int8 dot-product peaks"},
    {"tune", q4t_cmd_tune, "find the fastest correct configuration per shape; store it per device"},
    {"compare", q4t_cmd_compare, "compare two tuned files (devices or commits), flag significant changes"},
    {"run", q4t_cmd_run, "a Llama-style transformer with the tuned kernels: TTFT, tokens/s, memory"},
    {"accuracy", q4t_cmd_accuracy, "what Q4_0 costs: KL divergence, top-1 agreement, perplexity vs the float model"},
    {"report", q4t_cmd_report, "one self-contained HTML report of results directories (devices, commits)"},
    {"export", q4t_cmd_export, "run records and tuned winners for CI dashboards (github-action-benchmark, Bencher)"},
    {"predict", q4t_cmd_predict, "PREDICTED speed of every kernel on every core of the table (llvm-mca, no device)"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: q4tune <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "  %-8s this text\n\n"
                 "options every command takes:\n"
                 "  --isa=LIST   mask CPU features: '-sve,-sme' turns those off, 'neon,sdot' keeps only those;\n"
                 "               the environment variable Q4T_ISA takes the same list, applied first\n"
                 "  --help       the command's own options\n",
            "help");
}

int q4t_cli_isa(q4t_cpu *cpu, const char *spec)
{
    char err[512];
    if (q4t_isa_mask(spec, cpu->features, &cpu->features, err, sizeof err) == 0)
        return 0;
    fprintf(stderr, "q4tune: %s\n", err);
    return -1;
}

int q4t_cli_common_option(int c, q4t_cpu *cpu, const char *usage)
{
    switch (c) {
    case Q4T_OPT_ISA:
        return q4t_cli_isa(cpu, optarg) ? Q4T_EXIT_USAGE : Q4T_CLI_CONTINUE;
    case 'h':
        fputs(usage, stdout);
        return Q4T_EXIT_OK;
    default: /* getopt_long has said what is wrong */
        return Q4T_EXIT_USAGE;
    }
}

int q4t_cli_no_operands(int argc, char **argv, const char *cmd)
{
    if (optind >= argc)
        return 0;
    fprintf(stderr, "q4tune %s: unexpected argument '%s'\n", cmd, argv[optind]);
    return Q4T_EXIT_USAGE;
}

int q4t_cli_kernels(const char *list, const char *cmd)
{
    char name[128];
    for (const char *p = list; p && q4t_list_next(&p, name, sizeof name) >= 0;)
        if (!q4t_kernel_find(name)) {
            fprintf(stderr, "q4tune %s: no kernel '%s' in this build (see 'q4tune info')\n", cmd, name);
            return Q4T_EXIT_USAGE;
        }
    return 0;
}

int q4t_cli_count(const char *cmd, const char *opt, const char *s, int min, int max, int *out)
{
    char *end;
    errno = 0;
    const long v = strtol(s, &end, 10);
    if (*end || !*s || errno || v < min || v > max) {
        fprintf(stderr, "q4tune %s: --%s wants a number from %d to %d, not '%s'\n", cmd, opt, min, max, s);
        return -1;
    }
    *out = (int)v;
    return 0;
}

cJSON *q4t_cli_record(const char *cmd, const char *schema, int version, const q4t_cpu *cpu)
{
    char err[512];
    q4t_topology *topo;
    if (q4t_topology_load(&topo, NULL, err, sizeof err)) {
        fprintf(stderr, "q4tune %s: %s\n", cmd, err);
        return NULL;
    }
    cJSON *rec = q4t_record_json(schema, version, cpu, topo);
    q4t_topology_free(topo);
    return rec;
}

int q4t_cli_record_write(const char *cmd, cJSON *rec, const char *out_dir, const char *file, FILE *said)
{
    char err[1200], path[1024];
    snprintf(path, sizeof path, "%s/%s/%s", out_dir, q4t_json_str(cJSON_GetObjectItem(rec, "device"), "id"), file);
    const int bad = q4t_json_write(path, rec, err, sizeof err);
    cJSON_Delete(rec);
    if (bad) {
        fprintf(stderr, "q4tune %s: %s\n", cmd, err);
        return Q4T_EXIT_FAIL;
    }
    fprintf(said, "wrote %s\n", path);
    return Q4T_EXIT_OK;
}

void q4t_cli_slug(const char *s, char *buf, size_t len)
{
    size_t n = 0;
    for (; *s && n + 1 < len; s++) {
        const char c = *s;
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.')
            buf[n++] = c;
        else if (c >= 'A' && c <= 'Z')
            buf[n++] = (char)(c - 'A' + 'a');
        else if (n && buf[n - 1] != '-')
            buf[n++] = '-';
    }
    while (n && buf[n - 1] == '-')
        n--;
    buf[n] = '\0';
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return Q4T_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        usage(stdout);
        return Q4T_EXIT_OK;
    }
    if (!strcmp(cmd, "--version")) {
        printf("q4tune %s\n", Q4T_VERSION);
        return Q4T_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(cmd, commands[i].name))
            continue;
        q4t_cpu cpu;
        q4t_cpu_detect(&cpu);
        char err[512];
        if (q4t_cpu_mask_env(&cpu, err, sizeof err)) {
            fprintf(stderr, "q4tune: %s\n", err);
            return Q4T_EXIT_USAGE;
        }
        return commands[i].run(argc - 1, argv + 1, &cpu);
    }
    fprintf(stderr, "q4tune: unknown command '%s' (see 'q4tune help')\n", cmd);
    return Q4T_EXIT_USAGE;
}
