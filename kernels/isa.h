/* CPU feature bits: what a kernel requires (q4t_kernel.isa) and what the CPU
 * has (harness/cpu.h). One bit per runtime feature; the user-visible names are
 * the ones accepted by --isa and printed by `q4tune info`. */
#ifndef Q4T_ISA_H
#define Q4T_ISA_H

#include <stdint.h>

/* X(ENUM, "name", prerequisite bits): masking a feature off masks off every
 * feature that lists it as a prerequisite. */
#define Q4T_FEATURES(X)                                                                                                \
    X(NEON, "neon", 0)                                                                                                 \
    X(SDOT, "sdot", Q4T_F_NEON)                                                                                        \
    X(I8MM, "i8mm", Q4T_F_NEON)                                                                                        \
    X(SVE, "sve", Q4T_F_NEON)                                                                                          \
    X(SVE2, "sve2", Q4T_F_SVE)                                                                                         \
    X(SVEI8MM, "svei8mm", Q4T_F_SVE | Q4T_F_I8MM)                                                                     \
    X(SME, "sme", 0)                                                                                                   \
    X(SME2, "sme2", Q4T_F_SME)                                                                                         \
    X(SMEI8I32, "smei8i32", Q4T_F_SME)                                                                                 \
    X(AVX2, "avx2", 0)                                                                                                 \
    X(AVXVNNI, "avxvnni", Q4T_F_AVX2)                                                                                  \
    X(AVX512F, "avx512f", Q4T_F_AVX2)                                                                                  \
    X(AVX512BW, "avx512bw", Q4T_F_AVX512F)                                                                             \
    X(AVX512VL, "avx512vl", Q4T_F_AVX512F)                                                                             \
    X(AVX512VNNI, "avx512vnni", Q4T_F_AVX512F)

enum {
#define Q4T_X(e, name, pre) Q4T_FI_##e,
    Q4T_FEATURES(Q4T_X)
#undef Q4T_X
    Q4T_FEATURE_COUNT
};

#define Q4T_F_NEON (UINT64_C(1) << Q4T_FI_NEON)
#define Q4T_F_SDOT (UINT64_C(1) << Q4T_FI_SDOT)
#define Q4T_F_I8MM (UINT64_C(1) << Q4T_FI_I8MM)
#define Q4T_F_SVE (UINT64_C(1) << Q4T_FI_SVE)
#define Q4T_F_SVE2 (UINT64_C(1) << Q4T_FI_SVE2)
#define Q4T_F_SVEI8MM (UINT64_C(1) << Q4T_FI_SVEI8MM)
#define Q4T_F_SME (UINT64_C(1) << Q4T_FI_SME)
#define Q4T_F_SME2 (UINT64_C(1) << Q4T_FI_SME2)
#define Q4T_F_SMEI8I32 (UINT64_C(1) << Q4T_FI_SMEI8I32)
#define Q4T_F_AVX2 (UINT64_C(1) << Q4T_FI_AVX2)
#define Q4T_F_AVXVNNI (UINT64_C(1) << Q4T_FI_AVXVNNI)
#define Q4T_F_AVX512F (UINT64_C(1) << Q4T_FI_AVX512F)
#define Q4T_F_AVX512BW (UINT64_C(1) << Q4T_FI_AVX512BW)
#define Q4T_F_AVX512VL (UINT64_C(1) << Q4T_FI_AVX512VL)
#define Q4T_F_AVX512VNNI (UINT64_C(1) << Q4T_FI_AVX512VNNI)

#define Q4T_F_ALL ((UINT64_C(1) << Q4T_FEATURE_COUNT) - 1)
#define Q4T_F_ARM                                                                                                      \
    (Q4T_F_NEON | Q4T_F_SDOT | Q4T_F_I8MM | Q4T_F_SVE | Q4T_F_SVE2 | Q4T_F_SVEI8MM | Q4T_F_SME | Q4T_F_SME2 |         \
     Q4T_F_SMEI8I32)
#define Q4T_F_X86 (Q4T_F_ALL & ~Q4T_F_ARM)

/* Name of feature bit index i, or NULL past the end. */
const char *q4t_feature_name(int i);
/* Bit of the named feature, or 0 if the name is unknown. */
uint64_t q4t_feature_bit(const char *name);
/* Prerequisite bits of feature index i. */
uint64_t q4t_feature_prereqs(int i);
/* Drop every feature whose prerequisites are not all in the set. */
uint64_t q4t_features_close(uint64_t set);

#endif
