/* The device id and fingerprint: see device.h. */
#define _GNU_SOURCE
#include "device.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "isa.h"
#include "q4t_commit.h"

/* Appends text to the slug in lowercase, runs of other characters as one '-'. */
static void slug_append(char *buf, size_t len, size_t *used, const char *text)
{
    for (const char *p = text; *p && *used + 1 < len; p++) {
        if (isalnum((unsigned char)*p))
            buf[(*used)++] = (char)tolower((unsigned char)*p);
        else if (*used && buf[*used - 1] != '-')
            buf[(*used)++] = '-';
        buf[*used] = '\0';
    }
}

/* The CPU brand without what says nothing: "(R)", "(TM)", "CPU", "Processor",
 * "N-Core", and the clock after '@'. */
static void brand_words(const char *model, char *out, size_t len)
{
    static const char *const noise[] = {"(R)", "(r)", "(TM)", "(tm)", "CPU", "Processor", NULL};
    char word[64];
    size_t used = 0;
    out[0] = '\0';
    for (const char *p = model; *p && *p != '@';) {
        while (*p == ' ')
            p++;
        size_t n = strcspn(p, " @");
        snprintf(word, sizeof word, "%.*s", (int)n, p);
        p += n;
        for (int i = 0; noise[i]; i++) {
            char *at;
            while ((at = strstr(word, noise[i])))
                memmove(at, at + strlen(noise[i]), strlen(at + strlen(noise[i])) + 1);
        }
        const size_t wl = strlen(word);
        if (!wl || (wl > 5 && !strcmp(word + wl - 5, "-Core")))
            continue;
        used += (size_t)snprintf(out + used, used < len ? len - used : 0, "%s%s", used ? " " : "", word);
    }
}

/* x86's widest int8 dot-product ISA: VMs of one CPU model expose different
 * sets (an EPYC with AVX-512 VNNI, another with AVX2 only), and tuning differs. */
static const char *x86_tier(uint64_t detected)
{
    if ((detected & (Q4T_F_AVX512VNNI | Q4T_F_AVX512BW)) == (Q4T_F_AVX512VNNI | Q4T_F_AVX512BW))
        return "avx512vnni";
    if (detected & Q4T_F_AVXVNNI)
        return "avxvnni";
    if (detected & Q4T_F_AVX2)
        return "avx2";
    return NULL;
}

void q4t_device_id(const char *arch, const char *model, uint64_t detected, const q4t_topology *t, char *buf,
                   size_t len)
{
    const q4t_topology_stats st = q4t_topology_get_stats(t);
    size_t used = 0;
    buf[0] = '\0';
    slug_append(buf, len, &used, strcmp(arch, "aarch64") ? "x86-64" : "arm64");
    /* Arm kinds named from MIDR say more than the model string; x86 kinds
     * (P-core, E-core) say less than the cpuid brand. */
    int named = !strcmp(arch, "aarch64");
    for (int k = 0; k < st.nkinds; k++)
        named &= q4t_topology_kind(t, k)->name != NULL && strcmp(q4t_topology_kind(t, k)->name, "core") != 0;
    if (named && st.nkinds > 1 && st.ranked) {
        for (int i = 0; i < st.nkinds; i++) { /* fastest first; "Cortex-" said once */
            const q4t_cpu_kind *kind = q4t_topology_kind(t, st.nkinds - 1 - i);
            const char *name = kind->name;
            if (i > 0 && !strncmp(name, "Cortex-", 7))
                name += 7;
            char count[16];
            snprintf(count, sizeof count, "%d", kind->cores);
            slug_append(buf, len, &used, "-");
            slug_append(buf, len, &used, name);
            slug_append(buf, len, &used, "-");
            slug_append(buf, len, &used, count);
        }
        return;
    }
    char words[256], count[16];
    brand_words(named && st.nkinds == 1 ? q4t_topology_kind(t, 0)->name : model, words, sizeof words);
    snprintf(count, sizeof count, "%dc", st.cores);
    slug_append(buf, len, &used, "-");
    slug_append(buf, len, &used, words);
    const char *tier = strcmp(arch, "aarch64") ? x86_tier(detected) : NULL;
    if (tier) {
        slug_append(buf, len, &used, "-");
        slug_append(buf, len, &used, tier);
    }
    slug_append(buf, len, &used, "-");
    slug_append(buf, len, &used, count);
}

cJSON *q4t_features_json(uint64_t set)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < Q4T_FEATURE_COUNT; i++)
        if (set & (UINT64_C(1) << i))
            cJSON_AddItemToArray(a, cJSON_CreateString(q4t_feature_name(i)));
    return a;
}

cJSON *q4t_device_json(const q4t_cpu *cpu, const q4t_topology *t)
{
    char buf[512];
    cJSON *o = cJSON_CreateObject();
    q4t_device_id(cpu->arch, cpu->model, cpu->detected, t, buf, sizeof buf);
    cJSON_AddStringToObject(o, "id", buf);
    cJSON_AddStringToObject(o, "arch", cpu->arch);
    cJSON_AddStringToObject(o, "cpu_model", cpu->model);
    cJSON_AddItemToObject(o, "features", q4t_features_json(cpu->detected));
    cJSON_AddNumberToObject(o, "sve_vector_bits", 8.0 * cpu->sve_vl_bytes);
    cJSON_AddNumberToObject(o, "sme_streaming_vector_bits", 8.0 * cpu->sme_svl_bytes);
    const q4t_topology_stats st = q4t_topology_get_stats(t);
    q4t_topology_summary(t, buf, sizeof buf);
    cJSON_AddStringToObject(o, "cpu_kinds", buf);
    cJSON_AddNumberToObject(o, "cores", st.cores);
    cJSON_AddNumberToObject(o, "pus", st.pus);
    cJSON_AddNumberToObject(o, "largest_cache_bytes", (double)st.largest_cache);
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    cJSON_AddNumberToObject(o, "memory_bytes", pages > 0 && page > 0 ? (double)pages * (double)page : 0.0);
    struct utsname u;
    if (uname(&u) == 0) {
        snprintf(buf, sizeof buf, "%s %s", u.sysname, u.release);
        cJSON_AddStringToObject(o, "os", buf);
    }
    cJSON_AddStringToObject(o, "compiler", Q4T_COMPILER);
    cJSON_AddStringToObject(o, "compiler_flags", Q4T_COMPILER_FLAGS);
    cJSON_AddStringToObject(o, "q4tune_version", Q4T_VERSION);
    cJSON_AddStringToObject(o, "q4tune_commit", Q4T_COMMIT);
    return o;
}

cJSON *q4t_record_json(const char *schema, int version, const q4t_cpu *cpu, const q4t_topology *t)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "schema", schema);
    cJSON_AddNumberToObject(o, "schema_version", version);
    cJSON_AddStringToObject(o, "q4tune_version", Q4T_VERSION);
    char when[32];
    const time_t now = time(NULL);
    struct tm tm;
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    cJSON_AddStringToObject(o, "created", when);
    cJSON_AddItemToObject(o, "device", q4t_device_json(cpu, t));
    return o;
}
