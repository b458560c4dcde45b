/* Linear (.nam): an FIR filter of `receptive_field` taps plus an optional bias.
 * weights[j] multiplies the input j samples ago. */
#include "nam/nam_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TAPS (1 << 20)

typedef struct {
    int taps;
    float bias;
    float *h;    /* [taps] */
    float *hist; /* 2 × taps ring, mirrored so a window is always contiguous */
    int pos;
} linear;

static void lin_process(void *impl, const float *in, float *out, size_t n)
{
    linear *L = impl;
    for (size_t t = 0; t < n; t++) {
        L->pos = L->pos == 0 ? L->taps - 1 : L->pos - 1;
        L->hist[L->pos] = L->hist[L->pos + L->taps] = in[t];
        const float *x = L->hist + L->pos; /* x[j] = input j samples ago */
        float acc = 0.0f;
        for (int j = 0; j < L->taps; j++) acc += L->h[j] * x[j];
        out[t] = acc + L->bias;
    }
}

static void lin_clear(void *impl)
{
    linear *L = impl;
    memset(L->hist, 0, 2 * (size_t)L->taps * sizeof(float));
    L->pos = 0;
}

static void lin_destroy(void *impl)
{
    linear *L = impl;
    free(L->h);
    free(L->hist);
    free(L);
}

static const nam_arch_ops linear_ops = {lin_clear, lin_process, lin_destroy};

r2r_status nam_linear_create(const cJSON *cfg, nam_weights *w, const char *file, int flags,
                             r2r_nam_info *info, void **impl, const nam_arch_ops **ops)
{
    (void)flags;
    long taps;
    int bias;
    r2r_status s;
    if ((s = nam_cfg_int(cfg, "receptive_field", 1, MAX_TAPS, 1, 0, file, "Linear config", &taps)) ||
        (s = nam_cfg_bool(cfg, "bias", 1, 0, file, "Linear config", &bias)))
        return s;
    const float *src = nam_take(w, (size_t)taps + (bias ? 1 : 0));
    if (!src)
        return r2r_fail(R2R_ERR_INPUT, "%s: wrong weight count: Linear needs %ld weights, the file has %zu",
                        file, taps + (bias ? 1 : 0), w->n);
    linear *L = calloc(1, sizeof *L);
    if (!L) return r2r_fail(R2R_ERR_NOMEM, "out of memory");
    L->taps = (int)taps;
    L->h = malloc((size_t)taps * sizeof(float));
    L->hist = calloc(2 * (size_t)taps, sizeof(float));
    if (!L->h || !L->hist) {
        lin_destroy(L);
        return r2r_fail(R2R_ERR_NOMEM, "out of memory");
    }
    memcpy(L->h, src, (size_t)taps * sizeof(float));
    L->bias = bias ? src[taps] : 0.0f;
    snprintf(info->summary, sizeof info->summary, "Linear %ld taps%s", taps, bias ? " + bias" : "");
    info->receptive_field = taps;
    info->prewarm_samples = taps;
    *impl = L;
    *ops = &linear_ops;
    return R2R_OK;
}
