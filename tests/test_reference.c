/* Reference kernels: GEMV and GEMM agree bit for bit, and both match the
 * product of the dequantized matrices computed in double precision. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "registry.h"

static void run_ref(const q4t_kernel *k, const q4t_block_q4_0 *w, const float *x, float *y, size_t M, size_t N,
                    size_t K)
{
    void *wp = malloc(q4t_kernel_packed_w_size(k, N, K)), *xp = malloc(q4t_kernel_packed_x_size(k, M, K));
    q4t_kernel_pack_w(k, w, N, K, wp);
    q4t_kernel_pack_x(k, x, M, K, xp);
    const q4t_run_args a = {.w = wp, .x = xp, .y = y, .ldy = N, .M = M, .N = N, .K = K};
    k->run(&a, 0, M, 0, N);
    free(wp);
    free(xp);
}

static void check_shape(size_t M, size_t N, size_t K)
{
    const size_t nb = K / 32;
    q4t_block_q4_0 *w = malloc(N * nb * sizeof *w);
    q4t_block_q8_0 *xq = malloc(M * nb * sizeof *xq);
    float *wf = malloc(N * K * sizeof *wf), *x = malloc(M * K * sizeof *x), *xd = malloc(M * K * sizeof *xd);
    float *y_gemm = malloc(M * N * sizeof *y_gemm), *y_gemv = malloc(N * sizeof *y_gemv);
    uint64_t s = M * 1000003 + N * 1009 + K;
    for (size_t i = 0; i < N * K; i++) {
        s = s * 6364136223846793005u + 1442695040888963407u;
        wf[i] = (float)(int32_t)(s >> 32) / 2147483648.0f;
    }
    for (size_t i = 0; i < M * K; i++) {
        s = s * 6364136223846793005u + 1442695040888963407u;
        x[i] = (float)(int32_t)(s >> 32) / 2147483648.0f * 3.0f;
    }
    q4t_quantize_row_q4_0(wf, w, N * K);
    q4t_dequantize_row_q4_0(w, wf, N * K);
    q4t_quantize_row_q8_0(x, xq, M * K);
    q4t_dequantize_row_q8_0(xq, xd, M * K);

    run_ref(q4t_reference(Q4T_OP_GEMM), w, x, y_gemm, M, N, K);
    int differ = 0, off = 0;
    for (size_t m = 0; m < M; m++) {
        run_ref(q4t_reference(Q4T_OP_GEMV), w, x + m * K, y_gemv, 1, N, K);
        differ += memcmp(y_gemv, y_gemm + m * N, N * sizeof(float)) != 0;
        for (size_t n = 0; n < N; n++) {
            double exact = 0.0, mag = 0.0; /* dequantized product, exact in double */
            for (size_t k = 0; k < K; k++) {
                exact += (double)wf[n * K + k] * xd[m * K + k];
                mag += fabs((double)wf[n * K + k] * xd[m * K + k]);
            }
            off += fabs(y_gemm[m * N + n] - exact) > (double)(nb + 2) * FLT_EPSILON * mag;
        }
    }
    CHECK(differ == 0, "%zux%zux%zu: %d rows where GEMV and GEMM references differ", M, N, K, differ);
    CHECK(off == 0, "%zux%zux%zu: %d outputs off the dequantized product by more than fp32 rounding", M, N, K,
          off);
    free(w);
    free(xq);
    free(wf);
    free(x);
    free(xd);
    free(y_gemm);
    free(y_gemv);
}

int main(void)
{
    CHECK(q4t_reference(Q4T_OP_GEMV) && q4t_reference(Q4T_OP_GEMM), "both reference kernels are registered");
    const size_t shapes[][3] = {{1, 1, 32}, {1, 7, 64}, {3, 5, 32}, {4, 16, 256}, {7, 9, 1024}};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        check_shape(shapes[i][0], shapes[i][1], shapes[i][2]);
    return check_done("test_reference");
}
