/* The q4tune command line: one binary, git-style subcommands (main.c). */
#ifndef Q4T_CLI_H
#define Q4T_CLI_H

#include "cpu.h"

enum { Q4T_EXIT_OK = 0, Q4T_EXIT_FAIL = 1, Q4T_EXIT_USAGE = 2 };

/* Long option shared by every subcommand; its getopt value. */
#define Q4T_OPT_ISA 0x100
#define Q4T_LONGOPT_ISA {"isa", required_argument, NULL, Q4T_OPT_ISA}

/* Masks features of cpu off per an --isa spec; prints the error and returns -1. */
int q4t_cli_isa(q4t_cpu *cpu, const char *spec);

int q4t_cmd_info(int argc, char **argv, q4t_cpu *cpu);
int q4t_cmd_verify(int argc, char **argv, q4t_cpu *cpu);

#endif
