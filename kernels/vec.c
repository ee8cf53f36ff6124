/* The parts of vec.h that are no set's: the rotary table and the merge of
 * partial attention states. Portable C. */
#include "vec.h"

#include <math.h>

void q4t_rope_table(float *tab, size_t pos, const float *freq, size_t head_dim)
{
    for (size_t f = 0; f < head_dim / 2; f++) {
        const float angle = (float)pos * freq[f], c = cosf(angle), s = sinf(angle);
        tab[2 * f] = tab[2 * f + 1] = c;
        tab[head_dim + 2 * f] = -s;
        tab[head_dim + 2 * f + 1] = s;
    }
}

void q4t_attn_merge(const float *m, const float *l, const float *acc, size_t parts, size_t head_dim, float *out)
{
    float max = -INFINITY;
    for (size_t i = 0; i < parts; i++)
        max = m[i] > max ? m[i] : max;
    float sum = 0.0f;
    for (size_t e = 0; e < head_dim; e++)
        out[e] = 0.0f;
    for (size_t i = 0; i < parts; i++) {
        if (m[i] == -INFINITY)
            continue;
        const float c = expf(m[i] - max);
        sum += l[i] * c;
        for (size_t e = 0; e < head_dim; e++)
            out[e] += acc[i * head_dim + e] * c;
    }
    const float inv = sum > 0.0f ? 1.0f / sum : 0.0f;
    for (size_t e = 0; e < head_dim; e++)
        out[e] *= inv;
}
