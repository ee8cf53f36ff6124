/* q4tune bench [--shapes MxNxK,...] [--threads N,...] [--kernel NAME,...] [--cold]
 *              [--repetitions N] [--min-time S] [-- --benchmark_*...]:
 * Google Benchmark micro-benchmarks of every runnable kernel x shape x threads. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "device.h"
#include "cli.h"
#include "parallel.h"
#include "plan.h"
#include "pool.h"
#include "registry.h"
#include "text.h"
#include "topology.h"
#include "tuned.h"

enum { MAX_SHAPES = 64, MAX_THREADS = 16 };

static const char usage[] =
    "usage: q4tune bench [--shapes MxNxK,...] [--threads N,...] [--kernel NAME,...] [--cold]\n"
    "                    [--affinity 'MASK;MASK...'] [--binding strict,mask,none] [--schedule static,dynamic]\n"
    "                    [--repetitions N] [--min-time SECONDS] [--isa=LIST] [-- --benchmark_...]\n"
    "       q4tune bench --tuned FILE [--any-device] [--cold] [--repetitions N] [--min-time S] [-- ...]\n"
    "  every runnable kernel x shape x thread count, named <kernel>/<M>x<N>x<K>/t<threads>,\n"
    "  through Google Benchmark: its flags after '--' (--benchmark_filter=REGEX,\n"
    "  --benchmark_format=json, --benchmark_out=FILE, ...). GEMV kernels run the M = 1 shapes,\n"
    "  GEMM kernels the others. Defaults: Llama-3-8B and Qwen2.5-0.5B matrices at M = 1 and 512,\n"
    "  threads 1 and all CPUs, binding none, static schedule, 5 repetitions, hot weights\n"
    "  (--cold: rotate copies past the LLC). Masks: hex 0xF0, lists 0-3,6, names all, big,\n"
    "  little, mid, kind:N, fastest:N (counts big:2, suffix -nosmt), separated by ';'.\n"
    "  Strict binding pins thread i to the i-th PU, fastest cores first. With --affinity,\n"
    "  --binding or --schedule given, names end in /<mask>/<binding>/<schedule>; every\n"
    "  result is labelled with threads, mask, binding and schedule. --tuned FILE: exactly\n"
    "  the winning configuration of each shape of a tuned file (q4tune tune) of this device\n"
    "  (--any-device: of any), named <kernel>/<M>x<N>x<K>/t<threads>/<mask>/<binding>/<schedule>.\n";

/* Parses a comma-separated list of names with parse() into out[]; -1 on error. */
static int parse_names(const char *list, int (*parse)(const char *), int *out, size_t *n, size_t max,
                       const char *what)
{
    char item[32];
    *n = 0;
    for (const char *p = list; q4t_list_next(&p, item, sizeof item) >= 0;) {
        const int v = parse(item);
        if (v < 0 || *n == max) {
            fprintf(stderr, "q4tune bench: unknown %s '%s'\n", what, item);
            return -1;
        }
        out[(*n)++] = v;
    }
    if (*n == 0) {
        fprintf(stderr, "q4tune bench: --%s needs at least one name\n", what);
        return -1;
    }
    return 0;
}

static int parse_threads(const char *list, int *threads, size_t *n, int ncpus)
{
    char item[32], *end;
    *n = 0;
    for (const char *p = list; q4t_list_next(&p, item, sizeof item) >= 0;) {
        const long t = strtol(item, &end, 10);
        if (*end || !item[0] || t < 1 || t > 1024 || *n == MAX_THREADS) {
            fprintf(stderr, "q4tune bench: --threads wants up to %d counts from 1 to 1024, not '%s'\n", MAX_THREADS,
                    item);
            return -1;
        }
        if (t > ncpus)
            fprintf(stderr, "q4tune bench: note: %ld threads on %d CPUs\n", t, ncpus);
        threads[(*n)++] = (int)t;
    }
    if (*n == 0) {
        fprintf(stderr, "q4tune bench: --threads needs at least one count\n");
        return -1;
    }
    return 0;
}

/* The tuned choices of a tuned file that can run here, each with its pool: the
 * plan of the tuned file (plan.h). A winner this build or CPU cannot run is
 * reported and left out. Returns 0, or -1 (reported) if the file is refused
 * or nothing can run. */
