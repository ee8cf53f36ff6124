/* q4tune info [--json]: the CPU, its features and vector lengths, the topology,
 * and every kernel and vector set of the registry marked runnable here or not,
 * with the reason. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "registry.h"
#include "device.h"
#include "topology.h"

/* The kinds in the order people read them: fastest first. */
static const q4t_cpu_kind *kind_fastest_first(const q4t_topology *t, int i)
{
    return q4t_topology_kind(t, q4t_topology_get_stats(t).nkinds - 1 - i);
}

static cJSON *topology_json(const q4t_topology *t)
{
    const q4t_topology_stats st = q4t_topology_get_stats(t);
    char buf[512];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "packages", st.packages);
    cJSON_AddNumberToObject(o, "cores", st.cores);
    cJSON_AddNumberToObject(o, "pus", st.pus);
    cJSON_AddNumberToObject(o, "largest_cache_bytes", (double)st.largest_cache);
    cJSON_AddNumberToObject(o, "largest_cache_level", st.largest_cache_level);
    q4t_topology_summary(t, buf, sizeof buf);
    cJSON_AddStringToObject(o, "summary", buf);
    cJSON_AddBoolToObject(o, "kinds_ranked", st.ranked);
    cJSON *kinds = cJSON_AddArrayToObject(o, "cpu_kinds"); /* fastest first */
    for (int i = 0; i < st.nkinds; i++) {
        const q4t_cpu_kind *k = kind_fastest_first(t, i);
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "name", k->name ? k->name : "core");
        cJSON_AddNumberToObject(j, "rank", k->rank);
        cJSON_AddNumberToObject(j, "hwloc_efficiency", k->efficiency);
        cJSON_AddNumberToObject(j, "cores", k->cores);
        cJSON_AddNumberToObject(j, "pus", k->pus);
        q4t_mask_format_list(k->cpuset, buf, sizeof buf);
        cJSON_AddStringToObject(j, "pu_list", buf);
        cJSON_AddNumberToObject(j, "max_mhz", k->max_mhz);
        if (k->midr) {
            snprintf(buf, sizeof buf, "0x%08x", (unsigned)k->midr);
            cJSON_AddStringToObject(j, "midr", buf);
        }
        if (k->core_type)
            cJSON_AddStringToObject(j, "core_type", k->core_type);
        cJSON_AddItemToArray(kinds, j);
    }
    q4t_mask_list candidates;
    if (q4t_candidates(t, &candidates) == 0) {
        cJSON *c = cJSON_AddArrayToObject(o, "candidate_masks"); /* what the tuner sweeps */
        for (int i = 0; i < candidates.n; i++) {
            cJSON *j = cJSON_CreateObject();
            cJSON_AddStringToObject(j, "label", candidates.items[i].label);
            q4t_mask_format_hex(candidates.items[i].pus, buf, sizeof buf);
            cJSON_AddStringToObject(j, "hex", buf);
            q4t_mask_format_list(candidates.items[i].pus, buf, sizeof buf);
            cJSON_AddStringToObject(j, "list", buf);
            cJSON_AddItemToArray(c, j);
        }
        q4t_mask_list_free(&candidates);
    }
    return o;
}

static void topology_text(const q4t_topology *t)
{
    const q4t_topology_stats st = q4t_topology_get_stats(t);
    char buf[512];
    q4t_topology_summary(t, buf, sizeof buf);
    printf("topology:   %d package%s, %d cores, %d PUs", st.packages, st.packages == 1 ? "" : "s", st.cores, st.pus);
    if (st.largest_cache)
        printf(", largest cache L%d %llu KiB", st.largest_cache_level, (unsigned long long)(st.largest_cache >> 10));
    printf("%s\ncpu kinds:  %s\n", st.this_system ? "" : " (from HWLOC_XMLFILE)", buf);
    for (int i = 0; st.nkinds > 1 && i < st.nkinds; i++) {
        const q4t_cpu_kind *k = kind_fastest_first(t, i);
        q4t_mask_format_list(k->cpuset, buf, sizeof buf);
        printf("  %-12s %d core%s, PUs %s, rank %d%s", k->name ? k->name : "core", k->cores, k->cores == 1 ? "" : "s",
               buf, k->rank, i == 0 ? " (big)" : i == st.nkinds - 1 ? " (little)" : " (mid)");
        if (k->max_mhz)
            printf(", %u MHz", k->max_mhz);
        printf("\n");
    }
    q4t_mask_list candidates;
    if (q4t_candidates(t, &candidates) == 0) {
        printf("masks:      %d candidates for the tuner:", candidates.n);
        for (int i = 0; i < candidates.n; i++)
            printf(" %s", candidates.items[i].label);
        printf("\n");
        q4t_mask_list_free(&candidates);
    }
    /* What a phone or a bare chroot withholds, said rather than met later. */
    if (st.this_system && access("/sys/devices/system/cpu", R_OK))
        printf("sysfs:      /sys/devices/system/cpu cannot be read: the topology is hwloc's from other sources"
               " (cpuid), may show fewer objects, and has no CPU frequencies\n");
    cpu_set_t allowed;
    if (st.this_system && sched_getaffinity(0, sizeof allowed, &allowed) == 0 && CPU_COUNT(&allowed) < st.pus)
        printf("affinity:   this process may run on %d of the %d PUs: a mask with the others is refused\n",
               CPU_COUNT(&allowed), st.pus);
}

