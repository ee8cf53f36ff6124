/* Multi-threaded kernel results are bit-identical to single-threaded ones, for
 * every runnable kernel, thread count, schedule and task tile; and so is X
 * packed over the pool. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cpu.h"
#include "parallel.h"
#include "registry.h"

static void check_kernel(const q4t_kernel *k, q4t_pool *const *pools, size_t npools)
{
    const size_t M = k->op == Q4T_OP_GEMV ? 1 : 13, N = 67, K = 96, nb = K / Q4T_QK;
    q4t_block_q4_0 *w = malloc(N * nb * sizeof *w);
    float *x = malloc(M * K * sizeof *x), *row = malloc(K * sizeof *row);
    void *wp = q4t_alloc_packed(q4t_kernel_packed_w_size(k, N, K)), *xp = q4t_alloc_packed(q4t_kernel_packed_x_size(k, M, K));
    float *y1 = malloc(M * N * sizeof *y1), *yn = malloc(M * N * sizeof *yn);
    uint64_t s = 7;
    for (size_t n = 0; n < N; n++) {
        for (size_t i = 0; i < K; i++) {
            s = s * 6364136223846793005u + 1442695040888963407u;
            row[i] = (float)(int32_t)(s >> 32) / 2147483648.0f;
        }
        q4t_quantize_row_q4_0(row, w + n * nb, K);
    }
    for (size_t i = 0; i < M * K; i++) {
        s = s * 6364136223846793005u + 1442695040888963407u;
        x[i] = (float)(int32_t)(s >> 32) / 2147483648.0f;
    }
    q4t_kernel_pack_w(k, w, N, K, wp);
    q4t_kernel_pack_x(k, x, M, K, xp);
    q4t_run_args a = {.w = wp, .x = xp, .y = y1, .ldy = N, .M = M, .N = N, .K = K};
    k->run(&a, 0, M, 0, N);
    size_t mr, nr;
    q4t_kernel_tile_size(k, &mr, &nr);
    const q4t_split splits[] = {
        {Q4T_SCHED_STATIC, 0, 0},   {Q4T_SCHED_DYNAMIC, 0, 0},  {Q4T_SCHED_STATIC, mr, nr},
        {Q4T_SCHED_DYNAMIC, mr, nr}, {Q4T_SCHED_DYNAMIC, 1, 1},  {Q4T_SCHED_STATIC, 2 * mr, 3 * nr},
    };
    for (size_t p = 0; p < npools; p++) {
        for (size_t i = 0; i < sizeof splits / sizeof splits[0]; i++) {
            memset(yn, 0xff, M * N * sizeof *yn);
            a.y = yn;
            q4t_parallel_run(pools[p], k, &a, &splits[i]);
            CHECK(memcmp(y1, yn, M * N * sizeof *yn) == 0,
                  "%s: %d threads, %s schedule, task %zux%zu differs from one thread", k->name,
                  q4t_pool_size(pools[p]), q4t_schedule_name(splits[i].schedule), splits[i].task_rows,
                  splits[i].task_cols);
        }
    }
    /* X packed by row groups over the pool = packed in one call (ragged M past
     * several register tiles; the buffers start alike, so unwritten padding
     * compares equal too). */
    const size_t Mp = 5 * mr + 3;
    float *xt = malloc(Mp * K * sizeof *xt);
    const size_t bytes = q4t_kernel_packed_x_size(k, Mp, K);
    unsigned char *one = q4t_alloc_packed(bytes), *par = q4t_alloc_packed(bytes);
    for (size_t i = 0; i < Mp * K; i++)
        xt[i] = x[i % (M * K)] * (float)(1 + i % 7);
    memset(one, 0xab, bytes);
    q4t_kernel_pack_x(k, xt, Mp, K, one);
    for (size_t p = 0; p < npools; p++) {
        memset(par, 0xab, bytes);
        q4t_parallel_pack_x(pools[p], k, xt, Mp, K, par);
        CHECK(memcmp(one, par, bytes) == 0, "%s: X packed on %d threads (M = %zu) differs from one call", k->name,
              q4t_pool_size(pools[p]), Mp);
    }
    free(xt);
    free(one);
    free(par);
    free(w);
    free(x);
    free(row);
    free(wp);
    free(xp);
    free(y1);
    free(yn);
}

int main(void)
{
    q4t_cpu cpu;
    q4t_cpu_detect(&cpu);
    q4t_pool *pools[] = {q4t_pool_create(2), q4t_pool_create(3)};
    CHECK(pools[0] && pools[1], "pools");
    int checked = 0;
    for (size_t i = 0; i < q4t_kernel_count() && pools[0] && pools[1]; i++) {
        const q4t_kernel *k = q4t_kernel_at(i);
        if (q4t_kernel_missing(k, cpu.features)) {
            printf("not runnable here: %s\n", k->name);
            continue;
        }
        check_kernel(k, pools, 2);
        checked++;
    }
    CHECK(checked >= 2, "at least the reference kernels were checked (%d)", checked);
    CHECK(q4t_schedule_parse("static") == Q4T_SCHED_STATIC && q4t_schedule_parse("dynamic") == Q4T_SCHED_DYNAMIC &&
              q4t_schedule_parse("guided") == -1,
          "schedule names");
    q4t_pool_destroy(pools[0]);
    q4t_pool_destroy(pools[1]);
    return check_done("test_parallel");
}
