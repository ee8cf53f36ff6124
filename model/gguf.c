/* GGUF reader and the Llama model in it: see gguf.h. */
#define _DEFAULT_SOURCE
#include "gguf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "formats.h"

enum { /* value types */
    GGUF_U8, GGUF_I8, GGUF_U16, GGUF_I16, GGUF_U32, GGUF_I32, GGUF_F32, GGUF_BOOL,
    GGUF_STRING, GGUF_ARRAY, GGUF_U64, GGUF_I64, GGUF_F64, GGUF_NTYPES
};

static const char *const value_type_names[GGUF_NTYPES] = {"u8",  "i8",     "u16",   "i16", "u32", "i32", "f32",
                                                           "bool", "string", "array", "u64", "i64", "f64"};
static const uint8_t value_size[GGUF_NTYPES] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};

typedef struct {
    char *key;
    uint32_t type;
    const uint8_t *value; /* into the mapping; arrays: at the element type */
} kv;

struct q4t_gguf {
    char *path;
    int fd;
    const uint8_t *map;
    size_t size;
    uint32_t version;
    size_t nkv, ntensors;
    kv *kvs;
    q4t_gguf_tensor *tensors;
    size_t data_start, alignment;
};

/* ---- bounded reading ---- */

typedef struct {
    const uint8_t *p, *end, *base;
    const char *what; /* the field being read, for errors */
    char *err;
    size_t errlen;
} cursor;

