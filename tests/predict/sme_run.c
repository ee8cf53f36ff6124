/* scripts/predict-sme's driver: one call of one SME kernel's run() on a
 * seeded M x N x K problem, for qemu's instruction trace to count. Linked
 * without PIE, so the kernel's code sits at the addresses its symbols give.
 *   sme_run list            the compiler, whether this CPU has SME and SME2
 *                           (AT_HWCAP2), its SVL, then the built SME kernels
 *   sme_run KERNEL M N K    packs W and X, calls run(0, M, 0, N) once and
 *                           prints the tile at this SVL (MR NR)
 * Nothing is checked here (kernel.<name> does that). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

#include "registry.h"

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "list")) {
        const unsigned long hw2 = getauxval(AT_HWCAP2);
        unsigned long svl = 0;
        printf("compiler %s\n", Q4T_COMPILER);
        printf("hwcap2 sme %d sme2 %d\n", (int)(hw2 >> 23 & 1), (int)(hw2 >> 37 & 1)); /* HWCAP2_SME, _SME2 */
        if (hw2 >> 23 & 1)
            __asm__(".arch_extension sme\n\trdsvl %0, #1" : "=r"(svl));
        printf("svl_bits %lu\n", svl * 8);
        for (size_t i = 0; i < q4t_kernel_count(); i++) {
            const q4t_kernel *k = q4t_kernel_at(i);
            if (k->isa & Q4T_F_SME)
                printf("kernel %s %s\n", k->name, k->isa & Q4T_F_SME2 ? "sme2" : "sme");
        }
        return 0;
    }
    const q4t_kernel *k = argc == 5 ? q4t_kernel_find(argv[1]) : NULL;
    if (!k || !(k->isa & Q4T_F_SME)) {
        fprintf(stderr, "usage: sme_run list | sme_run SME-KERNEL M N K\n");
        return 2;
    }
    const size_t M = strtoul(argv[2], NULL, 10), N = strtoul(argv[3], NULL, 10), K = strtoul(argv[4], NULL, 10);
    if (!M || !N || !K || K % Q4T_QK) {
        fprintf(stderr, "sme_run: M, N >= 1 and K a multiple of %d\n", Q4T_QK);
        return 2;
    }
    float *wf = malloc(N * K * sizeof *wf), *x = malloc(M * K * sizeof *x), *y = calloc(M * N, sizeof *y);
    q4t_block_q4_0 *w = malloc(N * (K / Q4T_QK) * sizeof *w);
    uint32_t rng = 1;
    for (size_t i = 0; i < N * K; i++)
        wf[i] = (float)((rng = rng * 1103515245u + 12345u) >> 8) / (float)(1u << 23) - 1.0f;
    for (size_t i = 0; i < M * K; i++)
        x[i] = (float)((rng = rng * 1103515245u + 12345u) >> 8) / (float)(1u << 22) - 2.0f;
    q4t_quantize_row_q4_0(wf, w, N * K);
    void *pw = q4t_alloc_packed(q4t_kernel_packed_w_size(k, N, K));
    void *px = q4t_alloc_packed(q4t_kernel_packed_x_size(k, M, K));
    q4t_kernel_pack_w(k, w, N, K, pw);
    q4t_kernel_pack_x(k, x, M, K, px);
    size_t mr, nr;
    q4t_kernel_tile_size(k, &mr, &nr); /* before run(): the count starts where run() is entered */
    const q4t_run_args a = {pw, px, y, N, M, N, K};
    k->run(&a, 0, M, 0, N);
    printf("%zu %zu\n", mr, nr);
    free(wf), free(x), free(y), free(w), free(pw), free(px);
    return 0;
}
