/* Small text helpers: see text.h. */
#include "text.h"

#include <stdio.h>
#include <string.h>

int q4t_list_next(const char **p, char *buf, size_t len)
{
    if (!**p)
        return -1;
    const size_t n = strcspn(*p, ",");
    snprintf(buf, len, "%.*s", (int)n, *p);
    *p += n + ((*p)[n] == ',');
    return (int)n;
}

int q4t_list_selects(const char *list, const char *name)
{
    char item[128];
    for (const char *p = list; p && q4t_list_next(&p, item, sizeof item) >= 0;)
        if (strcmp(item, name) == 0)
            return 1;
    return !list;
}
