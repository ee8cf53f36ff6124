/* Feature detection: the x86 and Arm decoders on synthetic register values,
 * the --isa mask syntax, and the live detection against an independent
 * source: Q4T_EXPECT_FEATURES / Q4T_EXPECT_SVE_BITS / Q4T_EXPECT_SME_BITS when
 * the test matrix sets them (one per emulated CPU), else /proc/cpuinfo on x86. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cpu.h"
#include "isa.h"

static uint64_t parse_set(const char *names) /* space-separated feature names */
{
    uint64_t set = 0;
    char buf[512];
    snprintf(buf, sizeof buf, "%s", names);
    for (char *save = NULL, *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        const uint64_t bit = q4t_feature_bit(t);
        CHECK(bit, "'%s' is a feature name", t);
        set |= bit;
    }
    return set;
}

static void x86_decoder(void)
{
    const q4t_x86_regs all = {
        .l1_ecx = 1u << 12 | 1u << 27 | 1u << 28 | 1u << 29,
        .l7_ebx = 1u << 5 | 1u << 16 | 1u << 30 | 1u << 31,
        .l7_ecx = 1u << 11,
        .l71_eax = 1u << 4,
        .xcr0 = 0xe7,
    };
    CHECK(q4t_x86_features(&all) == parse_set("avx2 avxvnni avx512f avx512bw avx512vl avx512vnni"),
          "every x86 feature");
    q4t_x86_regs r = all;
    r.xcr0 = 0x7; /* OS saves no AVX-512 state */
    CHECK(q4t_x86_features(&r) == parse_set("avx2 avxvnni"), "AVX-512 needs the OS to save zmm/opmask state");
    r = all;
    r.l1_ecx &= ~(1u << 27); /* no OSXSAVE: no AVX at all */
    CHECK(q4t_x86_features(&r) == 0, "no AVX without OSXSAVE");
    r = all;
    r.l1_ecx &= ~(1u << 29); /* no F16C */
    CHECK(q4t_x86_features(&r) == 0, "avx2 (and what needs it) requires F16C");
    r = all;
    r.l7_ecx = 0;
    r.l71_eax = 0;
    CHECK(q4t_x86_features(&r) == parse_set("avx2 avx512f avx512bw avx512vl"), "VNNI bits read separately");
}

static void arm_decoder(void)
{
    const uint64_t asimd = 1u << 1, asimddp = 1u << 20, sve = 1u << 22;
    const uint64_t sve2 = 1u << 1, svei8mm = 1u << 9, i8mm = 1u << 13, sme = 1u << 23, smei8i32 = 1u << 26,
                   sme2 = UINT64_C(1) << 37;
    CHECK(q4t_arm_features(asimd, 0) == parse_set("neon"), "Armv8.0");
    CHECK(q4t_arm_features(asimd | asimddp, 0) == parse_set("neon sdot"), "dotprod");
    CHECK(q4t_arm_features(asimd | asimddp | sve, sve2 | svei8mm | i8mm | sme | smei8i32 | sme2) ==
              parse_set("neon sdot i8mm sve sve2 svei8mm sme sme2 smei8i32"),
          "everything");
    CHECK(q4t_arm_features(asimd, svei8mm) == parse_set("neon"), "svei8mm without sve and i8mm is dropped");
    CHECK(q4t_arm_features(asimd, sme2) == parse_set("neon"), "sme2 without sme is dropped");
    CHECK(q4t_arm_core_name(0x410fd0b1) && !strcmp(q4t_arm_core_name(0x410fd0b1), "Cortex-A76"), "MIDR A76");
    CHECK(q4t_arm_core_name(0x00000000) == NULL, "unknown MIDR");
}