static int load_tuned(const char *path, int any_device, const q4t_cpu *cpu, const q4t_topology *topo,
                      q4t_bench_tuned *out, char (*placements)[96], size_t *n)
{
    char id[128], err[512];
    q4t_device_id(cpu->arch, cpu->model, cpu->detected, topo, id, sizeof id);
    q4t_tuned *t = q4t_tuned_load(path, id, any_device, err, sizeof err);
    q4t_plan *plan = t ? malloc(sizeof *plan) : NULL;
    const q4t_plan_opts po = {.topo = topo, .features = cpu->features, .tuned = t, .phase = {{0, NULL, -1}, {0, NULL, -1}}};
    if (t && !plan)
        snprintf(err, sizeof err, "out of memory");
    int rc = !plan || q4t_plan_make(&po, Q4T_PLAN_TUNED, NULL, 0, 0, plan, err, sizeof err) ? -1 : 0;
    if (rc && t)
        fprintf(stderr, "q4tune bench: %s: %s\n", path, err);
    else if (rc)
        fprintf(stderr, "q4tune bench: %s\n", err);
    q4t_tuned_free(t);
    *n = 0;
    for (int i = 0; !rc && i < plan->nskipped; i++)
        fprintf(stderr, "q4tune bench: %s\n", plan->skipped[i]);
    for (int i = 0; !rc && i < plan->n && *n < MAX_SHAPES; i++) {
        const q4t_plan_matrix *w = &plan->m[i];
        const q4t_placement *pl = &plan->place[i];
        const q4t_plan_choice *c = &w->phase[plan->M[i] == 1 ? Q4T_DECODE : Q4T_PREFILL];
        q4t_bench_tuned *b = &out[*n];
        if (!(b->pool = q4t_placement_pool(topo, pl, err, sizeof err))) {
            fprintf(stderr, "q4tune bench: %s not run: %s\n", w->what, err);
            continue;
        }
        b->shape = (q4t_shape){plan->M[i], w->N, w->K};
        b->kernel = c->kernel;
        b->split = c->split;
        snprintf(placements[*n], sizeof placements[0], "t%d/%s/%s", pl->threads, pl->mask, q4t_binding_name(pl->binding));
        b->placement = placements[(*n)++];
    }
    if (!rc && !*n) {
        fprintf(stderr, "q4tune bench: nothing in %s can run here\n", path);
        rc = -1;
    }
    if (plan)
        q4t_plan_free(plan);
    free(plan);
    return rc;
}

