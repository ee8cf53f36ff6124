/* One vector set of the registry (vec.h) against the reference set, on ragged
 * sizes: every function, both KV cache types, attention over one call and
 * over key blocks, causal ends inside, before and past a block. The reference
 * set itself is checked instead against the maths written out here (double
 * sums, a two-pass softmax). Exits 77 (ctest: skipped, with the reason) when
 * this CPU cannot run the set or Q4T_ISA masks off what it needs. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cpu.h"
#include "formats.h"
#include "registry.h"

static uint32_t rng;

static float rnd(void) /* uniform in [-1, 1) */
{
    rng = rng * 1103515245u + 12345u;
    return (float)(rng >> 8) / (float)(1u << 23) - 1.0f;
}

/* Largest |a - b| over n, relative to the largest |b|. */
static double rel_diff(const float *a, const float *b, size_t n)
{
    double worst = 0.0, scale = 1e-30;
    for (size_t i = 0; i < n; i++) {
        scale = fmax(scale, fabs(b[i]));
        const double d = isnan(a[i]) != isnan(b[i]) ? INFINITY : isnan(a[i]) ? 0.0 : fabs((double)a[i] - b[i]);
        worst = fmax(worst, d);
    }
    return worst / scale;
}

static const size_t lengths[] = {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 128, 255, 2048, 5632};
#define NLEN (sizeof lengths / sizeof lengths[0])
static const size_t head_dims[] = {2, 4, 6, 8, 14, 16, 18, 30, 32, 34, 48, 64, 80, 96, 128, 130};
#define NHD (sizeof head_dims / sizeof head_dims[0])

/* Element-wise functions: rmsnorm, add, swiglu, rope, to_f16 of v against ref. */
static void check_elementwise(const q4t_vec *v, const q4t_vec *ref)
{
    enum { MAX = 5632 * 2 };
    float *x = malloc(MAX * sizeof *x), *w = malloc(MAX * sizeof *w), *a = malloc(MAX * sizeof *a);
    float *b = malloc(MAX * sizeof *b), *u = malloc(MAX * sizeof *u);
    uint16_t *ha = malloc(MAX * sizeof *ha), *hb = malloc(MAX * sizeof *hb);
    for (size_t li = 0; li < NLEN; li++) {
        const size_t n = lengths[li];
        rng = 17 + (uint32_t)n;
        for (size_t i = 0; i < n; i++)
            x[i] = rnd() * 4.0f, w[i] = rnd() * 2.0f, u[i] = rnd() * 3.0f;
        v->rmsnorm(a, x, w, n, 1e-5f);
        ref->rmsnorm(b, x, w, n, 1e-5f);
        CHECK(rel_diff(a, b, n) <= 2e-6, "%s rmsnorm n=%zu: %.3g off the reference", v->name, n, rel_diff(a, b, n));
        memcpy(a, x, n * sizeof *a);
        v->rmsnorm(a, a, w, n, 1e-5f); /* in place */
        CHECK(rel_diff(a, b, n) <= 2e-6, "%s rmsnorm in place n=%zu", v->name, n);

        memcpy(a, x, n * sizeof *a), memcpy(b, x, n * sizeof *b);
        v->add(a, u, n), ref->add(b, u, n);
        CHECK(!memcmp(a, b, n * sizeof *a), "%s add n=%zu differs from the reference", v->name, n);

        for (size_t i = 0; i < n; i++) /* silu's whole range: exp overflows past |h| = 88 */
            x[i] = i % 13 == 5 ? rnd() * 120.0f : rnd() * 8.0f;
        memcpy(a, x, n * sizeof *a), memcpy(b, x, n * sizeof *b);
        v->swiglu(a, u, n), ref->swiglu(b, u, n);
        CHECK(rel_diff(a, b, n) <= 2e-6, "%s swiglu n=%zu: %.3g off the reference", v->name, n, rel_diff(a, b, n));

        for (size_t i = 0; i < n; i++)
            x[i] = rnd() * 70000.0f * (i % 3 ? 1.0f : 1e-6f);
        static const float special[] = {0.0f, -0.0f, 65504.0f, 65520.0f, 1e-8f, 6.1e-5f, 5.96e-8f, 2.98e-8f,
                                        1.00048828125f, 1.000732421875f, INFINITY, -INFINITY, NAN};
        for (size_t i = 0; i < n && i < sizeof special / sizeof special[0]; i++)
            x[n - 1 - i] = special[i];
        v->to_f16(ha, x, n), ref->to_f16(hb, x, n);
        int same = 1;
        for (size_t i = 0; i < n; i++) {
            const int nan_a = (ha[i] & 0x7c00) == 0x7c00 && (ha[i] & 0x3ff), nan_b = (hb[i] & 0x7c00) == 0x7c00 && (hb[i] & 0x3ff);
            same &= nan_b ? nan_a : ha[i] == hb[i];
        }
        CHECK(same, "%s to_f16 n=%zu differs from the reference", v->name, n);
    }
    float freq[80], tab[2 * 160];
    for (size_t hi = 0; hi < NHD; hi++) {
        const size_t hd = head_dims[hi];
        for (size_t f = 0; f < hd / 2; f++)
            freq[f] = powf(10000.0f, -2.0f * (float)f / (float)hd);
        for (size_t heads = 1; heads <= 5; heads += 2) {
            const size_t pos = 3 + 97 * hi;
            q4t_rope_table(tab, pos, freq, hd);
            rng = (uint32_t)(hd * 31 + heads);
            for (size_t i = 0; i < heads * hd; i++)
                a[i] = b[i] = rnd() * 2.0f;
            v->rope(a, tab, heads, hd), ref->rope(b, tab, heads, hd);
            CHECK(rel_diff(a, b, heads * hd) <= 1e-6, "%s rope head_dim %zu x %zu heads: %.3g off", v->name, hd, heads,
                  rel_diff(a, b, heads * hd));
        }
    }
    free(x), free(w), free(a), free(b), free(u), free(ha), free(hb);
}