static void isa_masks(void)
{
    const uint64_t arm = parse_set("neon sdot i8mm sve sve2 svei8mm sme smei8i32");
    uint64_t out;
    char err[512];
    CHECK(q4t_isa_mask("-sve", arm, &out, err, sizeof err) == 0 && out == parse_set("neon sdot i8mm sme smei8i32"),
          "-sve also masks sve2 and svei8mm");
    CHECK(q4t_isa_mask("-sve,-sme", arm, &out, err, sizeof err) == 0 && out == parse_set("neon sdot i8mm"),
          "-sve,-sme");
    CHECK(q4t_isa_mask("neon,+sdot", arm, &out, err, sizeof err) == 0 && out == parse_set("neon sdot"),
          "a keep list");
    CHECK(q4t_isa_mask("neon,sdot,-sdot", arm, &out, err, sizeof err) == 0 && out == parse_set("neon"),
          "keep and drop");
    CHECK(q4t_isa_mask("", arm, &out, err, sizeof err) == 0 && out == arm, "an empty list masks nothing");
    CHECK(q4t_isa_mask("-avx2", arm, &out, err, sizeof err) == 0 && out == arm, "dropping an absent feature is fine");
    CHECK(q4t_isa_mask("-neon", arm, &out, err, sizeof err) == 0 && out == parse_set("sme smei8i32"),
          "-neon masks everything built on it");
    CHECK(q4t_isa_mask("-bogus", arm, &out, err, sizeof err) == -1 && strstr(err, "unknown ISA feature 'bogus'") &&
              strstr(err, "avx512vnni"),
          "unknown names are refused, listing the known ones: %s", err);
    CHECK(q4t_isa_mask("avx2", arm, &out, err, sizeof err) == -1 && strstr(err, "not available"),
          "keeping an absent feature is refused: %s", err);
    CHECK(q4t_isa_mask("sve,,sme", arm, &out, err, sizeof err) == -1, "an empty item is refused");
    char buf[128];
    q4t_features_format(parse_set("sdot neon"), ",", buf, sizeof buf);
    CHECK(!strcmp(buf, "neon,sdot"), "format: %s", buf);
}

#if defined(__x86_64__)
/* The kernel's reading of the same registers: /proc/cpuinfo flags. */
static uint64_t proc_cpuinfo_features(void)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[8192];
    uint64_t set = 0;
    int avx2 = 0, fma = 0, f16c = 0;
    while (f && fgets(line, sizeof line, f)) {
        if (strncmp(line, "flags", 5))
            continue;
        for (char *save = NULL, *t = strtok_r(line, " \t\n:", &save); t; t = strtok_r(NULL, " \t\n:", &save)) {
            avx2 |= !strcmp(t, "avx2");
            fma |= !strcmp(t, "fma");
            f16c |= !strcmp(t, "f16c");
            set |= !strcmp(t, "avx_vnni") ? q4t_feature_bit("avxvnni") : 0;
            set |= !strcmp(t, "avx512f") ? q4t_feature_bit("avx512f") : 0;
            set |= !strcmp(t, "avx512bw") ? q4t_feature_bit("avx512bw") : 0;
            set |= !strcmp(t, "avx512vl") ? q4t_feature_bit("avx512vl") : 0;
            set |= !strcmp(t, "avx512_vnni") ? q4t_feature_bit("avx512vnni") : 0;
        }
        break;
    }
    if (f)
        fclose(f);
    if (avx2 && fma && f16c)
        set |= q4t_feature_bit("avx2");
    return q4t_features_close(set);
}
#endif

static void live_detection(void)
{
    q4t_cpu cpu;
    q4t_cpu_detect(&cpu);
    char got[512];
    q4t_features_format(cpu.detected, " ", got, sizeof got);
    printf("detected on %s (%s): %s; sve %u bits, sme %u bits\n", cpu.arch, cpu.model, got, 8 * cpu.sve_vl_bytes,
           8 * cpu.sme_svl_bytes);
    CHECK(cpu.features == cpu.detected && cpu.ncpus >= 1 && cpu.model[0], "detection fills the record");
    const char *expect = getenv("Q4T_EXPECT_FEATURES");
    if (expect) {
        CHECK(cpu.detected == parse_set(expect), "detected '%s', this CPU setting provides '%s'", got, expect);
        const char *sve = getenv("Q4T_EXPECT_SVE_BITS"), *sme = getenv("Q4T_EXPECT_SME_BITS");
        CHECK(8 * cpu.sve_vl_bytes == (sve ? strtoul(sve, NULL, 10) : 0), "SVE length %u bits, expected %s",
              8 * cpu.sve_vl_bytes, sve ? sve : "none");
        CHECK(8 * cpu.sme_svl_bytes == (sme ? strtoul(sme, NULL, 10) : 0), "SME length %u bits, expected %s",
              8 * cpu.sme_svl_bytes, sme ? sme : "none");
        return;
    }
#if defined(__x86_64__)
    char want[512];
    const uint64_t proc = proc_cpuinfo_features();
    q4t_features_format(proc, " ", want, sizeof want);
    CHECK(cpu.detected == proc, "cpuid says '%s', /proc/cpuinfo says '%s'", got, want);
#else
    printf("test_cpu: no Q4T_EXPECT_FEATURES given: live detection checked for consistency only\n");
    CHECK((cpu.detected & Q4T_F_NEON) != 0, "every aarch64 Linux CPU has Advanced SIMD");
#endif
}

int main(void)
{
    x86_decoder();
    arm_decoder();
    isa_masks();
    live_detection();
    return check_done("test_cpu");
}
