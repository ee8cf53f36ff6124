/* Int8 dot-product peak probes, one file per ISA, each compiled with its ISA's
 * flags only: a loop of independent multiply-accumulate chains with no loads,
 * as fast as the ISA's dot-product instruction issues. Each returns the number
 * of int8 operations (multiply and add: 2 per product) it performed. */
#ifndef Q4T_PEAK_H
#define Q4T_PEAK_H

#include <stdint.h>

typedef uint64_t (*q4t_peak_fn)(uint64_t rounds);

uint64_t q4t_peak_avx2(uint64_t rounds);       /* vpmaddubsw + vpmaddwd, ymm */
uint64_t q4t_peak_avxvnni(uint64_t rounds);    /* vpdpbusd ymm (VEX) */
uint64_t q4t_peak_avx512vnni(uint64_t rounds); /* vpdpbusd zmm */
uint64_t q4t_peak_sdot(uint64_t rounds);       /* NEON SDOT */
uint64_t q4t_peak_i8mm(uint64_t rounds);       /* NEON SMMLA */
uint64_t q4t_peak_sve(uint64_t rounds);        /* SVE SDOT */
uint64_t q4t_peak_sme(uint64_t rounds);        /* SME SMOPA (streaming mode) */

#endif