/* "" if nothing is missing, else why not runnable: features the CPU lacks,
 * features masked off. */
static void isa_status(uint64_t missing, const q4t_cpu *cpu, char *buf, size_t len)
{
    const uint64_t absent = missing & ~cpu->detected, masked = missing & cpu->detected;
    char absent_names[256], masked_names[256];
    q4t_features_format(absent, ",", absent_names, sizeof absent_names);
    q4t_features_format(masked, ",", masked_names, sizeof masked_names);
    snprintf(buf, len, "%s%s%s%s%s", absent ? "missing " : "", absent_names, absent && masked ? "; " : "",
             masked ? "masked off: " : "", masked_names);
}

static int print_json(const q4t_cpu *cpu, const q4t_topology *t)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "q4tune_version", Q4T_VERSION);
    cJSON *c = cJSON_AddObjectToObject(root, "cpu");
    cJSON_AddStringToObject(c, "arch", cpu->arch);
    cJSON_AddStringToObject(c, "model", cpu->model);
    cJSON_AddNumberToObject(c, "logical_cpus", cpu->ncpus);
    cJSON_AddItemToObject(c, "detected", q4t_features_json(cpu->detected));
    cJSON_AddItemToObject(c, "features", q4t_features_json(cpu->features));
    cJSON_AddNumberToObject(c, "sve_vector_bits", 8.0 * cpu->sve_vl_bytes);
    cJSON_AddNumberToObject(c, "sme_streaming_vector_bits", 8.0 * cpu->sme_svl_bytes);
    cJSON_AddItemToObject(root, "device", q4t_device_json(cpu, t));
    cJSON_AddItemToObject(root, "topology", topology_json(t));
    cJSON *ks = cJSON_AddArrayToObject(root, "kernels");
    for (size_t i = 0; i < q4t_kernel_count(); i++) {
        const q4t_kernel *k = q4t_kernel_at(i);
        char status[600];
        isa_status(q4t_kernel_missing(k, cpu->features), cpu, status, sizeof status);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", k->name);
        cJSON_AddStringToObject(o, "op", q4t_op_name(k->op));
        cJSON_AddItemToObject(o, "isa", q4t_features_json(k->isa));
        cJSON_AddNumberToObject(o, "mr", k->mr);
        cJSON_AddNumberToObject(o, "nr", k->nr);
        cJSON_AddNumberToObject(o, "kr", k->kr);
        char tile[16];
        q4t_kernel_tile(k, tile, sizeof tile);
        cJSON_AddStringToObject(o, "tile", tile);
        if (status[0] == '\0') { /* the tile at this vector length */
            size_t mr, nr;
            q4t_kernel_tile_size(k, &mr, &nr);
            cJSON_AddNumberToObject(o, "tile_rows", (double)mr);
            cJSON_AddNumberToObject(o, "tile_cols", (double)nr);
        }
        cJSON_AddBoolToObject(o, "built", 1);
        cJSON_AddBoolToObject(o, "runnable", status[0] == '\0');
        if (status[0])
            cJSON_AddStringToObject(o, "reason", status);
        cJSON_AddStringToObject(o, "w_layout", k->w->name);
        cJSON_AddStringToObject(o, "x_layout", k->x->name);
        cJSON_AddItemToArray(ks, o);
    }
    for (size_t i = 0; i < q4t_unbuilt_count(); i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", q4t_unbuilt_name(i));
        cJSON_AddBoolToObject(o, "built", 0);
        cJSON_AddBoolToObject(o, "runnable", 0);
        cJSON_AddStringToObject(o, "reason", q4t_unbuilt_reason(i));
        cJSON_AddItemToArray(ks, o);
    }
    cJSON *vs = cJSON_AddArrayToObject(root, "vector_sets");
    for (size_t i = 0; i < q4t_vec_count(); i++) {
        const q4t_vec *v = q4t_vec_at(i);
        char status[600];
        isa_status(v->isa & ~cpu->features, cpu, status, sizeof status);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", v->name);
        cJSON_AddItemToObject(o, "isa", q4t_features_json(v->isa));
        cJSON_AddBoolToObject(o, "runnable", status[0] == '\0');
        cJSON_AddBoolToObject(o, "preferred", v == q4t_vec_preferred(cpu->features));
        if (status[0])
            cJSON_AddStringToObject(o, "reason", status);
        cJSON_AddItemToArray(vs, o);
    }
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text)
        return Q4T_EXIT_FAIL;
    puts(text);
    free(text);
    return Q4T_EXIT_OK;
}

