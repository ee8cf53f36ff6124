/* Formats: fp16 conversions (exhaustive round trip, rounding known answers,
 * and the compiler's _Float16 as an oracle where it has one), Q4_0 and Q8_0
 * quantization pinned to exact bytes, and dequantization error bounds. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "formats.h"

static uint32_t bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static void fp16_known_answers(void)
{
    static const struct {
        float f;
        uint16_t h;
    } cases[] = {
        {1.0f, 0x3c00},          {-2.0f, 0xc000},           {0.0f, 0x0000},
        {-0.0f, 0x8000},         {65504.0f, 0x7bff},        {65519.99f, 0x7bff}, /* below the tie: max */
        {65520.0f, 0x7c00},      {1e10f, 0x7c00},           {-INFINITY, 0xfc00},
        {0x1p-14f, 0x0400},      {0x1p-24f, 0x0001},        {0x1p-25f, 0x0000}, /* tie with 0: to even */
        {0x1.8p-25f, 0x0001},    {0x1.8p-24f, 0x0002},      /* tie between 1 and 2 units: to even */
        {0x1.002p0f, 0x3c00},    /* 1 + 2^-11: tie, to even 1.0 */
        {0x1.006p0f, 0x3c02},    /* 1 + 3*2^-11: tie, to even 1 + 2^-9 */
        {0x1.0021p0f, 0x3c01},   /* just above the tie */
        {0.1f, 0x2e66},          {1.0f / 3, 0x3555},        {0x1.ff8p-15f, 0x03ff}, /* largest subnormal */
        {0x1.ffcp-15f, 0x0400},  /* tie, to even: the smallest normal */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const uint16_t h = q4t_fp32_to_fp16(cases[i].f);
        CHECK(h == cases[i].h, "fp32_to_fp16(%a) = 0x%04x, want 0x%04x", cases[i].f, h, cases[i].h);
    }
    const uint16_t nan = q4t_fp32_to_fp16(NAN);
    CHECK((nan & 0x7c00) == 0x7c00 && (nan & 0x3ff) != 0, "fp32_to_fp16(NaN) = 0x%04x is not a NaN", nan);
    CHECK(q4t_fp16_to_fp32(0x0001) == 0x1p-24f, "smallest subnormal");
    CHECK(q4t_fp16_to_fp32(0x7bff) == 65504.0f, "largest normal");
    CHECK(q4t_fp16_to_fp32(0xfc00) == -INFINITY, "-inf");
    CHECK(isnan(q4t_fp16_to_fp32(0x7c01)), "signalling NaN stays NaN");
}

static void fp16_exhaustive(void)
{
    int bad_roundtrip = 0, bad_order = 0;
    float prev = -1.0f;
    for (uint32_t h = 0; h <= 0xffff; h++) {
        const float f = q4t_fp16_to_fp32((uint16_t)h);
        const int is_nan = (h & 0x7c00) == 0x7c00 && (h & 0x3ff);
        if (is_nan ? !isnan(f) : q4t_fp32_to_fp16(f) != h)
            bad_roundtrip++;
        if (h <= 0x7c00) { /* positive values in encoding order are increasing */
            if (!(f > prev) && h != 0)
                bad_order++;
            prev = f;
        }
    }
    CHECK(bad_roundtrip == 0, "%d fp16 values do not survive fp16 -> fp32 -> fp16", bad_roundtrip);
    CHECK(bad_order == 0, "%d fp16 values decode out of order", bad_order);
}

#if defined(__FLT16_MAX__)
/* The compiler's _Float16 conversions (IEEE, round to nearest even) as an oracle. */
static void fp16_vs_compiler(void)
{
    int bad = 0;
    uint64_t s = 12345;
    for (int i = 0; i < 2000000; i++) {
        s = s * 6364136223846793005u + 1442695040888963407u;
        uint32_t u = (uint32_t)(s >> 32);
        if (i % 2) /* half of them near the fp16 range, where the rounding happens */
            u = (u & 0x81ffffffu) | ((uint32_t)(100 + (u >> 25) % 50) << 23);
        float f;
        memcpy(&f, &u, sizeof f);
        if (isnan(f))
            continue;
        const _Float16 want = (_Float16)f;
        uint16_t wb;
        memcpy(&wb, &want, sizeof wb);
        bad += q4t_fp32_to_fp16(f) != wb;
    }
    CHECK(bad == 0, "%d of 2M fp32 -> fp16 conversions differ from the compiler's _Float16", bad);
    int bad_up = 0;
    for (uint32_t h = 0; h <= 0xffff; h++) {
        _Float16 v;
        const uint16_t hb = (uint16_t)h;
        memcpy(&v, &hb, sizeof v);
        const float f = q4t_fp16_to_fp32(hb);
        bad_up += !(isnan(f) ? isnan((float)v) : bits(f) == bits((float)v));
    }
    CHECK(bad_up == 0, "%d fp16 -> fp32 conversions differ from the compiler's", bad_up);
}
#endif

