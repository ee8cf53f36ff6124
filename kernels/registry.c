/* The registry table, generated from registry.def by CMake into q4t_built.def:
 * Q4T_BUILT(name) for each variant compiled into this binary,
 * Q4T_UNBUILT(name, reason) for each one the compiler could not build. */
#include "registry.h"

#include <stdio.h>
#include <string.h>

#define Q4T_BUILT(name) extern const q4t_kernel name;
#define Q4T_UNBUILT(name, reason)
#include "q4t_built.def"
#undef Q4T_BUILT
#undef Q4T_UNBUILT

static const q4t_kernel *const kernels[] = {
#define Q4T_BUILT(name) &name,
#define Q4T_UNBUILT(name, reason)
#include "q4t_built.def"
#undef Q4T_BUILT
#undef Q4T_UNBUILT
};

static const struct {
    const char *name, *reason;
} unbuilt[] = {
#define Q4T_BUILT(name)
#define Q4T_UNBUILT(name, reason) {#name, reason},
#include "q4t_built.def"
#undef Q4T_BUILT
#undef Q4T_UNBUILT
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
