/* Topology, CPU kinds and affinity masks (harness/topology.h), on the synthetic
 * hwloc XML topologies of tests/topologies/ and on the live machine.
 * Usage: test_topology DIR (the folder holding the XML files).
 *
 * The XML files were made with hwloc 2.9's tools (the synthetic description is
 * kept in each file's SyntheticDescription info):
 *   phone.xml    lstopo -i "pack:1 [numa(memory=8GiB)] l3:1(size=8MiB) l2:8(size=512KiB)
 *                l1d:1(size=64KiB) core:1 pu:1" --of xml, then hwloc-annotate:
 *                cpukind 0x0f eff 0 FrequencyMaxMHz 2000 (Cortex-A510, named by the
 *                CPUImplementer 0x41 / CPUPart 0xd46 infos of PUs 0-3, as hwloc's Linux
 *                backend reads them from /proc/cpuinfo); cpukind 0x70 eff 1
 *                FrequencyMaxMHz 2800 MIDR 0x410fd4d0 (Cortex-A715); cpukind 0x80 eff 2
 *                FrequencyMaxMHz 3200 MIDR 0x410fd4e0 (Cortex-X3)
 *   server.xml   2 packages x 4 cores x 2 PUs, Linux numbering (core c of package p:
 *                PUs 4p+c and 8+4p+c), no CPU kinds
 *   smt.xml      1 package, 4 cores x 2 PUs (core c: PUs c and c+4), one kind, 4500 MHz
 *   hybrid.xml   2 SMT P-cores (PUs 0-3, CoreType IntelCore, eff 1) + 4 E-cores (PUs
 *                4-7, IntelAtom, eff 0): 6 SMT cores restricted with lstopo --restrict 0xff
 *   offline.xml  4 cores, PU 2 offline (in the complete cpuset only): lstopo --restrict
 *                0xb, then complete_cpuset="0x0000000f" on the Machine
 *   unranked.xml 4 cores, two kinds (PUs 0-1, 2-3) of unknown efficiency
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "topology.h"

static const char *dir;

static q4t_topology *load(const char *file)
{
    char path[1024], err[512];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    q4t_topology *t = NULL;
    const int rc = q4t_topology_load(&t, path, err, sizeof err);
    CHECK(rc == 0 && t, "loading %s: %s", path, err);
    return rc == 0 ? t : NULL;
}

/* spec parses, and its PUs print as the list `want`. */
static void expect_mask(const q4t_topology *t, const char *spec, const char *want)
{
    hwloc_bitmap_t m = hwloc_bitmap_alloc();
    char err[512] = "", got[256] = "";
    const int rc = q4t_mask_parse(t, spec, m, err, sizeof err);
    if (rc == 0)
        q4t_mask_format_list(m, got, sizeof got);
    CHECK(rc == 0 && strcmp(got, want) == 0, "mask '%s': got rc %d '%s' (%s), want '%s'", spec, rc, got, err, want);
    hwloc_bitmap_free(m);
}

/* spec is refused with a message that contains `want`. */
static void expect_error(const q4t_topology *t, const char *spec, const char *want)
{
    hwloc_bitmap_t m = hwloc_bitmap_alloc();
    char err[512] = "";
    const int rc = q4t_mask_parse(t, spec, m, err, sizeof err);
    CHECK(rc == -1 && strstr(err, want), "mask '%s': rc %d, message '%s', want one containing '%s'", spec, rc, err,
          want);
    hwloc_bitmap_free(m);
}

