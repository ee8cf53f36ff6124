/* q4tune predict --check (predict_check.c): the static model's table against
 * this machine's own single-thread, hot-cache measurements. */
#ifndef Q4T_PREDICT_CHECK_H
#define Q4T_PREDICT_CHECK_H

#include "cpu.h"

struct cJSON;
/* Whether a kernel of the table (its JSON object) is to be checked. */
typedef int (*q4t_check_filter)(const struct cJSON *kernel, const void *ctx);

/* Times every kernel of table that core has a cycle prediction for, that
 * selected accepts and that runs on cpu, prints predicted, measured and the
 * error, the median absolute error and the ranking per op and ISA family, and
 * returns them in *check (a new object). 0, or -1 with the message printed
 * (core of another architecture, out of memory). */
int q4t_predict_check(const struct cJSON *table, const struct cJSON *core, q4t_check_filter selected,
                      const void *ctx, const q4t_cpu *cpu, struct cJSON **check);

#endif
