/* CPU feature names and prerequisites: see isa.h. */
#include "isa.h"

#include <string.h>

static const struct {
    const char *name;
    uint64_t prereqs;
} features[Q4T_FEATURE_COUNT] = {
#define Q4T_X(e, n, pre) {n, pre},
    Q4T_FEATURES(Q4T_X)
#undef Q4T_X
};

const char *q4t_feature_name(int i)
{
    return i >= 0 && i < Q4T_FEATURE_COUNT ? features[i].name : NULL;
}

uint64_t q4t_feature_bit(const char *name)
{
    for (int i = 0; i < Q4T_FEATURE_COUNT; i++)
        if (strcmp(name, features[i].name) == 0)
            return UINT64_C(1) << i;
    return 0;
}

uint64_t q4t_feature_prereqs(int i)
{
    return features[i].prereqs;
}

uint64_t q4t_features_close(uint64_t set)
{
    /* Prerequisites only point to lower indices, so one pass in order settles it. */
    for (int i = 0; i < Q4T_FEATURE_COUNT; i++)
        if ((set & features[i].prereqs) != features[i].prereqs)
            set &= ~(UINT64_C(1) << i);
    return set;
}
