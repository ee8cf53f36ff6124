/* The device: a readable id and a fingerprint (what the results store keys on
 * and what a person needs to tell two machines apart). */
#ifndef Q4T_DEVICE_H
#define Q4T_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "cpu.h"
#include "topology.h"

/* A readable slug: "<arch>-<cpu>-<cores>c" for one kind of core, x86 with its
 * widest int8 ISA of the detected features (avx512vnni, avxvnni or avx2)
 * before the count ("x86-64-intel-xeon-platinum-8375c-avx512vnni-2c",
 * "arm64-cortex-a76-4c"), or, for Arm
 * kinds named from MIDR, the kinds fastest first with their core counts
 * ("arm64-cortex-x3-1-a715-3-a510-4").
 * arch is "x86_64" or "aarch64"; model the CPU model string (cpuid brand, or
 * core names from MIDR) used when the kinds have no names. */
void q4t_device_id(const char *arch, const char *model, uint64_t detected, const q4t_topology *t, char *buf,
                   size_t len);

/* The fingerprint as JSON: id, CPU model, features, vector lengths, topology
 * and CPU kinds, caches, memory, OS and kernel, compiler and flags, version
 * and commit (git describe of the source tree, "-dirty" when it had changes). */
struct cJSON;
/* The names of the features in set, as a JSON array. */
struct cJSON *q4t_features_json(uint64_t set);
struct cJSON *q4t_device_json(const q4t_cpu *cpu, const q4t_topology *t);
/* The head of every results record: schema, schema_version, q4tune_version,
 * created (now, UTC, ISO 8601) and device. */
struct cJSON *q4t_record_json(const char *schema, int version, const q4t_cpu *cpu, const q4t_topology *t);

#endif
