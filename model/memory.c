/* Pages and resident set: see memory.h. */
#define _DEFAULT_SOURCE
#include "memory.h"

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

void *q4t_pages_alloc(size_t bytes)
{
    void *p = mmap(NULL, bytes ? bytes : 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void q4t_pages_free(void *p, size_t bytes)
{
    if (p)
        munmap(p, bytes ? bytes : 1);
}

int q4t_rss(size_t *current, size_t *peak)
{
    *current = *peak = 0;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    unsigned long long kb;
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "VmRSS: %llu kB", &kb) == 1)
            *current = (size_t)kb << 10;
        else if (sscanf(line, "VmHWM: %llu kB", &kb) == 1)
            *peak = (size_t)kb << 10;
    }
    fclose(f);
    return 0;
}