/* An attention problem: queries (rows x heads x hd, rows ldq apart), a cache of
 * npos positions (ldkv apart) in both types, the same values. */
typedef struct {
    size_t rows, heads, hd, ldq, ldkv, npos, end0;
    float *q, *k32, *v32;
    uint16_t *k16, *v16;
} problem;

static void problem_make(problem *p, size_t rows, size_t heads, size_t hd, size_t npos, size_t end0, uint32_t seed)
{
    *p = (problem){rows, heads, hd, heads * hd + 3, 2 * hd + 5, npos, end0, NULL, NULL, NULL, NULL, NULL};
    p->q = malloc(rows * p->ldq * sizeof *p->q);
    p->k32 = malloc(npos * p->ldkv * sizeof *p->k32), p->v32 = malloc(npos * p->ldkv * sizeof *p->v32);
    p->k16 = malloc(npos * p->ldkv * sizeof *p->k16), p->v16 = malloc(npos * p->ldkv * sizeof *p->v16);
    rng = seed;
    for (size_t i = 0; i < rows * p->ldq; i++)
        p->q[i] = rnd() * 3.0f;
    for (size_t i = 0; i < npos * p->ldkv; i++) { /* fp16-exact values: both types hold the same cache */
        p->k16[i] = q4t_fp32_to_fp16(rnd() * (i % 7 ? 1.5f : 4.0f));
        p->v16[i] = q4t_fp32_to_fp16(rnd() * 2.0f);
        p->k32[i] = q4t_fp16_to_fp32(p->k16[i]);
        p->v32[i] = q4t_fp16_to_fp32(p->v16[i]);
    }
}

static void problem_free(problem *p)
{
    free(p->q), free(p->k32), free(p->v32), free(p->k16), free(p->v16);
}

/* Runs attend over the key blocks [cuts[i], cuts[i+1]) in order and writes
 * acc / l per query into out (queries that saw no key: 0), m and l too. */
static void run_attend(const q4t_vec *v, q4t_kv_type kv, const problem *p, const size_t *cuts, size_t ncuts,
                       float *out, float *m, float *l)
{
    const size_t nq = p->rows * p->heads;
    for (size_t j = 0; j < nq; j++)
        m[j] = -INFINITY, l[j] = 0.0f;
    memset(out, 0, nq * p->hd * sizeof *out);
    const q4t_attn_args a = {.q = p->q, .ldq = p->ldq, .rows = p->rows, .heads = p->heads, .head_dim = p->hd,
                             .k = kv == Q4T_KV_F16 ? (const void *)p->k16 : p->k32,
                             .v = kv == Q4T_KV_F16 ? (const void *)p->v16 : p->v32, .ldkv = p->ldkv,
                             .scale = 1.0f / sqrtf((float)p->hd), .end0 = p->end0, .m = m, .l = l, .acc = out};
    for (size_t c = 0; c + 1 < ncuts; c++)
        v->attend[kv](&a, cuts[c], cuts[c + 1]);
    for (size_t j = 0; j < nq; j++)
        for (size_t e = 0; e < p->hd; e++)
            out[j * p->hd + e] = l[j] > 0.0f ? out[j * p->hd + e] / l[j] : 0.0f;
}

