/* ConvNet (.nam): blocks of kernel-2 dilated convolutions (bias, or batch norm folded
 * into a scale and offset), an activation each, and a linear head. */
#include "nam/nam_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BLOCKS 64
#define MAX_CH 256

typedef struct {
    int in, out, dilation;
    float *w0, *w1; /* [out][in] taps at t - dilation and t */
    float *scale, *loc; /* batch norm folded, or scale 1 and loc = bias */
    float *hist;    /* in × (dilation) ring of past inputs */
    int hpos;
} cn_block;

typedef struct {
    int nb, C;
    nam_activation act;
    cn_block blocks[MAX_BLOCKS];
    float *head_w, head_b;
    float *x, *y; /* per-sample scratch */
    float *mem;
} convnet;

static void cn_process(void *impl, const float *in, float *out, size_t n)
{
    convnet *N = impl;
    for (size_t t = 0; t < n; t++) {
        const float *x = &in[t];
        for (int b = 0; b < N->nb; b++) {
            cn_block *B = &N->blocks[b];
            float *past = B->hist + (size_t)B->hpos * B->in; /* input from `dilation` ago */
            for (int o = 0; o < B->out; o++) {
                float acc = 0.0f;
                for (int i = 0; i < B->in; i++)
                    acc += B->w0[o * B->in + i] * past[i] + B->w1[o * B->in + i] * x[i];
                N->y[o] = acc * B->scale[o] + B->loc[o];
            }
            memcpy(past, x, (size_t)B->in * sizeof(float));
            B->hpos = (B->hpos + 1) % B->dilation;
            nam_activation_apply(&N->act, N->y, (size_t)B->out);
            memcpy(N->x, N->y, (size_t)B->out * sizeof(float));
            x = N->x;
        }
        float acc = 0.0f;
        for (int c = 0; c < N->C; c++) acc += N->head_w[c] * x[c];
        out[t] = acc + N->head_b;
    }
}

static void cn_clear(void *impl)
{
    convnet *N = impl;
    for (int b = 0; b < N->nb; b++) {
        memset(N->blocks[b].hist, 0, (size_t)N->blocks[b].in * N->blocks[b].dilation * sizeof(float));
        N->blocks[b].hpos = 0;
    }
}

static void cn_destroy(void *impl)
{
    convnet *N = impl;
    free(N->mem);
    free(N);
}

static const nam_arch_ops convnet_ops = {cn_clear, cn_process, cn_destroy};

r2r_status nam_convnet_create(const cJSON *cfg, nam_weights *w, const char *file, int flags,
                              r2r_nam_info *info, void **impl, const nam_arch_ops **ops)
{
    long C, groups, ic, oc;
    int bn;
    nam_activation act;
    r2r_status s;
    if ((s = nam_cfg_int(cfg, "channels", 1, MAX_CH, 1, 0, file, "ConvNet config", &C)) ||
        (s = nam_cfg_bool(cfg, "batchnorm", 1, 0, file, "ConvNet config", &bn)) ||
        (s = nam_cfg_int(cfg, "groups", 1, 1, 0, 1, file, "ConvNet config", &groups)) ||
        (s = nam_cfg_int(cfg, "in_channels", 1, 1, 0, 1, file, "ConvNet config", &ic)) ||
        (s = nam_cfg_int(cfg, "out_channels", 1, 1, 0, 1, file, "ConvNet config", &oc)) ||
        (s = nam_cfg_activation(cfg, "activation", file, "ConvNet config", flags, &act)))
        return s;
    if (act.nslopes > 0)
        return r2r_fail(R2R_ERR_UNSUPPORTED, "%s: per-channel PReLU slopes in a ConvNet are not supported", file);
    long dil[MAX_BLOCKS], nb;
    if ((s = nam_cfg_dilations(cfg, MAX_BLOCKS, file, "ConvNet", dil, &nb)) != R2R_OK) return s;
    size_t total = 2 * (size_t)C + C + 1;
    for (int b = 0; b < nb; b++) {
        long in = b ? C : 1;
        total += (size_t)(2 * C * in + 2 * C + in * dil[b]);
    }
    convnet *N = calloc(1, sizeof *N);
    float *mem = N ? calloc(total, sizeof(float)) : NULL;
    if (!mem) {
        free(N);
        return r2r_fail(R2R_ERR_NOMEM, "%s: out of memory", file);
    }
    N->mem = mem;
    N->nb = nb;
    N->C = (int)C;
    N->act = act;
    float *p = mem;
    N->x = p, p += C;
    N->y = p, p += C;
    const float *src;
    long rf = 1;
    for (int b = 0; b < nb; b++) {
        cn_block *B = &N->blocks[b];
        B->in = b ? (int)C : 1;
        B->out = (int)C;
        B->dilation = (int)dil[b];
        rf += dil[b];
        B->w0 = p, p += C * B->in;
        B->w1 = p, p += C * B->in;
        B->scale = p, p += C;
        B->loc = p, p += C;
        B->hist = p, p += (size_t)B->in * B->dilation;
        /* Conv1D weights [out][in][k] (k = 0 is the older tap), bias when no batch norm. */
        if (!(src = nam_take(w, (size_t)C * B->in * 2))) goto short_weights;
        for (int o = 0; o < C; o++)
            for (int i = 0; i < B->in; i++) {
                B->w0[o * B->in + i] = src[(o * B->in + i) * 2 + 0];
                B->w1[o * B->in + i] = src[(o * B->in + i) * 2 + 1];
            }
        if (!bn) {
            if (!(src = nam_take(w, (size_t)C))) goto short_weights;
            for (int o = 0; o < C; o++) B->scale[o] = 1.0f, B->loc[o] = src[o];
        } else {
            /* running_mean, running_var, weight, bias, eps → scale and offset. */
            if (!(src = nam_take(w, 4 * (size_t)C + 1))) goto short_weights;
            const float eps = src[4 * C];
            for (int o = 0; o < C; o++) {
                B->scale[o] = src[2 * C + o] / sqrtf(eps + src[C + o]);
                B->loc[o] = src[3 * C + o] - B->scale[o] * src[o];
            }
        }
    }
    N->head_w = p, p += C;
    if (!(src = nam_take(w, (size_t)C))) goto short_weights;
    memcpy(N->head_w, src, (size_t)C * sizeof(float));
    if (!(src = nam_take(w, 1))) goto short_weights;
    N->head_b = src[0];
    snprintf(info->summary, sizeof info->summary, "ConvNet %ldch %ld blocks%s", C, nb, bn ? " batchnorm" : "");
    info->receptive_field = rf;
    info->prewarm_samples = rf;
    *impl = N;
    *ops = &convnet_ops;
    return R2R_OK;
short_weights:
    cn_destroy(N);
    return r2r_fail(R2R_ERR_INPUT, "%s: wrong weight count: the ConvNet config needs more than the %zu weights in the file",
                    file, w->n);
}
