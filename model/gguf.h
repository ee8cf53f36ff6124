/* GGUF, llama.cpp's model file (versions 2 and 3), memory-mapped.
 *
 *   header   "GGUF", u32 version, u64 tensor count, u64 key/value count
 *   kv       string key, u32 value type, value (scalars, strings: u64 length +
 *            bytes, arrays: u32 element type + u64 count + elements)
 *   tensors  string name, u32 n_dims, u64 ne[n_dims] (ne[0] = the contiguous
 *            dimension), u32 ggml type, u64 offset from the data section
 *   data     from the header's end rounded up to general.alignment (32)
 *
 * Every length, count and offset is checked against the file before it is
 * used: a truncated or corrupt file gets an error naming the field, never a
 * crash. Errors start with the file's path. */
#ifndef Q4T_GGUF_H
#define Q4T_GGUF_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

typedef struct q4t_gguf q4t_gguf;

typedef struct {
    char *name;
    uint32_t type; /* ggml type: 0 F32, 1 F16, 2 Q4_0, ... */
    int n_dims;
    uint64_t ne[4]; /* ne[0] contiguous; unused dimensions 1 */
    uint64_t offset;
    const void *data;
    uint64_t bytes; /* for F32, F16, BF16, Q8_0, Q4_0; 0 for types this reader does not size */
} q4t_gguf_tensor;

q4t_gguf *q4t_gguf_open(const char *path, char *err, size_t errlen);
void q4t_gguf_close(q4t_gguf *g);
const char *q4t_gguf_path(const q4t_gguf *g);
uint32_t q4t_gguf_version(const q4t_gguf *g);

size_t q4t_gguf_tensor_count(const q4t_gguf *g);
const q4t_gguf_tensor *q4t_gguf_tensor_at(const q4t_gguf *g, size_t i);
const q4t_gguf_tensor *q4t_gguf_find(const q4t_gguf *g, const char *name); /* NULL if absent */
const char *q4t_gguf_type_name(uint32_t ggml_type); /* "Q4_0", or "type 99" for unknown ones (static buffer) */

/* Is there a value of that key? */
int q4t_gguf_has(const q4t_gguf *g, const char *key);
/* Values by key: 0 found and converted into *out, or absent (*out untouched);
 * -1 of another type (err says). */
int q4t_gguf_get_str(const q4t_gguf *g, const char *key, const char **out, char *err, size_t errlen);
int q4t_gguf_get_int(const q4t_gguf *g, const char *key, int64_t *out, char *err, size_t errlen);   /* any integer */
int q4t_gguf_get_float(const q4t_gguf *g, const char *key, double *out, char *err, size_t errlen); /* f32, f64 */
int q4t_gguf_get_bool(const q4t_gguf *g, const char *key, int *out, char *err, size_t errlen);     /* bool: 0 or 1 */

/* Arrays by key, copied out (free() *out): 0 found, with *n elements in a new
 * *out, or absent (*out and *n untouched); -1 if the key is not an array of
 * that kind (err names the key and what it holds).
 *   strings  views into the mapping (not NUL-terminated): s, len
 *   floats   an array of f32 or f64
 *   ints     an array of any integer type, each fitting an int32 */
typedef struct {
    const char *s;
    size_t len;
} q4t_gguf_str;
int q4t_gguf_get_str_array(const q4t_gguf *g, const char *key, q4t_gguf_str **out, size_t *n, char *err,
                           size_t errlen);
int q4t_gguf_get_float_array(const q4t_gguf *g, const char *key, float **out, size_t *n, char *err, size_t errlen);
int q4t_gguf_get_int_array(const q4t_gguf *g, const char *key, int32_t **out, size_t *n, char *err, size_t errlen);

/* The bytes [p, p + n) of the mapping are no longer needed: drop their pages
 * (they come back from the file if touched again). */
void q4t_gguf_release(const q4t_gguf *g, const void *p, size_t n);

/* A Llama-architecture model from a GGUF: its shape from the llama.* keys and
 * the tensors, and a weight source of the mapped tensors. Checks up front
 * that every tensor the model needs is there, of a type it takes and of its
 * shape: weight matrices Q4_0, Q8_0, F32, F16 or BF16 (all but Q4_0 are
 * quantized to Q4_0 when the model is built, one at a time, as llama.cpp's
 * quantize_row_q4_0_ref does; src->note says how many of which), the token
 * embedding of any of those types (its rows read as they are), norms and
 * rope_freqs.weight F32, F16 or BF16. The source owns the mapping; name
 * (general.name, else the file name) lives as long as the source. Returns 0,
 * or -1 with the reason in err. */
int q4t_gguf_llama(const char *path, q4t_model_config *c, q4t_weight_source *src, char *err, size_t errlen);

#endif
