/* Machine topology (hwloc): packages, cores, PUs, caches, CPU kinds, and the
 * affinity masks built from them.
 *
 * PUs are named by their OS index (what Linux calls CPU n) everywhere here.
 * Only online PUs this process may use count; "the machine's PUs" means those.
 *
 * CPU kinds. hwloc groups identical PUs into kinds (hwloc_cpukinds_*) and ranks
 * them by efficiency (higher = faster; from the OS, else hwloc's own guess from
 * core types and FrequencyMaxMHz). q4tune keeps that order: kind index k is the
 * rank, 0 = slowest, nkinds - 1 = fastest. If hwloc cannot rank them
 * (efficiency -1), they stay unranked in hwloc's order (stats.ranked = 0) and
 * the names that need an order are refused. If hwloc gives no kinds at all,
 * there is one kind with every PU; PUs in no kind form one more kind.
 *
 * A kind's name, in this order of preference:
 *  1. a "MIDR" info of the kind (hex MIDR_EL1; hwloc 2.9 does not set it, an
 *     XML may): the core name from q4t_arm_core_name(), else "MIDR 0x...";
 *  2. on the live machine, /sys/devices/system/cpu/cpuN/regs/identification/midr_el1
 *     of the kind's first PU (arm64 Linux and Android);
 *  3. "CPUImplementer" and "CPUPart" infos (hwloc's Linux backend copies them
 *     from /proc/cpuinfo on Arm) of the kind's first PU or of an ancestor whose
 *     PUs are all of this kind;
 *  4. the kind's "CoreType" info: IntelCore -> "P-core", IntelAtom -> "E-core",
 *     anything else as is;
 *  5. none (NULL): the summary says "core".
 *
 * Masks (one mask; hwloc_bitmap_t of PUs, by OS index):
 *   hex      0xF0           bit n = PU n (lowest bit = PU 0); 0x or 0X, any case
 *   list     4-7  0,2,4  0-3,6   PU numbers and ranges N-M (N <= M), comma-separated
 *   names    all            every PU
 *            big            the fastest kind
 *            little         the slowest kind
 *            mid            the kinds strictly between (error if there are none)
 *            kind:N         kind N in rank order, 0 = slowest
 *            fastest:N      the N fastest cores: by kind rank, then by core
 *                           (hwloc logical) index; ALL PUs of those cores
 *   count    big:C  little:C  mid:C  kind:N:C   the C fastest cores of that set
 *                           (same order as fastest:N), all their PUs
 *   -nosmt   suffix on any name: only the first PU (lowest OS index) of each
 *            chosen core, e.g. all-nosmt, fastest:4-nosmt, big:2-nosmt
 * Leading and trailing blanks are ignored. A mask must select at least one PU,
 * and every PU it names must exist and be online and usable by this process.
 * Every candidate label (q4t_candidates) is itself a mask in this grammar.
 *
 * Mask lists (q4tune bench --affinity): masks separated by ';', blanks around
 * each ignored, no empty mask:  --affinity='big;little;0-3,6;0xF0'
 * (quote it: ';' ends a shell command). Commas belong to PU lists only.
 *
 * Strict binding (one PU per thread): q4t_mask_bind_order() lists the mask's
 * PUs in the order threads should take them: thread i -> PU order[i].
 */
#ifndef Q4T_TOPOLOGY_H
#define Q4T_TOPOLOGY_H

#include <hwloc.h>
#include <stddef.h>
#include <stdint.h>

typedef struct q4t_topology q4t_topology;

typedef struct {
    const char *name;            /* "Cortex-X3", "P-core", ...; NULL if unknown */
    int rank;                    /* 0 = slowest ... nkinds - 1 = fastest (= its index) */
    int efficiency;              /* hwloc's efficiency, -1 if hwloc gave none */
    int cores, pus;              /* online cores and PUs of this kind */
    unsigned max_mhz;            /* FrequencyMaxMHz, 0 if unknown */
    uint32_t midr;               /* Arm MIDR_EL1 (implementer and part at least), 0 if unknown */
    const char *core_type;       /* hwloc's CoreType info (x86 hybrids), NULL if none */
    hwloc_const_bitmap_t cpuset; /* its PUs */
} q4t_cpu_kind;