static void test_format(void)
{
    hwloc_bitmap_t m = hwloc_bitmap_alloc();
    char buf[256];

    hwloc_bitmap_set_range(m, 4, 7);
    CHECK(q4t_mask_format_hex(m, buf, sizeof buf) == 4 && strcmp(buf, "0xf0") == 0, "hex of 4-7: '%s'", buf);
    CHECK(q4t_mask_format_list(m, buf, sizeof buf) == 3 && strcmp(buf, "4-7") == 0, "list of 4-7: '%s'", buf);

    hwloc_bitmap_zero(m);
    CHECK(q4t_mask_format_hex(m, buf, sizeof buf) == 3 && strcmp(buf, "0x0") == 0, "hex of nothing: '%s'", buf);
    CHECK(q4t_mask_format_list(m, buf, sizeof buf) == 0 && strcmp(buf, "") == 0, "list of nothing: '%s'", buf);

    hwloc_bitmap_set(m, 0);
    hwloc_bitmap_set(m, 2);
    hwloc_bitmap_set(m, 4);
    CHECK(q4t_mask_format_hex(m, buf, sizeof buf) == 4 && strcmp(buf, "0x15") == 0, "hex of 0,2,4: '%s'", buf);
    CHECK(q4t_mask_format_list(m, buf, sizeof buf) == 5 && strcmp(buf, "0,2,4") == 0, "list of 0,2,4: '%s'", buf);

    hwloc_bitmap_zero(m);
    hwloc_bitmap_set_range(m, 0, 1);
    hwloc_bitmap_set(m, 100);
    CHECK(q4t_mask_format_list(m, buf, sizeof buf) == 7 && strcmp(buf, "0-1,100") == 0, "list: '%s'", buf);
    CHECK(q4t_mask_format_hex(m, buf, sizeof buf) == 28 && strcmp(buf, "0x10000000000000000000000003") == 0,
          "hex of 0-1,100: '%s'", buf);

    /* snprintf semantics: the full length comes back, the text is cut. */
    hwloc_bitmap_zero(m);
    hwloc_bitmap_set_range(m, 0, 3);
    hwloc_bitmap_set(m, 6);
    memset(buf, 'x', sizeof buf);
    CHECK(q4t_mask_format_list(m, buf, 3) == 5 && strcmp(buf, "0-") == 0, "cut list: '%s'", buf);
    CHECK(buf[3] == 'x', "list wrote past its buffer");
    memset(buf, 'x', sizeof buf);
    CHECK(q4t_mask_format_hex(m, buf, 3) == 4 && strcmp(buf, "0x") == 0, "cut hex: '%s'", buf);

    hwloc_bitmap_fill(m);
    CHECK(q4t_mask_format_hex(m, buf, sizeof buf) == -1 && q4t_mask_format_list(m, buf, sizeof buf) == -1,
          "an infinite bitmap cannot be printed");
    hwloc_bitmap_free(m);
}

/* Syntax without a machine (t NULL), round trips, and the syntax errors. */
static void test_syntax(void)
{
    expect_mask(NULL, "0xF0", "4-7");
    expect_mask(NULL, "0xf0", "4-7");
    expect_mask(NULL, "0X1", "0");
    expect_mask(NULL, "0x0000000f", "0-3");
    expect_mask(NULL, "4-7", "4-7");
    expect_mask(NULL, "0,2,4", "0,2,4");
    expect_mask(NULL, "0-3,6", "0-3,6");
    expect_mask(NULL, "3,1,2", "1-3");
    expect_mask(NULL, "5-5", "5");
    expect_mask(NULL, "0", "0");
    expect_mask(NULL, "  4-7 \t", "4-7");
    expect_mask(NULL, "0-1,63-64,100-130", "0-1,63-64,100-130");

    /* hex -> bitmap -> list -> bitmap -> hex gives the same text and PUs. */
    static const char *const hexes[] = {"0x1", "0xf0", "0x15", "0x8000000000000001", "0x30000000000000000000000ff"};
    for (size_t i = 0; i < sizeof hexes / sizeof hexes[0]; i++) {
        hwloc_bitmap_t a = hwloc_bitmap_alloc(), b = hwloc_bitmap_alloc();
        char err[256] = "", list[256] = "", hex[256] = "";
        int rc = q4t_mask_parse(NULL, hexes[i], a, err, sizeof err);
        q4t_mask_format_list(a, list, sizeof list);
        rc |= q4t_mask_parse(NULL, list, b, err, sizeof err);
        q4t_mask_format_hex(b, hex, sizeof hex);
        CHECK(rc == 0 && hwloc_bitmap_isequal(a, b) && strcmp(hex, hexes[i]) == 0,
              "round trip %s -> %s -> %s (%s)", hexes[i], list, hex, err);
        hwloc_bitmap_free(a);
        hwloc_bitmap_free(b);
    }

    expect_error(NULL, "", "empty affinity mask");
    expect_error(NULL, "  ", "empty affinity mask");
    expect_error(NULL, "0x", "malformed hex mask, no digits after 0x");
    expect_error(NULL, "0xG1", "malformed hex mask, 'G' is not a hex digit");
    expect_error(NULL, "0x1,2", "malformed hex mask, ',' is not a hex digit");
    expect_error(NULL, "4-", "malformed PU list, it ends where a number should be");
    expect_error(NULL, "1,", "malformed PU list, it ends where a number should be");
    expect_error(NULL, "1,,2", "malformed PU list, expected a number at ',2'");
    expect_error(NULL, "4-x", "malformed PU list, expected a number at 'x'");
    expect_error(NULL, "7-4", "range 7-4 runs backwards");
    expect_error(NULL, "1;2", "malformed PU list at ';2'");
    expect_error(NULL, "1 2", "malformed PU list at ' 2'");
    expect_error(NULL, "3a", "malformed PU list at 'a'");
    expect_error(NULL, "99999", "PU number too large at '99999' (at most 65535)");
    expect_error(NULL, "-3", "malformed, expected a hex mask (0xF0), a PU list (0-3,6) or a name");
    expect_error(NULL, "0x0", "affinity mask '0x0' selects no PU");
    expect_error(NULL, "big", "a name needs the machine's topology");
}