/* The maths: two-pass softmax over positions [p0, min(p1, end)), in double. */
static void naive_attend(const problem *p, size_t p0, size_t p1, float *out)
{
    const size_t hd = p->hd;
    double *s = malloc((p->npos + 1) * sizeof *s);
    for (size_t r = 0; r < p->rows; r++)
        for (size_t h = 0; h < p->heads; h++) {
            const float *q = p->q + r * p->ldq + h * hd;
            float *o = out + (r * p->heads + h) * hd;
            const size_t end = p->end0 + r < p1 ? p->end0 + r : p1;
            double max = -INFINITY, sum = 0.0;
            for (size_t t = p0; t < end; t++) {
                double d = 0.0;
                for (size_t e = 0; e < hd; e++)
                    d += (double)q[e] * p->k32[t * p->ldkv + e];
                s[t] = d / sqrt((double)hd);
                max = fmax(max, s[t]);
            }
            for (size_t t = p0; t < end; t++)
                sum += s[t] = exp(s[t] - max);
            for (size_t e = 0; e < hd; e++) {
                double acc = 0.0;
                for (size_t t = p0; t < end; t++)
                    acc += s[t] * p->v32[t * p->ldkv + e];
                o[e] = end > p0 ? (float)(acc / sum) : 0.0f;
            }
        }
    free(s);
}

static void check_attention(const q4t_vec *v, const q4t_vec *ref)
{
    static const struct {
        size_t rows, heads, npos, end0; /* row r attends positions < end0 + r, of npos in the cache */
    } cases[] = {
        {1, 1, 1, 1},      {1, 1, 5, 5},    {1, 4, 300, 300}, {1, 8, 515, 515},   {3, 2, 40, 38},
        {17, 2, 80, 64},   {16, 8, 16, 1},  {5, 1, 200, 196}, {2, 3, 129, 128},   {9, 4, 267, 259},
        {16, 40, 24, 9}, /* more queries than a set may stage at once */
    };
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        for (size_t hi = 0; hi < NHD; hi++) {
            const size_t hd = head_dims[hi];
            if ((cases[ci].npos > 200 && hd % 32 != 0) || (cases[ci].rows * cases[ci].heads > 200 && hd % 64 != 0))
                continue; /* long caches and many queries at the common head sizes; ragged sizes on the rest */
            problem p;
            problem_make(&p, cases[ci].rows, cases[ci].heads, hd, cases[ci].npos, cases[ci].end0,
                         (uint32_t)(ci * 1000 + hd));
            const size_t nq = p.rows * p.heads, n = p.npos;
            float *a = malloc(nq * hd * sizeof *a), *b = malloc(nq * hd * sizeof *b);
            float *ma = malloc(nq * sizeof *ma), *la = malloc(nq * sizeof *la);
            float *mb = malloc(nq * sizeof *mb), *lb = malloc(nq * sizeof *lb);
            /* one call over the cache; blocks that cut rows' causal ends; a block past every end */
            const size_t whole[] = {0, n}, blocks[] = {0, n / 3, n / 3 + 1, n / 2 + 7 < n ? n / 2 + 7 : n, n};
            const size_t tail[] = {n / 2, n, n + 40};
            const struct {
                const size_t *cuts;
                size_t ncuts;
                const char *what;
            } splits[] = {{whole, 2, "one block"}, {blocks, 5, "four blocks"}, {tail, 3, "the second half"}};
            for (int kv = 0; kv < Q4T_KV_TYPES; kv++)
                for (size_t si = 0; si < 3; si++) {
                    run_attend(v, (q4t_kv_type)kv, &p, splits[si].cuts, splits[si].ncuts, a, ma, la);
                    if (v == ref)
                        naive_attend(&p, splits[si].cuts[0], splits[si].cuts[splits[si].ncuts - 1], b);
                    else
                        run_attend(ref, (q4t_kv_type)kv, &p, splits[si].cuts, splits[si].ncuts, b, mb, lb);
                    const double d = rel_diff(a, b, nq * hd);
                    CHECK(d <= 2e-5, "%s attend %s, %zu rows x %zu heads x %zu, %zu positions, end0 %zu, %s: %.3g off %s",
                          v->name, kv ? "f16" : "f32", p.rows, p.heads, hd, n, p.end0, splits[si].what, d,
                          v == ref ? "the maths" : "the reference");
                    int untouched = 1; /* rows whose causal end is at or before the first block see nothing */
                    for (size_t r = 0; r < p.rows; r++)
                        if (p.end0 + r <= splits[si].cuts[0])
                            for (size_t h = 0; h < p.heads; h++)
                                untouched &= ma[r * p.heads + h] == -INFINITY && la[r * p.heads + h] == 0.0f;
                    CHECK(untouched, "%s attend: a row before the block was changed", v->name);
                }
            /* partial states over disjoint halves, merged, are the whole */
            if (p.rows == 1) {
                float *m2 = malloc(2 * nq * sizeof *m2), *l2 = malloc(2 * nq * sizeof *l2);
                float *acc2 = malloc(2 * nq * hd * sizeof *acc2);
                for (int half = 0; half < 2; half++) {
                    const size_t cut[] = {half ? n / 2 : 0, half ? n : n / 2};
                    run_attend(v, Q4T_KV_F32, &p, cut, 2, a, ma, la);
                    for (size_t j = 0; j < nq; j++) { /* back to the raw state: acc = out * l */
                        m2[j * 2 + half] = ma[j], l2[j * 2 + half] = la[j];
                        for (size_t e = 0; e < hd; e++)
                            acc2[(j * 2 + half) * hd + e] = a[j * hd + e] * la[j];
                    }
                }
                for (size_t j = 0; j < nq; j++)
                    q4t_attn_merge(m2 + 2 * j, l2 + 2 * j, acc2 + 2 * j * hd, 2, hd, a + j * hd);
                naive_attend(&p, 0, n, b);
                CHECK(rel_diff(a, b, nq * hd) <= 2e-5, "%s: two halves merged, %zu heads x %zu, %zu positions: %.3g off",
                      v->name, p.heads, hd, n, rel_diff(a, b, nq * hd));
                free(m2), free(l2), free(acc2);
            }
            free(a), free(b), free(ma), free(la), free(mb), free(lb);
            problem_free(&p);
        }
    }
}

