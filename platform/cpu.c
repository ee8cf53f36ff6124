/* CPU feature detection and masking: see cpu.h. */
#define _GNU_SOURCE
#include "cpu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isa.h"
#include "text.h"

#if defined(__x86_64__)
#include <cpuid.h>
#elif defined(__aarch64__)
#include <sys/auxv.h>
#include <sys/prctl.h>
#endif

#define BIT(n) (UINT64_C(1) << (n))

uint64_t q4t_x86_features(const q4t_x86_regs *r)
{
    enum { L1_FMA = 12, L1_OSXSAVE = 27, L1_AVX = 28, L1_F16C = 29 };
    enum { L7_AVX2 = 5, L7_AVX512F = 16, L7_AVX512BW = 30, L7_AVX512VL = 31 };
    enum { L7C_AVX512VNNI = 11, L71_AVXVNNI = 4 };
    const uint64_t xcr0_avx = 0x6;    /* SSE and AVX state */
    const uint64_t xcr0_avx512 = 0xe6; /* plus opmask, ZMM_Hi256, Hi16_ZMM */

    const int os_avx = (r->l1_ecx & BIT(L1_OSXSAVE)) && (r->l1_ecx & BIT(L1_AVX)) &&
                       (r->xcr0 & xcr0_avx) == xcr0_avx;
    const int os_avx512 = os_avx && (r->xcr0 & xcr0_avx512) == xcr0_avx512;
    uint64_t f = 0;
    /* "avx2" is the AVX2 + FMA + F16C level every AVX2 CPU ships. */
    if (os_avx && (r->l7_ebx & BIT(L7_AVX2)) && (r->l1_ecx & BIT(L1_FMA)) && (r->l1_ecx & BIT(L1_F16C)))
        f |= Q4T_F_AVX2;
    if (r->l71_eax & BIT(L71_AVXVNNI))
        f |= Q4T_F_AVXVNNI;
    if (os_avx512) {
        if (r->l7_ebx & BIT(L7_AVX512F))
            f |= Q4T_F_AVX512F;
        if (r->l7_ebx & BIT(L7_AVX512BW))
            f |= Q4T_F_AVX512BW;
        if (r->l7_ebx & BIT(L7_AVX512VL))
            f |= Q4T_F_AVX512VL;
        if (r->l7_ecx & BIT(L7C_AVX512VNNI))
            f |= Q4T_F_AVX512VNNI;
    }
    return q4t_features_close(f);
}

uint64_t q4t_arm_features(uint64_t hwcap, uint64_t hwcap2)
{
    /* Linux arch/arm64/include/uapi/asm/hwcap.h */
    static const struct {
        int word, bit;
        uint64_t feature;
    } map[] = {
        {1, 1, Q4T_F_NEON},      /* HWCAP_ASIMD */
        {1, 20, Q4T_F_SDOT},     /* HWCAP_ASIMDDP */
        {1, 22, Q4T_F_SVE},      /* HWCAP_SVE */
        {2, 1, Q4T_F_SVE2},      /* HWCAP2_SVE2 */
        {2, 9, Q4T_F_SVEI8MM},   /* HWCAP2_SVEI8MM */
        {2, 13, Q4T_F_I8MM},     /* HWCAP2_I8MM */
        {2, 23, Q4T_F_SME},      /* HWCAP2_SME */
        {2, 26, Q4T_F_SMEI8I32}, /* HWCAP2_SME_I8I32 */
        {2, 37, Q4T_F_SME2},     /* HWCAP2_SME2 */
    };
    uint64_t f = 0;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if ((map[i].word == 1 ? hwcap : hwcap2) & BIT(map[i].bit))
            f |= map[i].feature;
    return q4t_features_close(f);
}

