/* JSON files: see json.h. */
#define _POSIX_C_SOURCE 200809L /* mkdir, mkstemp, fdopen, fchmod, fsync */
#include "json.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

static int make_dirs(const char *path, char *err, size_t errlen)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0777) && errno != EEXIST) {
            snprintf(err, errlen, "cannot create %s: %s", buf, strerror(errno));
            return -1;
        }
        *p = '/';
    }
    return 0;
}

int q4t_json_write(const char *path, const cJSON *json, char *err, size_t errlen)
{
    if (make_dirs(path, err, errlen))
        return -1;
    char *text = cJSON_Print(json);
    FILE *f = fopen(path, "w");
    const int ok = text && f && fputs(text, f) >= 0 && fputc('\n', f) != EOF;
    if (f && fclose(f))
        f = NULL;
    free(text);
    if (!ok || !f) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

cJSON *q4t_json_read(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    char *text = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            char *t = realloc(text, cap = 2 * cap + 4096 + 1);
            if (!t)
                break;
            text = t;
        }
        const size_t got = fread(text + len, 1, cap - len - 1, f);
        if (!got)
            break;
        len += got;
    }
    fclose(f);
    if (!text) {
        snprintf(err, errlen, "out of memory reading %s", path);
        return NULL;
    }
    text[len] = '\0';
    cJSON *root = cJSON_Parse(text);
    if (!root)
        snprintf(err, errlen, "%s: not JSON (error near byte %td)", path,
                 cJSON_GetErrorPtr() ? cJSON_GetErrorPtr() - text : (ptrdiff_t)0);
    free(text);
    return root;
}

const char *q4t_json_str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

double q4t_json_num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItem(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

int q4t_json_size(const cJSON *o, const char *key, size_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 && v->valuedouble <= 1099511627776.0) ||
        v->valuedouble != floor(v->valuedouble))
        return -1;
    *out = (size_t)v->valuedouble;
    return 0;
}

int q4t_file_write(const char *path, const char *text, const char *tail, char *err, size_t errlen)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.XXXXXX", path) >= (int)sizeof tmp) {
        snprintf(err, errlen, "%s: name too long", path);
        return -1;
    }
    const int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create a temporary file beside %s: %s", path, strerror(errno));
        return -1;
    }
    const mode_t mask = umask(0); /* mkstemp makes it 0600: give it the mode a new file would have */
    umask(mask);
    FILE *f = fdopen(fd, "w");
    int ok = f && !fchmod(fd, 0666 & ~mask) && fputs(text, f) >= 0 && fputs(tail, f) >= 0 && !fflush(f) &&
             !fsync(fd);
    int saved = errno;
    if (f ? fclose(f) : close(fd))
        ok = 0, saved = saved ? saved : errno;
    if (ok && rename(tmp, path))
        ok = 0, saved = errno;
    if (!ok) {
        unlink(tmp);
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(saved));
        return -1;
    }
    return 0;
}
