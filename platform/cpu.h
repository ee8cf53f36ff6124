/* CPU feature detection and feature masking.
 *
 * x86-64: cpuid + xgetbv (a feature counts only if the OS saves its register
 * state). aarch64 Linux/Android: getauxval(AT_HWCAP/AT_HWCAP2), vector lengths
 * from prctl. The decoders of raw registers are pure functions, compiled on
 * every architecture so that tests can feed them synthetic values.
 */
#ifndef Q4T_CPU_H
#define Q4T_CPU_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *arch;        /* "x86_64", "aarch64" */
    char model[256];         /* x86: cpuid brand; Arm: core names from MIDR */
    uint64_t detected;       /* features the CPU and OS provide */
    uint64_t features;       /* detected, less what the user masked off */
    unsigned sve_vl_bytes;   /* SVE vector length, 0 without SVE */
    unsigned sme_svl_bytes;  /* SME streaming vector length, 0 without SME */
    int ncpus;               /* online logical CPUs */
} q4t_cpu;

/* Fills cpu for the machine this runs on; features = detected. */
void q4t_cpu_detect(q4t_cpu *cpu);

/* Applies a feature mask to a feature set. spec is a comma-separated list:
 * "-name" masks a feature off; "name" (or "+name") keeps only the features so
 * listed, each of which must be in the set. Masking a feature masks off what
 * depends on it (isa.h). Returns 0, or -1 with a message in err. */
int q4t_isa_mask(const char *spec, uint64_t set, uint64_t *out, char *err, size_t errlen);

/* Applies the mask in the environment variable Q4T_ISA (same syntax) to
 * cpu->features, if it is set. Returns 0, or -1 with a message in err. */
int q4t_cpu_mask_env(q4t_cpu *cpu, char *err, size_t errlen);

/* Writes the names of the features in set, separated by sep, into buf. */
void q4t_features_format(uint64_t set, const char *sep, char *buf, size_t len);

/* Raw x86 cpuid/xgetbv values the decoder reads. */
typedef struct {
    uint32_t l1_ecx;  /* leaf 1 ECX: FMA, OSXSAVE, AVX, F16C */
    uint32_t l7_ebx;  /* leaf 7.0 EBX: AVX2, AVX512F/BW/VL */
    uint32_t l7_ecx;  /* leaf 7.0 ECX: AVX512_VNNI */
    uint32_t l71_eax; /* leaf 7.1 EAX: AVX-VNNI */
    uint64_t xcr0;    /* XGETBV(0), 0 if OSXSAVE is clear */
} q4t_x86_regs;

uint64_t q4t_x86_features(const q4t_x86_regs *r);
uint64_t q4t_arm_features(uint64_t hwcap, uint64_t hwcap2);
/* "Cortex-A76" etc. for a MIDR_EL1 value, NULL if not in the table. */
const char *q4t_arm_core_name(uint32_t midr);

#endif
