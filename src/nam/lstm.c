/* LSTM (.nam): stacked cells, gates in NAM's i, f, g, o order, a linear head.
 * One sample at a time; the gate matrix-vector product is the only real work. */
#include "nam/nam_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_HIDDEN 512
#define MAX_LAYERS 16

typedef struct {
    int in, H, G;  /* G: vectors covering the 4H gate rows */
    float *wt;     /* [in + H][VLEN G]: the gate matrix transposed, rows padded to VLEN G */
    float *bp;     /* [VLEN G] bias, padded */
    float *scale, *mul, *add; /* [VLEN G]: per-lane sigmoid-or-tanh selection */
    float *w;      /* [4H][in + H], row-major as in the file */
    float *b;      /* [4H] */
    float *h0, *c0; /* initial hidden and cell state from the file */
    float *xh;     /* [in + H]: input then hidden state */
    float *c;      /* [H] */
    float *ifgo;   /* [4H] */
} lstm_cell;

typedef struct {
    int nl, H, fast;
    lstm_cell cells[MAX_LAYERS];
    float *head_w; /* [H] */
    float head_b;
    float *mem;
} lstm;

static inline float fast_sig(float x) { return 0.5f * (nam_fast_tanhf(0.5f * x) + 1.0f); }

static inline vfloat ld(const float *p)
{
    vfloat v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* Vector step: the gate rows in vector-wide groups; one tanh evaluates all four gates
 * (sigmoid(x) = 0.5 tanh(x/2) + 0.5 on the i, f, o lanes), a second one tanh(c). */
static void cell_step_vec(lstm_cell *c, const float *x)
{
    const int in = c->in, H = c->H, n = in + H;
    memcpy(c->xh, x, (size_t)in * sizeof(float));
    for (int g = 0; g < c->G; g++) {
        vfloat acc = ld(c->bp + NAM_VLEN * g);
        for (int j = 0; j < n; j++) acc += ld(c->wt + (size_t)j * NAM_VLEN * c->G + NAM_VLEN * g) * c->xh[j];
        vfloat t = nam_tanh_vec_inline(acc * ld(c->scale + NAM_VLEN * g));
        t = t * ld(c->mul + NAM_VLEN * g) + ld(c->add + NAM_VLEN * g);
        memcpy(c->ifgo + NAM_VLEN * g, &t, sizeof t);
    }
    const float *i = c->ifgo, *f = i + H, *gg = f + H, *o = gg + H;
    for (int k = 0; k < H; k++) c->c[k] = f[k] * c->c[k] + i[k] * gg[k];
    for (int k0 = 0; k0 < H; k0 += NAM_VLEN) {
        vfloat cv = {0};
        int m = H - k0 < NAM_VLEN ? H - k0 : NAM_VLEN;
        memcpy(&cv, c->c + k0, (size_t)m * sizeof(float));
        vfloat th = nam_tanh_vec_inline(cv);
        for (int k = 0; k < m; k++) c->xh[in + k0 + k] = o[k0 + k] * th[k];
    }
}

static void cell_step(lstm_cell *c, const float *x, int fast)
{
    if (!fast) {
        cell_step_vec(c, x);
        return;
    }
    const int in = c->in, H = c->H, n = in + H;
    memcpy(c->xh, x, (size_t)in * sizeof(float));
    for (int r = 0; r < 4 * H; r++) {
        const float *wr = c->w + (size_t)r * n;
        float acc = 0.0f;
        for (int j = 0; j < n; j++) acc += wr[j] * c->xh[j];
        c->ifgo[r] = acc + c->b[r];
    }
    const float *i = c->ifgo, *f = i + H, *g = f + H, *o = g + H;
    /* NAM's fast mode: its rational tanh, sigmoid from it. */
    for (int k = 0; k < H; k++) c->c[k] = fast_sig(f[k]) * c->c[k] + fast_sig(i[k]) * nam_fast_tanhf(g[k]);
    for (int k = 0; k < H; k++) c->xh[in + k] = fast_sig(o[k]) * nam_fast_tanhf(c->c[k]);
}

static void lstm_process(void *impl, const float *in, float *out, size_t n)
{
    lstm *L = impl;
    for (size_t t = 0; t < n; t++) {
        const float *x = &in[t];
        for (int l = 0; l < L->nl; l++) {
            cell_step(&L->cells[l], x, L->fast);
            x = L->cells[l].xh + L->cells[l].in;
        }
        float acc = 0.0f;
        for (int k = 0; k < L->H; k++) acc += L->head_w[k] * x[k];
        out[t] = acc + L->head_b;
    }
}

static void lstm_clear(void *impl)
{
    lstm *L = impl;
    for (int l = 0; l < L->nl; l++) {
        lstm_cell *c = &L->cells[l];
        memset(c->xh, 0, (size_t)c->in * sizeof(float));
        memcpy(c->xh + c->in, c->h0, (size_t)c->H * sizeof(float));
        memcpy(c->c, c->c0, (size_t)c->H * sizeof(float));
    }
}

static void lstm_destroy(void *impl)
{
    lstm *L = impl;
    free(L->mem);
    free(L);
}

static const nam_arch_ops lstm_ops = {lstm_clear, lstm_process, lstm_destroy};

r2r_status nam_lstm_create(const cJSON *cfg, nam_weights *w, const char *file, int flags,
                           r2r_nam_info *info, void **impl, const nam_arch_ops **ops)
{
    long nl, in, H, ic, oc;
    r2r_status s;
    if ((s = nam_cfg_int(cfg, "num_layers", 1, MAX_LAYERS, 1, 0, file, "LSTM config", &nl)) ||
        (s = nam_cfg_int(cfg, "input_size", 1, 1, 1, 0, file, "LSTM config", &in)) ||
        (s = nam_cfg_int(cfg, "hidden_size", 1, MAX_HIDDEN, 1, 0, file, "LSTM config", &H)) ||
        (s = nam_cfg_int(cfg, "in_channels", 1, 1, 0, 1, file, "LSTM config", &ic)) ||
        (s = nam_cfg_int(cfg, "out_channels", 1, 1, 0, 1, file, "LSTM config", &oc)))
        return s;
    size_t need = (size_t)H + 1;
    for (long l = 0; l < nl; l++) need += (size_t)(4 * H * ((l ? H : in) + H) + 4 * H + 2 * H);
    if (need != w->n - w->pos)
        return r2r_fail(R2R_ERR_INPUT, "%s: wrong weight count: the LSTM config needs %zu, the file has %zu",
                        file, need, w->n - w->pos);
    size_t total = 0;
    for (long l = 0; l < nl; l++) {
        long i = l ? H : in;
        long G16 = (4 * H + NAM_VLEN - 1) / NAM_VLEN * NAM_VLEN;
        total += (size_t)(4 * H * (i + H) + 4 * H + 2 * H + (i + H) + H + G16 + (i + H) * G16 + 4 * G16);
    }
    total += (size_t)H;
    lstm *L = calloc(1, sizeof *L);
    float *mem = L ? calloc(total + 1, sizeof(float)) : NULL;
    if (!mem) {
        free(L);
        return r2r_fail(R2R_ERR_NOMEM, "%s: out of memory", file);
    }
    L->mem = mem;
    L->nl = (int)nl;
    L->H = (int)H;
    L->fast = (flags & R2R_NAM_FAST_TANH) != 0;
    float *p = mem;
    const float *src;
    for (int l = 0; l < L->nl; l++) {
        lstm_cell *c = &L->cells[l];
        c->in = l ? (int)H : (int)in;
        c->H = (int)H;
        const size_t nw = (size_t)4 * H * (c->in + H);
        c->w = p, p += nw;
        c->b = p, p += 4 * H;
        c->h0 = p, p += H;
        c->c0 = p, p += H;
        c->xh = p, p += c->in + H;
        c->c = p, p += H;
        c->G = (int)((4 * H + NAM_VLEN - 1) / NAM_VLEN);
        const int L16 = NAM_VLEN * c->G;
        c->ifgo = p, p += L16;
        c->wt = p, p += (size_t)(c->in + H) * L16;
        c->bp = p, p += L16;
        c->scale = p, p += L16;
        c->mul = p, p += L16;
        c->add = p, p += L16;
        /* Order: W (4H × (in+H)), b, initial hidden, initial cell. */
        if (!(src = nam_take(w, nw))) goto short_weights;
        memcpy(c->w, src, nw * sizeof(float));
        if (!(src = nam_take(w, 4 * (size_t)H))) goto short_weights;
        memcpy(c->b, src, 4 * (size_t)H * sizeof(float));
        if (!(src = nam_take(w, (size_t)H))) goto short_weights;
        memcpy(c->h0, src, (size_t)H * sizeof(float));
        if (!(src = nam_take(w, (size_t)H))) goto short_weights;
        memcpy(c->c0, src, (size_t)H * sizeof(float));
        for (int r = 0; r < 4 * H; r++) {
            for (int j = 0; j < c->in + H; j++) c->wt[(size_t)j * L16 + r] = c->w[(size_t)r * (c->in + H) + j];
            c->bp[r] = c->b[r];
            int is_g = r >= 2 * H && r < 3 * H; /* the g gate is a tanh, i f o are sigmoids */
            c->scale[r] = is_g ? 1.0f : 0.5f;
            c->mul[r] = is_g ? 1.0f : 0.5f;
            c->add[r] = is_g ? 0.0f : 0.5f;
        }
    }
    L->head_w = p;
    if (!(src = nam_take(w, (size_t)H))) goto short_weights;
    memcpy(L->head_w, src, (size_t)H * sizeof(float));
    if (!(src = nam_take(w, 1))) goto short_weights;
    L->head_b = src[0];
    snprintf(info->summary, sizeof info->summary, "LSTM %ld layer%s, hidden %ld", nl, nl > 1 ? "s" : "", H);
    info->receptive_field = 0;
    /* NAM: half a second at the model's rate (its expected rate; -1 when the file has
     * none, which NAM turns into a single sample). */
    info->prewarm_samples = info->has_sample_rate ? (long)(0.5 * info->sample_rate) : 1;
    if (info->prewarm_samples <= 0) info->prewarm_samples = 1;
    lstm_clear(L);
    *impl = L;
    *ops = &lstm_ops;
    return R2R_OK;
short_weights:
    lstm_destroy(L);
    return r2r_fail(R2R_ERR_INPUT, "%s: wrong weight count: the LSTM config needs more than the %zu weights in the file",
                    file, w->n);
}
