/* Small text helpers shared by the harness. */
#ifndef Q4T_TEXT_H
#define Q4T_TEXT_H

#include <stddef.h>

/* Copies the next item of a comma-separated list at *p into buf (truncated to
 * len - 1 characters) and moves *p past it. Returns the item's full length,
 * or -1 at the end of the list. */
int q4t_list_next(const char **p, char *buf, size_t len);

/* Is name an item of the comma-separated list? A NULL list selects every name. */
int q4t_list_selects(const char *list, const char *name);

#endif
