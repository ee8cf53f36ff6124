/* What the forward pass (forward.c) and the model's build (model.c) share:
 * how attention cuts its work, which sizes the run state's attention buffers. */
#ifndef Q4T_FORWARD_H
#define Q4T_FORWARD_H

#include "model.h"

enum {
    ATTN_ROWS = 16,      /* query rows per prefill task (x one KV head's kv_mul query heads) */
    ATTN_SPLIT_ROWS = 4, /* batches of up to this many rows split the keys instead */
    ATTN_CHUNK = 256,    /* keys per task when split */
};

#endif
