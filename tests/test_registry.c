/* Registry invariants: unique names, name = file stem, the name's op, ISA token
 * and tile agree with the descriptor, ISA bits valid for the architecture.
 * Layouts: each kernel has a W and an X layout whose ISA it includes; every
 * layout packs within size() bytes (a canary after them stays), X layouts that
 * split by row groups give the bytes of one call, and a GEMV and a GEMM of one
 * W layout compute from one packed copy what a float computation gives. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cpu.h"
#include "registry.h"

/* ISA token of a kernel name -> the feature bits that token implies. */
static const struct {
    const char *token;
    uint64_t bits;
} tokens[] = {
    {"ref", 0},
    {"neon", Q4T_F_NEON},
    {"sdot", Q4T_F_NEON | Q4T_F_SDOT},
    {"i8mm", Q4T_F_NEON | Q4T_F_I8MM},
    {"sve_i8mm", Q4T_F_NEON | Q4T_F_SVE | Q4T_F_I8MM | Q4T_F_SVEI8MM},
    {"sve2", Q4T_F_NEON | Q4T_F_SVE | Q4T_F_SVE2},
    {"sve", Q4T_F_NEON | Q4T_F_SVE},
    {"sme2", Q4T_F_SME | Q4T_F_SME2},
    {"sme", Q4T_F_SME},
    {"avx2", Q4T_F_AVX2},
    {"avxvnni", Q4T_F_AVX2 | Q4T_F_AVXVNNI},
    {"avx512vnni", Q4T_F_AVX2 | Q4T_F_AVX512F | Q4T_F_AVX512BW | Q4T_F_AVX512VL | Q4T_F_AVX512VNNI},
};

static q4t_cpu cpu;

static void check_kernel(const q4t_kernel *k)
{
    const char *n = k->name;
    CHECK(n && k->file, "kernel %p has a name and a file", (const void *)k);
    if (!n || !k->file)
        return;
    const char *base = strrchr(k->file, '/');
    base = base ? base + 1 : k->file;
    CHECK(strlen(base) == strlen(n) + 2 && !strncmp(base, n, strlen(n)) && !strcmp(base + strlen(n), ".c"),
          "%s is defined in %s: the name must be the file stem", n, k->file);

    const char *prefix = k->op == Q4T_OP_GEMV ? "gemv_q4_" : "gemm_q4_";
    CHECK(!strncmp(n, prefix, strlen(prefix)), "%s: op %s must prefix the name", n, q4t_op_name(k->op));
    const char *rest = n + strlen(prefix);
    int matched = 0;
    for (size_t i = 0; i < sizeof tokens / sizeof tokens[0] && !matched; i++) {
        const size_t len = strlen(tokens[i].token);
        if (strncmp(rest, tokens[i].token, len) || rest[len] != '_')
            continue;
        matched = 1;
        CHECK((k->isa & tokens[i].bits) == tokens[i].bits, "%s: ISA token '%s' needs bits its descriptor lacks", n,
              tokens[i].token);
        char tile[16];
        q4t_kernel_tile(k, tile, sizeof tile);
        const char *t = rest + len + 1;
        CHECK(!strncmp(t, tile, strlen(tile)) && (t[strlen(tile)] == '\0' || t[strlen(tile)] == '_'),
              "%s: tile in the name differs from mr x nr = %s", n, tile);
    }
    CHECK(matched, "%s: no known ISA token after '%s'", n, prefix);

    const uint64_t arch_bits = strstr(k->file, "/x86/") ? Q4T_F_X86 : strstr(k->file, "/arm/") ? Q4T_F_ARM : 0;
    CHECK((k->isa & ~arch_bits) == 0, "%s: ISA bits outside its architecture's features", n);
    CHECK(q4t_features_close(k->isa) == k->isa, "%s: requires a feature without its prerequisites", n);
    CHECK(k->op == Q4T_OP_GEMV ? k->mr == 1 && !k->mr_vl : 1, "%s: a GEMV kernel has mr = 1", n);
    CHECK(k->mr >= 1 && k->nr >= 1 && k->kr >= 1, "%s: tile dimensions are at least 1", n);
    CHECK((k->mr_vl || k->nr_vl) == (k->tile != NULL), "%s: a scalable tile has a tile() and only then", n);
    CHECK(k->w && k->x && k->run, "%s: has a W layout, an X layout and a run()", n);
    if (!k->w || !k->x)
        return;
    CHECK(k->w->name && *k->w->name && k->x->name && *k->x->name, "%s: its layouts have names", n);
    CHECK(k->w->size && k->w->pack && k->x->size && k->x->pack, "%s: its layouts' functions are set", n);
    CHECK((k->w->isa & ~k->isa) == 0, "%s: W layout %s needs features the kernel does not", n, k->w->name);
    CHECK((k->x->isa & ~k->isa) == 0, "%s: X layout %s needs features the kernel does not", n, k->x->name);
    if (!q4t_kernel_missing(k, cpu.features)) /* may run SVE code */
        CHECK(q4t_kernel_packed_w_size(k, 1, 32) >= sizeof(q4t_block_q4_0) &&
                  q4t_kernel_packed_x_size(k, 1, 32) >= 32,
              "%s: packed sizes hold at least one block", n);
}

