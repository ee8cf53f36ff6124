/* The kernel descriptor: every variant (reference or optimised) is one of these,
 * defined in its own file by one Q4T_VARIANT line and listed once in
 * registry.def; its packed layouts are declared once each (Q4T_W_LAYOUT,
 * Q4T_X_LAYOUT) in a layouts file of the family, or in pack.c, and kernels
 * point at them.
 *
 * Y[M][N] = X[M][K] . W[N][K]^T, W in Q4_0, X quantized to Q8_0 on packing,
 * Y fp32 with row stride ldy. K is a multiple of 32; M, N >= 1.
 *
 * Every function of a descriptor or of its layouts may execute its ISA: call
 * none of them on a CPU that lacks a feature in .isa (q4t_kernel_missing in
 * registry.h). A layout's .isa is a subset of that of every kernel using it.
 *
 * Use: w = q4t_kernel_pack_w(W) once per matrix; x = q4t_kernel_pack_x(X) once
 * per call; run(args, m0, m1, n0, n1) for any rectangle with m0 a multiple of
 * mr and n0 a multiple of nr (m1 <= M, n1 <= N need not be), so that threading
 * and task tiles live outside the kernel. Disjoint rectangles may run
 * concurrently. mr and nr are the run-time tile (q4t_kernel_tile_size in
 * registry.h): for a scalable dimension, its multiple of the vector unit times
 * tile()'s unit. Two kernels with the same W layout (pointer) read one packed
 * copy of W; with the same X layout, one packed X.
 */
#ifndef Q4T_KERNEL_H
#define Q4T_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#include "formats.h"
#include "isa.h"

typedef enum { Q4T_OP_GEMV, Q4T_OP_GEMM } q4t_op;

typedef struct {
    const void *w; /* packed by q4t_kernel_pack_w (the kernel's W layout) */
    const void *x; /* packed by q4t_kernel_pack_x */
    float *y;
    size_t ldy; /* elements between rows of y */
    size_t M, N, K;
} q4t_run_args;

/* A packed layout of W: declared once (Q4T_W_LAYOUT), shared by pointer. */
typedef struct q4t_w_layout {
    const char *name; /* the identifier after q4t_w_: "zmm_g32" is q4t_w_zmm_g32 */
    uint64_t isa;     /* features size() and pack() may execute (isa.h) */
    size_t arg;       /* the family's parameter: rows per group, columns per panel, ... */
    size_t (*size)(const struct q4t_w_layout *l, size_t N, size_t K); /* bytes, from q4t_alloc_packed */
    void (*pack)(const struct q4t_w_layout *l, const q4t_block_q4_0 *w, size_t N, size_t K, void *dst);
} q4t_w_layout;

/* A packed layout of X, quantized on packing (Q4T_X_LAYOUT). */
typedef struct q4t_x_layout {
    const char *name; /* the identifier after q4t_x_ */
    uint64_t isa;
    size_t arg;
    /* X packs by row groups of this many rows: pack of rows [m0, m1), m0 a
     * multiple of rows, written at size(m0, K), gives the bytes one call over
     * every row would (so q4t_parallel_pack_x may split it); 0: one call only. */
    size_t rows;
    size_t (*size)(const struct q4t_x_layout *l, size_t M, size_t K);
    void (*pack)(const struct q4t_x_layout *l, const float *x, size_t M, size_t K, void *dst);
} q4t_x_layout;

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
    const q4t_w_layout *w; /* how W is packed for run() */
    const q4t_x_layout *x; /* how X is packed for run() */
    void (*run)(const q4t_run_args *a, size_t m0, size_t m1, size_t n0, size_t n1);
} q4t_kernel;

/* Declares (extern) and defines the layout q4t_w_<NAME> / q4t_x_<NAME>, named
 * "NAME"; the other fields by designator: .isa, .arg, .rows, .size, .pack. */
#define Q4T_W_LAYOUT(NAME, ...)                                                                                        \
    extern const q4t_w_layout q4t_w_##NAME;                                                                            \
    const q4t_w_layout q4t_w_##NAME = {.name = #NAME, __VA_ARGS__}