const char *q4t_arm_core_name(uint32_t midr)
{
    static const struct {
        uint8_t implementer;
        uint16_t part;
        const char *name;
    } cores[] = {
        {0x41, 0xd03, "Cortex-A53"},  {0x41, 0xd04, "Cortex-A35"},   {0x41, 0xd05, "Cortex-A55"},
        {0x41, 0xd07, "Cortex-A57"},  {0x41, 0xd08, "Cortex-A72"},   {0x41, 0xd09, "Cortex-A73"},
        {0x41, 0xd0a, "Cortex-A75"},  {0x41, 0xd0b, "Cortex-A76"},   {0x41, 0xd0c, "Neoverse-N1"},
        {0x41, 0xd0d, "Cortex-A77"},  {0x41, 0xd40, "Neoverse-V1"},  {0x41, 0xd41, "Cortex-A78"},
        {0x41, 0xd44, "Cortex-X1"},   {0x41, 0xd46, "Cortex-A510"},  {0x41, 0xd47, "Cortex-A710"},
        {0x41, 0xd48, "Cortex-X2"},   {0x41, 0xd49, "Neoverse-N2"},  {0x41, 0xd4b, "Cortex-A78C"},
        {0x41, 0xd4d, "Cortex-A715"}, {0x41, 0xd4e, "Cortex-X3"},    {0x41, 0xd4f, "Neoverse-V2"},
        {0x41, 0xd80, "Cortex-A520"}, {0x41, 0xd81, "Cortex-A720"},  {0x41, 0xd82, "Cortex-X4"},
        {0x41, 0xd84, "Neoverse-V3"}, {0x41, 0xd85, "Cortex-X925"},  {0x41, 0xd87, "Cortex-A725"},
        {0x41, 0xd8e, "Neoverse-N3"}, {0x46, 0x001, "A64FX"},
    };
    const uint8_t implementer = (uint8_t)(midr >> 24);
    const uint16_t part = (midr >> 4) & 0xfff;
    for (size_t i = 0; i < sizeof cores / sizeof cores[0]; i++)
        if (cores[i].implementer == implementer && cores[i].part == part)
            return cores[i].name;
    return NULL;
}

#if defined(__aarch64__)
/* Model from the MIDR of every CPU (sysfs, so big.LITTLE shows each kind), or
 * of the current one read with MRS where the kernel emulates it (HWCAP_CPUID). */
static void arm_model(char *buf, size_t len, int ncpus)
{
    uint32_t midrs[16];
    int counts[16], kinds = 0;
    for (int c = 0; c < ncpus; c++) {
        char path[96];
        unsigned long long v;
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/regs/identification/midr_el1", c);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        const int ok = fscanf(f, "%llx", &v) == 1;
        fclose(f);
        if (!ok)
            continue;
        int k = 0;
        while (k < kinds && midrs[k] != (uint32_t)v)
            k++;
        if (k == kinds && kinds < 16) {
            midrs[kinds] = (uint32_t)v;
            counts[kinds++] = 0;
        }
        if (k < kinds)
            counts[k]++;
    }
    if (kinds == 0 && (getauxval(AT_HWCAP) & BIT(11))) { /* HWCAP_CPUID */
        uint64_t v;
        __asm__("mrs %0, midr_el1" : "=r"(v));
        midrs[0] = (uint32_t)v;
        counts[0] = 0; /* count unknown */
        kinds = 1;
    }
    buf[0] = '\0';
    size_t used = 0;
    for (int k = 0; k < kinds && used < len; k++) {
        const char *name = q4t_arm_core_name(midrs[k]);
        char what[48];
        if (name)
            snprintf(what, sizeof what, "%s", name);
        else
            snprintf(what, sizeof what, "MIDR 0x%08x", (unsigned)midrs[k]);
        if (counts[k])
            used += (size_t)snprintf(buf + used, len - used, "%s%dx %s", k ? " + " : "", counts[k], what);
        else
            used += (size_t)snprintf(buf + used, len - used, "%s%s", k ? " + " : "", what);
    }
    if (kinds == 0)
        snprintf(buf, len, "unknown aarch64 CPU (no MIDR readable)");
}
#endif

