/* Activation functions with NAM core's definitions. Tanh uses a 13/6 odd rational
 * minimax approximation (the coefficients Eigen publishes for float), whose error is a
 * few float ulps: far inside the goldens' tolerance, and it vectorizes. */
#include "nam/activations.h"

#include <math.h>
#include <string.h>

/* Rational tanh coefficients (public numbers, as used by Eigen's float tanh). */
#define TANH_CLAMP 7.90531110763549805f
#define TANH_TINY 0.0004f
#define A1 4.89352455891786e-03f
#define A3 6.37261928875436e-04f
#define A5 1.48572235717979e-05f
#define A7 5.12229709037114e-08f
#define A9 -8.60467152213735e-11f
#define A11 2.00018790482477e-13f
#define A13 -2.76076847742355e-16f
#define B0 4.89352518554385e-03f
#define B2 2.26843463243900e-03f
#define B4 1.18534705686654e-04f
#define B6 1.19825839466702e-06f

static const struct {
    const char *name;
    nam_act_type type;
} names[] = {
    {"Tanh", NAM_ACT_TANH},           {"Fasttanh", NAM_ACT_FAST_TANH},
    {"Hardtanh", NAM_ACT_HARDTANH},   {"ReLU", NAM_ACT_RELU},
    {"LeakyReLU", NAM_ACT_LEAKY_RELU}, {"PReLU", NAM_ACT_PRELU},
    {"Sigmoid", NAM_ACT_SIGMOID},     {"SiLU", NAM_ACT_SILU},
    {"Hardswish", NAM_ACT_HARDSWISH}, {"LeakyHardtanh", NAM_ACT_LEAKY_HARDTANH},
    {"LeakyHardTanh", NAM_ACT_LEAKY_HARDTANH}, {"Softsign", NAM_ACT_SOFTSIGN},
};

int nam_activation_parse(const char *name, nam_activation *out)
{
    memset(out, 0, sizeof *out);
    out->slope = 0.01f;
    out->min_val = -1.0f;
    out->max_val = 1.0f;
    out->min_slope = 0.01f;
    out->max_slope = 0.01f;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(name, names[i].name)) {
            out->type = names[i].type;
            return 0;
        }
    return -1;
}

const char *nam_activation_name(nam_act_type t)
{
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].type == t) return names[i].name;
    return "?";
}


float nam_tanhf(float x)
{
    float c = x > TANH_CLAMP ? TANH_CLAMP : x < -TANH_CLAMP ? -TANH_CLAMP : x;
    float x2 = c * c;
    float p = x2 * A13 + A11;
    p = p * x2 + A9;
    p = p * x2 + A7;
    p = p * x2 + A5;
    p = p * x2 + A3;
    p = p * x2 + A1;
    p = p * c;
    float q = x2 * B6 + B4;
    q = q * x2 + B2;
    q = q * x2 + B0;
    return fabsf(x) < TANH_TINY ? x : p / q;
}

vfloat nam_tanh_vec(vfloat x) { return nam_tanh_vec_inline(x); }

/* sigmoid(x) = (1 + tanh(x/2)) / 2: absolute error of a few 1e-8, vectorizable. */
float nam_sigmoidf(float x) { return 0.5f * (1.0f + nam_tanhf(0.5f * x)); }

float nam_fast_tanhf(float x)
{
    const float ax = fabsf(x), x2 = x * x;
    return (x * (2.45550750702956f + 2.45550750702956f * ax + (0.893229853513558f + 0.821226666969744f * ax) * x2) /
            (2.44506634652299f + (2.44506634652299f + x2) * fabsf(x + 0.814642734961073f * x * ax)));
}

void nam_activation_apply(const nam_activation *a, float *x, size_t n)
{
    size_t i = 0;
    for (; i + NAM_VLEN <= n; i += NAM_VLEN) {
        vfloat v;
        memcpy(&v, x + i, sizeof v);
        v = nam_activation_vec(a, v);
        memcpy(x + i, &v, sizeof v);
    }
    if (i < n) {
        vfloat v = vsplat(0.0f);
        memcpy(&v, x + i, (n - i) * sizeof(float));
        v = nam_activation_vec(a, v);
        memcpy(x + i, &v, (n - i) * sizeof(float));
    }
}
