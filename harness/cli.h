/* The q4tune command line: one binary, git-style subcommands (main.c). */
#ifndef Q4T_CLI_H
#define Q4T_CLI_H

#include "cpu.h"

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

int q4t_cmd_info(int argc, char **argv, q4t_cpu *cpu);
int q4t_cmd_verify(int argc, char **argv, q4t_cpu *cpu);
int q4t_cmd_bench(int argc, char **argv, q4t_cpu *cpu);
int q4t_cmd_roofline(int argc, char **argv, q4t_cpu *cpu);
int q4t_cmd_tune(int argc, char **argv, q4t_cpu *cpu);
int q4t_cmd_compare(int argc, char **argv, q4t_cpu *cpu);
int q4t_cmd_run(int argc, char **argv, q4t_cpu *cpu);

#endif