static uint32_t rng = 12345;

static float rnd(void) /* uniform in [-1, 1) */
{
    rng = rng * 1103515245u + 12345u;
    return (float)(rng >> 8) / (float)(1u << 23) - 1.0f;
}

/* Ragged random W (N x K, quantized) and X (M x K, floats). */
static void random_problem(size_t M, size_t N, size_t K, q4t_block_q4_0 *w, float *x)
{
    float row[256];
    for (size_t n = 0; n < N; n++) {
        for (size_t k = 0; k < K; k++)
            row[k] = rnd() * (float)(1 + n % 3);
        q4t_quantize_row_q4_0(row, w + n * (K / Q4T_QK), K);
    }
    for (size_t i = 0; i < M * K; i++)
        x[i] = rnd() * 2.0f;
}

enum { CANARY = 64, PM = 13, PN = 67, PK = 96 };

/* Packs into size() bytes followed by a canary and checks the canary. */
static unsigned char *pack_checked(const char *what, const char *name, size_t size,
                                   void (*pack)(const void *l, const void *src, size_t rows, void *dst),
                                   const void *l, const void *src, size_t rows)
{
    unsigned char *p = q4t_alloc_packed(size + CANARY);
    memset(p + size, 0xa5, CANARY);
    pack(l, src, rows, p);
    size_t bad = 0;
    for (size_t i = 0; i < CANARY; i++)
        bad += p[size + i] != 0xa5;
    CHECK(bad == 0, "%s layout %s writes %zu bytes past its size() of %zu", what, name, bad, size);
    return p;
}

static void pack_w_at(const void *l, const void *w, size_t N, void *dst)
{
    ((const q4t_w_layout *)l)->pack(l, w, N, PK, dst);
}

static void pack_x_at(const void *l, const void *x, size_t M, void *dst)
{
    ((const q4t_x_layout *)l)->pack(l, x, M, PK, dst);
}

static void check_w_layout(const q4t_w_layout *l, const q4t_block_q4_0 *w)
{
    if (l->isa & ~cpu.features)
        return;
    free(pack_checked("W", l->name, l->size(l, PN, PK), pack_w_at, l, w, PN));
}

/* Packs within size(); when it splits by row groups, two calls (rows
 * [0, rows) and [rows, M)) give the bytes of one. */
static void check_x_layout(const q4t_x_layout *l, const float *x)
{
    if (l->isa & ~cpu.features)
        return;
    const size_t size = l->size(l, PM, PK);
    unsigned char *one = pack_checked("X", l->name, size, pack_x_at, l, x, PM);
    if (l->rows && l->rows < PM) {
        unsigned char *two = q4t_alloc_packed(size);
        memset(two, 0, size);
        const size_t at = l->size(l, l->rows, PK);
        l->pack(l, x, l->rows, PK, two);
        l->pack(l, x + l->rows * PK, PM - l->rows, PK, two + at);
        CHECK(!memcmp(one, two, size), "X layout %s: packing by row groups of %zu gives other bytes", l->name,
              l->rows);
        free(two);
    }
    free(one);
}

/* Y = X W^T as floats from the dequantized W and Q8_0 X (double sums), and
 * per element the bound of a reordered fp32 sum over K/32 blocks. */
static void float_product(const q4t_block_q4_0 *w, const float *x, size_t M, size_t N, size_t K, double *y,
                          double *tol)
{
    float wf[256], xf[256];
    q4t_block_q8_0 xq[256 / Q4T_QK];
    for (size_t m = 0; m < M; m++) {
        q4t_quantize_row_q8_0(x + m * K, xq, K);
        q4t_dequantize_row_q8_0(xq, xf, K);
        for (size_t n = 0; n < N; n++) {
            q4t_dequantize_row_q4_0(w + n * (K / Q4T_QK), wf, K);
            double sum = 0, mag = 0;
            for (size_t k = 0; k < K; k++) {
                sum += (double)wf[k] * xf[k];
                mag += fabs((double)wf[k] * xf[k]);
            }
            y[m * N + n] = sum;
            tol[m * N + n] = (K / Q4T_QK + 2) * FLT_EPSILON * mag + 1e-30;
        }
    }
}

/* Runs k over all of Y from W packed (once, by the caller) in k's W layout. */
static void run_packed(const q4t_kernel *k, const void *pw, const float *x, size_t M, float *y)
{
    void *px = q4t_alloc_packed(q4t_kernel_packed_x_size(k, M, PK));
    q4t_kernel_pack_x(k, x, M, PK, px);
    const q4t_run_args a = {pw, px, y, PN, M, PN, PK};
    k->run(&a, 0, M, 0, PN);
    free(px);
}

