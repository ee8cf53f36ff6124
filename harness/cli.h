/* The q4tune command line: one binary, git-style subcommands (main.c). */
#ifndef Q4T_CLI_H
#define Q4T_CLI_H

#include <stdio.h>

#include "cpu.h"
#include "tokenizer.h"

/* Exit statuses; Q4T_CLI_CONTINUE is no status: option parsing goes on. */
enum { Q4T_CLI_CONTINUE = -1, Q4T_EXIT_OK = 0, Q4T_EXIT_FAIL = 1, Q4T_EXIT_USAGE = 2 };

/* Long option shared by every subcommand; its getopt value. */
#define Q4T_OPT_ISA 0x100
#define Q4T_LONGOPT_ISA {"isa", required_argument, NULL, Q4T_OPT_ISA}

/* Masks features of cpu off per an --isa spec; prints the error and returns -1. */
int q4t_cli_isa(q4t_cpu *cpu, const char *spec);

/* The options every subcommand shares, for the default case of its getopt_long
 * loop: --isa (Q4T_CLI_CONTINUE, or Q4T_EXIT_USAGE for a bad list), --help
 * (prints usage, Q4T_EXIT_OK) and unknown options (Q4T_EXIT_USAGE). A caller
 * returns any value but Q4T_CLI_CONTINUE as its exit status. */
int q4t_cli_common_option(int c, q4t_cpu *cpu, const char *usage);
/* After the options: refuses leftover operands. Returns 0 or Q4T_EXIT_USAGE. */
int q4t_cli_no_operands(int argc, char **argv, const char *cmd);
/* Refuses (message, Q4T_EXIT_USAGE) a comma-separated list (--kernel) naming
 * a kernel this build lacks; 0 if every name exists or list is NULL. */
int q4t_cli_kernels(const char *list, const char *cmd);

/* --opt's value s as a number in [min, max] into *out; else prints the error
 * (q4tune CMD: --opt wants ...) and returns -1. */
int q4t_cli_count(const char *cmd, const char *opt, const char *s, int min, int max, int *out);
/* The file-name form of a model name: lowercase letters, digits, '.', '-'. */
void q4t_cli_slug(const char *s, char *buf, size_t len);

/* The per-device record a command writes with --out (verify, roofline): its
 * head (q4t_record_json, with this machine's topology) for the caller to
 * fill, or NULL with the message printed. */
struct cJSON;
struct cJSON *q4t_cli_record(const char *cmd, const char *schema, int version, const q4t_cpu *cpu);
/* Writes rec to out_dir/<its device id>/file, says "wrote PATH" on said, and
 * frees rec. Q4T_EXIT_OK, or Q4T_EXIT_FAIL with the message printed. */
int q4t_cli_record_write(const char *cmd, struct cJSON *rec, const char *out_dir, const char *file, FILE *said);

/* A text prompt (--text or --text-file) in a GGUF's own tokenizer (prompt.c). */
typedef struct {
    char *text;        /* the text, NUL-terminated, len bytes */
    size_t len;
    q4t_tokenizer *tok; /* the GGUF's tokenizer */
    int *ids;          /* n ids: BOS as the file says, special tokens written in the text parsed */
    int n;
} q4t_text_prompt;

/* The prompt of --text text or --text-file text_file (at least one given)
 * for the model in gguf (NULL: a preset, which has no tokenizer: refused).
 * Prints the error (q4tune CMD: ...) and returns an exit status, or 0. */
int q4t_cli_text_prompt(const char *cmd, const char *gguf, const char *text, const char *text_file, q4t_text_prompt *p);
void q4t_text_prompt_free(q4t_text_prompt *p);
/* s[0 .. n) as valid UTF-8 for JSON: each invalid byte (and NUL) as U+FFFD;
 * malloc'd, NUL-terminated; NULL if out of memory. */
char *q4t_cli_utf8_valid(const char *s, size_t n);
/* " 1<control> 9038'Once' ..." for the first max of n ids, and a newline. */
void q4t_cli_print_tokens(FILE *f, const q4t_tokenizer *t, const int *ids, int n, int max);

int q4t_cmd_info(int argc, char **argv, q4t_cpu *cpu);
int q4t_cmd_verify(int argc, char **argv, q4t_cpu *cpu);
int q4t_cmd_bench(int argc, char **argv, q4t_cpu *cpu);
int q4t_cmd_roofline(int argc, char **argv, q4t_cpu *cpu);
int q4t_cmd_tune(int argc, char **argv, q4t_cpu *cpu);
int q4t_cmd_compare(int argc, char **argv, q4t_cpu *cpu);
int q4t_cmd_run(int argc, char **argv, q4t_cpu *cpu);
int q4t_cmd_accuracy(int argc, char **argv, q4t_cpu *cpu);
int q4t_cmd_report(int argc, char **argv, q4t_cpu *cpu);
int q4t_cmd_export(int argc, char **argv, q4t_cpu *cpu);
int q4t_cmd_predict(int argc, char **argv, q4t_cpu *cpu);

#endif