#define Q4T_X_LAYOUT(NAME, ...)                                                                                        \
    extern const q4t_x_layout q4t_x_##NAME;                                                                            \
    const q4t_x_layout q4t_x_##NAME = {.name = #NAME, __VA_ARGS__}

/* The one way a variant is defined: its descriptor NAME (the file stem), op
 * OP (GEMV or GEMM), features ISA, layouts q4t_w_<W> and q4t_x_<X>, run() RUN,
 * and the tile by designator (.mr, .nr, .kr, and for a scalable tile .mr_vl,
 * .nr_vl, .tile). Families wrap it with their run() template (e.g.
 * ZMM_VARIANT in avx512vnni_common.h). */
#define Q4T_VARIANT(NAME, OP, ISA, W, X, RUN, ...)                                                                     \
    extern const q4t_w_layout q4t_w_##W;                                                                               \
    extern const q4t_x_layout q4t_x_##X;                                                                               \
    extern const q4t_kernel NAME;                                                                                      \
    const q4t_kernel NAME = {.name = #NAME, .file = __FILE__, .op = Q4T_OP_##OP, .isa = (ISA), .w = &q4t_w_##W,        \
                             .x = &q4t_x_##X, .run = (RUN), __VA_ARGS__}

/* What the rest of q4tune calls: packing through the kernel's layouts, and
 * whether two kernels share one (the same packed W serves both; X packed for
 * one is X packed for the other). */
static inline size_t q4t_kernel_packed_w_size(const q4t_kernel *k, size_t N, size_t K)
{
    return k->w->size(k->w, N, K);
}
static inline void q4t_kernel_pack_w(const q4t_kernel *k, const q4t_block_q4_0 *w, size_t N, size_t K, void *dst)
{
    k->w->pack(k->w, w, N, K, dst);
}
static inline size_t q4t_kernel_packed_x_size(const q4t_kernel *k, size_t M, size_t K)
{
    return k->x->size(k->x, M, K);
}
static inline void q4t_kernel_pack_x(const q4t_kernel *k, const float *x, size_t M, size_t K, void *dst)
{
    k->x->pack(k->x, x, M, K, dst);
}
static inline const char *q4t_kernel_w_name(const q4t_kernel *k)
{
    return k->w->name;
}
static inline int q4t_kernel_same_w(const q4t_kernel *a, const q4t_kernel *b)
{
    return a->w == b->w;
}
static inline int q4t_kernel_same_x(const q4t_kernel *a, const q4t_kernel *b)
{
    return a->x == b->x;
}
/* X packs by row groups of this many rows (q4t_parallel_pack_x may split it
 * there), or 0: one call only. */
static inline size_t q4t_kernel_x_rows(const q4t_kernel *k)
{
    return k->x->rows;
}

/* A 64-byte aligned buffer for packed data (free with free()); NULL if out of memory. */
void *q4t_alloc_packed(size_t bytes);

/* Row-group weight packing (the families' layouts build on it), for variants
 * that read nr rows of W at once: N is padded to a multiple of nr with zero
 * rows (d = 0, q = 8); per group of nr rows and per 32-block, fp16 d[nr] then
 * the nr rows' 16 qs bytes, byte j of row r stored at qs_offset(r, j, nr) from
 * the end of d[], XORed with flip. q4t_rowgroups_size is a layout's size()
 * for nr = l->arg. */
typedef size_t (*q4t_qs_offset_fn)(size_t r, size_t j, size_t nr);
size_t q4t_packed_size_rowgroups(size_t N, size_t K, size_t nr);
size_t q4t_rowgroups_size(const q4t_w_layout *l, size_t N, size_t K);
void q4t_pack_w_rowgroups(const q4t_block_q4_0 *w, size_t N, size_t K, size_t nr, q4t_qs_offset_fn qs_offset,
                          uint8_t flip, void *dst);

#define Q4T_ROUND_UP(x, m) (((x) + (m) - 1) / (m) * (m))

#endif
