/* The one table of kernels and vector sets (registry.def), as built for this
 * architecture. */
#ifndef Q4T_REGISTRY_H
#define Q4T_REGISTRY_H

#include "kernel.h"
#include "vec.h"

size_t q4t_kernel_count(void);
const q4t_kernel *q4t_kernel_at(size_t i);
const q4t_kernel *q4t_kernel_find(const char *name); /* NULL if unknown */
/* The reference kernel every variant of op is checked against. */
const q4t_kernel *q4t_reference(q4t_op op);
/* The kernel of op to use when nothing was measured: of those runnable with
 * features (and, like non-NULL, packing W as like does), one whose packed W a
 * runnable kernel of the other op shares (decode and prefill can then share
 * one packing), then of the newest ISA (most feature bits), then of the
 * widest tile; the reference if none. */
const q4t_kernel *q4t_kernel_preferred(q4t_op op, uint64_t features, const q4t_kernel *like);
/* Features k needs that the set lacks (0: runnable). */
uint64_t q4t_kernel_missing(const q4t_kernel *k, uint64_t features);

/* The vector sets of the forward pass (vec.h), in registry order. */
size_t q4t_vec_count(void);
const q4t_vec *q4t_vec_at(size_t i);
const q4t_vec *q4t_vec_find(const char *name); /* NULL if unknown */
const q4t_vec *q4t_vec_reference(void);       /* vec_f32_ref */
/* The set to use on a CPU with features: the last runnable one listed. */
const q4t_vec *q4t_vec_preferred(uint64_t features);

/* The packed layouts of the built kernels, each once (by pointer), in the
 * order the kernels first name them. */
size_t q4t_w_layout_count(void);
const q4t_w_layout *q4t_w_layout_at(size_t i); /* NULL past the end */
size_t q4t_x_layout_count(void);
const q4t_x_layout *q4t_x_layout_at(size_t i);

/* Entries of registry.def for this architecture that this build left out
 * because the compiler cannot produce their ISA, with the reason. */
size_t q4t_unbuilt_count(void);
const char *q4t_unbuilt_name(size_t i);
const char *q4t_unbuilt_reason(size_t i);

const char *q4t_op_name(q4t_op op);
/* The tile as named: "1x8", "vlx4vl" ("vl" = one vector unit, "4vl" = four). */
void q4t_kernel_tile(const q4t_kernel *k, char *buf, size_t len);
/* The tile on this CPU, vector units resolved (k must be runnable). */
void q4t_kernel_tile_size(const q4t_kernel *k, size_t *mr, size_t *nr);

#endif
