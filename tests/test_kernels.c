/* One kernel of the registry against the reference kernel of its op, on the
 * verify shape matrix (ragged N, M from 1 to past mr, K from one block to
 * 4128) and three seeds. A reference kernel is checked instead against an
 * independent float computation (W and X dequantized, double sums) on ragged
 * shapes. Exits 77 (ctest: skipped, with the reason printed) when this CPU
 * cannot run the kernel or Q4T_ISA masks off what it needs. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cpu.h"
#include "registry.h"
#include "verify.h"

static uint32_t rng;

static float rnd(void) /* uniform in [-1, 1) */
{
    rng = rng * 1103515245u + 12345u;
    return (float)(rng >> 8) / (float)(1u << 23) - 1.0f;
}

/* The reference kernel k on a seeded random M x N x K problem against the
 * float product of the dequantized W and Q8_0 X, summed in double: each
 * element within the bound of a reordered fp32 sum over the K/32 blocks,
 * (K/32 + 2) FLT_EPSILON sum |w x|. Returns the worst |error| / bound. */
static double check_reference(const q4t_kernel *k, size_t M, size_t N, size_t K, unsigned seed)
{
    const size_t nb = K / Q4T_QK;
    float *wf = malloc(N * K * sizeof *wf), *x = malloc(M * K * sizeof *x), *xf = malloc(M * K * sizeof *xf);
    float *y = malloc(M * N * sizeof *y);
    q4t_block_q4_0 *w = malloc(N * nb * sizeof *w);
    q4t_block_q8_0 *xq = malloc(M * nb * sizeof *xq);
    rng = seed;
    for (size_t i = 0; i < N * K; i++)
        wf[i] = rnd() * (float)(1 + i / K % 5);
    for (size_t i = 0; i < M * K; i++)
        x[i] = rnd() * 3.0f;
    q4t_quantize_row_q4_0(wf, w, N * K);
    q4t_dequantize_row_q4_0(w, wf, N * K);
    q4t_quantize_row_q8_0(x, xq, M * K);
    q4t_dequantize_row_q8_0(xq, xf, M * K);

    void *pw = q4t_alloc_packed(q4t_kernel_packed_w_size(k, N, K));
    void *px = q4t_alloc_packed(q4t_kernel_packed_x_size(k, M, K));
    q4t_kernel_pack_w(k, w, N, K, pw);
    q4t_kernel_pack_x(k, x, M, K, px);
    const q4t_run_args a = {pw, px, y, N, M, N, K};
    k->run(&a, 0, M, 0, N);
    double worst = 0;
    for (size_t m = 0; m < M; m++) {
        for (size_t n = 0; n < N; n++) {
            double sum = 0, mag = 0;
            for (size_t i = 0; i < K; i++) {
                sum += (double)wf[n * K + i] * xf[m * K + i];
                mag += fabs((double)wf[n * K + i] * xf[m * K + i]);
            }
            const double off = fabs(y[m * N + n] - sum) / ((nb + 2) * FLT_EPSILON * mag + 1e-30);
            if (off > worst) /* not fmax: GCC 12 for aarch64 fails to vectorise that reduction (ICE) */
                worst = off;
        }
    }
    free(wf), free(x), free(xf), free(y), free(w), free(xq), free(pw), free(px);
    return worst;
}

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
    if (k == q4t_reference(k->op)) {
        static const q4t_shape ragged[] = {{1, 1, 32}, {1, 7, 64}, {3, 5, 96}, {5, 33, 256}, {2, 3, 4128},
                                           {17, 29, 160}, {1, 130, 1024}};
        for (size_t i = 0; i < sizeof ragged / sizeof ragged[0]; i++) {
            const q4t_shape s = ragged[i];
            const double worst = check_reference(k, s.M, s.N, s.K, 100 + (unsigned)i);
            CHECK(worst <= 1.0, "%s %zux%zux%zu: %.3g x the fp32 reordering bound off the float product", k->name,
                  s.M, s.N, s.K, worst);
        }
        return check_done(k->name);
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
