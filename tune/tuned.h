/* Tuned files: what q4tune tune found for each shape on one device
 * (results/<device-id>/tuned.json, written by store.c), read back. Choosing
 * from them is the plan's (plan/plan.h). */
#ifndef Q4T_TUNED_H
#define Q4T_TUNED_H

#include <stddef.h>

#include "config.h"

#define Q4T_TUNED_SCHEMA_VERSION 1

/* One tuned shape, as read. */
typedef struct {
    q4t_op op;
    size_t M, N, K;
    int ncand;
    q4t_config *cand; /* winner first, then the ranked runners-up; only kernels this build has */
    double *median;   /* of each, seconds */
    char winner[64];  /* the winner's kernel name as stored (cand[0] is it only if this build has it) */
    int complete;     /* 0: the search ran out of time; never to be used */
} q4t_tuned_shape;

typedef struct {
    int nshapes;
    q4t_tuned_shape *shapes;
} q4t_tuned;

/* A tuned file as JSON: read, parsed, and checked to be a q4tune tuned file of
 * this schema version with a "shapes" array. NULL (message in err, which names
 * the file) otherwise. Free with cJSON_Delete. */
struct cJSON *q4t_tuned_read(const char *path, char *err, size_t errlen);

/* Loads a tuned file. Refuses (NULL, message in err) a missing or malformed
 * file, another schema version, or another device (unless any_device). */
q4t_tuned *q4t_tuned_load(const char *path, const char *device_id, int any_device, char *err, size_t errlen);
void q4t_tuned_free(q4t_tuned *t);

#endif