static void print_text(const q4t_cpu *cpu, const q4t_topology *t)
{
    char buf[512];
    printf("q4tune %s\n", Q4T_VERSION);
    printf("cpu:        %s\n", cpu->model);
    q4t_device_id(cpu->arch, cpu->model, cpu->detected, t, buf, sizeof buf);
    printf("device:     %s\n", buf);
    printf("arch:       %s, %d logical CPUs\n", cpu->arch, cpu->ncpus);
    topology_text(t);
    q4t_features_format(cpu->detected, " ", buf, sizeof buf);
    printf("features:   %s\n", buf[0] ? buf : "(none)");
    if (cpu->features != cpu->detected) {
        q4t_features_format(cpu->detected & ~cpu->features, " ", buf, sizeof buf);
        printf("masked off: %s\n", buf);
    }
    if (cpu->sve_vl_bytes)
        printf("sve:        %u-bit vectors\n", 8 * cpu->sve_vl_bytes);
    if (cpu->sme_svl_bytes)
        printf("sme:        %u-bit streaming vectors\n", 8 * cpu->sme_svl_bytes);
    printf("\n%-28s %-5s %-8s %-44s %-44s %s\n", "kernel", "op", "tile", "requires", "status", "W, X layouts");
    for (size_t i = 0; i < q4t_kernel_count(); i++) {
        const q4t_kernel *k = q4t_kernel_at(i);
        char tile[16], isa[128], status[600];
        q4t_kernel_tile(k, tile, sizeof tile);
        q4t_features_format(k->isa, ",", isa, sizeof isa);
        isa_status(q4t_kernel_missing(k, cpu->features), cpu, status, sizeof status);
        if (!status[0] && (k->mr_vl || k->nr_vl)) {
            size_t mr, nr;
            q4t_kernel_tile_size(k, &mr, &nr);
            snprintf(status, sizeof status, " (tile %zux%zu here)", mr, nr);
        }
        char shown[700];
        snprintf(shown, sizeof shown, "%s%s", q4t_kernel_missing(k, cpu->features) ? "not runnable: " : "runnable",
                 status);
        printf("%-28s %-5s %-8s %-44s %-44s %s, %s\n", k->name, q4t_op_name(k->op), tile, isa[0] ? isa : "-", shown,
               k->w->name, k->x->name);
    }
    for (size_t i = 0; i < q4t_unbuilt_count(); i++)
        printf("%-28s %-5s %-8s %-44s not built: %s\n", q4t_unbuilt_name(i), "-", "-", "-", q4t_unbuilt_reason(i));
    printf("\n%-28s %-59s %s\n", "vector set", "requires", "status");
    for (size_t i = 0; i < q4t_vec_count(); i++) { /* built for this architecture */
        const q4t_vec *v = q4t_vec_at(i);
        char isa[128], status[600];
        q4t_features_format(v->isa, ",", isa, sizeof isa);
        isa_status(v->isa & ~cpu->features, cpu, status, sizeof status);
        printf("%-28s %-59s %s%s%s\n", v->name, isa[0] ? isa : "-", status[0] ? "not runnable: " : "runnable", status,
               v == q4t_vec_preferred(cpu->features) ? " (preferred: q4tune run's default)" : "");
    }
}

int q4t_cmd_info(int argc, char **argv, q4t_cpu *cpu)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'},
                                         Q4T_LONGOPT_ISA, {0, 0, 0, 0}};
    int json = 0, c, rc;
    while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
        if (c == 'j')
            json = 1;
        else if ((rc = q4t_cli_common_option(c, cpu, "usage: q4tune info [--json] [--isa=LIST]\n")) >= 0)
            return rc;
    }
    if ((rc = q4t_cli_no_operands(argc, argv, "info")))
        return rc;
    q4t_topology *t;
    char err[512];
    if (q4t_topology_load(&t, NULL, err, sizeof err)) {
        fprintf(stderr, "q4tune info: %s\n", err);
        return Q4T_EXIT_FAIL;
    }
    if (json)
        rc = print_json(cpu, t);
    else
        print_text(cpu, t);
    q4t_topology_free(t);
    return json ? rc : Q4T_EXIT_OK;
}
