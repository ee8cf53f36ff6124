/* Machine topology, CPU kinds and affinity masks: see topology.h. */
#define _GNU_SOURCE
#include "topology.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"

enum { MAX_PU = 65535, MAX_HEX_DIGITS = 1024 };

typedef struct {
    hwloc_bitmap_t pus; /* its online PUs */
    int first_pu;       /* lowest OS index among them */
    int kind;           /* rank */
} core_t;

typedef struct {
    q4t_cpu_kind pub;
    hwloc_bitmap_t set;
    char name[32];
} kind_t;

struct q4t_topology {
    hwloc_topology_t topo;
    hwloc_bitmap_t online;   /* the PUs masks may use */
    hwloc_bitmap_t complete; /* every PU hwloc knows of, online or not */
    q4t_topology_stats stats;
    kind_t *kinds;           /* by rank, 0 = slowest */
    int kinds_cap;
    core_t *cores;           /* in hwloc logical order */
    int cores_cap;
    int *order;              /* core indexes, fastest first: kind rank, then core index */
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* snprintf that appends at *used and keeps counting past the end of buf. */
static void put(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
    const size_t room = *used < len ? len - *used : 0;
    va_list ap;
    va_start(ap, fmt);
    const int n = vsnprintf(room ? buf + *used : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        *used += (size_t)n;
}

/* ---- loading ---------------------------------------------------------- */

static const char *kind_info(unsigned ninfos, const struct hwloc_info_s *infos, const char *name)
{
    for (unsigned i = 0; i < ninfos; i++)
        if (infos[i].name && infos[i].value && strcmp(infos[i].name, name) == 0)
            return infos[i].value;
    return NULL;
}

static int parse_ulong(const char *s, unsigned long *v)
{
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    *v = strtoul(s, &end, 0);
    while (isspace((unsigned char)*end))
        end++;
    return errno || *end ? -1 : 0;
}

/* MIDR of a kind: its MIDR info, the live sysfs register, or CPUImplementer and
 * CPUPart infos of its first PU or of an ancestor holding only PUs of the kind. */
static uint32_t kind_midr(const q4t_topology *t, const kind_t *k, unsigned ninfos, const struct hwloc_info_s *infos)
{
    unsigned long v;
    if (parse_ulong(kind_info(ninfos, infos, "MIDR"), &v) == 0 && v)
        return (uint32_t)v;
    const int pu = hwloc_bitmap_first(k->set);
    if (t->stats.this_system) {
        char path[96];
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/regs/identification/midr_el1", pu);
        FILE *f = fopen(path, "r");
        if (f) {
            unsigned long long r;
            const int ok = fscanf(f, "%llx", &r) == 1;
            fclose(f);
            if (ok && (uint32_t)r)
                return (uint32_t)r;
        }
    }
    for (hwloc_obj_t o = hwloc_get_pu_obj_by_os_index(t->topo, (unsigned)pu); o && o->cpuset; o = o->parent) {
        if (!hwloc_bitmap_isincluded(o->cpuset, k->set))
            break;
        unsigned long impl, part;
        if (parse_ulong(hwloc_obj_get_info_by_name(o, "CPUImplementer"), &impl) == 0 &&
            parse_ulong(hwloc_obj_get_info_by_name(o, "CPUPart"), &part) == 0 && impl <= 0xff && part <= 0xfff)
            return (uint32_t)(impl << 24 | part << 4);
    }
    return 0;
}

static void name_kind(const q4t_topology *t, kind_t *k, unsigned ninfos, const struct hwloc_info_s *infos)
{
    unsigned long mhz;
    if (parse_ulong(kind_info(ninfos, infos, "FrequencyMaxMHz"), &mhz) == 0 && mhz < 1000000)
        k->pub.max_mhz = (unsigned)mhz;
    k->pub.core_type = kind_info(ninfos, infos, "CoreType");
    k->pub.midr = kind_midr(t, k, ninfos, infos);
    if (k->pub.midr) {
        const char *arm = q4t_arm_core_name(k->pub.midr);
        if (arm)
            snprintf(k->name, sizeof k->name, "%s", arm);
        else
            snprintf(k->name, sizeof k->name, "MIDR 0x%08x", (unsigned)k->pub.midr);
    } else if (k->pub.core_type) {
        const char *ct = k->pub.core_type;
        snprintf(k->name, sizeof k->name, "%s",
                 strcmp(ct, "IntelCore") == 0 ? "P-core" : strcmp(ct, "IntelAtom") == 0 ? "E-core" : ct);
    }
    k->pub.name = k->name[0] ? k->name : NULL;
}

static int cmp_efficiency(const void *a, const void *b)
{
    const kind_t *x = a, *y = b;
    return (x->pub.efficiency > y->pub.efficiency) - (x->pub.efficiency < y->pub.efficiency);
}

/* Kinds from hwloc (restricted to online PUs; PUs hwloc left out form one more
 * kind, of unknown efficiency), in hwloc's efficiency order, or unranked. */
static int build_kinds(q4t_topology *t)
{
    const int nr = hwloc_cpukinds_get_nr(t->topo, 0);
    const int cap = (nr > 0 ? nr : 0) + 1;
    struct kind_infos {
        unsigned n;
        struct hwloc_info_s *infos;
    } *info = calloc((size_t)cap, sizeof *info);
    t->kinds = calloc((size_t)cap, sizeof *t->kinds);
    t->kinds_cap = t->kinds ? cap : 0;
    hwloc_bitmap_t covered = hwloc_bitmap_alloc();
    if (!info || !t->kinds || !covered)
        goto oom;
    int n = 0;
    for (int i = 0; i < nr; i++) {
        kind_t *k = &t->kinds[n];
        if (!(k->set = hwloc_bitmap_alloc()))
            goto oom;
        int eff = -1;
        info[n].n = 0;
        info[n].infos = NULL;
        if (hwloc_cpukinds_get_info(t->topo, (unsigned)i, k->set, &eff, &info[n].n, &info[n].infos, 0) != 0)
            hwloc_bitmap_zero(k->set);
        hwloc_bitmap_and(k->set, k->set, t->online);
        hwloc_bitmap_andnot(k->set, k->set, covered);
        if (hwloc_bitmap_iszero(k->set)) {
            hwloc_bitmap_free(k->set);
            k->set = NULL;
            continue;
        }
        hwloc_bitmap_or(covered, covered, k->set);
        k->pub.efficiency = eff;
        n++;
    }
    t->stats.hwloc_kinds = n > 0;
    if (!hwloc_bitmap_isequal(covered, t->online)) {
        kind_t *k = &t->kinds[n];
        if (!(k->set = hwloc_bitmap_dup(t->online)))
            goto oom;
        hwloc_bitmap_andnot(k->set, k->set, covered);
        k->pub.efficiency = -1;
        info[n].n = 0;
        info[n].infos = NULL;
        n++;
    }
    hwloc_bitmap_free(covered);
    covered = NULL;
    t->stats.nkinds = n;
    for (int i = 0; i < n; i++)
        name_kind(t, &t->kinds[i], info[i].n, info[i].infos);

    /* hwloc ranks by its efficiency, falling back on core types and frequencies
     * itself; -1 means it could not. */
    int by_eff = 1;
    for (int i = 0; i < n; i++) {
        by_eff &= t->kinds[i].pub.efficiency >= 0;
        for (int j = 0; j < i; j++)
            by_eff &= t->kinds[i].pub.efficiency != t->kinds[j].pub.efficiency;
    }
    t->stats.ranked = n == 1 || by_eff;
    if (n > 1 && by_eff)
        qsort(t->kinds, (size_t)n, sizeof *t->kinds, cmp_efficiency);
    for (int i = 0; i < n; i++) {
        kind_t *k = &t->kinds[i];
        k->pub.name = k->name[0] ? k->name : NULL; /* the name moved with the struct */
        k->pub.rank = i;
        k->pub.pus = hwloc_bitmap_weight(k->set);
        k->pub.cpuset = k->set;
    }
    free(info);
    return 0;
oom:
    free(info);
    hwloc_bitmap_free(covered);
    return -1;
}

static int build(q4t_topology *t, char *err, size_t errlen)
{
    hwloc_topology_t topo = t->topo;
    t->stats.this_system = hwloc_topology_is_thissystem(topo);
    t->online = hwloc_bitmap_dup(hwloc_topology_get_topology_cpuset(topo));
    t->complete = hwloc_bitmap_dup(hwloc_topology_get_complete_cpuset(topo));
    if (!t->online || !t->complete)
        return fail(err, errlen, "out of memory");
    hwloc_bitmap_and(t->online, t->online, hwloc_topology_get_allowed_cpuset(topo));
    hwloc_bitmap_or(t->complete, t->complete, t->online);
    if (hwloc_bitmap_iszero(t->online))
        return fail(err, errlen, "hwloc found no usable PU");

    /* Cores, in logical order; a PU without a Core above it is its own core.
     * The PUs of a core are consecutive in logical order. */
    const int npu = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
    t->cores = calloc((size_t)(npu > 0 ? npu : 1), sizeof *t->cores);
    t->cores_cap = t->cores ? (npu > 0 ? npu : 1) : 0;
    t->order = calloc((size_t)(npu > 0 ? npu : 1), sizeof *t->order);
    if (!t->cores || !t->order)
        return fail(err, errlen, "out of memory");
    hwloc_obj_t last = NULL;
    int ncores = 0;
    for (hwloc_obj_t pu = NULL; (pu = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_PU, pu));) {
        if (!hwloc_bitmap_isset(t->online, pu->os_index))
            continue;
        hwloc_obj_t core = hwloc_get_ancestor_obj_by_type(topo, HWLOC_OBJ_CORE, pu);
        if (!core)
            core = pu;
        if (core != last) {
            if (!(t->cores[ncores].pus = hwloc_bitmap_alloc()))
                return fail(err, errlen, "out of memory");
            ncores++;
            last = core;
        }
        hwloc_bitmap_set(t->cores[ncores - 1].pus, pu->os_index);
    }
    t->stats.cores = ncores;
    t->stats.pus = hwloc_bitmap_weight(t->online);
    int packages = 0;
    for (hwloc_obj_t p = NULL; (p = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_PACKAGE, p));)
        packages += hwloc_bitmap_intersects(p->cpuset, t->online);
    t->stats.packages = packages > 0 ? packages : 1;