void q4t_cpu_detect(q4t_cpu *cpu)
{
    memset(cpu, 0, sizeof *cpu);
    const long n = sysconf(_SC_NPROCESSORS_ONLN);
    cpu->ncpus = n > 0 ? (int)n : 1;
#if defined(__x86_64__)
    cpu->arch = "x86_64";
    unsigned a, b, c, d, max_leaf = __get_cpuid_max(0, NULL);
    q4t_x86_regs r = {0};
    if (max_leaf >= 1 && __get_cpuid(1, &a, &b, &c, &d))
        r.l1_ecx = c;
    if (max_leaf >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        r.l7_ebx = b;
        r.l7_ecx = c;
        __cpuid_count(7, 1, a, b, c, d);
        r.l71_eax = a;
    }
    if (r.l1_ecx & BIT(27)) { /* OSXSAVE: XGETBV is available */
        uint32_t lo, hi;
        __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        r.xcr0 = (uint64_t)hi << 32 | lo;
    }
    cpu->detected = q4t_x86_features(&r);
    unsigned brand[12] = {0};
    if (__get_cpuid_max(0x80000000, NULL) >= 0x80000004)
        for (unsigned i = 0; i < 3; i++)
            __get_cpuid(0x80000002 + i, &brand[4 * i], &brand[4 * i + 1], &brand[4 * i + 2], &brand[4 * i + 3]);
    const char *s = (const char *)brand;
    while (*s == ' ')
        s++;
    snprintf(cpu->model, sizeof cpu->model, "%.48s", *s ? s : "unknown x86-64 CPU");
#elif defined(__aarch64__)
    cpu->arch = "aarch64";
    cpu->detected = q4t_arm_features(getauxval(AT_HWCAP), getauxval(AT_HWCAP2));
    if (cpu->detected & Q4T_F_SVE) {
        const int vl = prctl(51 /* PR_SVE_GET_VL */);
        cpu->sve_vl_bytes = vl > 0 ? (unsigned)(vl & 0xffff) : 0;
    }
    if (cpu->detected & Q4T_F_SME) {
        const int vl = prctl(64 /* PR_SME_GET_VL */);
        cpu->sme_svl_bytes = vl > 0 ? (unsigned)(vl & 0xffff) : 0;
    }
    arm_model(cpu->model, sizeof cpu->model, cpu->ncpus);
#else
#error "q4tune supports x86-64 and aarch64"
#endif
    cpu->features = cpu->detected;
}

static int set_err(char *err, size_t errlen, const char *fmt, const char *what)
{
    snprintf(err, errlen, fmt, what);
    return -1;
}

int q4t_isa_mask(const char *spec, uint64_t set, uint64_t *out, char *err, size_t errlen)
{
    uint64_t keep = 0, drop = 0;
    int has_keep = 0;
    char item[64];
    for (const char *p = spec; *p;) {
        const int n = q4t_list_next(&p, item, sizeof item);
        if (n == 0 || n >= (int)sizeof item)
            return set_err(err, errlen, "--isa: empty or overlong item in '%s'", spec);
        const int minus = item[0] == '-';
        const char *name = item + (minus || item[0] == '+');
        const uint64_t bit = q4t_feature_bit(name);
        if (!bit) {
            char known[256];
            q4t_features_format(Q4T_F_ALL, " ", known, sizeof known);
            snprintf(err, errlen, "--isa: unknown ISA feature '%s' (known: %s)", name, known);
            return -1;
        }
        if (minus) {
            drop |= bit;
        } else {
            if (!(set & bit))
                return set_err(err, errlen, "--isa: '%s' is not available on this CPU", name);
            keep |= bit;
            has_keep = 1;
        }
    }
    *out = q4t_features_close((has_keep ? set & keep : set) & ~drop);
    return 0;
}

int q4t_cpu_mask_env(q4t_cpu *cpu, char *err, size_t errlen)
{
    const char *env = getenv("Q4T_ISA");
    if (!env || !*env)
        return 0;
    if (q4t_isa_mask(env, cpu->features, &cpu->features, err, errlen) == 0)
        return 0;
    const size_t n = strlen(err);
    snprintf(err + n, errlen - n, " (from Q4T_ISA)");
    return -1;
}

void q4t_features_format(uint64_t set, const char *sep, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < Q4T_FEATURE_COUNT && used < len; i++)
        if (set & BIT(i))
            used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? sep : "", q4t_feature_name(i));
}