static void test_phone(void)
{
    q4t_topology *t = load("phone.xml");
    if (!t)
        return;
    const q4t_topology_stats s = q4t_topology_get_stats(t);
    CHECK(s.packages == 1 && s.cores == 8 && s.pus == 8, "phone: %d packages, %d cores, %d PUs", s.packages, s.cores,
          s.pus);
    CHECK(s.nkinds == 3 && s.ranked && s.hwloc_kinds && !s.this_system, "phone: %d kinds, ranked %d, hwloc %d, this %d",
          s.nkinds, s.ranked, s.hwloc_kinds, s.this_system);
    CHECK(s.largest_cache == 8u << 20 && s.largest_cache_level == 3, "phone: largest cache %llu at L%d",
          (unsigned long long)s.largest_cache, s.largest_cache_level);

    static const struct {
        const char *name, *pus;
        int cores;
        unsigned mhz;
        uint32_t midr;
    } want[] = {
        {"Cortex-A510", "0-3", 4, 2000, 0x4100d460}, /* from the PUs' CPUImplementer/CPUPart */
        {"Cortex-A715", "4-6", 3, 2800, 0x410fd4d0},
        {"Cortex-X3", "7", 1, 3200, 0x410fd4e0},
    };
    for (int k = 0; k < 3; k++) {
        const q4t_cpu_kind *kind = q4t_topology_kind(t, k);
        char pus[64] = "";
        if (kind)
            q4t_mask_format_list(kind->cpuset, pus, sizeof pus);
        CHECK(kind && kind->name && strcmp(kind->name, want[k].name) == 0 && strcmp(pus, want[k].pus) == 0 &&
                  kind->rank == k && kind->efficiency == k && kind->cores == want[k].cores &&
                  kind->pus == want[k].cores && kind->max_mhz == want[k].mhz && kind->midr == want[k].midr &&
                  !kind->core_type,
              "phone kind %d: %s, PUs %s, rank %d, eff %d, %d cores, %d PUs, %u MHz, MIDR 0x%08x", k,
              kind && kind->name ? kind->name : "(none)", pus, kind ? kind->rank : -9, kind ? kind->efficiency : -9,
              kind ? kind->cores : -9, kind ? kind->pus : -9, kind ? kind->max_mhz : 0, kind ? kind->midr : 0);
    }
    CHECK(!q4t_topology_kind(t, 3) && !q4t_topology_kind(t, -1), "phone has kinds 0-2 only");

    char buf[256];
    q4t_topology_summary(t, buf, sizeof buf);
    CHECK(strcmp(buf, "1x Cortex-X3 + 3x Cortex-A715 + 4x Cortex-A510") == 0, "phone summary: '%s'", buf);
    memset(buf, 'x', sizeof buf);
    q4t_topology_summary(t, buf, 10);
    CHECK(strcmp(buf, "1x Cortex") == 0 && buf[10] == 'x', "phone summary cut to 10 bytes: '%.12s'", buf);

    expect_mask(t, "all", "0-7");
    expect_mask(t, "big", "7");
    expect_mask(t, "little", "0-3");
    expect_mask(t, "mid", "4-6");
    expect_mask(t, "kind:0", "0-3");
    expect_mask(t, "kind:1", "4-6");
    expect_mask(t, "kind:2", "7");
    expect_mask(t, "fastest:1", "7");
    expect_mask(t, "fastest:2", "4,7");
    expect_mask(t, "fastest:4", "4-7");
    expect_mask(t, "fastest:5", "0,4-7");
    expect_mask(t, "fastest:8", "0-7");
    expect_mask(t, "big:1", "7");
    expect_mask(t, "mid:2", "4-5");
    expect_mask(t, "little:2-nosmt", "0-1");
    expect_mask(t, "kind:0:3", "0-2");
    expect_mask(t, "kind:1:1", "4");
    expect_mask(t, "0xF0", "4-7");
    expect_mask(t, "0-3,6", "0-3,6");

    expect_error(t, "8", "affinity mask '8': PU 8 does not exist (this machine has PUs 0-7)");
    expect_error(t, "0x100", "PU 8 does not exist (this machine has PUs 0-7)");
    expect_error(t, "0-8", "PU 8 does not exist");
    expect_error(t, "0x0", "selects no PU");
    expect_error(t, "kind:3", "this machine has 3 CPU kinds, kind:0 (slowest) to kind:2 (fastest)");
    expect_error(t, "fastest:0", "affinity mask 'fastest:0': wants 1 to 8 cores (the machine has 8)");
    expect_error(t, "fastest:9", "wants 1 to 8 cores (the machine has 8)");
    expect_error(t, "big:2", "wants 1 to 1 cores (big has 1)");
    expect_error(t, "mid:4", "wants 1 to 3 cores (mid has 3)");
    expect_error(t, "kind:0:5", "wants 1 to 4 cores (kind:0 has 4)");
    expect_error(t, "little:0", "wants 1 to 4 cores (little has 4)");
    expect_error(t, "fastest", "malformed, expected fastest:N");
    expect_error(t, "fastest:2:1", "malformed, expected fastest:N");
    expect_error(t, "fastest:x", "malformed, expected fastest:N");
    expect_error(t, "kind", "malformed, expected kind:N or kind:N:C");
    expect_error(t, "kind:x", "malformed, expected kind:N or kind:N:C");
    expect_error(t, "big:x", "malformed, expected big or big:C");
    expect_error(t, "bogus", "unknown name 'bogus' (known: all, big, little, mid, kind:N, fastest:N");
    expect_error(t, "all:3", "unknown name 'all:3'");
    expect_error(t, "big-nosmt-nosmt", "unknown name 'big-nosmt'");

    /* Strict binding order: the big core, then the A715s, then the A510s. */
    hwloc_bitmap_t m = hwloc_bitmap_alloc();
    char err[256];
    int order[16];
    q4t_mask_parse(t, "all", m, err, sizeof err);
    int n = q4t_mask_bind_order(t, m, order, 16);
    static const int want_order[] = {7, 4, 5, 6, 0, 1, 2, 3};
    CHECK(n == 8 && memcmp(order, want_order, sizeof want_order) == 0, "phone bind order: %d PUs, %d %d %d %d ...", n,
          order[0], order[1], order[2], order[3]);
    order[2] = -5;
    n = q4t_mask_bind_order(t, m, order, 2);
    CHECK(n == 8 && order[0] == 7 && order[1] == 4 && order[2] == -5, "bind order into 2 slots: n %d, %d %d %d", n,
          order[0], order[1], order[2]);
    hwloc_bitmap_free(m);

    /* Mask lists. */
    q4t_mask_list l;
    int rc = q4t_masks_parse(t, "big; little ;0-3,6;0xF0", &l, err, sizeof err);
    static const char *const labels[] = {"big", "little", "0-3,6", "0xF0"};
    static const char *const lists[] = {"7", "0-3", "0-3,6", "4-7"};
    CHECK(rc == 0 && l.n == 4, "mask list: rc %d, %d masks (%s)", rc, l.n, err);
    for (int i = 0; rc == 0 && i < l.n && i < 4; i++) {
        char pus[64];
        q4t_mask_format_list(l.items[i].pus, pus, sizeof pus);
        CHECK(strcmp(l.items[i].label, labels[i]) == 0 && strcmp(pus, lists[i]) == 0, "mask list item %d: '%s' = %s",
              i, l.items[i].label, pus);
    }
    q4t_mask_list_free(&l);
    CHECK(l.n == 0 && !l.items, "a freed list is empty");
    static const struct {
        const char *specs, *msg;
    } bad[] = {
        {"big;;little", "empty affinity mask in 'big;;little' (masks are separated by ';')"},
        {"big;", "empty affinity mask in 'big;'"},
        {"", "empty affinity mask in ''"},
        {"big; ;little", "empty affinity mask"},
        {"big;kind:9", "this machine has 3 CPU kinds"},
        {"0-3,8;big", "PU 8 does not exist"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        rc = q4t_masks_parse(t, bad[i].specs, &l, err, sizeof err);
        CHECK(rc == -1 && l.n == 0 && !l.items && strstr(err, bad[i].msg), "mask list '%s': rc %d, %d masks, '%s'",
              bad[i].specs, rc, l.n, err);
    }
    q4t_topology_free(t);
}

/* Exact candidates (label and PU list, in order); every label parses back to
 * the same PUs. */
static void expect_candidates(const char *file, const char *const *want, int nwant)
{
    q4t_topology *t = load(file);
    if (!t)
        return;
    q4t_mask_list l;
    const int rc = q4t_candidates(t, &l);
    CHECK(rc == 0 && l.n == nwant, "%s: rc %d, %d candidates, want %d", file, rc, l.n, nwant);
    for (int i = 0; i < l.n; i++) {
        char got[128], pus[96];
        q4t_mask_format_list(l.items[i].pus, pus, sizeof pus);
        snprintf(got, sizeof got, "%s=%s", l.items[i].label, pus);
        CHECK(i < nwant && strcmp(got, want[i]) == 0, "%s candidate %d: '%s', want '%s'", file, i, got,
              i < nwant ? want[i] : "(none)");
        hwloc_bitmap_t back = hwloc_bitmap_alloc();
        char err[256] = "";
        CHECK(q4t_mask_parse(t, l.items[i].label, back, err, sizeof err) == 0 &&
                  hwloc_bitmap_isequal(back, l.items[i].pus),
              "%s: candidate label '%s' does not parse back to %s (%s)", file, l.items[i].label, pus, err);
        for (int j = 0; j < i; j++)
            CHECK(!hwloc_bitmap_isequal(l.items[j].pus, l.items[i].pus), "%s: candidates %d and %d are the same", file,
                  j, i);
        hwloc_bitmap_free(back);
    }
    q4t_mask_list_free(&l);
    q4t_topology_free(t);
}

static void test_candidates(void)
{
    static const char *const phone[] = {
        "all=0-7",      "big=7",        "mid:1=4",        "mid:2=4-5",      "mid=4-6",
        "little:1=0",   "little:2=0-1", "little:3=0-2",   "little=0-3",     "fastest:2=4,7",
        "fastest:3=4-5,7", "fastest:4=4-7", "fastest:5=0,4-7", "fastest:6=0-1,4-7", "fastest:7=0-2,4-7",
    };
    expect_candidates("phone.xml", phone, sizeof phone / sizeof phone[0]);
    static const char *const server[] = {
        "all=0-15",          "all-nosmt=0-7",     "fastest:1=0,8",      "fastest:1-nosmt=0",
        "fastest:2=0-1,8-9", "fastest:2-nosmt=0-1", "fastest:3=0-2,8-10", "fastest:3-nosmt=0-2",
        "fastest:4=0-3,8-11", "fastest:4-nosmt=0-3", "fastest:5=0-4,8-12", "fastest:5-nosmt=0-4",
        "fastest:6=0-5,8-13", "fastest:6-nosmt=0-5", "fastest:7=0-6,8-14", "fastest:7-nosmt=0-6",
    };
    expect_candidates("server.xml", server, sizeof server / sizeof server[0]);
    static const char *const smt[] = {
        "all=0-7",          "all-nosmt=0-3",     "fastest:1=0,4",      "fastest:1-nosmt=0",
        "fastest:2=0-1,4-5", "fastest:2-nosmt=0-1", "fastest:3=0-2,4-6", "fastest:3-nosmt=0-2",
    };
    expect_candidates("smt.xml", smt, sizeof smt / sizeof smt[0]);
    static const char *const hybrid[] = {
        "all=0-7",       "all-nosmt=0,2,4-7", "big:1=0-1",         "big:1-nosmt=0",
        "big=0-3",       "big-nosmt=0,2",     "little:1=4",        "little:2=4-5",
        "little:3=4-6",  "little=4-7",        "fastest:3=0-4",     "fastest:3-nosmt=0,2,4",
        "fastest:4=0-5", "fastest:4-nosmt=0,2,4-5", "fastest:5=0-6", "fastest:5-nosmt=0,2,4-6",
    };
    expect_candidates("hybrid.xml", hybrid, sizeof hybrid / sizeof hybrid[0]);
    static const char *const unranked[] = {"all=0-3", "0=0", "0-1=0-1", "2=2", "2-3=2-3"};
    expect_candidates("unranked.xml", unranked, sizeof unranked / sizeof unranked[0]);
}

static void test_others(void)
{
    char buf[256];
    q4t_topology *t = load("server.xml");
    if (t) {
        const q4t_topology_stats s = q4t_topology_get_stats(t);
        const q4t_cpu_kind *k = q4t_topology_kind(t, 0);
        CHECK(s.packages == 2 && s.cores == 8 && s.pus == 16 && s.nkinds == 1 && s.ranked && !s.hwloc_kinds &&
                  s.largest_cache == 32u << 20 && s.largest_cache_level == 3,
              "server: %d packages, %d cores, %d PUs, %d kinds, hwloc kinds %d, cache %llu", s.packages, s.cores, s.pus,
              s.nkinds, s.hwloc_kinds, (unsigned long long)s.largest_cache);
        CHECK(k && !k->name && k->efficiency == -1 && k->cores == 8 && k->pus == 16 && k->max_mhz == 0 &&
                  hwloc_bitmap_weight(k->cpuset) == 16,
              "server: its one kind has every PU");
        q4t_topology_summary(t, buf, sizeof buf);
        CHECK(strcmp(buf, "8x core (16 threads)") == 0, "server summary: '%s'", buf);
        expect_mask(t, "big", "0-15");
        expect_mask(t, "little", "0-15");
        expect_mask(t, "kind:0", "0-15");
        expect_mask(t, "all-nosmt", "0-7");
        expect_mask(t, "fastest:2", "0-1,8-9");
        expect_mask(t, "fastest:5", "0-4,8-12");
        expect_error(t, "mid", "affinity mask 'mid': this machine has 1 CPU kind, so none lies between little and big");
        expect_error(t, "kind:1", "this machine has 1 CPU kind, kind:0");
        expect_error(t, "16", "PU 16 does not exist (this machine has PUs 0-15)");
        hwloc_bitmap_t m = hwloc_bitmap_alloc();
        int order[16];
        q4t_mask_parse(t, "fastest:2", m, buf, sizeof buf);
        const int n = q4t_mask_bind_order(t, m, order, 16);
        CHECK(n == 4 && order[0] == 0 && order[1] == 1 && order[2] == 8 && order[3] == 9,
              "server fastest:2 bind order: %d PUs, %d %d %d %d", n, order[0], order[1], order[2], order[3]);
        hwloc_bitmap_free(m);
        q4t_topology_free(t);
    }

    if ((t = load("smt.xml"))) {
        const q4t_topology_stats s = q4t_topology_get_stats(t);
        const q4t_cpu_kind *k = q4t_topology_kind(t, 0);
        CHECK(s.packages == 1 && s.cores == 4 && s.pus == 8 && s.nkinds == 1 && s.hwloc_kinds &&
                  s.largest_cache == 16u << 20,
              "smt: %d packages, %d cores, %d PUs, %d kinds", s.packages, s.cores, s.pus, s.nkinds);
        CHECK(k && !k->name && k->efficiency == 0 && k->max_mhz == 4500 && k->cores == 4 && k->pus == 8,
              "smt: one kind at 4500 MHz");
        q4t_topology_summary(t, buf, sizeof buf);
        CHECK(strcmp(buf, "4x core (4.5 GHz, 8 threads)") == 0, "smt summary: '%s'", buf);
        expect_mask(t, "all-nosmt", "0-3");
        expect_mask(t, "fastest:2-nosmt", "0-1");
        expect_mask(t, "fastest:3", "0-2,4-6");
        q4t_topology_free(t);
    }

    if ((t = load("hybrid.xml"))) {
        const q4t_topology_stats s = q4t_topology_get_stats(t);
        const q4t_cpu_kind *e = q4t_topology_kind(t, 0), *p = q4t_topology_kind(t, 1);
        CHECK(s.cores == 6 && s.pus == 8 && s.nkinds == 2 && s.ranked, "hybrid: %d cores, %d PUs, %d kinds", s.cores,
              s.pus, s.nkinds);
        CHECK(e && p && strcmp(e->name, "E-core") == 0 && strcmp(e->core_type, "IntelAtom") == 0 && e->cores == 4 &&
                  e->pus == 4 && e->max_mhz == 3300 && strcmp(p->name, "P-core") == 0 &&
                  strcmp(p->core_type, "IntelCore") == 0 && p->cores == 2 && p->pus == 4 && p->max_mhz == 4700 &&
                  !p->midr,
              "hybrid kinds: E-cores then P-cores");
        q4t_topology_summary(t, buf, sizeof buf);
        CHECK(strcmp(buf, "2x P-core (4 threads) + 4x E-core") == 0, "hybrid summary: '%s'", buf);
        expect_mask(t, "big", "0-3");
        expect_mask(t, "big-nosmt", "0,2");
        expect_mask(t, "little", "4-7");
        expect_mask(t, "kind:1:1", "0-1");
        expect_mask(t, "fastest:3", "0-4");
        expect_mask(t, "fastest:3-nosmt", "0,2,4");
        expect_mask(t, "all-nosmt", "0,2,4-7");
        expect_error(t, "kind:9",
                     "affinity mask 'kind:9': this machine has 2 CPU kinds, kind:0 (slowest) to kind:1 (fastest)");
        expect_error(t, "mid",
                     "affinity mask 'mid': this machine has 2 CPU kinds, so none lies between little and big");
        hwloc_bitmap_t m = hwloc_bitmap_alloc();
        int order[8];
        q4t_mask_parse(t, "all", m, buf, sizeof buf);
        int n = q4t_mask_bind_order(t, m, order, 8);
        static const int want[] = {0, 2, 4, 5, 6, 7, 1, 3};
        CHECK(n == 8 && memcmp(order, want, sizeof want) == 0, "hybrid bind order: %d %d %d %d %d %d %d %d", order[0],
              order[1], order[2], order[3], order[4], order[5], order[6], order[7]);
        q4t_mask_parse(t, "1,3,4", m, buf, sizeof buf);
        n = q4t_mask_bind_order(t, m, order, 8);
        CHECK(n == 3 && order[0] == 1 && order[1] == 3 && order[2] == 4, "hybrid 1,3,4 bind order: %d %d %d",
              order[0], order[1], order[2]);
        hwloc_bitmap_free(m);
        q4t_topology_free(t);
    }

    if ((t = load("offline.xml"))) {
        const q4t_topology_stats s = q4t_topology_get_stats(t);
        CHECK(s.cores == 3 && s.pus == 3 && s.largest_cache == 0 && s.largest_cache_level == 0,
              "offline: %d cores, %d PUs, cache %llu", s.cores, s.pus, (unsigned long long)s.largest_cache);
        q4t_topology_summary(t, buf, sizeof buf);
        CHECK(strcmp(buf, "3x core") == 0, "offline summary: '%s'", buf);
        expect_mask(t, "all", "0-1,3");
        expect_mask(t, "0x8", "3");
        expect_error(t, "2", "affinity mask '2': PU 2 is offline or not available to this process (usable PUs: 0-1,3)");
        expect_error(t, "0x4", "PU 2 is offline or not available to this process");
        expect_error(t, "0-3", "PU 2 is offline");
        expect_error(t, "4", "PU 4 does not exist (this machine has PUs 0-3)");
        q4t_topology_free(t);
    }

    if ((t = load("unranked.xml"))) {
        const q4t_topology_stats s = q4t_topology_get_stats(t);
        CHECK(s.nkinds == 2 && !s.ranked && s.hwloc_kinds, "unranked: %d kinds, ranked %d", s.nkinds, s.ranked);
        q4t_topology_summary(t, buf, sizeof buf);
        CHECK(strcmp(buf, "2x core (kind 1) + 2x core (kind 0)") == 0, "unranked summary: '%s'", buf);
        expect_mask(t, "all", "0-3");
        expect_mask(t, "2-3", "2-3");
        expect_error(t, "big", "affinity mask 'big': the 2 CPU kinds of this machine are not ranked");
        expect_error(t, "fastest:1", "are not ranked");
        expect_error(t, "kind:0", "are not ranked");
        q4t_topology_free(t);
    }

    char err[512] = "";
    q4t_topology *none = (q4t_topology *)&err; /* must be reset to NULL */
    char path[1024];
    snprintf(path, sizeof path, "%s/no-such-file.xml", dir);
    CHECK(q4t_topology_load(&none, path, err, sizeof err) == -1 && !none && strstr(err, "no-such-file.xml"),
          "a missing XML file: '%s'", err);
}

/* HWLOC_XMLFILE makes hwloc load that file in place of this machine. */
static void test_env(void)
{
    char path[1024], err[512] = "", buf[256] = "";
    snprintf(path, sizeof path, "%s/phone.xml", dir);
    setenv("HWLOC_XMLFILE", path, 1);
    q4t_topology *t = NULL;
    const int rc = q4t_topology_load(&t, NULL, err, sizeof err);
    if (rc == 0)
        q4t_topology_summary(t, buf, sizeof buf);
    CHECK(rc == 0 && strcmp(buf, "1x Cortex-X3 + 3x Cortex-A715 + 4x Cortex-A510") == 0 &&
              !q4t_topology_get_stats(t).this_system,
          "HWLOC_XMLFILE=%s: rc %d, '%s' (%s)", path, rc, buf, err);
    q4t_topology_free(t);
    unsetenv("HWLOC_XMLFILE");
}

static void test_live(void)
{
    q4t_topology *t = NULL;
    char err[512] = "", buf[512] = "";
    if (q4t_topology_load(&t, NULL, err, sizeof err) != 0) {
        CHECK(0, "this machine's topology: %s", err);
        return;
    }
    const q4t_topology_stats s = q4t_topology_get_stats(t);
    const long online = sysconf(_SC_NPROCESSORS_ONLN);
    CHECK(s.packages >= 1 && s.cores >= s.packages && s.pus >= s.cores && s.pus <= online && s.nkinds >= 1 &&
              s.this_system,
          "live: %d packages, %d cores, %d PUs (%ld online), %d kinds, this system %d", s.packages, s.cores, s.pus,
          online, s.nkinds, s.this_system);
    int cores = 0, pus = 0;
    hwloc_bitmap_t all = hwloc_bitmap_alloc(), kinds = hwloc_bitmap_alloc();
    for (int k = 0; k < s.nkinds; k++) {
        const q4t_cpu_kind *kind = q4t_topology_kind(t, k);
        CHECK(kind->rank == k && kind->cores >= 1 && kind->pus >= kind->cores &&
                  !hwloc_bitmap_intersects(kinds, kind->cpuset),
              "live kind %d: rank %d, %d cores, %d PUs (or it overlaps an earlier kind)", k, kind->rank, kind->cores,
              kind->pus);
        cores += kind->cores;
        pus += kind->pus;
        hwloc_bitmap_or(kinds, kinds, kind->cpuset);
    }
    CHECK(cores == s.cores && pus == s.pus, "live kinds hold %d cores and %d PUs of %d and %d", cores, pus, s.cores,
          s.pus);
    CHECK(q4t_mask_parse(t, "all", all, err, sizeof err) == 0 && hwloc_bitmap_weight(all) == s.pus &&
              hwloc_bitmap_isequal(all, kinds),
          "live: 'all' is every PU of every kind (%s)", err);
    q4t_topology_summary(t, buf, sizeof buf);
    CHECK(strchr(buf, 'x') && buf[0] >= '1' && buf[0] <= '9', "live summary: '%s'", buf);
    q4t_mask_list l;
    CHECK(q4t_candidates(t, &l) == 0 && l.n >= 1 && strcmp(l.items[0].label, "all") == 0 &&
              hwloc_bitmap_isequal(l.items[0].pus, all),
          "live candidates start with all");
    printf("this machine: %s; %d packages, %d cores, %d PUs, largest cache %llu KiB (L%d); %d candidate masks\n", buf,
           s.packages, s.cores, s.pus, (unsigned long long)(s.largest_cache >> 10), s.largest_cache_level, l.n);
    q4t_mask_list_free(&l);
    hwloc_bitmap_free(all);
    hwloc_bitmap_free(kinds);
    q4t_topology_free(t);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_topology DIR (tests/topologies)\n");
        return 2;
    }
    dir = argv[1];
    unsetenv("HWLOC_XMLFILE"); /* the live test is of this machine */
    test_format();
    test_syntax();
    test_phone();
    test_candidates();
    test_others();
    test_env();
    test_live();
    return check_done("test_topology");
}