    const int depth = hwloc_topology_get_depth(topo);
    for (int d = 0; d < depth; d++) {
        if (!hwloc_obj_type_is_dcache(hwloc_get_depth_type(topo, d)))
            continue;
        for (hwloc_obj_t o = NULL; (o = hwloc_get_next_obj_by_depth(topo, d, o));)
            if (o->attr->cache.size > t->stats.largest_cache) {
                t->stats.largest_cache = o->attr->cache.size;
                t->stats.largest_cache_level = (int)o->attr->cache.depth;
            }
    }

    if (build_kinds(t))
        return fail(err, errlen, "out of memory");
    for (int c = 0; c < ncores; c++) {
        core_t *core = &t->cores[c];
        core->first_pu = hwloc_bitmap_first(core->pus);
        core->kind = 0;
        for (int k = 0; k < t->stats.nkinds; k++)
            if (hwloc_bitmap_isset(t->kinds[k].set, (unsigned)core->first_pu))
                core->kind = k;
        t->kinds[core->kind].pub.cores++;
    }
    int i = 0;
    for (int k = t->stats.nkinds - 1; k >= 0; k--)
        for (int c = 0; c < ncores; c++)
            if (t->cores[c].kind == k)
                t->order[i++] = c;
    return 0;
}

int q4t_topology_load(q4t_topology **out, const char *xml_path, char *err, size_t errlen)
{
    *out = NULL;
    q4t_topology *t = calloc(1, sizeof *t);
    if (!t)
        return fail(err, errlen, "out of memory");
    if (hwloc_topology_init(&t->topo) != 0) {
        free(t);
        return fail(err, errlen, "hwloc_topology_init failed: %s", strerror(errno));
    }
    if (xml_path && hwloc_topology_set_xml(t->topo, xml_path) != 0) {
        fail(err, errlen, "cannot use topology XML '%s': %s", xml_path, strerror(errno));
        q4t_topology_free(t);
        return -1;
    }
    if (hwloc_topology_load(t->topo) != 0) {
        if (xml_path)
            fail(err, errlen, "hwloc cannot load topology XML '%s': %s", xml_path, strerror(errno));
        else
            fail(err, errlen, "hwloc cannot load the topology: %s", strerror(errno));
        q4t_topology_free(t);
        return -1;
    }
    if (build(t, err, errlen) != 0) {
        q4t_topology_free(t);
        return -1;
    }
    *out = t;
    return 0;
}

