/* The registry table, generated from registry.def by CMake into q4t_built.def:
 * Q4T_BUILT(name) for each variant compiled into this binary,
 * Q4T_UNBUILT(name, reason) for each one the compiler could not build. */
#include "registry.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define Q4T_BUILT(name) extern const q4t_kernel name;
#define Q4T_VEC_BUILT(name) extern const q4t_vec name;
#define Q4T_UNBUILT(name, reason)
#define Q4T_VEC_UNBUILT(name, reason)
#include "q4t_built.def"
#undef Q4T_BUILT
#undef Q4T_VEC_BUILT

static const q4t_kernel *const kernels[] = {
#define Q4T_BUILT(name) &name,
#define Q4T_VEC_BUILT(name)
#include "q4t_built.def"
#undef Q4T_BUILT
#undef Q4T_VEC_BUILT
};

static const q4t_vec *const vecs[] = {
#define Q4T_BUILT(name)
#define Q4T_VEC_BUILT(name) &name,
#include "q4t_built.def"
#undef Q4T_BUILT
#undef Q4T_VEC_BUILT
};
#undef Q4T_UNBUILT
#undef Q4T_VEC_UNBUILT

static const struct {
    const char *name, *reason;
} unbuilt[] = {
#define Q4T_BUILT(name)
#define Q4T_VEC_BUILT(name)
#define Q4T_UNBUILT(name, reason) {#name, reason},
#define Q4T_VEC_UNBUILT(name, reason) {#name, reason},
#include "q4t_built.def"
#undef Q4T_BUILT
#undef Q4T_VEC_BUILT
#undef Q4T_UNBUILT
#undef Q4T_VEC_UNBUILT
    {NULL, NULL}, /* keeps the array non-empty */
};

size_t q4t_kernel_count(void)
{
    return sizeof kernels / sizeof kernels[0];
}

const q4t_kernel *q4t_kernel_at(size_t i)
{
    return i < q4t_kernel_count() ? kernels[i] : NULL;
}

const q4t_kernel *q4t_kernel_find(const char *name)
{
    for (size_t i = 0; i < q4t_kernel_count(); i++)
        if (strcmp(kernels[i]->name, name) == 0)
            return kernels[i];
    return NULL;
}

const q4t_kernel *q4t_reference(q4t_op op)
{
    return q4t_kernel_find(op == Q4T_OP_GEMV ? "gemv_q4_ref_1x1" : "gemm_q4_ref_1x1");
}

uint64_t q4t_kernel_missing(const q4t_kernel *k, uint64_t features)
{
    return k->isa & ~features;
}

size_t q4t_vec_count(void)
{
    return sizeof vecs / sizeof vecs[0];
}

const q4t_vec *q4t_vec_at(size_t i)
{
    return i < q4t_vec_count() ? vecs[i] : NULL;
}

const q4t_vec *q4t_vec_find(const char *name)
{
    for (size_t i = 0; i < q4t_vec_count(); i++)
        if (strcmp(vecs[i]->name, name) == 0)
            return vecs[i];
    return NULL;
}

const q4t_vec *q4t_vec_reference(void)
{
    return q4t_vec_find("vec_f32_ref");
}

const q4t_vec *q4t_vec_preferred(uint64_t features)
{
    const q4t_vec *best = q4t_vec_reference();
    for (size_t i = 0; i < q4t_vec_count(); i++)
        if (!(vecs[i]->isa & ~features))
            best = vecs[i];
    return best;
}

static const void *w_of(const q4t_kernel *k)
{
    return k->w;
}

static const void *x_of(const q4t_kernel *k)
{
    return k->x;
}

/* The i-th distinct layout (by pointer) of(kernel) names, or NULL with
 * *count the number of them when there are not that many. */