static int fail(cursor *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, c->errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static int truncated(cursor *c)
{
    return fail(c, "truncated: %s runs past the end of the file (%zu bytes)", c->what, (size_t)(c->end - c->base));
}

static int rd(cursor *c, void *out, size_t n)
{
    if ((size_t)(c->end - c->p) < n)
        return truncated(c);
    memcpy(out, c->p, n);
    c->p += n;
    return 0;
}

static int rd_u32(cursor *c, uint32_t *v) { return rd(c, v, sizeof *v); }
static int rd_u64(cursor *c, uint64_t *v) { return rd(c, v, sizeof *v); }

/* A string: u64 length, then the bytes (a view into the file). */
static int rd_str(cursor *c, const char **s, uint64_t *len, uint64_t max)
{
    if (rd_u64(c, len))
        return -1;
    if (*len > (uint64_t)(c->end - c->p))
        return truncated(c);
    if (*len > max)
        return fail(c, "corrupt: %s is a string of %llu bytes", c->what, (unsigned long long)*len);
    *s = (const char *)c->p;
    c->p += *len;
    return 0;
}

static char *dup_str(const char *s, uint64_t len)
{
    char *d = malloc((size_t)len + 1);
    if (d) {
        memcpy(d, s, (size_t)len);
        d[len] = '\0';
    }
    return d;
}

/* Steps over one value of type t (arrays nest at most a few deep). */
static int skip_value(cursor *c, uint32_t t, int depth)
{
    if (t >= GGUF_NTYPES)
        return fail(c, "corrupt: %s has unknown value type %u", c->what, t);
    if (t == GGUF_STRING) {
        const char *s;
        uint64_t len;
        return rd_str(c, &s, &len, UINT64_MAX);
    }
    if (t != GGUF_ARRAY) {
        if ((size_t)(c->end - c->p) < value_size[t])
            return truncated(c);
        c->p += value_size[t];
        return 0;
    }
    uint32_t et = 0;
    uint64_t n = 0;
    if (rd_u32(c, &et) || rd_u64(c, &n))
        return -1;
    if (et >= GGUF_NTYPES)
        return fail(c, "corrupt: %s is an array of unknown value type %u", c->what, et);
    if (et == GGUF_ARRAY && depth >= 3)
        return fail(c, "corrupt: %s nests arrays too deep", c->what);
    const size_t left = (size_t)(c->end - c->p);
    if (et != GGUF_STRING && et != GGUF_ARRAY) {
        if (n > left / value_size[et])
            return truncated(c);
        c->p += n * value_size[et];
        return 0;
    }
    if (n > left / 8) /* every string or array takes at least 8 bytes */
        return truncated(c);
    for (uint64_t i = 0; i < n; i++)
        if (skip_value(c, et, depth + 1))
            return -1;
    return 0;
}

const char *q4t_gguf_type_name(uint32_t t)
{
    static const char *const names[] = {
        "F32",    "F16",   "Q4_0",   "Q4_1",  "type 4", "type 5", "Q5_0",  "Q5_1",   "Q8_0",    "Q8_1",
        "Q2_K",   "Q3_K",  "Q4_K",   "Q5_K",  "Q6_K",   "Q8_K",   "IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S",
        "IQ4_NL", "IQ3_S", "IQ2_S",  "IQ4_XS", "I8",    "I16",    "I32",   "I64",    "F64",     "IQ1_M",
        "BF16",
    };
    static _Thread_local char buf[24];
    if (t < sizeof names / sizeof names[0])
        return names[t];
    snprintf(buf, sizeof buf, "type %u", t);
    return buf;
}

static int is_block_type(uint32_t type)
{
    return type == Q4T_DT_Q4_0 || type == Q4T_DT_Q8_0;
}

/* Bytes of a tensor of a type this reader sizes (block types: ne0 a
 * multiple of 32, which parse checks); 0 otherwise. */
static uint64_t tensor_bytes(uint32_t type, uint64_t nelem)
{
    switch (type) {
    case Q4T_DT_F32: return nelem * 4;
    case Q4T_DT_F16:
    case Q4T_DT_BF16: return nelem * 2;
    case Q4T_DT_Q8_0: return nelem / Q4T_QK * sizeof(q4t_block_q8_0);
    case Q4T_DT_Q4_0: return nelem / Q4T_QK * sizeof(q4t_block_q4_0);
    default: return 0;
    }
}

static int parse(q4t_gguf *g, char *err, size_t errlen)
{
    cursor c = {g->map, g->map + g->size, g->map, "the header", err, errlen};
    uint32_t magic;
    uint64_t ntensors = 0, nkv = 0;
    if (g->size < 4 || (memcpy(&magic, g->map, 4), magic != 0x46554747u)) /* "GGUF" */
        return fail(&c, "not a GGUF file (it does not start with \"GGUF\")");
    c.p += 4;
    if (rd_u32(&c, &g->version))
        return -1;
    if (g->version < 2 || g->version > 3)
        return fail(&c, "GGUF version %u: this reader takes versions 2 and 3", g->version);
    c.what = "the tensor count";
    if (rd_u64(&c, &ntensors))
        return -1;
    c.what = "the key/value count";
    if (rd_u64(&c, &nkv))
        return -1;
    /* each key/value takes at least 13 bytes, each tensor's entry 28 */
    if (nkv > (uint64_t)(c.end - c.p) / 13)
        return fail(&c, "truncated or corrupt: %llu keys in a %zu-byte file", (unsigned long long)nkv, g->size);
    if (ntensors > (uint64_t)(c.end - c.p) / 28)
        return fail(&c, "truncated or corrupt: %llu tensors in a %zu-byte file", (unsigned long long)ntensors, g->size);
    g->kvs = calloc((size_t)nkv + 1, sizeof *g->kvs);
    g->tensors = calloc((size_t)ntensors + 1, sizeof *g->tensors);
    if (!g->kvs || !g->tensors)
        return fail(&c, "out of memory");
    char what[160];
    c.what = what;
    g->alignment = 32;
    for (uint64_t i = 0; i < nkv; i++) {
        const char *key;
        uint64_t len;
        snprintf(what, sizeof what, "key #%llu", (unsigned long long)i);
        if (rd_str(&c, &key, &len, 65535))
            return -1;
        kv *e = &g->kvs[g->nkv];
        if (!(e->key = dup_str(key, len)))
            return fail(&c, "out of memory");
        g->nkv++;
        snprintf(what, sizeof what, "the value of key '%s'", e->key);
        if (rd_u32(&c, &e->type))
            return -1;
        e->value = c.p;
        if (skip_value(&c, e->type, 0))
            return -1;
        if (!strcmp(e->key, "general.alignment")) {
            uint32_t a;
            if (e->type != GGUF_U32 || (memcpy(&a, e->value, 4), a == 0 || (a & (a - 1)) || a > 65536))
                return fail(&c, "corrupt: general.alignment must be a u32 power of two up to 65536");
            g->alignment = a;
        }
    }
    for (uint64_t i = 0; i < ntensors; i++) {
        const char *name;
        uint64_t len;
        snprintf(what, sizeof what, "tensor #%llu's name", (unsigned long long)i);
        if (rd_str(&c, &name, &len, 1024))
            return -1;
        q4t_gguf_tensor *t = &g->tensors[g->ntensors];
        if (!(t->name = dup_str(name, len)))
            return fail(&c, "out of memory");
        g->ntensors++;
        snprintf(what, sizeof what, "tensor '%s'", t->name);
        uint32_t n_dims = 0;
        if (rd_u32(&c, &n_dims))
            return -1;
        if (n_dims < 1 || n_dims > 4)
            return fail(&c, "corrupt: tensor '%s' has %u dimensions (1 to 4)", t->name, n_dims);
        t->n_dims = (int)n_dims;
        uint64_t nelem = 1;
        for (int d = 0; d < 4; d++) {
            t->ne[d] = 1;
            if (d < t->n_dims && rd_u64(&c, &t->ne[d]))
                return -1;
            if (t->ne[d] == 0 || t->ne[d] > ((uint64_t)1 << 40) || nelem > ((uint64_t)1 << 48) / t->ne[d])
                return fail(&c, "corrupt: tensor '%s' has dimension %d of %llu", t->name, d,
                            (unsigned long long)t->ne[d]);
            nelem *= t->ne[d];
        }
        if (rd_u32(&c, &t->type) || rd_u64(&c, &t->offset))
            return -1;
        if (t->offset % g->alignment)
            return fail(&c, "corrupt: tensor '%s' starts at offset %llu, not a multiple of the alignment %zu",
                        t->name, (unsigned long long)t->offset, g->alignment);
        if (is_block_type(t->type) && t->ne[0] % Q4T_QK)
            return fail(&c, "corrupt: %s tensor '%s' has rows of %llu elements, not a multiple of 32",
                        q4t_gguf_type_name(t->type), t->name, (unsigned long long)t->ne[0]);
        t->bytes = tensor_bytes(t->type, nelem);
        for (size_t j = 0; j + 1 < g->ntensors; j++)
            if (!strcmp(g->tensors[j].name, t->name))
                return fail(&c, "corrupt: tensor '%s' appears twice", t->name);
    }
    const size_t header_end = (size_t)(c.p - g->map);
    g->data_start = (header_end + g->alignment - 1) / g->alignment * g->alignment;
    for (size_t i = 0; i < g->ntensors; i++) {
        q4t_gguf_tensor *t = &g->tensors[i];
        const uint64_t avail = g->size > g->data_start ? g->size - g->data_start : 0;
        if (t->offset > avail || t->bytes > avail - t->offset)
            return fail(&c, "truncated: tensor '%s' (%llu bytes at data offset %llu) runs past the end of the file "
                            "(%zu bytes, data from byte %zu)",
                        t->name, (unsigned long long)t->bytes, (unsigned long long)t->offset, g->size, g->data_start);
        t->data = g->map + g->data_start + t->offset;
    }
    return 0;
}

q4t_gguf *q4t_gguf_open(const char *path, char *err, size_t errlen)
{
    q4t_gguf *g = calloc(1, sizeof *g);
    char why[512];
    if (!g || !(g->path = dup_str(path, strlen(path)))) {
        free(g);
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    g->fd = open(path, O_RDONLY);
    struct stat st;
    if (g->fd < 0 || fstat(g->fd, &st)) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        q4t_gguf_close(g);
        return NULL;
    }
    if (!S_ISREG(st.st_mode) || st.st_size < 4) {
        snprintf(err, errlen, "%s: not a GGUF file (%s)", path, S_ISREG(st.st_mode) ? "shorter than its magic" : "not a regular file");
        q4t_gguf_close(g);
        return NULL;
    }
    g->size = (size_t)st.st_size;
    void *map = mmap(NULL, g->size, PROT_READ, MAP_PRIVATE, g->fd, 0);
    if (map == MAP_FAILED) {
        snprintf(err, errlen, "%s: cannot map it: %s", path, strerror(errno));
        q4t_gguf_close(g);
        return NULL;
    }
    g->map = map;
    if (parse(g, why, sizeof why)) {
        snprintf(err, errlen, "%s: %s", path, why);
        q4t_gguf_close(g);
        return NULL;
    }
    return g;
}

void q4t_gguf_close(q4t_gguf *g)
{
    if (!g)
        return;
    if (g->map)
        munmap((void *)g->map, g->size);
    if (g->fd >= 0)
        close(g->fd);
    for (size_t i = 0; i < g->nkv; i++)
        free(g->kvs[i].key);
    for (size_t i = 0; i < g->ntensors; i++)
        free(g->tensors[i].name);
    free(g->kvs);
    free(g->tensors);
    free(g->path);
    free(g);
}

const char *q4t_gguf_path(const q4t_gguf *g) { return g->path; }
uint32_t q4t_gguf_version(const q4t_gguf *g) { return g->version; }
size_t q4t_gguf_tensor_count(const q4t_gguf *g) { return g->ntensors; }
const q4t_gguf_tensor *q4t_gguf_tensor_at(const q4t_gguf *g, size_t i) { return i < g->ntensors ? &g->tensors[i] : NULL; }

const q4t_gguf_tensor *q4t_gguf_find(const q4t_gguf *g, const char *name)
{
    for (size_t i = 0; i < g->ntensors; i++)
        if (!strcmp(g->tensors[i].name, name))
            return &g->tensors[i];
    return NULL;
}

static const kv *find_kv(const q4t_gguf *g, const char *key)
{
    for (size_t i = 0; i < g->nkv; i++)
        if (!strcmp(g->kvs[i].key, key))
            return &g->kvs[i];
    return NULL;
}

static int wrong_type(const kv *e, const char *want, char *err, size_t errlen)
{
    snprintf(err, errlen, "key '%s' is a %s, expected %s", e->key, value_type_names[e->type], want);
    return -1;
}

int q4t_gguf_has(const q4t_gguf *g, const char *key)
{
    return find_kv(g, key) != NULL;
}

int q4t_gguf_get_str(const q4t_gguf *g, const char *key, const char **out, char *err, size_t errlen)
{
    static _Thread_local char buf[1024];
    const kv *e = find_kv(g, key);
    if (!e)
        return 0; /* absent: *out untouched */
    if (e->type != GGUF_STRING)
        return wrong_type(e, "a string", err, errlen);
    uint64_t len;
    memcpy(&len, e->value, 8);
    const size_t n = len < sizeof buf - 1 ? (size_t)len : sizeof buf - 1;
    memcpy(buf, e->value + 8, n);
    buf[n] = '\0';
    *out = buf;
    return 0;
}

int q4t_gguf_get_int(const q4t_gguf *g, const char *key, int64_t *out, char *err, size_t errlen)
{
    const kv *e = find_kv(g, key);
    if (!e)
        return 0;
    union {
        uint8_t u8; int8_t i8; uint16_t u16; int16_t i16; uint32_t u32; int32_t i32; uint64_t u64; int64_t i64;
    } v;
    memcpy(&v, e->value, e->type < GGUF_NTYPES && value_size[e->type] ? value_size[e->type] : 1);
    switch (e->type) {
    case GGUF_U8: *out = v.u8; break;
    case GGUF_I8: *out = v.i8; break;
    case GGUF_U16: *out = v.u16; break;
    case GGUF_I16: *out = v.i16; break;
    case GGUF_U32: *out = v.u32; break;
    case GGUF_I32: *out = v.i32; break;
    case GGUF_U64: *out = v.u64 > INT64_MAX ? INT64_MAX : (int64_t)v.u64; break;
    case GGUF_I64: *out = v.i64; break;
    default: return wrong_type(e, "an integer", err, errlen);
    }
    return 0;
}

int q4t_gguf_get_bool(const q4t_gguf *g, const char *key, int *out, char *err, size_t errlen)
{
    const kv *e = find_kv(g, key);
    if (!e)
        return 0;
    if (e->type != GGUF_BOOL)
        return wrong_type(e, "a bool", err, errlen);
    *out = e->value[0] != 0;
    return 0;
}

int q4t_gguf_get_float(const q4t_gguf *g, const char *key, double *out, char *err, size_t errlen)
{
    const kv *e = find_kv(g, key);
    if (!e)
        return 0;
    if (e->type == GGUF_F32) {
        float f;
        memcpy(&f, e->value, 4);
        *out = f;
    } else if (e->type == GGUF_F64) {
        memcpy(out, e->value, 8);
    } else {
        return wrong_type(e, "a float", err, errlen);
    }
    return 0;
}

/* An array kv's element type and count, the elements after them; -1 if e is no array. */
static int array_of(const kv *e, uint32_t *et, uint64_t *n, const uint8_t **elems, char *err, size_t errlen)
{
    if (e->type != GGUF_ARRAY)
        return wrong_type(e, "an array", err, errlen);
    memcpy(et, e->value, 4);
    memcpy(n, e->value + 4, 8);
    *elems = e->value + 12;
    return 0;
}

static int wrong_elements(const kv *e, uint32_t et, const char *want, char *err, size_t errlen)
{
    snprintf(err, errlen, "key '%s' is an array of %s, expected an array of %s", e->key,
             et < GGUF_NTYPES ? value_type_names[et] : "unknown type", want);
    return -1;
}

/* The file's parse stepped over every array: its counts and lengths are within the mapping. */
int q4t_gguf_get_str_array(const q4t_gguf *g, const char *key, q4t_gguf_str **out, size_t *n, char *err,
                           size_t errlen)
{
    const kv *e = find_kv(g, key);
    uint32_t et;
    uint64_t count;
    const uint8_t *p;
    if (!e)
        return 0;
    if (array_of(e, &et, &count, &p, err, errlen))
        return -1;
    if (et != GGUF_STRING)
        return wrong_elements(e, et, "strings", err, errlen);
    q4t_gguf_str *v = malloc((count ? (size_t)count : 1) * sizeof *v);
    if (!v) {
        snprintf(err, errlen, "key '%s': out of memory for %llu strings", key, (unsigned long long)count);
        return -1;
    }
    for (uint64_t i = 0; i < count; i++) {
        uint64_t len;
        memcpy(&len, p, 8);
        v[i].s = (const char *)p + 8;
        v[i].len = (size_t)len;
        p += 8 + len;
    }
    *out = v;
    *n = (size_t)count;
    return 0;
}

int q4t_gguf_get_float_array(const q4t_gguf *g, const char *key, float **out, size_t *n, char *err, size_t errlen)
{
    const kv *e = find_kv(g, key);
    uint32_t et;
    uint64_t count;
    const uint8_t *p;
    if (!e)
        return 0;
    if (array_of(e, &et, &count, &p, err, errlen))
        return -1;
    if (et != GGUF_F32 && et != GGUF_F64)
        return wrong_elements(e, et, "floats", err, errlen);
    float *v = malloc((count ? (size_t)count : 1) * sizeof *v);
    if (!v) {
        snprintf(err, errlen, "key '%s': out of memory for %llu floats", key, (unsigned long long)count);
        return -1;
    }
    for (uint64_t i = 0; i < count; i++) {
        if (et == GGUF_F32) {
            memcpy(&v[i], p + 4 * i, 4);
        } else {
            double d;
            memcpy(&d, p + 8 * i, 8);
            v[i] = (float)d;
        }
    }
    *out = v;
    *n = (size_t)count;
    return 0;
}

int q4t_gguf_get_int_array(const q4t_gguf *g, const char *key, int32_t **out, size_t *n, char *err, size_t errlen)
{
    const kv *e = find_kv(g, key);
    uint32_t et;
    uint64_t count;
    const uint8_t *p;
    if (!e)
        return 0;
    if (array_of(e, &et, &count, &p, err, errlen))
        return -1;
    if (et >= GGUF_NTYPES || et == GGUF_F32 || et == GGUF_F64 || et == GGUF_BOOL || et == GGUF_STRING ||
        et == GGUF_ARRAY)
        return wrong_elements(e, et, "integers", err, errlen);
    int32_t *v = malloc((count ? (size_t)count : 1) * sizeof *v);
    if (!v) {
        snprintf(err, errlen, "key '%s': out of memory for %llu integers", key, (unsigned long long)count);
        return -1;
    }
    for (uint64_t i = 0; i < count; i++) {
        const uint8_t *q = p + i * value_size[et];
        int64_t x = 0;
        switch (et) {
        case GGUF_U8: x = q[0]; break;
        case GGUF_I8: x = (int8_t)q[0]; break;
        case GGUF_U16: { uint16_t t; memcpy(&t, q, 2); x = t; } break;
        case GGUF_I16: { int16_t t; memcpy(&t, q, 2); x = t; } break;
        case GGUF_U32: { uint32_t t; memcpy(&t, q, 4); x = t; } break;
        case GGUF_I32: { int32_t t; memcpy(&t, q, 4); x = t; } break;
        case GGUF_U64: { uint64_t t; memcpy(&t, q, 8); x = t > INT64_MAX ? INT64_MAX : (int64_t)t; } break;
        default: memcpy(&x, q, 8); break; /* GGUF_I64 */
        }
        if (x < INT32_MIN || x > INT32_MAX) {
            snprintf(err, errlen, "key '%s': element %llu (%lld) does not fit an int32", key, (unsigned long long)i,
                     (long long)x);
            free(v);
            return -1;
        }
        v[i] = (int32_t)x;
    }
    *out = v;
    *n = (size_t)count;
    return 0;
}

void q4t_gguf_release(const q4t_gguf *g, const void *p, size_t n)
{
    const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t a = (uintptr_t)p / page * page, b = ((uintptr_t)p + n + page - 1) / page * page;
    const uintptr_t lo = (uintptr_t)g->map, hi = ((uintptr_t)g->map + g->size + page - 1) / page * page;
    a = a < lo ? lo : a;
    b = b > hi ? hi : b;
    if (b > a)
        madvise((void *)a, b - a, MADV_DONTNEED);
}

/* ---- the Llama model in a GGUF ---- */

typedef struct {
    q4t_gguf *g;
    char name[128];
} llama_src;

static const q4t_gguf_tensor *llama_tensor(const q4t_gguf *g, q4t_tensor t, int layer)
{
    char name[96];
    q4t_tensor_name(t, layer, name, sizeof name);
    return q4t_gguf_find(g, name);
}

static int llama_get(void *ctx, q4t_tensor t, int layer, q4t_tensor_data *out, char *err, size_t errlen)
{
    const llama_src *s = ctx;
    const q4t_gguf_tensor *gt = llama_tensor(s->g, t, layer);
    if (!gt) { /* q4t_gguf_llama checked the required ones */
        if (t == Q4T_T_OUTPUT || t == Q4T_T_ROPE_FREQS) {
            out->data = NULL;
            return 0;
        }
        char name[96];
        q4t_tensor_name(t, layer, name, sizeof name);
        snprintf(err, errlen, "%s: tensor '%s' missing", s->g->path, name);
        return -1;
    }
    out->type = (q4t_dtype)gt->type;
    out->data = gt->data;
    out->cols = (size_t)gt->ne[0];
    out->rows = (size_t)gt->ne[1];
    return 0;
}

static void llama_release(void *ctx, const q4t_tensor_data *d)
{
    const llama_src *s = ctx;
    q4t_gguf_release(s->g, d->data, q4t_dtype_bytes(d->type, d->rows, d->cols));
}

static void llama_close(void *ctx)
{
    llama_src *s = ctx;
    q4t_gguf_close(s->g);
    free(s);
}

/* A required integer key into *out (must fit an int). */
static int key_int(const q4t_gguf *g, const char *key, int required, int *out, char *err, size_t errlen)
{
    if (!q4t_gguf_has(g, key)) {
        if (required)
            snprintf(err, errlen, "key '%s' missing", key);
        return required ? -1 : 0;
    }
    int64_t v;
    if (q4t_gguf_get_int(g, key, &v, err, errlen))
        return -1;
    if (v < 0 || v > (1 << 30)) {
        snprintf(err, errlen, "key '%s' is %lld", key, (long long)v);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int key_float(const q4t_gguf *g, const char *key, float *out, char *err, size_t errlen)
{
    double v = *out;
    if (q4t_gguf_get_float(g, key, &v, err, errlen))
        return -1;
    *out = (float)v;
    return 0;
}

/* The types the model takes: weight matrices and the token embedding in any
 * of these (matrices run as Q4_0, the others quantized to it at load; the
 * embedding's rows are read as they are); norms and rope_freqs in floats. */
static int weights_type(uint32_t ty)
{
    return ty == Q4T_DT_Q4_0 || ty == Q4T_DT_Q8_0 || ty == Q4T_DT_F32 || ty == Q4T_DT_F16 || ty == Q4T_DT_BF16;
}

static int vector_type(uint32_t ty)
{
    return ty == Q4T_DT_F32 || ty == Q4T_DT_F16 || ty == Q4T_DT_BF16;
}

/* Checks tensor t of layer: present (unless optional), of an accepted type, of its shape. */
static int check_tensor(const q4t_gguf *g, const q4t_model_config *c, q4t_tensor t, int layer, char *err,
                        size_t errlen)
{
    char name[96];
    q4t_tensor_name(t, layer, name, sizeof name);
    const q4t_gguf_tensor *gt = q4t_gguf_find(g, name);
    if (!gt) {
        if (t == Q4T_T_OUTPUT || t == Q4T_T_ROPE_FREQS)
            return 0;
        snprintf(err, errlen, "tensor '%s' missing", name);
        return -1;
    }
    const int matrix = q4t_tensor_is_matrix(t), weights = matrix || t == Q4T_T_TOKEN_EMBD;
    const uint32_t ty = gt->type;
    if (weights ? !weights_type(ty) : !vector_type(ty)) {
        snprintf(err, errlen, "tensor '%s' is %s: q4tune takes %s", name, q4t_gguf_type_name(ty),
                 matrix ? "Q4_0, Q8_0, F32, F16 or BF16 matrices (all but Q4_0 quantized to Q4_0 at load)"
                 : weights ? "Q4_0, Q8_0, F32, F16 or BF16 token embeddings"
                           : "F32, F16 or BF16 vectors");
        return -1;
    }
    size_t rows, cols;
    q4t_tensor_shape(c, t, &rows, &cols);
    const int want_dims = rows == 1 && !matrix && t != Q4T_T_TOKEN_EMBD ? 1 : 2;
    if (gt->n_dims != want_dims || gt->ne[0] != cols || (want_dims == 2 && gt->ne[1] != rows)) {
        char shape[64];
        int n = snprintf(shape, sizeof shape, "%llu", (unsigned long long)gt->ne[0]);
        for (int d = 1; d < gt->n_dims && n > 0 && (size_t)n < sizeof shape; d++)
            n += snprintf(shape + n, sizeof shape - (size_t)n, " x %llu", (unsigned long long)gt->ne[d]);
        if (want_dims == 1)
            snprintf(err, errlen, "tensor '%s' is %s, expected %zu (ne0)", name, shape, cols);
        else
            snprintf(err, errlen, "tensor '%s' is %s, expected %zu x %zu (ne0 x ne1)", name, shape, cols, rows);
        return -1;
    }
    return 0;
}

static int llama_config(q4t_gguf *g, q4t_model_config *c, char *err, size_t errlen)
{
    const char *arch = NULL;
    if (q4t_gguf_get_str(g, "general.architecture", &arch, err, errlen))
        return -1;
    if (!arch) {
        snprintf(err, errlen, "key 'general.architecture' missing");
        return -1;
    }
    if (strcmp(arch, "llama")) {
        snprintf(err, errlen, "general.architecture is '%s': q4tune runs the 'llama' architecture", arch);
        return -1;
    }
    memset(c, 0, sizeof *c);
    c->rope_theta = 10000.0f;
    c->norm_eps = 1e-5f;
    c->max_seq_len = 4096;
    c->n_kv_heads = -1;
    int rope_dims = -1, key_len = -1, value_len = -1, vocab = -1;
    if (key_int(g, "llama.embedding_length", 1, &c->dim, err, errlen) ||
        key_int(g, "llama.feed_forward_length", 1, &c->hidden_dim, err, errlen) ||
        key_int(g, "llama.block_count", 1, &c->n_layers, err, errlen) ||
        key_int(g, "llama.attention.head_count", 1, &c->n_heads, err, errlen) ||
        key_int(g, "llama.attention.head_count_kv", 0, &c->n_kv_heads, err, errlen) ||
        key_int(g, "llama.context_length", 0, &c->max_seq_len, err, errlen) ||
        key_int(g, "llama.rope.dimension_count", 0, &rope_dims, err, errlen) ||
        key_int(g, "llama.attention.key_length", 0, &key_len, err, errlen) ||
        key_int(g, "llama.attention.value_length", 0, &value_len, err, errlen) ||
        key_int(g, "llama.vocab_size", 0, &vocab, err, errlen) ||
        key_float(g, "llama.rope.freq_base", &c->rope_theta, err, errlen) ||
        key_float(g, "llama.attention.layer_norm_rms_epsilon", &c->norm_eps, err, errlen))
        return -1;
    if (c->n_kv_heads < 0)
        c->n_kv_heads = c->n_heads;
    const char *scaling = NULL;
    if (q4t_gguf_get_str(g, "llama.rope.scaling.type", &scaling, err, errlen))
        return -1;
    if (scaling && strcmp(scaling, "none")) {
        snprintf(err, errlen, "llama.rope.scaling.type is '%s': q4tune does Llama 3 scaling (rope_freqs.weight) only",
                 scaling);
        return -1;
    }
    const q4t_gguf_tensor *embd = q4t_gguf_find(g, "token_embd.weight");
    if (!embd) {
        snprintf(err, errlen, "tensor 'token_embd.weight' missing");
        return -1;
    }
    c->vocab_size = embd->n_dims == 2 && embd->ne[1] < (1u << 30) ? (int)embd->ne[1] : -1;
    if (vocab >= 0 && vocab != c->vocab_size) {
        snprintf(err, errlen, "llama.vocab_size is %d but token_embd.weight has %d rows", vocab, c->vocab_size);
        return -1;
    }
    if (q4t_model_config_check(c, err, errlen))
        return -1;
    const int head_dim = c->dim / c->n_heads;
    const struct {
        const char *key;
        int v;
    } dims[] = {{"llama.rope.dimension_count", rope_dims},
                {"llama.attention.key_length", key_len},
                {"llama.attention.value_length", value_len}};
    for (size_t i = 0; i < 3; i++)
        if (dims[i].v >= 0 && dims[i].v != head_dim) {
            snprintf(err, errlen, "%s is %d: q4tune takes heads of embedding_length / head_count = %d", dims[i].key,
                     dims[i].v, head_dim);
            return -1;
        }
    c->tied_embeddings = q4t_gguf_find(g, "output.weight") == NULL;
    for (int t = 0; t < Q4T_T_COUNT; t++)
        for (int l = 0; l < (q4t_tensor_per_layer((q4t_tensor)t) ? c->n_layers : 1); l++)
            if (check_tensor(g, c, (q4t_tensor)t, l, err, errlen))
                return -1;
    return 0;
}

/* The source's note (q4t_weight_source.note): the matrices not in Q4_0, by
 * type, as the model reads them (a tied output projection is the embedding). */
static void conversion_note(const q4t_gguf *g, const q4t_model_config *c, char *note, size_t len)
{
    size_t count[Q4T_DT_BF16 + 1] = {0}; /* by ggml type; check_tensor let through no other */
    for (q4t_tensor t = 0; t < Q4T_T_COUNT; t++) {
        if (!q4t_tensor_is_matrix(t))
            continue;
        for (int l = 0; l < (q4t_tensor_per_layer(t) ? c->n_layers : 1); l++) {
            const q4t_gguf_tensor *gt = llama_tensor(g, t, l);
            count[(gt ? gt : llama_tensor(g, Q4T_T_TOKEN_EMBD, 0))->type]++;
        }
    }
    static const q4t_dtype converted[] = {Q4T_DT_F16, Q4T_DT_BF16, Q4T_DT_F32, Q4T_DT_Q8_0};
    size_t n = 0;
    note[0] = '\0';
    for (size_t i = 0; i < sizeof converted / sizeof converted[0] && n < len; i++) {
        const q4t_dtype ty = converted[i];
        if (count[ty])
            n += (size_t)snprintf(note + n, len - n, "%s%zu %s matri%s %s", n ? "; " : "", count[ty],
                                  q4t_gguf_type_name(ty), count[ty] == 1 ? "x" : "ces",
                                  ty == Q4T_DT_Q8_0 ? "re-quantized to Q4_0 (8-bit to 4-bit: not the file's own numerics)"
                                                    : "quantized to Q4_0 at load");
    }
}

int q4t_gguf_llama(const char *path, q4t_model_config *c, q4t_weight_source *src, char *err, size_t errlen)
{
    memset(src, 0, sizeof *src);
    q4t_gguf *g = q4t_gguf_open(path, err, errlen);
    if (!g)
        return -1;
    llama_src *s = calloc(1, sizeof *s);
    char why[512];
    if (!s || llama_config(g, c, why, sizeof why)) {
        snprintf(err, errlen, "%s: %s", path, s ? why : "out of memory");
        free(s);
        q4t_gguf_close(g);
        return -1;
    }
    s->g = g;
    const char *name = NULL, *base = strrchr(path, '/');
    if (q4t_gguf_get_str(g, "general.name", &name, why, sizeof why) == 0 && name && name[0])
        snprintf(s->name, sizeof s->name, "%s", name);
    else
        snprintf(s->name, sizeof s->name, "%s", base ? base + 1 : path);
    c->name = s->name;
    snprintf(src->what, sizeof src->what, "%s", path);
    conversion_note(g, c, src->note, sizeof src->note);
    src->ctx = s;
    src->get = llama_get;
    src->release = llama_release;
    src->close = llama_close;
    return 0;
}
