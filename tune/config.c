/* Configurations: see config.h. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "json.h"
#include "placement.h"
#include "registry.h"

q4t_pool *q4t_config_pool(const q4t_topology *topo, const q4t_config *c, char *err, size_t errlen)
{
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    q4t_pool *p = NULL;
    if (!set)
        snprintf(err, errlen, "out of memory");
    else if (q4t_mask_parse(topo, c->mask, set, err, errlen) == 0)
        p = q4t_pool_place(topo, c->threads, c->binding, set, err, errlen);
    hwloc_bitmap_free(set);
    return p;
}

void q4t_config_describe(const q4t_config *c, char *buf, size_t len)
{
    snprintf(buf, len, "%s t%d mask=%s bind=%s %s tiles %zux%zu", c->kernel->name, c->threads, c->mask,
             q4t_binding_name(c->binding), q4t_schedule_name(c->split.schedule), c->split.task_rows,
             c->split.task_cols);
}

cJSON *q4t_config_json(const q4t_config *c)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "kernel", c->kernel->name);
    cJSON_AddNumberToObject(o, "threads", c->threads);
    cJSON_AddStringToObject(o, "mask", c->mask);
    cJSON_AddStringToObject(o, "binding", q4t_binding_name(c->binding));
    cJSON_AddStringToObject(o, "schedule", q4t_schedule_name(c->split.schedule));
    cJSON_AddNumberToObject(o, "task_rows", (double)c->split.task_rows);
    cJSON_AddNumberToObject(o, "task_cols", (double)c->split.task_cols);
    return o;
}

int q4t_config_from_json(const cJSON *o, q4t_config *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    const char *kernel = q4t_json_str(o, "kernel"), *mask = q4t_json_str(o, "mask"),
               *bind = q4t_json_str(o, "binding"), *sched = q4t_json_str(o, "schedule");
    size_t threads;
    if (!kernel || !mask || !bind || !sched || q4t_json_size(o, "threads", &threads) || threads < 1 ||
        threads > 1024 || q4t_json_size(o, "task_rows", &c->split.task_rows) ||
        q4t_json_size(o, "task_cols", &c->split.task_cols)) {
        snprintf(err, errlen, "a configuration lacks kernel, threads (1 to 1024), mask, binding, schedule or task tiles");
        return -1;
    }
    const int b = q4t_binding_parse(bind), s = q4t_schedule_parse(sched);
    if (b < 0 || s < 0 || strlen(mask) >= sizeof c->mask) {
        snprintf(err, errlen, "a configuration has an unknown binding '%s', schedule '%s' or too long a mask", bind,
                 sched);
        return -1;
    }
    c->threads = (int)threads;
    c->binding = (q4t_binding)b;
    c->split.schedule = (q4t_schedule)s;
    snprintf(c->mask, sizeof c->mask, "%s", mask);
    c->kernel = q4t_kernel_find(kernel);
    return 0;
}
