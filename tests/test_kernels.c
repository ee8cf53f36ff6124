/* One kernel of the registry against the reference kernel of its op, on the
 * verify shape matrix (ragged N, M from 1 to past mr, K from one block to
 * 4128) and three seeds. Exits 77 (ctest: skipped, with the reason printed)
 * when this CPU cannot run the kernel or Q4T_ISA masks off what it needs. */
#include <string.h>

#include "check.h"
#include "cpu.h"
#include "registry.h"
#include "verify.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_kernels KERNEL\n");
        return 2;
    }
    const q4t_kernel *k = q4t_kernel_find(argv[1]);
    if (!k) {
        for (size_t i = 0; i < q4t_unbuilt_count(); i++)
            if (!strcmp(q4t_unbuilt_name(i), argv[1])) {
                printf("SKIP %s: not built: %s\n", argv[1], q4t_unbuilt_reason(i));
                return 77;
            }
        fprintf(stderr, "test_kernels: no kernel %s\n", argv[1]);
        return 1;
    }
    q4t_cpu cpu;
    char err[512];
    q4t_cpu_detect(&cpu);
    if (q4t_cpu_mask_env(&cpu, err, sizeof err)) {
        fprintf(stderr, "test_kernels: %s\n", err);
        return 1;
    }
    const uint64_t missing = q4t_kernel_missing(k, cpu.features);
    if (missing) {
        char names[256];
        q4t_features_format(missing, ",", names, sizeof names);
        printf("SKIP %s: needs %s%s\n", k->name, names,
               missing & cpu.detected ? " (masked off by Q4T_ISA)" : ", which this CPU lacks");
        return 77;
    }
    q4t_shape shapes[128];
    const size_t n = q4t_verify_shapes(k, shapes, 128);
    CHECK(n >= 10, "%s: %zu shapes", k->name, n);
    int runs = 0, bad = 0;
    for (unsigned seed = 1; seed <= 3; seed++) {
        for (size_t i = 0; i < n; i++, runs++) {
            q4t_verify_result r;
            const q4t_shape s = shapes[i];
            CHECK(q4t_verify(k, s, seed * 1000 + (unsigned)i, &r) == 0, "memory for %zux%zux%zu", s.M, s.N, s.K);
            if (!r.ok && bad++ < 8) /* the first few in full, then the count */
                fprintf(stderr,
                        "%s %zux%zux%zu seed %u: y[%zu][%zu] = %.9g vs %.9g (%.3g x tolerance), %d unwritten, "
                        "%d written outside, %d differ tile by tile\n",
                        k->name, s.M, s.N, s.K, seed, r.worst_m, r.worst_n, r.y, r.y_ref, r.worst, r.untouched,
                        r.overwritten, r.split_differs);
        }
    }
    CHECK(bad == 0, "%s: %d of %d runs differ from the reference", k->name, bad, runs);
    return check_done(k->name);
}