typedef struct {
    int packages, cores, pus;    /* online and usable (packages: 1 when hwloc shows none) */
    int nkinds;                  /* >= 1 */
    int ranked;                  /* the kinds have a known speed order (always with one kind) */
    int hwloc_kinds;             /* kinds came from hwloc (0: one kind made of every PU) */
    uint64_t largest_cache;      /* bytes of the largest data/unified cache, 0 if unknown */
    int largest_cache_level;     /* its level (3 for an L3), 0 if unknown */
    int this_system;             /* loaded from this machine, not from an XML file */
} q4t_topology_stats;

/* Loads the topology of this machine (xml_path NULL; hwloc itself honours the
 * HWLOC_XMLFILE environment variable) or of an hwloc XML file. Returns 0, or
 * -1 with a message in err. */
int q4t_topology_load(q4t_topology **out, const char *xml_path, char *err, size_t errlen);
void q4t_topology_free(q4t_topology *t);

q4t_topology_stats q4t_topology_get_stats(const q4t_topology *t);
/* Kind k in rank order (0 = slowest), NULL if k is out of range. Valid until
 * q4t_topology_free. */
const q4t_cpu_kind *q4t_topology_kind(const q4t_topology *t, int k);

/* One line for people, fastest kind first, cores counted per kind:
 * "1x Cortex-X3 + 3x Cortex-A715 + 4x Cortex-A510", "2x P-core (4 threads) + 4x E-core",
 * "4x core (4.5 GHz, 8 threads)". Unnamed kinds of a multi-kind machine say
 * "kind N". Truncates to len. */
void q4t_topology_summary(const q4t_topology *t, char *buf, size_t len);

/* Parses one mask (grammar above) into out (a bitmap the caller allocated).
 * t NULL: hex and lists only, checked for syntax but not against a machine.
 * Returns 0, or -1 with a message in err (out is then unspecified). */
int q4t_mask_parse(const q4t_topology *t, const char *spec, hwloc_bitmap_t out, char *err, size_t errlen);

/* "0xf0" (lowercase, no leading zeros; "0x0" when empty) and "0-3,6" (runs of
 * two or more as N-M; "" when empty). Return the length of the full text, as
 * snprintf does, or -1 for an infinite bitmap. */
int q4t_mask_format_hex(hwloc_const_bitmap_t m, char *buf, size_t len);
int q4t_mask_format_list(hwloc_const_bitmap_t m, char *buf, size_t len);

/* Fills order[0 .. min(n, max)) with the PUs of mask in the order threads
 * should be pinned to them, one PU per thread: cores fastest first (kind rank,
 * then core index), the first PU of every core before any core's second PU.
 * On a phone, thread 0 (the caller) lands on the big core. Returns n, the
 * number of the machine's PUs in mask. */
int q4t_mask_bind_order(const q4t_topology *t, hwloc_const_bitmap_t mask, int *order, int max);

typedef struct {
    char *label;        /* the mask as written, or the candidate's name */
    hwloc_bitmap_t pus;
} q4t_mask;

typedef struct {
    int n;
    q4t_mask *items;
} q4t_mask_list;

/* Parses a ';'-separated list of masks. Returns 0, or -1 with a message in err
 * (out is then empty). Free with q4t_mask_list_free. */
int q4t_masks_parse(const q4t_topology *t, const char *specs, q4t_mask_list *out, char *err, size_t errlen);

/* Candidate masks for the tuner, without duplicates (the first label of a set
 * of PUs wins), in this order, each followed by its -nosmt variant:
 *   all;
 *   with two kinds or more, per kind fastest first, 1..n cores of it:
 *     big:1 .. big, then mid:1 .. mid (kind:K:1 .. kind:K when there are several
 *     middle kinds), then little:1 .. little (the full kind is labelled without
 *     its count);
 *   fastest:1 .. fastest:(cores - 1).
 * On a machine whose kinds are unranked the labels are PU lists instead.
 * Returns 0, or -1 if out of memory. */
int q4t_candidates(const q4t_topology *t, q4t_mask_list *out);

void q4t_mask_list_free(q4t_mask_list *l);

#endif
