/* Checking a kernel against the reference kernel of its op. */
#ifndef Q4T_VERIFY_H
#define Q4T_VERIFY_H

#include <stddef.h>

#include "kernel.h"

typedef struct {
    size_t M, N, K;
} q4t_shape;

typedef struct {
    double worst;   /* max over Y of |y - y_ref| / tolerance: <= 1 passes */
    size_t worst_m, worst_n;
    double y, y_ref;   /* the values at the worst element */
    int untouched;     /* elements of Y the kernel did not write */
    int overwritten;   /* elements outside Y the kernel wrote */
    int split_differs; /* elements that differ when run tile by tile */
    int ok;
} q4t_verify_result;

/* Parses "MxNxK" (K a multiple of 32, all >= 1). Returns 0, or -1 with a message. */
int q4t_shape_parse(const char *s, q4t_shape *shape, char *err, size_t errlen);

/* Parses a comma-separated list of shapes into shapes[0 .. *n), at most max.
 * Returns 0, or -1 with a message in err (a bad shape, too many, none). */
int q4t_shapes_parse(const char *list, q4t_shape *shapes, size_t max, size_t *n, char *err, size_t errlen);

/* Runs k on a seeded random problem of the given shape and compares every
 * output element with the reference kernel's: the difference must stay within
 * the bound of a reordered fp32 sum, (K/32 + 2) * FLT_EPSILON * sum_b |d_w d_x isum|.
 * Also checks that run() writes exactly the rectangle it is given: the result of
 * one call over the whole of Y must equal, bit for bit, that of one call per
 * register tile. Returns 0, or -1 if memory ran out. */
int q4t_verify(const q4t_kernel *k, q4t_shape shape, unsigned seed, q4t_verify_result *r);

/* The shape matrix `q4tune verify` and the tests use for k (runnable here: the
 * tile of a scalable kernel depends on the vector length): M from 1 to past mr,
 * N ragged around nr, K from one block to many. Returns the count (<= max). */
size_t q4t_verify_shapes(const q4t_kernel *k, q4t_shape *shapes, size_t max);

#endif