static void q4_0_known_answers(void)
{
    float x[64];
    /* block 0: -8..7 then 7..-8: max = -8, d = 1, q = x + 8 */
    for (int j = 0; j < 16; j++) {
        x[j] = (float)(j - 8);
        x[16 + j] = (float)(7 - j);
    }
    /* block 1: max = +4, d = -0.5, id = -2; -4 and -3.75 clamp to 15 */
    memset(x + 32, 0, 32 * sizeof(float));
    const float b1[] = {4, 2, -2, 0, 1, -1, 0.5f};
    memcpy(x + 32, b1, sizeof b1);
    x[48] = -4;
    x[49] = 3.75f;
    x[50] = -3.75f;
    q4t_block_q4_0 y[2];
    q4t_quantize_row_q4_0(x, y, 64);
    CHECK(y[0].d == 0x3c00, "block 0 d = 0x%04x", y[0].d);
    for (int j = 0; j < 16; j++)
        CHECK(y[0].qs[j] == (uint8_t)(j | (15 - j) << 4), "block 0 qs[%d] = 0x%02x", j, y[0].qs[j]);
    CHECK(y[1].d == 0xb800, "block 1 d = 0x%04x, want -0.5 = 0xb800", y[1].d);
    const uint8_t want1[16] = {0xf0, 0x14, 0xfc, 0x88, 0x86, 0x8a, 0x87, 0x88,
                               0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88};
    CHECK(memcmp(y[1].qs, want1, 16) == 0, "block 1 qs differ from llama.cpp's rounding");
    CHECK((y[1].qs[2] >> 4) == 15, "-3.75 * -2 + 8.5 = 16 must clamp to 15");

    float zero[32] = {0};
    q4t_block_q4_0 z;
    q4t_quantize_row_q4_0(zero, &z, 32);
    CHECK(z.d == 0x8000, "zero block d = 0x%04x, want -0 (llama.cpp: 0 / -8)", z.d);
    for (int j = 0; j < 16; j++)
        CHECK(z.qs[j] == 0x88, "zero block qs[%d] = 0x%02x, want 0x88 (q = 8)", j, z.qs[j]);

    float back[64];
    q4t_dequantize_row_q4_0(y, back, 64);
    for (int j = 0; j < 32; j++)
        CHECK(back[j] == x[j], "block 0 is exact: %g -> %g", x[j], back[j]);
    CHECK(back[48] == -3.5f, "clamped -4 dequantizes to d * 7 = -3.5, got %g", back[48]);
}

static void q8_0_known_answers(void)
{
    float x[32] = {127, -127, 63.5f, 0.5f, -0.5f, 1.5f, -2.5f, 0.49f};
    q4t_block_q8_0 y;
    q4t_quantize_row_q8_0(x, &y, 32);
    CHECK(y.d == 0x3c00, "d = 0x%04x, want 1.0", y.d);
    const int8_t want[8] = {127, -127, 64, 1, -1, 2, -3, 0}; /* roundf: halves away from zero */
    CHECK(memcmp(y.qs, want, sizeof want) == 0, "qs[0..7] = %d %d %d %d %d %d %d %d", y.qs[0], y.qs[1], y.qs[2],
          y.qs[3], y.qs[4], y.qs[5], y.qs[6], y.qs[7]);
    for (int j = 8; j < 32; j++)
        CHECK(y.qs[j] == 0, "qs[%d] = %d", j, y.qs[j]);

    q4t_block_q8f f;
    q4t_quantize_row_q8f(x, &f, 32);
    CHECK(f.d == 1.0f && f.s == 127 - 127 + 64 + 1 - 1 + 2 - 3, "q8f d = %g, s = %d", f.d, f.s);
    CHECK(memcmp(f.qs, y.qs, 32) == 0, "q8f holds the same q as q8_0");
}

