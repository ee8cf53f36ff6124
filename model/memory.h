/* Memory for the model: whole pages straight from the OS (so that freeing them
 * gives them back at once, whatever malloc's thresholds), and the process's
 * resident set as Linux reports it. */
#ifndef Q4T_MODEL_MEMORY_H
#define Q4T_MODEL_MEMORY_H

#include <stddef.h>

/* Zeroed pages (mmap), NULL if out of memory; q4t_pages_free returns them. */
void *q4t_pages_alloc(size_t bytes);
void q4t_pages_free(void *p, size_t bytes);

/* Resident set now and its peak (VmRSS, VmHWM of /proc/self/status), bytes.
 * Returns 0, or -1 where that file is missing (both 0 then). */
int q4t_rss(size_t *current, size_t *peak);

#endif