void q4t_topology_free(q4t_topology *t)
{
    if (!t)
        return;
    for (int k = 0; k < t->kinds_cap; k++)
        hwloc_bitmap_free(t->kinds[k].set);
    free(t->kinds);
    for (int c = 0; c < t->cores_cap; c++)
        hwloc_bitmap_free(t->cores[c].pus);
    free(t->cores);
    free(t->order);
    hwloc_bitmap_free(t->online);
    hwloc_bitmap_free(t->complete);
    if (t->topo)
        hwloc_topology_destroy(t->topo);
    free(t);
}

q4t_topology_stats q4t_topology_get_stats(const q4t_topology *t)
{
    return t->stats;
}

const q4t_cpu_kind *q4t_topology_kind(const q4t_topology *t, int k)
{
    return k >= 0 && k < t->stats.nkinds ? &t->kinds[k].pub : NULL;
}

void q4t_topology_summary(const q4t_topology *t, char *buf, size_t len)
{
    size_t used = 0;
    if (len)
        buf[0] = '\0';
    for (int k = t->stats.nkinds - 1; k >= 0; k--) {
        const q4t_cpu_kind *kind = &t->kinds[k].pub;
        put(buf, len, &used, "%s%dx %s", k == t->stats.nkinds - 1 ? "" : " + ", kind->cores,
            kind->name ? kind->name : "core");
        int details = 0;
        if (!kind->name && t->stats.nkinds > 1)
            put(buf, len, &used, "%skind %d", details++ ? ", " : " (", k);
        if (!kind->name && kind->max_mhz)
            put(buf, len, &used, "%s%.1f GHz", details++ ? ", " : " (", kind->max_mhz / 1000.0);
        if (kind->pus > kind->cores)
            put(buf, len, &used, "%s%d threads", details++ ? ", " : " (", kind->pus);
        if (details)
            put(buf, len, &used, ")");
    }
}