/* Q8_0 rounds x / d exactly as roundf does (halves away from zero), near every
 * half-integer and at the float just below 0.5, where v + 0.5 in float would
 * round up. d = 1 (amax 127), so q = round(x). */
static void q8_0_rounds_as_roundf(void)
{
    float x[32] = {127};
    int n = 1, bad = 0, checked = 0;
    for (int h = -255; h <= 253; h += 2) { /* h / 2 = -127.5 .. 126.5 */
        float v = (float)h / 2;
        for (int u = 0; u < 600; u++)
            v = nextafterf(v, -INFINITY);
        for (int u = 0; u < 1201; u++, v = nextafterf(v, INFINITY)) {
            if (fabsf(v) > 127.0f)
                continue;
            x[n++] = v;
            if (n < 32)
                continue;
            q4t_block_q8_0 y;
            q4t_quantize_row_q8_0(x, &y, 32);
            for (int j = 1; j < 32; j++, checked++)
                bad += y.qs[j] != (int8_t)roundf(x[j]);
            n = 1;
        }
    }
    const float edge[] = {0.49999997f, -0.49999997f, 0.5f, -0.5f, 1.4999999f, 126.49999f, 126.5f, -126.5f};
    for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++)
        x[1 + i] = edge[i];
    q4t_block_q8_0 y;
    q4t_quantize_row_q8_0(x, &y, 32);
    for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++, checked++)
        bad += y.qs[1 + i] != (int8_t)roundf(edge[i]);
    CHECK(bad == 0 && checked > 300000, "%d of %d values round otherwise than roundf", bad, checked);
}

static void tiny_blocks(void)
{
    float x[32] = {0};
    x[3] = 1e-38f; /* 1 / (amax / 127) and 1 / (max / -8) overflow to infinity */
    q4t_block_q8_0 q8;
    q4t_block_q4_0 q4;
    q4t_quantize_row_q8_0(x, &q8, 32);
    q4t_quantize_row_q4_0(x, &q4, 32);
    int nonzero = 0;
    for (int j = 0; j < 32; j++)
        nonzero += q8.qs[j] != 0;
    CHECK(q8.d == 0 && nonzero == 0, "a block below the fp16 range quantizes to zeros (d 0x%04x, %d nonzero)", q8.d,
          nonzero);
    CHECK((q4.d & 0x7fff) == 0 && q4.qs[3] == 0x88 && q4.qs[0] == 0x88, "Q4_0 of a tiny block is q = 8, d = 0");
}

static void roundtrip_bounds(void)
{
    enum { K = 4096 };
    static float x[K], back[K];
    static q4t_block_q4_0 q4[K / 32];
    static q4t_block_q8_0 q8[K / 32];
    uint64_t s = 99;
    for (int i = 0; i < K; i++) {
        s = s * 6364136223846793005u + 1442695040888963407u;
        x[i] = ldexpf((float)(int32_t)(s >> 32) / 2147483648.0f, (i / 32) % 9 - 4);
    }
    q4t_quantize_row_q4_0(x, q4, K);
    q4t_dequantize_row_q4_0(q4, back, K);
    int bad4 = 0, bad8 = 0;
    for (int i = 0; i < K; i++) /* |d| per step, plus one step where the far end clamps */
        bad4 += fabsf(back[i] - x[i]) > 1.01f * fabsf(q4t_fp16_to_fp32(q4[i / 32].d));
    q4t_quantize_row_q8_0(x, q8, K);
    q4t_dequantize_row_q8_0(q8, back, K);
    for (int i = 0; i < K; i++)
        bad8 += fabsf(back[i] - x[i]) > 0.57f * q4t_fp16_to_fp32(q8[i / 32].d); /* + 127 * 2^-11: d is fp16 */
    CHECK(bad4 == 0, "%d Q4_0 values off by more than one step", bad4);
    CHECK(bad8 == 0, "%d Q8_0 values off by more than half a step and the fp16 rounding of d", bad8);
}

int main(void)
{
    fp16_known_answers();
    fp16_exhaustive();
#if defined(__FLT16_MAX__)
    fp16_vs_compiler();
#else
    printf("test_formats: this compiler has no _Float16; the oracle comparison is not run\n");
#endif
    q4_0_known_answers();
    q8_0_known_answers();
    q8_0_rounds_as_roundf();
    tiny_blocks();
    roundtrip_bounds();
    return check_done("test_formats");
}