/* A GEMV and a GEMM of layout l, from one packed copy of W, agree with the
 * float product. */
static void check_shared_w(const q4t_w_layout *l, const q4t_block_q4_0 *w, const float *x)
{
    const q4t_kernel *gemv = NULL, *gemm = NULL;
    for (size_t i = 0; i < q4t_kernel_count(); i++) {
        const q4t_kernel *k = q4t_kernel_at(i);
        if (k->w != l || q4t_kernel_missing(k, cpu.features))
            continue;
        if (k->op == Q4T_OP_GEMV && !gemv)
            gemv = k;
        if (k->op == Q4T_OP_GEMM && !gemm)
            gemm = k;
    }
    if (!gemv || !gemm)
        return;
    CHECK(q4t_kernel_same_w(gemv, gemm) && q4t_kernel_packed_w_size(gemv, PN, PK) ==
                                               q4t_kernel_packed_w_size(gemm, PN, PK),
          "%s and %s share layout %s", gemv->name, gemm->name, l->name);
    void *pw = q4t_alloc_packed(l->size(l, PN, PK));
    q4t_kernel_pack_w(gemv, w, PN, PK, pw);
    static double ref[PM * PN], tol[PM * PN];
    static float y[PM * PN];
    float_product(w, x, PM, PN, PK, ref, tol);
    const q4t_kernel *both[2] = {gemv, gemm};
    for (int i = 0; i < 2; i++) {
        const size_t M = both[i]->op == Q4T_OP_GEMV ? 1 : PM;
        run_packed(both[i], pw, x, M, y);
        double worst = 0;
        for (size_t e = 0; e < M * PN; e++) {
            const double off = fabs(y[e] - ref[e]) / tol[e];
            if (off > worst) /* not fmax: GCC 12 for aarch64 fails to vectorise that reduction (ICE) */
                worst = off;
        }
        CHECK(worst <= 1.0, "%s from the W packed for layout %s: %g x tolerance off the float product",
              both[i]->name, l->name, worst);
    }
    free(pw);
}

int main(void)
{
    q4t_cpu_detect(&cpu);
    const size_t count = q4t_kernel_count();
    CHECK(count >= 2, "the registry holds the two reference kernels at least (%zu)", count);
    for (size_t i = 0; i < count; i++) {
        check_kernel(q4t_kernel_at(i));
        for (size_t j = 0; j < i; j++)
            CHECK(strcmp(q4t_kernel_at(i)->name, q4t_kernel_at(j)->name), "%s is registered twice",
                  q4t_kernel_at(i)->name);
        CHECK(q4t_kernel_find(q4t_kernel_at(i)->name) == q4t_kernel_at(i), "find(%s)", q4t_kernel_at(i)->name);
    }
    for (size_t i = 0; i < q4t_unbuilt_count(); i++)
        CHECK(!q4t_kernel_find(q4t_unbuilt_name(i)), "%s is both built and unbuilt", q4t_unbuilt_name(i));
    for (int op = Q4T_OP_GEMV; op <= Q4T_OP_GEMM; op++) {
        const q4t_kernel *ref = q4t_reference((q4t_op)op);
        CHECK(ref && ref->op == (q4t_op)op && ref->isa == 0, "the %s reference runs everywhere",
              q4t_op_name((q4t_op)op));
    }
    CHECK(q4t_kernel_find("no_such_kernel") == NULL, "unknown names are not found");

    static q4t_block_q4_0 w[PN * PK / Q4T_QK];
    static float x[PM * PK];
    random_problem(PM, PN, PK, w, x);
    CHECK(q4t_w_layout_count() >= 1 && q4t_x_layout_count() >= 1, "the kernels name layouts");
    for (size_t i = 0; i < q4t_w_layout_count(); i++) {
        const q4t_w_layout *l = q4t_w_layout_at(i);
        for (size_t j = 0; j < i; j++)
            CHECK(strcmp(l->name, q4t_w_layout_at(j)->name), "two W layouts are named %s", l->name);
        check_w_layout(l, w);
        check_shared_w(l, w, x);
    }
    CHECK(q4t_w_layout_at(q4t_w_layout_count()) == NULL, "no W layout past the count");
    for (size_t i = 0; i < q4t_x_layout_count(); i++) {
        const q4t_x_layout *l = q4t_x_layout_at(i);
        for (size_t j = 0; j < i; j++)
            CHECK(strcmp(l->name, q4t_x_layout_at(j)->name), "two X layouts are named %s", l->name);
        check_x_layout(l, x);
    }
    CHECK(q4t_x_layout_at(q4t_x_layout_count()) == NULL, "no X layout past the count");
    return check_done("test_registry");
}
