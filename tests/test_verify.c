/* The checker itself can fail: kernels broken on purpose (a wrong value, a
 * missing element, a write outside Y, a rectangle ignored) are all caught,
 * and bad shapes are refused. */
#include <string.h>

#include "check.h"
#include "registry.h"
#include "verify.h"

static const q4t_kernel *ref;

static void run_off_by_ulps(const q4t_run_args *a, size_t m0, size_t m1, size_t n0, size_t n1)
{
    ref->run(a, m0, m1, n0, n1);
    if (m0 == 0 && n0 == 0)
        a->y[0] *= 1.0f + 1e-4f; /* far more than fp32 reordering can explain */
}

static void run_skips_last(const q4t_run_args *a, size_t m0, size_t m1, size_t n0, size_t n1)
{
    ref->run(a, m0, m1, n0, n1 == a->N && n1 > n0 + 1 ? n1 - 1 : n1);
}

static void run_writes_past(const q4t_run_args *a, size_t m0, size_t m1, size_t n0, size_t n1)
{
    ref->run(a, m0, m1, n0, n1);
    a->y[(m1 - 1) * a->ldy + a->N] = 0.0f;
}

static void run_ignores_column_offset(const q4t_run_args *a, size_t m0, size_t m1, size_t n0, size_t n1)
{
    ref->run(a, m0, m1, 0, n1 - n0); /* right when n0 = 0 only */
}

/* The reference's W layout, but with the scales of the first two blocks of
 * row 0 swapped: one wrong block scale among 129. */
static void pack_w_swapped_scales(const q4t_w_layout *l, const q4t_block_q4_0 *w, size_t N, size_t K, void *dst)
{
    (void)l;
    ref->w->pack(ref->w, w, N, K, dst);
    q4t_block_q4_0 *p = dst;
    const uint16_t d = p[0].d;
    p[0].d = p[1].d;
    p[1].d = d;
}

static q4t_verify_result verify_with(void (*run)(const q4t_run_args *, size_t, size_t, size_t, size_t), q4t_shape s)
{
    q4t_kernel k = *ref;
    k.run = run;
    k.mr = 2;
    k.nr = 2;
    q4t_verify_result r;
    CHECK(q4t_verify(&k, s, 7, &r) == 0, "verify ran");
    return r;
}

int main(void)
{
    ref = q4t_reference(Q4T_OP_GEMM);
    const q4t_shape s = {3, 5, 64};
    q4t_verify_result r;
    CHECK(q4t_verify(ref, s, 7, &r) == 0 && r.ok && r.worst == 0.0, "the reference passes against itself");

    r = verify_with(run_off_by_ulps, s);
    CHECK(!r.ok && r.worst > 1.0 && r.worst_m == 0 && r.worst_n == 0, "a wrong value is caught (worst %g)", r.worst);
    r = verify_with(run_skips_last, s);
    CHECK(!r.ok && r.untouched == 3, "an unwritten column is caught (%d)", r.untouched);
    r = verify_with(run_writes_past, s);
    CHECK(!r.ok && r.overwritten > 0, "a write outside Y is caught (%d)", r.overwritten);
    r = verify_with(run_ignores_column_offset, s);
    CHECK(!r.ok && r.split_differs > 0, "a kernel that ignores its rectangle is caught (%d)", r.split_differs);

    q4t_w_layout swapped_w = *ref->w;
    swapped_w.name = "q4_0_swapped_scales";
    swapped_w.pack = pack_w_swapped_scales;
    q4t_kernel swapped = *ref;
    swapped.w = &swapped_w;
    CHECK(q4t_verify(&swapped, (q4t_shape){1, 3, 4096 + 32}, 7, &r) == 0 && !r.ok && r.worst_m == 0 &&
              r.worst_n == 0 && r.worst > 10.0,
          "one wrong block scale in 129 blocks is caught (worst %g x tolerance)", r.worst);

    q4t_shape p;
    char err[256];
    CHECK(q4t_shape_parse("1x4096x4096", &p, err, sizeof err) == 0 && p.M == 1 && p.N == 4096 && p.K == 4096,
          "parses a shape");
    CHECK(q4t_shape_parse("1x64x33", &p, err, sizeof err) == -1 && strstr(err, "multiple of 32"),
          "K not a multiple of 32 is refused: %s", err);
    CHECK(q4t_shape_parse("0x64x32", &p, err, sizeof err) == -1, "M = 0 is refused");
    CHECK(q4t_shape_parse("1x64", &p, err, sizeof err) == -1 && strstr(err, "MxNxK"), "a short shape is refused");
    CHECK(q4t_shape_parse("1x64x32z", &p, err, sizeof err) == -1, "trailing text is refused");
    CHECK(q4t_shape_parse("-1x64x32", &p, err, sizeof err) == -1, "a negative size is refused");
    return check_done("test_verify");
}
