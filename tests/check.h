/* A minimal assertion helper for the ctest programs: CHECK counts failures
 * and says where; check_done() prints the tally and gives the exit status. */
#ifndef Q4T_CHECK_H
#define Q4T_CHECK_H

#include <stdio.h>

static int check_count, check_failed;

#define CHECK(cond, ...)                                                                                               \
    do {                                                                                                               \
        check_count++;                                                                                                 \
        if (!(cond)) {                                                                                                 \
            check_failed++;                                                                                            \
            fprintf(stderr, "%s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond);                                   \
            fprintf(stderr, __VA_ARGS__);                                                                              \
            fputc('\n', stderr);                                                                                       \
        }                                                                                                              \
    } while (0)

static inline int check_done(const char *what)
{
    printf("%s: %d checks, %d failed\n", what, check_count, check_failed);
    return check_failed ? 1 : 0;
}

#endif