/* ---- masks ------------------------------------------------------------- */

/* The first `count` cores (0: all) of kinds lo..hi, fastest first; with nosmt
 * only the first PU of each. */
static void select_cores(const q4t_topology *t, int lo, int hi, int count, int nosmt, hwloc_bitmap_t out)
{
    hwloc_bitmap_zero(out);
    int taken = 0;
    for (int i = 0; i < t->stats.cores && (count == 0 || taken < count); i++) {
        const core_t *c = &t->cores[t->order[i]];
        if (c->kind < lo || c->kind > hi)
            continue;
        if (nosmt)
            hwloc_bitmap_set(out, (unsigned)c->first_pu);
        else
            hwloc_bitmap_or(out, out, c->pus);
        taken++;
    }
}

static int cores_in(const q4t_topology *t, int lo, int hi)
{
    int n = 0;
    for (int k = lo; k <= hi; k++)
        n += t->kinds[k].pub.cores;
    return n;
}

/* A decimal number at *p, at most MAX_PU: 0 and *p moved past it, 1 if there
 * is no digit, 2 if too large. */
static int parse_num(const char **p, unsigned *v)
{
    const char *s = *p;
    if (!isdigit((unsigned char)*s))
        return 1;
    unsigned long n = 0;
    for (; isdigit((unsigned char)*s); s++) {
        n = n * 10 + (unsigned long)(*s - '0');
        if (n > MAX_PU)
            return 2;
    }
    *v = (unsigned)n;
    *p = s;
    return 0;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int parse_hex(const char *s, hwloc_bitmap_t out, char *err, size_t errlen)
{
    const char *h = s + 2;
    const size_t n = strlen(h);
    if (n == 0)
        return fail(err, errlen, "affinity mask '%s': malformed hex mask, no digits after 0x", s);
    if (n > MAX_HEX_DIGITS)
        return fail(err, errlen, "affinity mask '%.20s...': hex mask longer than %d digits", s, MAX_HEX_DIGITS);
    for (size_t i = 0; i < n; i++) {
        const int v = hex_digit(h[n - 1 - i]);
        if (v < 0)
            return fail(err, errlen, "affinity mask '%s': malformed hex mask, '%c' is not a hex digit", s,
                        h[n - 1 - i]);
        for (unsigned b = 0; b < 4; b++)
            if (v >> b & 1)
                hwloc_bitmap_set(out, (unsigned)(4 * i + b));
    }
    return 0;
}

static int parse_list(const char *s, hwloc_bitmap_t out, char *err, size_t errlen)
{
    const char *p = s;
    for (;;) {
        unsigned a, b;
        int r = parse_num(&p, &a);
        if (r == 0 && *p == '-') {
            p++;
            r = parse_num(&p, &b);
            if (r == 0 && b < a)
                return fail(err, errlen, "affinity mask '%s': range %u-%u runs backwards", s, a, b);
        } else {
            b = a;
        }
        if (r == 2)
            return fail(err, errlen, "affinity mask '%s': PU number too large at '%s' (at most %d)", s, p, MAX_PU);
        if (r == 1 && !*p)
            return fail(err, errlen,
                        "affinity mask '%s': malformed PU list, it ends where a number should be (as in 0-3,6)", s);
        if (r == 1)
            return fail(err, errlen, "affinity mask '%s': malformed PU list, expected a number at '%s' (as in 0-3,6)",
                        s, p);
        hwloc_bitmap_set_range(out, a, (int)b);
        if (*p == '\0')
            return 0;
        if (*p != ',')
            return fail(err, errlen, "affinity mask '%s': malformed PU list at '%s' (as in 0-3,6)", s, p);
        p++;
    }
}

/* "N" or "N:C" after a name: *n gets N, *has_c and *c say whether C is there
 * and its value. Returns -1 if malformed. */
static int parse_counts(const char *s, unsigned *n, int *has_c, unsigned *c)
{
    *has_c = 0;
    *c = 0;
    if (parse_num(&s, n) != 0)
        return -1;
    if (*s == ':') {
        s++;
        if (parse_num(&s, c) != 0)
            return -1;
        *has_c = 1;
    }
    return *s ? -1 : 0;
}

static const char *const known_names =
    "all, big, little, mid, kind:N, fastest:N; big:C, little:C, mid:C, kind:N:C; each with an optional -nosmt";

static int parse_name(const q4t_topology *t, const char *s, hwloc_bitmap_t out, char *err, size_t errlen)
{
    if (!t)
        return fail(err, errlen, "affinity mask '%s': a name needs the machine's topology", s);
    char base[64];
    const size_t len = strlen(s);
    const int nosmt = len > 6 && strcmp(s + len - 6, "-nosmt") == 0;
    const size_t blen = len - (nosmt ? 6 : 0);
    if (blen >= sizeof base)
        return fail(err, errlen, "affinity mask '%s': unknown name (known: %s)", s, known_names);
    snprintf(base, sizeof base, "%.*s", (int)blen, s);

    const int nk = t->stats.nkinds;
    if (strcmp(base, "all") == 0) {
        select_cores(t, 0, nk - 1, 0, nosmt, out);
        return 0;
    }
    const char *colon = strchr(base, ':');
    const size_t word = colon ? (size_t)(colon - base) : strlen(base);
    const char *rest = colon ? colon + 1 : "";
    int lo, hi, has_count = 0;
    unsigned n = 0, count = 0;
    char what[32]; /* the set, for messages */
#define IS(w) (word == sizeof(w) - 1 && strncmp(base, w, word) == 0)
    if (IS("fastest")) {
        if (!colon || parse_counts(rest, &n, &has_count, &count) != 0 || has_count)
            return fail(err, errlen, "affinity mask '%s': malformed, expected fastest:N (as in fastest:4)", s);
        snprintf(what, sizeof what, "the machine");
        lo = 0;
        hi = nk - 1;
        count = n;
        has_count = 1;
    } else if (IS("big") || IS("little") || IS("mid")) {
        if (colon) {
            if (parse_num(&rest, &count) != 0 || *rest)
                return fail(err, errlen, "affinity mask '%s': malformed, expected %.*s or %.*s:C (its C fastest cores)",
                            s, (int)word, base, (int)word, base);
            has_count = 1;
        }
        snprintf(what, sizeof what, "%.*s", (int)word, base);
        lo = IS("little") ? 0 : IS("big") ? nk - 1 : 1;
        hi = IS("little") ? 0 : IS("big") ? nk - 1 : nk - 2;
    } else if (IS("kind")) {
        if (!colon || parse_counts(rest, &n, &has_count, &count) != 0)
            return fail(err, errlen, "affinity mask '%s': malformed, expected kind:N or kind:N:C", s);
        snprintf(what, sizeof what, "kind:%u", n);
        lo = hi = (int)n;
    } else {
        return fail(err, errlen, "affinity mask '%s': unknown name '%s' (known: %s)", s, base, known_names);
    }
    const int is_mid = IS("mid"), is_kind = IS("kind");
#undef IS
    if (!t->stats.ranked)
        return fail(err, errlen,
                    "affinity mask '%s': the %d CPU kinds of this machine are not ranked (hwloc gave no "
                    "efficiency or frequency); use a PU list such as 0-3",
                    s, nk);
    if (is_mid && nk < 3)
        return fail(err, errlen,
                    "affinity mask '%s': this machine has %d CPU kind%s, so none lies between little and big", s, nk,
                    nk == 1 ? "" : "s");
    if (is_kind && (int)n >= nk) {
        if (nk == 1)
            return fail(err, errlen, "affinity mask '%s': this machine has 1 CPU kind, kind:0", s);
        return fail(err, errlen,
                    "affinity mask '%s': this machine has %d CPU kinds, kind:0 (slowest) to kind:%d (fastest)", s, nk,
                    nk - 1);
    }
    const int avail = cores_in(t, lo, hi);
    if (has_count && (count < 1 || (int)count > avail))
        return fail(err, errlen, "affinity mask '%s': wants 1 to %d cores (%s has %d)", s, avail, what, avail);
    select_cores(t, lo, hi, has_count ? (int)count : 0, nosmt, out);
    return 0;
}

static int check_pus(const q4t_topology *t, const char *spec, hwloc_const_bitmap_t m, char *err, size_t errlen)
{
    if (hwloc_bitmap_iszero(m))
        return fail(err, errlen, "affinity mask '%s' selects no PU", spec);
    if (!t)
        return 0;
    hwloc_bitmap_t bad = hwloc_bitmap_alloc();
    if (!bad)
        return fail(err, errlen, "out of memory");
    char list[256];
    int rc = 0;
    hwloc_bitmap_andnot(bad, m, t->complete);
    if (!hwloc_bitmap_iszero(bad)) {
        q4t_mask_format_list(t->complete, list, sizeof list);
        rc = fail(err, errlen, "affinity mask '%s': PU %d does not exist (this machine has PUs %s)", spec,
                  hwloc_bitmap_first(bad), list);
    } else {
        hwloc_bitmap_andnot(bad, m, t->online);
        if (!hwloc_bitmap_iszero(bad)) {
            q4t_mask_format_list(t->online, list, sizeof list);
            rc = fail(err, errlen,
                      "affinity mask '%s': PU %d is offline or not available to this process (usable PUs: %s)", spec,
                      hwloc_bitmap_first(bad), list);
        }
    }
    hwloc_bitmap_free(bad);
    return rc;
}

int q4t_mask_parse(const q4t_topology *t, const char *spec, hwloc_bitmap_t out, char *err, size_t errlen)
{
    while (isspace((unsigned char)*spec))
        spec++;
    size_t n = strlen(spec);
    while (n && isspace((unsigned char)spec[n - 1]))
        n--;
    if (n == 0)
        return fail(err, errlen, "empty affinity mask");
    char *s = strndup(spec, n);
    if (!s)
        return fail(err, errlen, "out of memory");
    hwloc_bitmap_zero(out);
    int rc;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        rc = parse_hex(s, out, err, errlen);
    else if (isdigit((unsigned char)s[0]))
        rc = parse_list(s, out, err, errlen);
    else if (isalpha((unsigned char)s[0]))
        rc = parse_name(t, s, out, err, errlen);
    else
        rc = fail(err, errlen,
                  "affinity mask '%s': malformed, expected a hex mask (0xF0), a PU list (0-3,6) or a name (%s)", s,
                  known_names);
    if (rc == 0)
        rc = check_pus(t, s, out, err, errlen);
    free(s);
    return rc;
}

int q4t_mask_format_hex(hwloc_const_bitmap_t m, char *buf, size_t len)
{
    if (hwloc_bitmap_weight(m) < 0)
        return -1;
    size_t used = 0;
    if (len)
        buf[0] = '\0';
    put(buf, len, &used, "0x");
    const int last = hwloc_bitmap_last(m);
    if (last < 0) {
        put(buf, len, &used, "0");
        return (int)used;
    }
    for (int d = last / 4; d >= 0; d--) {
        unsigned v = 0;
        for (unsigned b = 0; b < 4; b++)
            v |= (unsigned)hwloc_bitmap_isset(m, (unsigned)(4 * d) + b) << b;
        put(buf, len, &used, "%x", v);
    }
    return (int)used;
}

int q4t_mask_format_list(hwloc_const_bitmap_t m, char *buf, size_t len)
{
    if (hwloc_bitmap_weight(m) < 0)
        return -1;
    size_t used = 0;
    if (len)
        buf[0] = '\0';
    for (int i = hwloc_bitmap_first(m); i >= 0;) {
        int j = i;
        while (hwloc_bitmap_isset(m, (unsigned)j + 1))
            j++;
        if (j > i)
            put(buf, len, &used, "%s%d-%d", used ? "," : "", i, j);
        else
            put(buf, len, &used, "%s%d", used ? "," : "", i);
        i = hwloc_bitmap_next(m, j);
    }
    return (int)used;
}

int q4t_mask_bind_order(const q4t_topology *t, hwloc_const_bitmap_t mask, int *order, int max)
{
    int n = 0;
    for (int round = 0;; round++) {
        int placed = 0;
        for (int i = 0; i < t->stats.cores; i++) {
            int seen = 0, pu;
            hwloc_bitmap_foreach_begin(pu, t->cores[t->order[i]].pus)
            {
                if (hwloc_bitmap_isset(mask, (unsigned)pu) && seen++ == round) {
                    if (n < max)
                        order[n] = pu;
                    n++;
                    placed++;
                    break;
                }
            }
            hwloc_bitmap_foreach_end();
        }
        if (!placed)
            return n;
    }
}

/* ---- mask lists and candidates ------------------------------------------ */

void q4t_mask_list_free(q4t_mask_list *l)
{
    for (int i = 0; i < l->n; i++) {
        free(l->items[i].label);
        hwloc_bitmap_free(l->items[i].pus);
    }
    free(l->items);
    l->n = 0;
    l->items = NULL;
}

/* Appends (label, pus) and takes pus; with dedup, drops it if an earlier item
 * has the same PUs. Returns -1 if out of memory (pus is freed). */
static int list_add(q4t_mask_list *l, const char *label, hwloc_bitmap_t pus, int dedup)
{
    if (dedup)
        for (int i = 0; i < l->n; i++)
            if (hwloc_bitmap_isequal(l->items[i].pus, pus)) {
                hwloc_bitmap_free(pus);
                return 0;
            }
    q4t_mask *items = realloc(l->items, (size_t)(l->n + 1) * sizeof *items);
    char *copy = strdup(label);
    if (!items || !copy) {
        if (items)
            l->items = items;
        free(copy);
        hwloc_bitmap_free(pus);
        return -1;
    }
    l->items = items;
    l->items[l->n].label = copy;
    l->items[l->n].pus = pus;
    l->n++;
    return 0;
}

int q4t_masks_parse(const q4t_topology *t, const char *specs, q4t_mask_list *out, char *err, size_t errlen)
{
    out->n = 0;
    out->items = NULL;
    for (const char *p = specs;;) {
        const char *end = strchr(p, ';');
        const size_t n = end ? (size_t)(end - p) : strlen(p);
        size_t a = 0, b = n;
        while (a < b && isspace((unsigned char)p[a]))
            a++;
        while (b > a && isspace((unsigned char)p[b - 1]))
            b--;
        if (a == b) {
            q4t_mask_list_free(out);
            return fail(err, errlen, "empty affinity mask in '%s' (masks are separated by ';')", specs);
        }
        char *item = strndup(p + a, b - a);
        hwloc_bitmap_t pus = hwloc_bitmap_alloc();
        if (!item || !pus) {
            free(item);
            hwloc_bitmap_free(pus);
            q4t_mask_list_free(out);
            return fail(err, errlen, "out of memory");
        }
        int rc = q4t_mask_parse(t, item, pus, err, errlen);
        if (rc == 0)
            rc = list_add(out, item, pus, 0) == 0 ? 0 : fail(err, errlen, "out of memory");
        else
            hwloc_bitmap_free(pus);
        free(item);
        if (rc != 0) {
            q4t_mask_list_free(out);
            return -1;
        }
        if (!end)
            return 0;
        p = end + 1;
    }
}

/* Adds the cores lo..hi (count, 0 = all) and their -nosmt variant. A NULL base
 * labels them with their PU lists. */
static int add_pair(const q4t_topology *t, q4t_mask_list *l, const char *base, int lo, int hi, int count)
{
    for (int nosmt = 0; nosmt <= 1; nosmt++) {
        hwloc_bitmap_t pus = hwloc_bitmap_alloc();
        if (!pus)
            return -1;
        select_cores(t, lo, hi, count, nosmt, pus);
        char label[80];
        if (base)
            snprintf(label, sizeof label, "%s%s", base, nosmt ? "-nosmt" : "");
        else if (q4t_mask_format_list(pus, label, sizeof label) >= (int)sizeof label)
            q4t_mask_format_hex(pus, label, sizeof label);
        if (list_add(l, label, pus, 1) != 0)
            return -1;
    }
    return 0;
}

int q4t_candidates(const q4t_topology *t, q4t_mask_list *out)
{
    out->n = 0;
    out->items = NULL;
    const int nk = t->stats.nkinds;
    int rc = add_pair(t, out, "all", 0, nk - 1, 0);
    if (!t->stats.ranked) {
        for (int k = 0; k < nk && rc == 0; k++)
            for (int c = 1; c <= t->kinds[k].pub.cores && rc == 0; c++)
                rc = add_pair(t, out, NULL, k, k, c);
    } else {
        for (int k = nk - 1; k >= 0 && nk > 1 && rc == 0; k--) {
            char base[32], label[48];
            if (k == nk - 1)
                snprintf(base, sizeof base, "big");
            else if (k == 0)
                snprintf(base, sizeof base, "little");
            else if (nk == 3)
                snprintf(base, sizeof base, "mid");
            else
                snprintf(base, sizeof base, "kind:%d", k);
            const int cores = t->kinds[k].pub.cores;
            for (int c = 1; c <= cores && rc == 0; c++) {
                if (c == cores)
                    snprintf(label, sizeof label, "%s", base);
                else
                    snprintf(label, sizeof label, "%s:%d", base, c);
                rc = add_pair(t, out, label, k, k, c);
            }
        }
        for (int c = 1; c <= t->stats.cores && rc == 0; c++) {
            char label[32];
            snprintf(label, sizeof label, "fastest:%d", c);
            rc = add_pair(t, out, label, 0, nk - 1, c);
        }
    }
    if (rc != 0)
        q4t_mask_list_free(out);
    return rc;
}
