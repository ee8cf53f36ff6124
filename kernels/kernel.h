/* The kernel descriptor: every variant (reference or optimised) is one of these,
 * defined in its own file and listed once in registry.def.
 *
 * Y[M][N] = X[M][K] . W[N][K]^T, W in Q4_0, X quantized to Q8_0 on packing,
 * Y fp32 with row stride ldy. K is a multiple of 32; M, N >= 1.
 *
 * Every function of a descriptor may execute its ISA: call none of them on a
 * CPU that lacks a feature in .isa (q4t_kernel_missing in registry.h).
 *
 * Use: w = pack_w(W) once per matrix; x = pack_x(X) once per call;
 * run(args, m0, m1, n0, n1) for any rectangle with m0 a multiple of mr and
 * n0 a multiple of nr (m1 <= M, n1 <= N need not be), so that threading and
 * task tiles live outside the kernel. Disjoint rectangles may run concurrently.
 * mr and nr are the run-time tile (q4t_kernel_tile_size in registry.h): for a
 * scalable dimension, its multiple of the vector unit times tile()'s unit.
 */
#ifndef Q4T_KERNEL_H
#define Q4T_KERNEL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "formats.h"
#include "isa.h"

typedef enum { Q4T_OP_GEMV, Q4T_OP_GEMM } q4t_op;

typedef struct {
    const void *w; /* packed by pack_w */
    const void *x; /* packed by pack_x */
    float *y;
    size_t ldy; /* elements between rows of y */
    size_t M, N, K;
} q4t_run_args;

typedef struct q4t_kernel {
    const char *name; /* file stem: <op>_q4_<isa>_<MR>x<NR>[_<tweak>] */
    const char *file; /* __FILE__ of the definition, checked against name */
    q4t_op op;
    uint64_t isa;           /* required feature bits (isa.h) */
    uint16_t mr, nr, kr;    /* register tile (rows of X, rows of W, k per multiply step) */
    uint8_t mr_vl, nr_vl;   /* 1: that dimension is mr (nr) vector units, sized by tile() */
    /* Scalable kernels: the size of one vector unit in rows (*mr) and columns
     * (*nr) on this CPU, e.g. SVL/32 for a ZA tile. Only called when runnable. */
    void (*tile)(size_t *mr_unit, size_t *nr_unit);
    size_t (*packed_w_size)(size_t N, size_t K);
    void (*pack_w)(const q4t_block_q4_0 *w, size_t N, size_t K, void *dst);
    /* The packed W layout: kernels with the same name can share one packing
     * (e.g. a GEMV for decode and a GEMM for prefill over the same weights). */
    const char *w_layout;
    size_t (*packed_x_size)(size_t M, size_t K);
    void (*pack_x)(const float *x, size_t M, size_t K, void *dst);
    /* 1: X packs by row groups: pack_x of rows [m0, m1), m0 a multiple of mr,
     * written at packed_x_size(m0, K), gives the bytes one call over every row
     * would (so q4t_parallel_pack_x may split it); 0: one call only. */
    uint8_t x_by_rows;
    void (*run)(const q4t_run_args *a, size_t m0, size_t m1, size_t n0, size_t n1);
} q4t_kernel;

/* What the rest of q4tune calls: packing through the kernel's layouts, and
 * whether two kernels share one (the same packed W serves both; X packed for
 * one is X packed for the other). */
static inline size_t q4t_kernel_packed_w_size(const q4t_kernel *k, size_t N, size_t K)
{
    return k->packed_w_size(N, K);
}
static inline void q4t_kernel_pack_w(const q4t_kernel *k, const q4t_block_q4_0 *w, size_t N, size_t K, void *dst)
{
    k->pack_w(w, N, K, dst);
}
static inline size_t q4t_kernel_packed_x_size(const q4t_kernel *k, size_t M, size_t K)
{
    return k->packed_x_size(M, K);
}
static inline void q4t_kernel_pack_x(const q4t_kernel *k, const float *x, size_t M, size_t K, void *dst)
{
    k->pack_x(x, M, K, dst);
}
static inline const char *q4t_kernel_w_name(const q4t_kernel *k)
{
    return k->w_layout;
}
static inline int q4t_kernel_same_w(const q4t_kernel *a, const q4t_kernel *b)
{
    return !strcmp(a->w_layout, b->w_layout);
}
static inline int q4t_kernel_same_x(const q4t_kernel *a, const q4t_kernel *b)
{
    return a->pack_x == b->pack_x;
}
/* X packs by row groups of this many rows (q4t_parallel_pack_x may split it
 * there), or 0: one call only. */
static inline size_t q4t_kernel_x_rows(const q4t_kernel *k)
{
    return k->x_by_rows ? k->mr : 0;
}

/* A 64-byte aligned buffer for packed data (free with free()); NULL if out of memory. */
void *q4t_alloc_packed(size_t bytes);

/* Shared packing used by several variants. */
size_t q4t_packed_size_q4_0(size_t N, size_t K); /* plain Q4_0 rows */
void q4t_pack_w_q4_0(const q4t_block_q4_0 *w, size_t N, size_t K, void *dst);
size_t q4t_packed_size_q8_0(size_t M, size_t K); /* plain Q8_0 rows */
void q4t_pack_x_q8_0(const float *x, size_t M, size_t K, void *dst);
size_t q4t_packed_size_q8f(size_t M, size_t K); /* Q8F rows */
void q4t_pack_x_q8f(const float *x, size_t M, size_t K, void *dst);

/* Row-group weight packing, for variants that read nr rows of W at once: N is
 * padded to a multiple of nr with zero rows (d = 0, q = 8); per group of nr
 * rows and per 32-block, fp16 d[nr] then the nr rows' 16 qs bytes, byte j of
 * row r stored at qs_offset(r, j) from the end of d[], XORed with flip. */
typedef size_t (*q4t_qs_offset_fn)(size_t r, size_t j);
size_t q4t_packed_size_rowgroups(size_t N, size_t K, size_t nr);
void q4t_pack_w_rowgroups(const q4t_block_q4_0 *w, size_t N, size_t K, size_t nr, q4t_qs_offset_fn qs_offset,
                          uint8_t flip, void *dst);

#define Q4T_ROUND_UP(x, m) (((x) + (m) - 1) / (m) * (m))

#endif
