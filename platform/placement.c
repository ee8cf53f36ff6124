/* Placement: see placement.h. */
#include "placement.h"

#include <stdio.h>
#include <stdlib.h>

q4t_pool *q4t_pool_place(const q4t_topology *t, int threads, q4t_binding binding, hwloc_const_bitmap_t pus, char *err,
                         size_t errlen)
{
    const int n = q4t_mask_bind_order(t, pus, NULL, 0);
    int *order = malloc(sizeof *order * (size_t)(n > 0 ? n : 1));
    if (!order) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    q4t_mask_bind_order(t, pus, order, n);
    q4t_pool *p = q4t_pool_create_bound(threads, binding, pus, order, err, errlen);
    free(order);
    return p;
}
