/* NAM's activation functions, scalar and over native-width vectors (GCC vector
 * extensions: 16 lanes with AVX-512, 8 with AVX, 4 otherwise). Tanh is exact to float rounding. */
#ifndef R2R_NAM_ACTIVATIONS_H
#define R2R_NAM_ACTIVATIONS_H

#include <stddef.h>

/* The vector width follows the target, so a vector always fits one register. */
#if defined(__AVX512F__)
#define NAM_VLEN 16
#elif defined(__AVX__)
#define NAM_VLEN 8
#else
#define NAM_VLEN 4
#endif
typedef float vfloat __attribute__((vector_size(4 * NAM_VLEN)));
typedef int vint __attribute__((vector_size(4 * NAM_VLEN)));

typedef enum {
    NAM_ACT_TANH,
    NAM_ACT_FAST_TANH,
    NAM_ACT_HARDTANH,
    NAM_ACT_RELU,
    NAM_ACT_LEAKY_RELU,
    NAM_ACT_PRELU,
    NAM_ACT_SIGMOID,
    NAM_ACT_SILU,
    NAM_ACT_HARDSWISH,
    NAM_ACT_LEAKY_HARDTANH,
    NAM_ACT_SOFTSIGN,
} nam_act_type;

#define NAM_MAX_SLOPES 64

typedef struct {
    nam_act_type type;
    float slope;                 /* LeakyReLU / PReLU negative slope */
    float min_val, max_val, min_slope, max_slope; /* LeakyHardtanh */
    int nslopes;                 /* PReLU with one slope per channel (0: `slope` for all) */
    float slopes[NAM_MAX_SLOPES];
} nam_activation;

/* Parses a NAM activation name ("Tanh", ...); -1 when unknown. */
int nam_activation_parse(const char *name, nam_activation *out);
const char *nam_activation_name(nam_act_type t);

/* In place over n floats (any n). */
void nam_activation_apply(const nam_activation *a, float *x, size_t n);

float nam_tanhf(float x);  /* the vector kernel's scalar twin */
vfloat nam_tanh_vec(vfloat x);

/* Inline copy of nam_tanh_vec for the WaveNet kernels (same arithmetic, same result):
 * a 13/6 odd rational in x² on |x| ≤ 7.9053, identity below 4e-4. */
static inline vfloat nam_tanh_vec_inline(vfloat x)
{
    const vfloat hi = (vfloat){0} + 7.90531110763549805f;
    vint gt = x > hi, lt = x < -hi;
    vfloat c = (vfloat)((gt & (vint)hi) | (lt & (vint)(-hi)) | (~(gt | lt) & (vint)x));
    vfloat x2 = c * c;
    vfloat p = x2 * -2.76076847742355e-16f + 2.00018790482477e-13f;
    p = p * x2 + -8.60467152213735e-11f;
    p = p * x2 + 5.12229709037114e-08f;
    p = p * x2 + 1.48572235717979e-05f;
    p = p * x2 + 6.37261928875436e-04f;
    p = p * x2 + 4.89352455891786e-03f;
    p = p * c;
    vfloat q = x2 * 1.19825839466702e-06f + 1.18534705686654e-04f;
    q = q * x2 + 2.26843463243900e-03f;
    q = q * x2 + 4.89352518554385e-03f;
    vint tiny = (x < 0.0004f) & (x > -0.0004f);
    vfloat r = p / q;
    return (vfloat)((tiny & (vint)x) | (~tiny & (vint)r));
}
float nam_sigmoidf(float x);
float nam_fast_tanhf(float x);

static inline vfloat vsel(vint m, vfloat a, vfloat b) { return (vfloat)((m & (vint)a) | (~m & (vint)b)); }
static inline vfloat vsplat(float f) { return (vfloat){0} + f; }

/* sigmoid(x) = (1 + tanh(x/2)) / 2: absolute error of a few 1e-8, vectorizable. */
static inline vfloat nam_sigmoid_vec(vfloat x) { return 0.5f * (1.0f + nam_tanh_vec_inline(0.5f * x)); }

/* Every NAM activation on a vector; inline so vectors never cross a call (which
 * costs a trip through memory on targets without 512-bit registers). */
static inline vfloat nam_activation_vec(const nam_activation *a, vfloat x)
{
    const vfloat zero = vsplat(0.0f);
    switch (a->type) {
    case NAM_ACT_TANH: return nam_tanh_vec(x);
    case NAM_ACT_FAST_TANH: {
        vfloat ax = vsel(x < 0, -x, x), x2 = x * x;
        vfloat num = x * (2.45550750702956f + 2.45550750702956f * ax +
                       (0.893229853513558f + 0.821226666969744f * ax) * x2);
        vfloat d = x + 0.814642734961073f * x * ax;
        d = vsel(d < 0, -d, d);
        return num / (2.44506634652299f + (2.44506634652299f + x2) * d);
    }
    case NAM_ACT_HARDTANH: {
        vfloat r = vsel(x > 1.0f, vsplat(1.0f), x);
        return vsel(r < -1.0f, vsplat(-1.0f), r);
    }
    case NAM_ACT_RELU: return vsel(x > 0.0f, x, zero);
    case NAM_ACT_LEAKY_RELU:
    case NAM_ACT_PRELU: return vsel(x > 0.0f, x, a->slope * x);
    case NAM_ACT_SIGMOID: return nam_sigmoid_vec(x);
    case NAM_ACT_SILU: return x * nam_sigmoid_vec(x);
    case NAM_ACT_HARDSWISH: {
        vfloat t = x + 3.0f;
        t = vsel(t < 0.0f, zero, t);
        t = vsel(t > 6.0f, vsplat(6.0f), t);
        return x * t * (1.0f / 6.0f);
    }
    case NAM_ACT_LEAKY_HARDTANH: {
        vfloat below = (x - a->min_val) * a->min_slope + a->min_val;
        vfloat above = (x - a->max_val) * a->max_slope + a->max_val;
        return vsel(x < a->min_val, below, vsel(x > a->max_val, above, x));
    }
    case NAM_ACT_SOFTSIGN: {
        vfloat ax = vsel(x < 0, -x, x);
        return x / (1.0f + ax);
    }
    }
    return x;
}


#endif
