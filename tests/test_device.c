/* The device id: readable slugs from the shipped topologies and real cpuid
 * brands, and the fingerprint of this machine. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "device.h"
#include "isa.h"

static void check_id(const char *dir, const char *xml, const char *arch, const char *model, uint64_t detected,
                     const char *want)
{
    char path[1024], err[256], id[256];
    snprintf(path, sizeof path, "%s/%s", dir, xml);
    q4t_topology *t;
    if (q4t_topology_load(&t, path, err, sizeof err)) {
        CHECK(0, "%s loads: %s", path, err);
        return;
    }
    q4t_device_id(arch, model, detected, t, id, sizeof id);
    CHECK(!strcmp(id, want), "%s with '%s': id '%s', want '%s'", xml, model, id, want);
    q4t_topology_free(t);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_device TOPOLOGY_DIR\n");
        return 2;
    }
    const char *dir = argv[1];
    const uint64_t avx512 = Q4T_F_AVX2 | Q4T_F_AVX512F | Q4T_F_AVX512BW | Q4T_F_AVX512VL | Q4T_F_AVX512VNNI;
    check_id(dir, "phone.xml", "aarch64", "unknown", Q4T_F_NEON, "arm64-cortex-x3-1-a715-3-a510-4");
    check_id(dir, "smt.xml", "x86_64", "Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz", avx512,
             "x86-64-intel-xeon-platinum-8375c-avx512vnni-4c");
    check_id(dir, "server.xml", "x86_64", "AMD EPYC 7R13 48-Core Processor", Q4T_F_AVX2,
             "x86-64-amd-epyc-7r13-avx2-8c");
    check_id(dir, "hybrid.xml", "x86_64", "12th Gen Intel(R) Core(TM) i7-1260P", Q4T_F_AVX2 | Q4T_F_AVXVNNI,
             "x86-64-12th-gen-intel-core-i7-1260p-avxvnni-6c");
    check_id(dir, "server.xml", "x86_64", "Some x86-64 CPU", 0, "x86-64-some-x86-64-8c");
    check_id(dir, "smt.xml", "aarch64", "Neoverse-V1", Q4T_F_NEON | Q4T_F_SVE, "arm64-neoverse-v1-4c");

    q4t_cpu cpu;
    q4t_topology *t;
    char err[256];
    q4t_cpu_detect(&cpu);
    CHECK(q4t_topology_load(&t, NULL, err, sizeof err) == 0, "this machine's topology: %s", err);
    cJSON *d = q4t_device_json(&cpu, t);
    const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(d, "id"));
    CHECK(id && strlen(id) > 8 && strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789-") == strlen(id),
          "this machine's id is a slug: %s", id ? id : "(none)");
    CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(d, "memory_bytes")) > 0, "memory is known");
    CHECK(cJSON_GetStringValue(cJSON_GetObjectItem(d, "compiler")) &&
              cJSON_GetStringValue(cJSON_GetObjectItem(d, "os")),
          "compiler and OS are recorded");
    printf("this device: %s\n", id ? id : "?");
    cJSON_Delete(d);
    q4t_topology_free(t);
    return check_done("test_device");
}
