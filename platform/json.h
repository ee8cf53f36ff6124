/* JSON files, through cJSON: the results store, run records and tuned files. */
#ifndef Q4T_JSON_H
#define Q4T_JSON_H

#include <stddef.h>

struct cJSON;
/* Writes text then tail to path through a temporary file beside it, renamed
 * over path (readers see the old file or the new one, never a part; on an
 * error path is as it was). Returns 0, or -1 with a message in err. */
int q4t_file_write(const char *path, const char *text, const char *tail, char *err, size_t errlen);
/* Writes json to path, making its directory. Returns 0, or -1 with a message in err. */
int q4t_json_write(const char *path, const struct cJSON *json, char *err, size_t errlen);
/* Reads and parses the JSON file at path. NULL with a message in err (naming
 * the file, and the byte near a syntax error) if it cannot be read or parsed.
 * Free with cJSON_Delete. */
struct cJSON *q4t_json_read(const char *path, char *err, size_t errlen);
/* Fields of an object: the string at key, or NULL; a whole number from 0 to
 * 2^40 at key into *out (0), or -1 if absent or not such a number. */
const char *q4t_json_str(const struct cJSON *o, const char *key);
/* The number at key, or NAN if absent or not a number. */
double q4t_json_num(const struct cJSON *o, const char *key);
int q4t_json_size(const struct cJSON *o, const char *key, size_t *out);

#endif
