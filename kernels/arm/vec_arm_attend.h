/* The key loop of the Arm vector sets' attention (vec_f32_neon.c,
 * vec_f32_sve.c, vec.h's attend): the keys [p0, p1) in sub-blocks of SUB
 * positions counted from p0 (STAGE_FLOATS / head_dim for an fp16 cache, if
 * fewer), an fp16 sub-block converted once to fp32 rows on the stack
 * (stage_f16), then the queries whose row attends the sub-block's first
 * position, TILE at a time (attend_tile). The including file defines SUB,
 * TILE, STAGE_FLOATS, min_size, stage_f16 and attend_tile, then includes this
 * once; arm_attend_f32 and arm_attend_f16 are its set's attend. */
#ifndef Q4T_VEC_ARM_ATTEND_H
#define Q4T_VEC_ARM_ATTEND_H

#include "../vec.h"

static void attend(const q4t_attn_args *a, size_t p0, size_t p1, q4t_kv_type kv)
{
    const size_t hd = a->head_dim, nq = a->rows * a->heads;
    if (nq == 0)
        return;
    const size_t kend = min_size(p1, a->end0 + a->rows - 1); /* past the last row's last key */
    const size_t sub = kv == Q4T_KV_F16 ? min_size(SUB, STAGE_FLOATS / hd) : SUB;
    float sk[STAGE_FLOATS], sv[STAGE_FLOATS];
    for (size_t b = p0; b < kend; b += sub) {
        const size_t bend = min_size(b + sub, kend);
        const size_t r0 = b < a->end0 ? 0 : b - a->end0 + 1; /* the first row attending position b */
        const float *kb = sk, *vb = sv;
        size_t ld = hd;
        if (kv == Q4T_KV_F16) {
            stage_f16(sk, (const uint16_t *)a->k + b * a->ldkv, a->ldkv, bend - b, hd);
            stage_f16(sv, (const uint16_t *)a->v + b * a->ldkv, a->ldkv, bend - b, hd);
        } else {
            kb = (const float *)a->k + b * a->ldkv, vb = (const float *)a->v + b * a->ldkv, ld = a->ldkv;
        }
        for (size_t j0 = r0 * a->heads; j0 < nq; j0 += TILE)
            attend_tile(a, j0, min_size(TILE, nq - j0), b, bend, kb, vb, ld);
    }
}

static void arm_attend_f32(const q4t_attn_args *a, size_t p0, size_t p1)
{
    attend(a, p0, p1, Q4T_KV_F32);
}

static void arm_attend_f16(const q4t_attn_args *a, size_t p0, size_t p1)
{
    attend(a, p0, p1, Q4T_KV_F16);
}

#endif
