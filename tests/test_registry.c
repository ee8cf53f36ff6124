/* Registry invariants: unique names, name = file stem, the name's op, ISA token
 * and tile agree with the descriptor, ISA bits valid for the architecture. */
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
    CHECK(k->packed_w_size && k->pack_w && k->packed_x_size && k->pack_x && k->run, "%s: every function is set", n);
    CHECK(k->w_layout && *k->w_layout, "%s: names its packed W layout", n);
    if (k->packed_w_size && k->packed_x_size && !q4t_kernel_missing(k, cpu.features)) /* may run SVE code */
        CHECK(k->packed_w_size(1, 32) >= sizeof(q4t_block_q4_0) && k->packed_x_size(1, 32) >= 32,
              "%s: packed sizes hold at least one block", n);
}

/* Kernels that claim one W layout pack a ragged random matrix to the same bytes. */
static void check_shared_layout(const q4t_kernel *a, const q4t_kernel *b)
{
    if (strcmp(a->w_layout, b->w_layout) || q4t_kernel_missing(a, cpu.features) || q4t_kernel_missing(b, cpu.features))
        return;
    enum { N = 67, K = 96 };
    q4t_block_q4_0 w[N * K / Q4T_QK];
    uint32_t s = 12345;
    for (size_t i = 0; i < sizeof w; i++)
        ((uint8_t *)w)[i] = (uint8_t)((s = s * 1103515245u + 12345u) >> 16);
    for (size_t i = 0; i < N * K / Q4T_QK; i++)
        w[i].d = (uint16_t)(w[i].d & 0x3bff); /* finite scales */
    const size_t sa = a->packed_w_size(N, K), sb = b->packed_w_size(N, K);
    CHECK(sa == sb, "%s and %s share layout %s: packed sizes %zu and %zu", a->name, b->name, a->w_layout, sa, sb);
    if (sa != sb)
        return;
    void *pa = q4t_alloc_packed(sa), *pb = q4t_alloc_packed(sb);
    a->pack_w(w, N, K, pa);
    b->pack_w(w, N, K, pb);
    CHECK(!memcmp(pa, pb, sa), "%s and %s share layout %s: same packed bytes", a->name, b->name, a->w_layout);
    free(pa);
    free(pb);
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
        for (size_t j = 0; j < i; j++)
            check_shared_layout(q4t_kernel_at(i), q4t_kernel_at(j));
    }
    for (size_t i = 0; i < q4t_unbuilt_count(); i++)
        CHECK(!q4t_kernel_find(q4t_unbuilt_name(i)), "%s is both built and unbuilt", q4t_unbuilt_name(i));
    for (int op = Q4T_OP_GEMV; op <= Q4T_OP_GEMM; op++) {
        const q4t_kernel *ref = q4t_reference((q4t_op)op);
        CHECK(ref && ref->op == (q4t_op)op && ref->isa == 0, "the %s reference runs everywhere",
              q4t_op_name((q4t_op)op));
    }
    CHECK(q4t_kernel_find("no_such_kernel") == NULL, "unknown names are not found");
    return check_done("test_registry");
}