int q4t_cmd_bench(int argc, char **argv, q4t_cpu *cpu)
{
    static const struct option opts[] = {
        {"shapes", required_argument, NULL, 's'},      {"threads", required_argument, NULL, 't'},
        {"kernel", required_argument, NULL, 'k'},      {"cold", no_argument, NULL, 'c'},
        {"repetitions", required_argument, NULL, 'r'}, {"min-time", required_argument, NULL, 'm'},
        {"binding", required_argument, NULL, 'b'},     {"schedule", required_argument, NULL, 'S'},
        {"affinity", required_argument, NULL, 'a'},    {"tuned", required_argument, NULL, 'T'},
        {"any-device", no_argument, NULL, 'A'},
        {"help", no_argument, NULL, 'h'},              Q4T_LONGOPT_ISA,
        {0, 0, 0, 0}};
    q4t_shape shapes[MAX_SHAPES];
    int threads[MAX_THREADS] = {1, cpu->ncpus};
    int parsed[3];
    q4t_binding bindings[3] = {Q4T_BIND_NONE};
    q4t_schedule schedules[2] = {Q4T_SCHED_STATIC};
    q4t_bench_opts o = {.shapes = shapes, .threads = threads, .nthreads = cpu->ncpus > 1 ? 2 : 1,
                        .bindings = bindings, .nbindings = 1, .schedules = schedules, .nschedules = 1,
                        .repetitions = 5};
    o.nshapes = q4t_bench_default_shapes(shapes, MAX_SHAPES);
    int c, rc;
    char *end, err[512];
    const char *affinity = "all", *tuned_path = NULL;
    int any_device = 0, placement_given = 0;
    while ((c = getopt_long(argc, argv, "s:t:k:cr:m:b:S:a:h", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            placement_given = 1;
            if (q4t_shapes_parse(optarg, shapes, MAX_SHAPES, &o.nshapes, err, sizeof err)) {
                fprintf(stderr, "q4tune bench: %s\n", err);
                return Q4T_EXIT_USAGE;
            }
            break;
        case 't':
            placement_given = 1;
            if (parse_threads(optarg, threads, &o.nthreads, cpu->ncpus))
                return Q4T_EXIT_USAGE;
            break;
        case 'k':
            placement_given = 1;
            if ((rc = q4t_cli_kernels(optarg, "bench")))
                return rc;
            o.kernels = optarg;
            break;
        case 'c':
            o.cold = 1;
            break;
        case 'T':
            tuned_path = optarg;
            break;
        case 'A':
            any_device = 1;
            break;
        case 'a':
            placement_given = 1;
            affinity = optarg;
            o.placement_in_name = 1;
            break;
        case 'b':
            placement_given = 1;
            if (parse_names(optarg, q4t_binding_parse, parsed, &o.nbindings, 3, "binding"))
                return Q4T_EXIT_USAGE;
            for (size_t i = 0; i < o.nbindings; i++)
                bindings[i] = (q4t_binding)parsed[i];
            o.placement_in_name = 1;
            break;
        case 'S':
            placement_given = 1;
            if (parse_names(optarg, q4t_schedule_parse, parsed, &o.nschedules, 2, "schedule"))
                return Q4T_EXIT_USAGE;
            for (size_t i = 0; i < o.nschedules; i++)
                schedules[i] = (q4t_schedule)parsed[i];
            o.placement_in_name = 1;
            break;
        case 'r':
            o.repetitions = (int)strtol(optarg, &end, 10);
            if (*end || o.repetitions < 1) {
                fprintf(stderr, "q4tune bench: --repetitions wants a count >= 1, not '%s'\n", optarg);
                return Q4T_EXIT_USAGE;
            }
            break;
        case 'm':
            o.min_time = strtod(optarg, &end);
            if (*end || !(o.min_time > 0.0)) {
                fprintf(stderr, "q4tune bench: --min-time wants seconds > 0, not '%s'\n", optarg);
                return Q4T_EXIT_USAGE;
            }
            break;
        default:
            if ((rc = q4t_cli_common_option(c, cpu, usage)) >= 0)
                return rc;
        }
    }
    /* What follows "--" belongs to Google Benchmark; anything else is a mistake. */
    if (optind < argc && strcmp(argv[optind - 1], "--") != 0)
        return q4t_cli_no_operands(argc, argv, "bench");
    if (tuned_path && placement_given) {
        fprintf(stderr, "q4tune bench: --tuned benchmarks the tuned choices as they are: no --shapes, --threads, "
                        "--kernel, --affinity, --binding or --schedule with it\n");
        return Q4T_EXIT_USAGE;
    }
    if (any_device && !tuned_path) {
        fprintf(stderr, "q4tune bench: --any-device goes with --tuned\n");
        return Q4T_EXIT_USAGE;
    }
    q4t_topology *topo;
    q4t_mask_list masks = {0, NULL};
    if (q4t_topology_load(&topo, NULL, err, sizeof err)) {
        fprintf(stderr, "q4tune bench: %s\n", err);
        return Q4T_EXIT_FAIL;
    }
    q4t_bench_tuned tuned[MAX_SHAPES];
    char placements[MAX_SHAPES][96];
    if (tuned_path && load_tuned(tuned_path, any_device, cpu, topo, tuned, placements, &o.ntuned)) {
        q4t_topology_free(topo);
        return Q4T_EXIT_USAGE;
    }
    o.tuned = tuned;
    if (q4t_masks_parse(topo, affinity, &masks, err, sizeof err)) {
        fprintf(stderr, "q4tune bench: --affinity: %s\n", err);
        q4t_topology_free(topo);
        return Q4T_EXIT_USAGE;
    }
    o.topo = topo;
    o.masks = masks.items;
    o.nmasks = (size_t)masks.n;
    int gb_argc = argc - optind + 1;
    char **gb_argv = calloc((size_t)gb_argc + 1, sizeof *gb_argv);
    rc = Q4T_EXIT_FAIL;
    if (gb_argv && o.nmasks) {
        gb_argv[0] = argv[0];
        memcpy(gb_argv + 1, argv + optind, (size_t)(argc - optind) * sizeof *argv);
        rc = q4t_bench_run(&o, cpu, &gb_argc, gb_argv) ? Q4T_EXIT_FAIL : Q4T_EXIT_OK;
    }
    free(gb_argv);
    for (size_t i = 0; i < o.ntuned; i++)
        q4t_pool_destroy(tuned[i].pool);
    q4t_mask_list_free(&masks);
    q4t_topology_free(topo);
    return rc;
}