static const void *nth_layout(const void *(*of)(const q4t_kernel *), size_t i, size_t *count)
{
    size_t n = 0;
    for (size_t k = 0; k < q4t_kernel_count(); k++) {
        size_t j = 0;
        while (j < k && of(kernels[j]) != of(kernels[k]))
            j++;
        if (j == k && n++ == i) /* first named by kernel k */
            return of(kernels[k]);
    }
    *count = n;
    return NULL;
}

size_t q4t_w_layout_count(void)
{
    size_t n = 0;
    nth_layout(w_of, SIZE_MAX, &n);
    return n;
}

const q4t_w_layout *q4t_w_layout_at(size_t i)
{
    size_t n;
    return nth_layout(w_of, i, &n);
}

size_t q4t_x_layout_count(void)
{
    size_t n = 0;
    nth_layout(x_of, SIZE_MAX, &n);
    return n;
}

const q4t_x_layout *q4t_x_layout_at(size_t i)
{
    size_t n;
    return nth_layout(x_of, i, &n);
}

size_t q4t_unbuilt_count(void)
{
    return sizeof unbuilt / sizeof unbuilt[0] - 1;
}

const char *q4t_unbuilt_name(size_t i)
{
    return unbuilt[i].name;
}

const char *q4t_unbuilt_reason(size_t i)
{
    return unbuilt[i].reason;
}

const char *q4t_op_name(q4t_op op)
{
    return op == Q4T_OP_GEMV ? "gemv" : "gemm";
}

static void tile_dim(unsigned n, int vl, char *buf, size_t len)
{
    if (!vl)
        snprintf(buf, len, "%u", n);
    else if (n == 1)
        snprintf(buf, len, "vl");
    else
        snprintf(buf, len, "%uvl", n);
}

void q4t_kernel_tile(const q4t_kernel *k, char *buf, size_t len)
{
    char mr[8], nr[8];
    tile_dim(k->mr, k->mr_vl, mr, sizeof mr);
    tile_dim(k->nr, k->nr_vl, nr, sizeof nr);
    snprintf(buf, len, "%sx%s", mr, nr);
}

void q4t_kernel_tile_size(const q4t_kernel *k, size_t *mr, size_t *nr)
{
    size_t mu = 1, nu = 1;
    if (k->tile)
        k->tile(&mu, &nu);
    *mr = k->mr * (k->mr_vl ? mu : 1);
    *nr = k->nr * (k->nr_vl ? nu : 1);
}

static int popcount64(uint64_t v)
{
    int n = 0;
    for (; v; v &= v - 1)
        n++;
    return n;
}

/* Does a kernel of the other op, runnable with features, pack W as k does? */
static int has_partner(const q4t_kernel *k, uint64_t features)
{
    for (size_t i = 0; i < q4t_kernel_count(); i++) {
        const q4t_kernel *p = kernels[i];
        if (p->op != k->op && !q4t_kernel_missing(p, features) && q4t_kernel_same_w(p, k))
            return 1;
    }
    return 0;
}

const q4t_kernel *q4t_kernel_preferred(q4t_op op, uint64_t features, const q4t_kernel *like)
{
    const q4t_kernel *best = NULL;
    int best_key[3] = {-1, -1, -1};
    for (size_t i = 0; i < q4t_kernel_count(); i++) {
        const q4t_kernel *k = kernels[i];
        if (k->op != op || q4t_kernel_missing(k, features) || (like && !q4t_kernel_same_w(k, like)))
            continue;
        size_t mr, nr;
        q4t_kernel_tile_size(k, &mr, &nr);
        const int key[3] = {has_partner(k, features), popcount64(k->isa), (int)(mr * nr)};
        int cmp = 0; /* lexicographic: a partner of the other op, then more ISA bits, then a wider tile */
        for (int j = 0; j < 3 && !cmp; j++)
            cmp = (key[j] > best_key[j]) - (key[j] < best_key[j]);
        if (cmp > 0) {
            best = k;
            memcpy(best_key, key, sizeof key);
        }
    }
    return best ? best : q4t_reference(op);
}