/* Largest |o - want| over n. */
static double max_abs_diff(const float *o, const double *want, size_t n)
{
    double worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double d = fabs(o[i] - want[i]);
        worst = d > worst ? d : worst;
    }
    return worst;
}

/* The reference against the maths for the element-wise functions. */
static void check_reference(const q4t_vec *ref)
{
    double want[100], worst;
    float x[100], w[100], o[100], u[100];
    rng = 5;
    for (int i = 0; i < 100; i++)
        x[i] = rnd() * 3.0f, w[i] = rnd(), u[i] = rnd();
    ref->rmsnorm(o, x, w, 100, 1e-5f);
    double ss = 0.0;
    for (int i = 0; i < 100; i++)
        ss += (double)x[i] * x[i];
    for (int i = 0; i < 100; i++)
        want[i] = w[i] * x[i] / sqrt(ss / 100 + 1e-5);
    worst = max_abs_diff(o, want, 100);
    CHECK(worst < 1e-6, "reference rmsnorm off the maths by %.3g", worst);
    memcpy(o, x, sizeof o);
    ref->swiglu(o, u, 100);
    for (int i = 0; i < 100; i++)
        want[i] = x[i] / (1.0 + exp(-(double)x[i])) * u[i];
    worst = max_abs_diff(o, want, 100);
    CHECK(worst < 1e-6, "reference swiglu off the maths by %.3g", worst);
    float freq[4] = {1.0f, 0.5f, 0.25f, 0.125f}, tab[16];
    q4t_rope_table(tab, 3, freq, 8);
    memcpy(o, x, 8 * sizeof *o);
    ref->rope(o, tab, 1, 8);
    for (int f = 0; f < 4; f++) {
        const double c = cos(3.0 * freq[f]), s = sin(3.0 * freq[f]);
        want[2 * f] = x[2 * f] * c - x[2 * f + 1] * s;
        want[2 * f + 1] = x[2 * f] * s + x[2 * f + 1] * c;
    }
    worst = max_abs_diff(o, want, 8);
    CHECK(worst < 1e-6, "reference rope off the maths by %.3g", worst);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_vec NAME\n");
        return 2;
    }
    const q4t_vec *v = q4t_vec_find(argv[1]), *ref = q4t_vec_reference();
    if (!v) {
        for (size_t i = 0; i < q4t_unbuilt_count(); i++)
            if (!strcmp(q4t_unbuilt_name(i), argv[1])) {
                printf("SKIP %s: not built: %s\n", argv[1], q4t_unbuilt_reason(i));
                return 77;
            }
        fprintf(stderr, "test_vec: no vector set %s\n", argv[1]);
        return 1;
    }
    q4t_cpu cpu;
    char err[512];
    q4t_cpu_detect(&cpu);
    if (q4t_cpu_mask_env(&cpu, err, sizeof err)) {
        fprintf(stderr, "test_vec: %s\n", err);
        return 1;
    }
    const uint64_t missing = v->isa & ~cpu.features;
    if (missing) {
        char names[256];
        q4t_features_format(missing, ",", names, sizeof names);
        printf("SKIP %s: needs %s%s\n", v->name, names,
               missing & cpu.detected ? " (masked off by Q4T_ISA)" : ", which this CPU lacks");
        return 77;
    }
    if (v == ref)
        check_reference(ref);
    else
        check_elementwise(v, ref);
    check_attention(v, ref);
    return check_done(v->name);
}
