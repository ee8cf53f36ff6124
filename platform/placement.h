/* Placement: a pool of threads on a mask's PUs, bound as asked (pool.h),
 * pinned in the order topology.h gives (fastest cores first, one PU per core
 * before SMT siblings). The mask is a parsed bitmap: whoever holds a mask as
 * text parses it once (q4t_mask_parse) and places from the bitmap. */
#ifndef Q4T_PLACEMENT_H
#define Q4T_PLACEMENT_H

#include <stddef.h>

#include "pool.h"
#include "topology.h"

/* A pool of threads bound per binding to pus. NULL with a message in err if
 * the pool cannot be made (pool.h: q4t_pool_create_bound). */
q4t_pool *q4t_pool_place(const q4t_topology *t, int threads, q4t_binding binding, hwloc_const_bitmap_t pus, char *err,
                         size_t errlen);

#endif
