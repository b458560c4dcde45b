/* NAM's activation functions, scalar and over 16-lane vectors (GCC vector extensions,
 * lowered to AVX-512, AVX2 or SSE by the compiler). Tanh is exact to float rounding. */
#ifndef R2R_NAM_ACTIVATIONS_H
#define R2R_NAM_ACTIVATIONS_H

#include <stddef.h>

typedef float v16 __attribute__((vector_size(64)));
typedef int v16i __attribute__((vector_size(64)));

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

typedef struct {
    nam_act_type type;
    float slope;                 /* LeakyReLU / PReLU negative slope */
    float min_val, max_val, min_slope, max_slope; /* LeakyHardtanh */
} nam_activation;

/* Parses a NAM activation name ("Tanh", ...); -1 when unknown. */
int nam_activation_parse(const char *name, nam_activation *out);
const char *nam_activation_name(nam_act_type t);

/* In place over n floats (any n). */
void nam_activation_apply(const nam_activation *a, float *x, size_t n);
v16 nam_activation_v16(const nam_activation *a, v16 x);

float nam_tanhf(float x);  /* the vector kernel's scalar twin */
v16 nam_tanh_v16(v16 x);

/* Inline copy of nam_tanh_v16 for the WaveNet kernels (same arithmetic, same result):
 * a 13/6 odd rational in x² on |x| ≤ 7.9053, identity below 4e-4. */
static inline v16 nam_tanh_v16_inline(v16 x)
{
    const v16 hi = {7.90531110763549805f, 7.90531110763549805f, 7.90531110763549805f,
                    7.90531110763549805f, 7.90531110763549805f, 7.90531110763549805f,
                    7.90531110763549805f, 7.90531110763549805f, 7.90531110763549805f,
                    7.90531110763549805f, 7.90531110763549805f, 7.90531110763549805f,
                    7.90531110763549805f, 7.90531110763549805f, 7.90531110763549805f,
                    7.90531110763549805f};
    v16i gt = x > hi, lt = x < -hi;
    v16 c = (v16)((gt & (v16i)hi) | (lt & (v16i)(-hi)) | (~(gt | lt) & (v16i)x));
    v16 x2 = c * c;
    v16 p = x2 * -2.76076847742355e-16f + 2.00018790482477e-13f;
    p = p * x2 + -8.60467152213735e-11f;
    p = p * x2 + 5.12229709037114e-08f;
    p = p * x2 + 1.48572235717979e-05f;
    p = p * x2 + 6.37261928875436e-04f;
    p = p * x2 + 4.89352455891786e-03f;
    p = p * c;
    v16 q = x2 * 1.19825839466702e-06f + 1.18534705686654e-04f;
    q = q * x2 + 2.26843463243900e-03f;
    q = q * x2 + 4.89352518554385e-03f;
    v16i tiny = (x < 0.0004f) & (x > -0.0004f);
    v16 r = p / q;
    return (v16)((tiny & (v16i)x) | (~tiny & (v16i)r));
}
v16 nam_sigmoid_v16(v16 x);
float nam_sigmoidf(float x);
float nam_fast_tanhf(float x);

#endif
