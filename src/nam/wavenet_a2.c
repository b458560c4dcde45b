/* WaveNet with the .nam 0.6+ ("A2") options: bottlenecks, per-layer kernel sizes,
 * activations and gating modes (none / gated / blended with a secondary activation),
 * grouped convolutions, optional layer and head 1x1 convolutions, FiLM conditioning at
 * eight places, convolutional array heads, a post-stack head, several output channels
 * and a conditioning sub-model (condition_dsp). Semantics follow NeuralAmpModelerCore
 * (wavenet/model.cpp at the goldens' commit), including its quirks, which are marked.
 *
 * Two execution modes per layer array. Arrays without FiLM run the "tile" mode: one
 * kernel per layer and per vector of frames keeps the whole layer in registers (the
 * A2 captures: 3- and 8-channel arrays get compile-time kernels). Arrays with FiLM run
 * the "block" mode: each operation over the whole chunk, as NAM core does. Grouped
 * convolutions are stored densely (block-diagonal, zeros elsewhere). */
#include "nam/nam_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TILE NAM_VLEN
#define CH NAM_CHUNK
#define MAX_CH 64
#define MAX_LAYERS 64
#define MAX_ARRAYS 8
#define MAX_K 128
#define MAX_HEAD_CONVS 8
#define ROOM (8 * NAM_CHUNK)

enum { GATE_NONE, GATE_GATED, GATE_BLENDED };
enum { F_CONV_PRE, F_CONV_POST, F_MIX_PRE, F_MIX_POST, F_ACT_PRE, F_ACT_POST, F_L1_POST, F_H1_POST, N_FILM };
static const char *const film_keys[N_FILM] = {
    "conv_pre_film",       "conv_post_film",       "input_mixin_pre_film", "input_mixin_post_film",
    "activation_pre_film", "activation_post_film", "layer1x1_post_film",   "head1x1_post_film"};

/* Dense 1x1 convolution, weights [in][out] (output fastest). */
typedef struct {
    int cin, cout;
    float *w, *b; /* b NULL without bias */
} lin1;

typedef struct {
    int active, shift, groups, dim;
    lin1 m; /* condition → (shift ? 2 : 1) · dim */
} film;

/* Causal convolution over its own input history (the head convolutions). */
typedef struct {
    int cin, cout, K, dil;
    float *w, *b; /* [K][cin][cout]; b NULL without bias */
    float *hist;
    long stride, lb, pos;
} hconv;

typedef struct {
    int K, dil, gating, cz;
    nam_activation act, act2;
    float *wc, *bc; /* [K][C][Cz], [Cz] */
    lin1 mix;       /* ccond → Cz, no bias */
    lin1 l1;        /* B → C, bias; w NULL when inactive */
    lin1 h1;        /* B → Ho, bias; w NULL when inactive */
    film f[N_FILM];
    float *hist; /* C rows × stride: this layer's convolution input history */
} layer;

struct wn2;
typedef struct arr {
    int cin, ccond, C, B, Cz, Ho, H, nl, tile_mode, has_h1, has_l1;
    lin1 rech; /* cin → C */
    layer L[MAX_LAYERS];
    hconv head; /* Ho → H */
    long stride, maxlb, pos;
    float *x, *xn, *xf;     /* C × CH: layer input, next input, filmed input */
    float *z, *zm, *y, *hh; /* Cz, Cz, C, Ho × CH scratch */
    float *cf;              /* ccond × CH: filmed condition */
    float *ftmp;            /* FiLM scale/shift scratch, 4·MAX_CH × CH (shared by the model) */
    float *hout;            /* H × CH: head output fed to the next array */
    float *headacc;         /* Ho × CH */
    float *out;             /* C × CH: last layer output */
    void (*tile)(const struct arr *, const layer *, float *next, long next_pos, const float *cond, long t0);
} arr;

typedef struct wn2 {
    int in_ch, out_ch, na, ccond, nheads;
    arr A[MAX_ARRAYS];
    hconv post[MAX_HEAD_CONVS];
    nam_activation post_act;
    float head_scale;
    struct wn2 *cdsp;
    float *cond; /* ccond × CH */
    float *scratch; /* MAX_CH × CH for the post-stack head */
    float *mem;
} wn2;

static inline vfloat loadv(const float *p)
{
    vfloat v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline void storev(float *p, vfloat v) { memcpy(p, &v, sizeof v); }

/* ---- block operations (rows of CH floats) ---- */

static void lin1_run(const lin1 *m, const float *in, float *out, size_t n)
{
    for (int o = 0; o < m->cout; o++) {
        float *d = out + (size_t)o * CH;
        const float b = m->b ? m->b[o] : 0.0f;
        for (size_t t = 0; t < n; t++) d[t] = b;
        for (int i = 0; i < m->cin; i++) {
            const float w = m->w[(size_t)i * m->cout + o];
            if (w == 0.0f) continue; /* the zero blocks of a grouped convolution */
            const float *s = in + (size_t)i * CH;
            for (size_t t = 0; t < n; t++) d[t] += w * s[t];
        }
    }
}

/* FiLM: x ← x · scale(cond) + shift(cond), rows of x = dim; `tmp` holds 2·dim rows. */
static void film_run(const film *f, const float *x, float *out, const float *cond, float *tmp, size_t n)
{
    lin1_run(&f->m, cond, tmp, n);
    for (int c = 0; c < f->dim; c++) {
        const float *sc = tmp + (size_t)c * CH, *xi = x + (size_t)c * CH;
        float *d = out + (size_t)c * CH;
        if (f->shift) {
            const float *sh = tmp + (size_t)(f->dim + c) * CH;
            for (size_t t = 0; t < n; t++) d[t] = xi[t] * sc[t] + sh[t];
        } else
            for (size_t t = 0; t < n; t++) d[t] = xi[t] * sc[t];
    }
}

/* An activation over `rows` rows; PReLU with per-channel slopes uses row r's slope. */
static void act_rows(const nam_activation *a, float *x, int rows, size_t n)
{
    for (int r = 0; r < rows; r++) {
        float *p = x + (size_t)r * CH;
        nam_activation one = *a;
        if (a->type == NAM_ACT_PRELU && a->nslopes > 0) one.slope = a->slopes[r % a->nslopes];
        size_t t = 0;
        for (; t + TILE <= n; t += TILE) storev(p + t, nam_activation_vec(&one, loadv(p + t)));
        if (t < n) {
            float tail[TILE] = {0};
            memcpy(tail, p + t, (n - t) * sizeof(float));
            storev(tail, nam_activation_vec(&one, loadv(tail)));
            memcpy(p + t, tail, (n - t) * sizeof(float));
        }
    }
}

static void hconv_push_run(hconv *c, const float *in, float *out, size_t n)
{
    if (c->pos + (long)n > c->stride) {
        for (int i = 0; i < c->cin; i++) {
            float *row = c->hist + (size_t)i * c->stride;
            memmove(row, row + c->pos - c->lb, (size_t)c->lb * sizeof(float));
        }
        c->pos = c->lb;
    }
    for (int i = 0; i < c->cin; i++)
        memcpy(c->hist + (size_t)i * c->stride + c->pos, in + (size_t)i * CH, n * sizeof(float));
    for (int o = 0; o < c->cout; o++) {
        float *d = out + (size_t)o * CH;
        const float b = c->b ? c->b[o] : 0.0f;
        for (size_t t = 0; t < n; t++) d[t] = b;
        for (int k = 0; k < c->K; k++) {
            const long off = c->pos - (long)(c->K - 1 - k) * c->dil;
            for (int i = 0; i < c->cin; i++) {
                const float w = c->w[((size_t)k * c->cin + i) * c->cout + o];
                const float *s = c->hist + (size_t)i * c->stride + off;
                for (size_t t = 0; t < n; t++) d[t] += w * s[t];
            }
        }
    }
    c->pos += (long)n;
}

/* ---- tile mode: one layer over TILE frames in registers ---- */

#define UNROLL _Pragma("GCC unroll 64")
/* z = conv + mixin; a = gating(act(z)); head += a or head1x1(a); next = x + layer1x1(a). */
#define A2_TILE_BODY(CC, BB, NZ, GENERIC)                                                       \
    const int C = (CC), B = (BB), Cz = (GENERIC) ? L->cz : (BB), K = L->K;                                   \
    const long stride = A->stride, pos = A->pos + t0;                                           \
    vfloat z[2 * (NZ)];                                                                         \
    UNROLL for (int o = 0; o < Cz; o++) z[o] = vsplat(L->bc[o]);                               \
    for (int k = 0; k < K; k++) {                                                               \
        const float *w = L->wc + (size_t)k * C * Cz;                                            \
        const long off = pos - (long)(K - 1 - k) * L->dil;                                      \
        UNROLL for (int i = 0; i < C; i++) {                                                    \
            const vfloat x = loadv(L->hist + i * stride + off);                                 \
            UNROLL for (int o = 0; o < Cz; o++) z[o] += w[i * Cz + o] * x;                      \
        }                                                                                       \
    }                                                                                           \
    for (int j = 0; j < A->ccond; j++) {                                                        \
        const vfloat c = loadv(cond + j * CH + t0);                                             \
        UNROLL for (int o = 0; o < Cz; o++) z[o] += L->mix.w[j * Cz + o] * c;                   \
    }                                                                                           \
    vfloat a[NZ];                                                                               \
    if (L->act.type == NAM_ACT_LEAKY_RELU)                                                      \
        UNROLL for (int c = 0; c < B; c++) a[c] = vsel(z[c] > 0.0f, z[c], L->act.slope * z[c]);  \
    else                                                                                        \
        for (int c = 0; c < B; c++) a[c] = nam_activation_vec(&L->act, z[c]);                  \
    if (GENERIC && L->gating == GATE_GATED)                                                     \
        for (int c = 0; c < B; c++) a[c] *= nam_activation_vec(&L->act2, z[B + c]);            \
    else if (GENERIC && L->gating == GATE_BLENDED)                                              \
        for (int c = 0; c < B; c++) {                                                           \
            const vfloat al = nam_activation_vec(&L->act2, z[B + c]);                          \
            a[c] = al * a[c] + (1.0f - al) * z[c];                                              \
        }                                                                                       \
    if (GENERIC && A->has_h1) {                                                                 \
        for (int o = 0; o < A->Ho; o++) {                                                       \
            vfloat h = vsplat(L->h1.b[o]);                                                      \
            for (int i = 0; i < B; i++) h += L->h1.w[i * A->Ho + o] * a[i];                     \
            float *hp = A->headacc + o * CH + t0;                                               \
            storev(hp, loadv(hp) + h);                                                          \
        }                                                                                       \
    } else                                                                                      \
        UNROLL for (int c = 0; c < B; c++) {                                                    \
            float *hp = A->headacc + c * CH + t0;                                               \
            storev(hp, loadv(hp) + a[c]);                                                       \
        }                                                                                       \
    vfloat y[NZ];                                                                               \
    if (!GENERIC || A->has_l1) {                                                                \
        UNROLL for (int o = 0; o < C; o++) y[o] = vsplat(L->l1.b[o]);                           \
        UNROLL for (int i = 0; i < B; i++)                                                      \
            UNROLL for (int o = 0; o < C; o++) y[o] += L->l1.w[i * C + o] * a[i];               \
    } else                                                                                      \
        for (int o = 0; o < C; o++) y[o] = vsplat(0.0f);                                        \
    UNROLL for (int o = 0; o < C; o++) {                                                        \
        const vfloat r = loadv(L->hist + o * stride + pos) + y[o];                              \
        if (next_pos >= 0) storev(next + o * stride + next_pos + t0, r);                        \
        else storev(next + o * CH + t0, r);                                                     \
    }

#define DEFINE_A2_TILE(CC)                                                                      \
    static void tile_a2_##CC(const arr *A, const layer *L, float *next, long next_pos,          \
                             const float *cond, long t0)                                        \
    {                                                                                           \
        A2_TILE_BODY(CC, CC, CC, 0)                                                             \
    }
DEFINE_A2_TILE(3)
DEFINE_A2_TILE(4)
DEFINE_A2_TILE(8)
DEFINE_A2_TILE(16)

static void tile_generic(const arr *A, const layer *L, float *next, long next_pos, const float *cond, long t0)
{
    A2_TILE_BODY(A->C, A->B, MAX_CH, 1)
}

/* The compile-time kernels cover the A2 captures' shape: no gating, no head 1x1, a
 * layer 1x1, bottleneck = channels. */
static void pick_tile(arr *A)
{
    int simple = !A->has_h1 && A->has_l1 && A->B == A->C;
    for (int l = 0; l < A->nl && simple; l++)
        if (A->L[l].gating != GATE_NONE) simple = 0;
    A->tile = tile_generic;
    if (simple) switch (A->C) {
        case 3: A->tile = tile_a2_3; break;
        case 4: A->tile = tile_a2_4; break;
        case 8: A->tile = tile_a2_8; break;
        case 16: A->tile = tile_a2_16; break;
        }
}

/* ---- one layer in block mode (FiLM anywhere) ---- */

static void layer_block(arr *A, layer *L, const float *x, float *next, const float *cond, size_t n)
{
    const int C = A->C, B = A->B, Cz = L->cz;
    float *tmp = A->ftmp;
    /* Convolution input (optionally FiLM-ed) into the history. */
    const float *cin = x;
    if (L->f[F_CONV_PRE].active) {
        film_run(&L->f[F_CONV_PRE], x, A->xf, cond, tmp, n);
        cin = A->xf;
    }
    for (int i = 0; i < C; i++)
        memcpy(L->hist + (size_t)i * A->stride + A->pos, cin + (size_t)i * CH, n * sizeof(float));
    float *z = A->z;
    for (int o = 0; o < Cz; o++) {
        float *d = z + (size_t)o * CH;
        for (size_t t = 0; t < n; t++) d[t] = L->bc[o];
        for (int k = 0; k < L->K; k++) {
            const long off = A->pos - (long)(L->K - 1 - k) * L->dil;
            for (int i = 0; i < C; i++) {
                const float w = L->wc[((size_t)k * C + i) * Cz + o];
                if (w == 0.0f) continue;
                const float *s = L->hist + (size_t)i * A->stride + off;
                for (size_t t = 0; t < n; t++) d[t] += w * s[t];
            }
        }
    }
    if (L->f[F_CONV_POST].active) film_run(&L->f[F_CONV_POST], z, z, cond, tmp, n);
    const float *mc = cond;
    if (L->f[F_MIX_PRE].active) {
        film_run(&L->f[F_MIX_PRE], cond, A->cf, cond, tmp, n);
        mc = A->cf;
    }
    lin1_run(&L->mix, mc, A->zm, n);
    if (L->f[F_MIX_POST].active) film_run(&L->f[F_MIX_POST], A->zm, A->zm, cond, tmp, n);
    for (size_t i = 0; i < (size_t)Cz * CH; i++) z[i] += A->zm[i];
    if (L->f[F_ACT_PRE].active) film_run(&L->f[F_ACT_PRE], z, z, cond, tmp, n);
    if (L->gating == GATE_NONE) act_rows(&L->act, z, B, n);
    else {
        /* The secondary half: gate or blend weight. */
        float *g = z + (size_t)B * CH;
        if (L->gating == GATE_BLENDED) memcpy(A->zm, z, (size_t)B * CH * sizeof(float));
        act_rows(&L->act, z, B, n);
        act_rows(&L->act2, g, B, n);
        for (int c = 0; c < B; c++) {
            float *p = z + (size_t)c * CH;
            const float *q = g + (size_t)c * CH, *pre = A->zm + (size_t)c * CH;
            if (L->gating == GATE_GATED)
                for (size_t t = 0; t < n; t++) p[t] *= q[t];
            else
                for (size_t t = 0; t < n; t++) p[t] = q[t] * p[t] + (1.0f - q[t]) * pre[t];
        }
    }
    if (L->f[F_ACT_POST].active) film_run(&L->f[F_ACT_POST], z, z, cond, tmp, n);
    if (A->has_l1) {
        lin1_run(&L->l1, z, A->y, n);
        /* NAM core applies the post-layer1x1 FiLM only in blended mode (quirk kept). */
        if (L->gating == GATE_BLENDED && L->f[F_L1_POST].active)
            film_run(&L->f[F_L1_POST], A->y, A->y, cond, tmp, n);
    }
    const float *h = z;
    if (A->has_h1) {
        lin1_run(&L->h1, z, A->hh, n);
        h = A->hh;
        if (L->f[F_H1_POST].active) film_run(&L->f[F_H1_POST], h, (float *)h, cond, tmp, n);
    }
    for (int c = 0; c < A->Ho; c++)
        for (size_t t = 0; t < n; t++) A->headacc[(size_t)c * CH + t] += h[(size_t)c * CH + t];
    for (int c = 0; c < C; c++)
        for (size_t t = 0; t < n; t++)
            next[(size_t)c * CH + t] = x[(size_t)c * CH + t] + (A->has_l1 ? A->y[(size_t)c * CH + t] : 0.0f);
}

static void rewind_arr(arr *A)
{
    for (int l = 0; l < A->nl; l++)
        for (int c = 0; c < A->C; c++) {
            float *row = A->L[l].hist + (size_t)c * A->stride;
            memmove(row, row + A->pos - A->maxlb, (size_t)A->maxlb * sizeof(float));
        }
    A->pos = A->maxlb;
}

static void arr_run(arr *A, const float *in, const float *head_in, const float *cond, size_t n, size_t np)
{
    if (A->pos + (long)np + TILE > A->stride) rewind_arr(A);
    if (head_in) memcpy(A->headacc, head_in, (size_t)A->Ho * CH * sizeof(float));
    else memset(A->headacc, 0, (size_t)A->Ho * CH * sizeof(float));
    if (A->tile_mode) {
        /* Rechannel straight into layer 0's history. */
        float *x0 = A->L[0].hist;
        for (int o = 0; o < A->C; o++) {
            float *d = x0 + (size_t)o * A->stride + A->pos;
            for (size_t t = 0; t < np; t++) {
                float acc = 0.0f;
                for (int j = 0; j < A->cin; j++) acc += A->rech.w[j * A->C + o] * in[(size_t)j * CH + t];
                d[t] = acc;
            }
        }
        for (int l = 0; l < A->nl; l++) {
            float *next = l + 1 < A->nl ? A->L[l + 1].hist : A->out;
            const long next_pos = l + 1 < A->nl ? A->pos : -1;
            for (size_t t0 = 0; t0 < np; t0 += TILE) A->tile(A, &A->L[l], next, next_pos, cond, (long)t0);
        }
    } else {
        lin1_run(&A->rech, in, A->x, n);
        for (int l = 0; l < A->nl; l++) {
            float *next = l + 1 < A->nl ? A->xn : A->out;
            layer_block(A, &A->L[l], A->x, next, cond, n);
            if (l + 1 < A->nl) {
                float *t = A->x;
                A->x = A->xn;
                A->xn = t;
            }
        }
    }
    A->pos += (long)n;
}

static void head_out(arr *A, float *dst, size_t n) { hconv_push_run(&A->head, A->headacc, dst, n); }

/* in: in_ch × CH; out: out_ch × CH. */
static void wn2_run(wn2 *W, const float *in, float *out, size_t n)
{
    const size_t np = (n + TILE - 1) / TILE * TILE;
    if (W->cdsp) wn2_run(W->cdsp, in, W->cond, n);
    else memcpy(W->cond, in, (size_t)W->in_ch * CH * sizeof(float));
    for (int r = 0; r < W->ccond; r++) memset(W->cond + (size_t)r * CH + n, 0, (CH - n) * sizeof(float));
    float *prev_head = NULL;
    for (int a = 0; a < W->na; a++) {
        arr *A = &W->A[a];
        arr_run(A, a == 0 ? in : W->A[a - 1].out, prev_head, W->cond, n, np);
        float *ho = a + 1 < W->na || W->nheads ? A->hout : NULL;
        if (!ho) {
            head_out(A, out, n);
            for (int c = 0; c < W->out_ch; c++)
                for (size_t t = 0; t < n; t++) out[(size_t)c * CH + t] *= W->head_scale;
            return;
        }
        head_out(A, ho, n);
        prev_head = ho;
    }
    /* Post-stack head: scale, then (activation, convolution) per stage. */
    const arr *last = &W->A[W->na - 1];
    float *s = W->scratch;
    for (int c = 0; c < last->H; c++)
        for (size_t t = 0; t < n; t++) s[(size_t)c * CH + t] = W->head_scale * prev_head[(size_t)c * CH + t];
    for (int i = 0; i < W->nheads; i++) {
        hconv *hc = &W->post[i];
        act_rows(&W->post_act, s, hc->cin, n);
        float *dst = i + 1 < W->nheads ? W->scratch + (size_t)MAX_CH * CH * (1 + (i & 1)) : out;
        hconv_push_run(hc, s, dst, n);
        s = dst;
    }
}

static void wn2_clear(wn2 *W)
{
    if (W->cdsp) wn2_clear(W->cdsp);
    for (int a = 0; a < W->na; a++) {
        arr *A = &W->A[a];
        for (int l = 0; l < A->nl; l++) memset(A->L[l].hist, 0, (size_t)A->C * A->stride * sizeof(float));
        A->pos = A->maxlb;
        memset(A->head.hist, 0, (size_t)A->head.cin * A->head.stride * sizeof(float));
        A->head.pos = A->head.lb;
    }
    for (int i = 0; i < W->nheads; i++) {
        memset(W->post[i].hist, 0, (size_t)W->post[i].cin * W->post[i].stride * sizeof(float));
        W->post[i].pos = W->post[i].lb;
    }
}

static void wn2_destroy(wn2 *W)
{
    if (!W) return;
    wn2_destroy(W->cdsp);
    free(W->mem);
    free(W);
}

/* The r2r_nam face: mono in, mono out. */
typedef struct {
    wn2 *W;
    float in[CH], out[CH];
} wn2_mono;

static void mono_clear(void *impl) { wn2_clear(((wn2_mono *)impl)->W); }
static void mono_process(void *impl, const float *in, float *out, size_t n)
{
    wn2_mono *M = impl;
    memcpy(M->in, in, n * sizeof(float));
    wn2_run(M->W, M->in, M->out, n);
    memcpy(out, M->out, n * sizeof(float));
}
static void mono_destroy(void *impl)
{
    wn2_mono *M = impl;
    wn2_destroy(M->W);
    free(M);
}
static const nam_arch_ops wn2_ops = {mono_clear, mono_process, mono_destroy};

/* ================= configuration ================= */

typedef struct {
    int active, shift, groups;
} film_cfg;

typedef struct {
    long cin, ccond, C, B, H, Kh, dh, nl, gi, gim, l1_groups, h1_out, h1_groups;
    int head_bias, l1_active, h1_active;
    long K[MAX_LAYERS], dil[MAX_LAYERS];
    int gating[MAX_LAYERS];
    nam_activation act[MAX_LAYERS], act2[MAX_LAYERS];
    film_cfg f[N_FILM];
} arr_cfg;

typedef struct {
    int na, in_ch, nheads;
    arr_cfg a[MAX_ARRAYS];
    long head_ch, head_out, head_k[MAX_HEAD_CONVS];
    nam_activation head_act;
} wn_cfg;

static r2r_status film_parse(const cJSON *lc, const char *key, const char *file, const char *where, film_cfg *f)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(lc, key);
    f->active = 0, f->shift = 0, f->groups = 1;
    if (!v || cJSON_IsNull(v) || cJSON_IsFalse(v)) return R2R_OK;
    if (!cJSON_IsObject(v))
        return r2r_fail(R2R_ERR_INPUT, "%s: %s has an invalid \"%s\" (want an object)", file, where, key);
    long g;
    r2r_status s;
    if ((s = nam_cfg_bool(v, "active", 0, 1, file, key, &f->active)) ||
        (s = nam_cfg_bool(v, "shift", 0, 1, file, key, &f->shift)) ||
        (s = nam_cfg_int(v, "groups", 1, MAX_CH, 0, 1, file, key, &g)))
        return s;
    f->groups = (int)g;
    return R2R_OK;
}

static r2r_status parse_gating(const cJSON *v, const char *file, const char *where, int *out)
{
    if (!cJSON_IsString(v)) return r2r_fail(R2R_ERR_INPUT, "%s: %s has an invalid \"gating_mode\"", file, where);
    if (!strcmp(v->valuestring, "none")) *out = GATE_NONE;
    else if (!strcmp(v->valuestring, "gated")) *out = GATE_GATED;
    else if (!strcmp(v->valuestring, "blended")) *out = GATE_BLENDED;
    else
        return r2r_fail(R2R_ERR_INPUT, "%s: %s has an unknown gating_mode \"%s\"", file, where, v->valuestring);
    return R2R_OK;
}

/* A per-layer list: either one value for all layers or an array of exactly nl. */
static const cJSON *per_layer(const cJSON *v, long l) { return cJSON_IsArray(v) ? cJSON_GetArrayItem(v, (int)l) : v; }

static r2r_status check_list(const cJSON *v, long nl, const char *key, const char *file, const char *where)
{
    if (cJSON_IsArray(v) && cJSON_GetArraySize(v) != nl)
        return r2r_fail(R2R_ERR_INPUT, "%s: %s: \"%s\" has %d entries for %ld layers", file, where, key,
                        cJSON_GetArraySize(v), nl);
    return R2R_OK;
}

static r2r_status divides(long a, long b, long g, const char *what, const char *file, const char *where)
{
    if (g < 1 || a % g || b % g)
        return r2r_fail(R2R_ERR_INPUT, "%s: %s: %s groups (%ld) must divide %ld and %ld", file, where, what, g, a, b);
    return R2R_OK;
}

static r2r_status parse_array(const cJSON *lc, int idx, const char *file, int flags, arr_cfg *a)
{
    char where[64];
    snprintf(where, sizeof where, "layer array %d", idx);
    if (!cJSON_IsObject(lc)) return r2r_fail(R2R_ERR_INPUT, "%s: %s is not an object", file, where);
    const cJSON *sl = cJSON_GetObjectItemCaseSensitive(lc, "slimmable");
    if (sl && !cJSON_IsNull(sl))
        return r2r_fail(R2R_ERR_UNSUPPORTED, "%s: %s: slimmable WaveNet layers are not supported", file, where);
    r2r_status s;
    if ((s = nam_cfg_int(lc, "input_size", 1, MAX_CH, 1, 0, file, where, &a->cin)) ||
        (s = nam_cfg_int(lc, "condition_size", 1, MAX_CH, 1, 0, file, where, &a->ccond)) ||
        (s = nam_cfg_int(lc, "channels", 1, MAX_CH, 1, 0, file, where, &a->C)) ||
        (s = nam_cfg_int(lc, "bottleneck", 1, MAX_CH, 0, a->C, file, where, &a->B)) ||
        (s = nam_cfg_int(lc, "groups_input", 1, MAX_CH, 0, 1, file, where, &a->gi)) ||
        (s = nam_cfg_int(lc, "groups_input_mixin", 1, MAX_CH, 0, 1, file, where, &a->gim)))
        return s;
    /* Array head: {"out_channels", "kernel_size", "bias", ["head_dilation"]} or legacy head_size/head_bias. */
    const cJSON *head = cJSON_GetObjectItemCaseSensitive(lc, "head");
    a->dh = 1;
    if (head && !cJSON_IsNull(head)) {
        if (!cJSON_IsObject(head)) return r2r_fail(R2R_ERR_INPUT, "%s: %s: \"head\" is not an object", file, where);
        if ((s = nam_cfg_int(head, "out_channels", 1, MAX_CH, 1, 0, file, "array head", &a->H)) ||
            (s = nam_cfg_int(head, "kernel_size", 1, MAX_K, 1, 0, file, "array head", &a->Kh)) ||
            (s = nam_cfg_int(head, "head_dilation", 1, 65536, 0, 1, file, "array head", &a->dh)) ||
            (s = nam_cfg_bool(head, "bias", 1, 0, file, "array head", &a->head_bias)))
            return s;
    } else {
        a->Kh = 1;
        if ((s = nam_cfg_int(lc, "head_size", 1, MAX_CH, 1, 0, file, where, &a->H)) ||
            (s = nam_cfg_bool(lc, "head_bias", 1, 0, file, where, &a->head_bias)))
            return s;
    }
    if ((s = nam_cfg_dilations(lc, MAX_LAYERS, file, where, a->dil, &a->nl)) != R2R_OK) return s;
    /* Kernel sizes: exactly one of kernel_size / kernel_sizes. */
    const cJSON *ks = cJSON_GetObjectItemCaseSensitive(lc, "kernel_sizes");
    const cJSON *k1 = cJSON_GetObjectItemCaseSensitive(lc, "kernel_size");
    if (ks && k1) return r2r_fail(R2R_ERR_INPUT, "%s: %s has both kernel_size and kernel_sizes", file, where);
    if (!ks && !k1) return r2r_fail(R2R_ERR_INPUT, "%s: %s has no kernel_size", file, where);
    if (ks && (!cJSON_IsArray(ks) || cJSON_GetArraySize(ks) != a->nl))
        return r2r_fail(R2R_ERR_INPUT, "%s: %s: kernel_sizes must be an array of %ld", file, where, a->nl);
    for (long l = 0; l < a->nl; l++) {
        const cJSON *kv = ks ? cJSON_GetArrayItem(ks, (int)l) : k1;
        if (!cJSON_IsNumber(kv) || kv->valuedouble < 1 || kv->valuedouble > MAX_K ||
            kv->valuedouble != (long)kv->valuedouble)
            return r2r_fail(R2R_ERR_INPUT, "%s: %s has an invalid kernel size (1..%d)", file, where, MAX_K);
        a->K[l] = (long)kv->valuedouble;
    }
    /* Activations, gating modes and secondary activations, per layer or shared. */
    const cJSON *av = cJSON_GetObjectItemCaseSensitive(lc, "activation");
    const cJSON *gm = cJSON_GetObjectItemCaseSensitive(lc, "gating_mode");
    const cJSON *sa = cJSON_GetObjectItemCaseSensitive(lc, "secondary_activation");
    if (!av) return r2r_fail(R2R_ERR_INPUT, "%s: %s has no \"activation\"", file, where);
    if ((s = check_list(av, a->nl, "activation", file, where)) ||
        (gm && (s = check_list(gm, a->nl, "gating_mode", file, where))))
        return s;
    int legacy_gated = 0;
    if (!gm && (s = nam_cfg_bool(lc, "gated", 0, 0, file, where, &legacy_gated))) return s;
    for (long l = 0; l < a->nl; l++) {
        if ((s = nam_cfg_activation_value(per_layer(av, l), file, where, flags, &a->act[l]))) return s;
        a->gating[l] = legacy_gated ? GATE_GATED : GATE_NONE;
        if (gm && (s = parse_gating(per_layer(gm, l), file, where, &a->gating[l]))) return s;
        if (a->gating[l] == GATE_NONE) continue;
        if (!sa || cJSON_IsNull(sa)) nam_activation_parse("Sigmoid", &a->act2[l]);
        else {
            if ((s = check_list(sa, a->nl, "secondary_activation", file, where))) return s;
            if ((s = nam_cfg_activation_value(per_layer(sa, l), file, where, flags, &a->act2[l]))) return s;
        }
    }
    /* PReLU slopes apply per channel: one per bottleneck channel. */
    for (long l = 0; l < a->nl; l++)
        for (int w = 0; w < 2; w++) {
            const nam_activation *x = w ? &a->act2[l] : &a->act[l];
            if ((w == 0 || a->gating[l] != GATE_NONE) && x->type == NAM_ACT_PRELU && x->nslopes > 0 &&
                x->nslopes != a->B)
                return r2r_fail(R2R_ERR_INPUT, "%s: %s: PReLU has %d slopes for %ld channels", file, where,
                                x->nslopes, a->B);
        }
    /* layer1x1 (default active) and head1x1 (default inactive). */
    a->l1_active = 1, a->l1_groups = 1;
    const cJSON *l1 = cJSON_GetObjectItemCaseSensitive(lc, "layer1x1");
    if (l1 && !cJSON_IsNull(l1)) {
        if ((s = nam_cfg_bool(l1, "active", 1, 1, file, "layer1x1", &a->l1_active)) ||
            (s = nam_cfg_int(l1, "groups", 1, MAX_CH, 1, 1, file, "layer1x1", &a->l1_groups)))
            return s;
    }
    a->h1_active = 0, a->h1_out = a->C, a->h1_groups = 1;
    const cJSON *h1 = cJSON_GetObjectItemCaseSensitive(lc, "head1x1");
    if (h1 && !cJSON_IsNull(h1)) {
        if ((s = nam_cfg_bool(h1, "active", 1, 0, file, "head1x1", &a->h1_active)) ||
            (s = nam_cfg_int(h1, "out_channels", 1, MAX_CH, 1, 0, file, "head1x1", &a->h1_out)) ||
            (s = nam_cfg_int(h1, "groups", 1, MAX_CH, 1, 1, file, "head1x1", &a->h1_groups)))
            return s;
    }
    for (int f = 0; f < N_FILM; f++)
        if ((s = film_parse(lc, film_keys[f], file, where, &a->f[f]))) return s;
    /* Structural checks NAM core makes, and the grouped sizes. */
    if (!a->l1_active && a->B != a->C)
        return r2r_fail(R2R_ERR_INPUT, "%s: %s: without layer1x1 the bottleneck must equal channels", file, where);
    if (!a->l1_active && a->f[F_L1_POST].active)
        return r2r_fail(R2R_ERR_INPUT, "%s: %s: layer1x1_post_film needs an active layer1x1", file, where);
    if (!a->h1_active && a->f[F_H1_POST].active)
        return r2r_fail(R2R_ERR_INPUT, "%s: %s: head1x1_post_film needs an active head1x1", file, where);
    for (long l = 0; l < a->nl; l++) {
        const long cz = a->gating[l] ? 2 * a->B : a->B;
        if ((s = divides(a->C, cz, a->gi, "groups_input", file, where)) ||
            (s = divides(a->ccond, cz, a->gim, "groups_input_mixin", file, where)))
            return s;
    }
    if (a->l1_active && (s = divides(a->B, a->C, a->l1_groups, "layer1x1", file, where))) return s;
    if (a->h1_active && (s = divides(a->B, a->h1_out, a->h1_groups, "head1x1", file, where))) return s;
    return R2R_OK;
}

/* FiLM widths: the rows each FiLM modulates. */
static long film_dim(const arr_cfg *a, int f, int gating)
{
    const long cz = gating ? 2 * a->B : a->B;
    switch (f) {
    case F_CONV_PRE: return a->C;
    case F_CONV_POST: case F_MIX_POST: case F_ACT_PRE: return cz;
    case F_MIX_PRE: return a->ccond;
    case F_ACT_POST: return a->B;
    case F_L1_POST: return a->C;
    default: return a->h1_out;
    }
}

/* Weights the config needs (condition_dsp excluded: it carries its own). */
static r2r_status count_weights(const wn_cfg *c, const char *file, size_t *need)
{
    size_t n = 1; /* head scale */
    for (int i = 0; i < c->na; i++) {
        const arr_cfg *a = &c->a[i];
        const long Ho = a->h1_active ? a->h1_out : a->B;
        n += (size_t)(a->cin * a->C);
        for (long l = 0; l < a->nl; l++) {
            const long cz = a->gating[l] ? 2 * a->B : a->B;
            n += (size_t)(a->C * cz * a->K[l] / a->gi + cz);
            n += (size_t)(a->ccond * cz / a->gim);
            if (a->l1_active) n += (size_t)(a->B * a->C / a->l1_groups + a->C);
            if (a->h1_active) n += (size_t)(a->B * a->h1_out / a->h1_groups + a->h1_out);
            for (int f = 0; f < N_FILM; f++) {
                if (!a->f[f].active) continue;
                const long out = (a->f[f].shift ? 2 : 1) * film_dim(a, f, a->gating[l]);
                char what[48];
                snprintf(what, sizeof what, "%s", film_keys[f]);
                r2r_status s = divides(a->ccond, out, a->f[f].groups, what, file, "FiLM");
                if (s) return s;
                n += (size_t)(a->ccond * out / a->f[f].groups + out);
            }
        }
        n += (size_t)(Ho * a->H * a->Kh + (a->head_bias ? a->H : 0));
    }
    long cin = c->a[c->na - 1].H;
    for (int i = 0; i < c->nheads; i++) {
        const long cout = i + 1 == c->nheads ? c->head_out : c->head_ch;
        n += (size_t)(cin * cout * c->head_k[i] + cout);
        cin = cout;
    }
    *need = n;
    return R2R_OK;
}

/* Grouped dense fill: src in NAM's order (group, out, in[, k]), dst [k][in][out]. */
static void fill_grouped(float *dst, const float *src, long cin, long cout, long K, long groups)
{
    const long ipg = cin / groups, opg = cout / groups;
    memset(dst, 0, (size_t)(K * cin * cout) * sizeof(float));
    for (long g = 0; g < groups; g++)
        for (long i = 0; i < opg; i++)
            for (long j = 0; j < ipg; j++)
                for (long k = 0; k < K; k++) {
                    const long o = g * opg + i, in = g * ipg + j;
                    dst[(k * cin + in) * cout + o] = *src++;
                }
}

typedef struct {
    float *p;
} carver;
static float *carve(carver *cv, size_t n)
{
    float *r = cv->p;
    cv->p += (n + 15) / 16 * 16;
    return r;
}

static r2r_status parse_config(const cJSON *cfg, const char *file, int flags, wn_cfg *c)
{
    memset(c, 0, sizeof *c);
    const cJSON *layers = cJSON_GetObjectItemCaseSensitive(cfg, "layers");
    if (!cJSON_IsArray(layers) || cJSON_GetArraySize(layers) < 1 || cJSON_GetArraySize(layers) > MAX_ARRAYS)
        return r2r_fail(R2R_ERR_INPUT, "%s: WaveNet config needs 1..%d \"layers\" arrays", file, MAX_ARRAYS);
    long in_ch;
    r2r_status s = nam_cfg_int(cfg, "in_channels", 1, MAX_CH, 0, 1, file, "WaveNet config", &in_ch);
    if (s) return s;
    c->in_ch = (int)in_ch;
    const cJSON *hs = cJSON_GetObjectItemCaseSensitive(cfg, "head_scale");
    if (!cJSON_IsNumber(hs)) return r2r_fail(R2R_ERR_INPUT, "%s: missing or invalid \"head_scale\"", file);
    const cJSON *lc;
    cJSON_ArrayForEach(lc, layers)
    {
        if ((s = parse_array(lc, c->na, file, flags, &c->a[c->na]))) return s;
        c->na++;
    }
    if (c->a[0].cin != c->in_ch)
        return r2r_fail(R2R_ERR_INPUT, "%s: layer array 0 input_size %ld != in_channels %d", file, c->a[0].cin,
                        c->in_ch);
    for (int i = 1; i < c->na; i++) {
        const arr_cfg *p = &c->a[i - 1], *a = &c->a[i];
        const long Ho = a->h1_active ? a->h1_out : a->B;
        if (a->cin != p->C)
            return r2r_fail(R2R_ERR_INPUT, "%s: layer array %d input_size %ld != channels %ld of array %d", file, i,
                            a->cin, p->C, i - 1);
        if (Ho != p->H)
            return r2r_fail(R2R_ERR_INPUT, "%s: layer array %d head width %ld != head size %ld of array %d", file,
                            i, Ho, p->H, i - 1);
    }
    const cJSON *head = cJSON_GetObjectItemCaseSensitive(cfg, "head");
    if (head && !cJSON_IsNull(head)) {
        if (!cJSON_IsObject(head)) return r2r_fail(R2R_ERR_INPUT, "%s: WaveNet \"head\" is not an object", file);
        long in;
        if ((s = nam_cfg_int(head, "channels", 1, MAX_CH, 1, 0, file, "head", &c->head_ch)) ||
            (s = nam_cfg_int(head, "out_channels", 1, MAX_CH, 1, 0, file, "head", &c->head_out)) ||
            (s = nam_cfg_int(head, "in_channels", 1, MAX_CH, 0, c->a[c->na - 1].H, file, "head", &in)) ||
            (s = nam_cfg_activation(head, "activation", file, "head", flags, &c->head_act)))
            return s;
        if (in != c->a[c->na - 1].H)
            return r2r_fail(R2R_ERR_INPUT, "%s: head in_channels %ld != last head_size %ld", file, in,
                            c->a[c->na - 1].H);
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(head, "kernel_sizes");
        if (!cJSON_IsArray(k) || cJSON_GetArraySize(k) < 1 || cJSON_GetArraySize(k) > MAX_HEAD_CONVS)
            return r2r_fail(R2R_ERR_INPUT, "%s: head needs 1..%d kernel_sizes", file, MAX_HEAD_CONVS);
        const cJSON *e;
        cJSON_ArrayForEach(e, k)
        {
            if (!cJSON_IsNumber(e) || e->valuedouble < 1 || e->valuedouble > MAX_K ||
                e->valuedouble != (long)e->valuedouble)
                return r2r_fail(R2R_ERR_INPUT, "%s: head has an invalid kernel size", file);
            c->head_k[c->nheads++] = (long)e->valuedouble;
        }
        if (c->head_act.type == NAM_ACT_PRELU && c->head_act.nslopes > 0)
            return r2r_fail(R2R_ERR_UNSUPPORTED, "%s: per-channel PReLU in the post-stack head is not supported", file);
    }
    return R2R_OK;
}

static r2r_status build(const cJSON *cfg, nam_weights *w, const char *file, int flags, int depth, double rate,
                        wn2 **out, long *prewarm, char *summary, size_t summary_len);

/* condition_dsp: a whole model description nested in the config. */
static r2r_status build_condition(const cJSON *cd, const char *file, int flags, int depth, double rate, wn2 **out,
                                  long *prewarm)
{
    if (depth > 2) return r2r_fail(R2R_ERR_INPUT, "%s: condition_dsp nested too deeply", file);
    if (!cJSON_IsObject(cd)) return r2r_fail(R2R_ERR_INPUT, "%s: condition_dsp is not an object", file);
    const cJSON *arch = cJSON_GetObjectItemCaseSensitive(cd, "architecture");
    if (!cJSON_IsString(arch) || strcmp(arch->valuestring, "WaveNet"))
        return r2r_fail(R2R_ERR_UNSUPPORTED, "%s: only a WaveNet condition_dsp is supported", file);
    const cJSON *sr = cJSON_GetObjectItemCaseSensitive(cd, "sample_rate");
    double crate = cJSON_IsNumber(sr) ? sr->valuedouble : -1.0;
    if (crate != rate)
        return r2r_fail(R2R_ERR_INPUT, "%s: condition_dsp sample rate %g differs from the model's %g", file, crate,
                        rate);
    const cJSON *cc = cJSON_GetObjectItemCaseSensitive(cd, "config");
    if (!cJSON_IsObject(cc)) return r2r_fail(R2R_ERR_INPUT, "%s: condition_dsp has no config", file);
    float *weights = NULL;
    size_t nw = 0;
    r2r_status s = nam_parse_weights(cd, file, &weights, &nw);
    if (s) return s;
    nam_weights cw = {weights, nw, 0};
    char sum[8];
    s = build(cc, &cw, file, flags, depth + 1, rate, out, prewarm, sum, sizeof sum);
    free(weights);
    return s;
}

static r2r_status build(const cJSON *cfg, nam_weights *w, const char *file, int flags, int depth, double rate,
                        wn2 **out, long *prewarm, char *summary, size_t summary_len)
{
    *out = NULL;
    wn_cfg *c = malloc(sizeof *c);
    if (!c) return r2r_fail(R2R_ERR_NOMEM, "%s: out of memory", file);
    r2r_status s = parse_config(cfg, file, flags, c);
    wn2 *cdsp = NULL;
    long cpre = 1;
    const cJSON *cd = cJSON_GetObjectItemCaseSensitive(cfg, "condition_dsp");
    if (!s && cd && !cJSON_IsNull(cd)) s = build_condition(cd, file, flags, depth, rate, &cdsp, &cpre);
    const int ccond = cdsp ? cdsp->out_ch : c->in_ch;
    for (int i = 0; !s && i < c->na; i++)
        if (c->a[i].ccond != ccond)
            s = r2r_fail(R2R_ERR_INPUT, "%s: layer array %d condition_size %ld, but the condition has %d channels",
                         file, i, c->a[i].ccond, ccond);
    if (cdsp && !s && cdsp->in_ch != c->in_ch)
        s = r2r_fail(R2R_ERR_INPUT, "%s: condition_dsp takes %d channels, the model has %d", file, cdsp->in_ch,
                     c->in_ch);
    size_t need = 0;
    if (!s) s = count_weights(c, file, &need);
    if (!s && need != w->n - w->pos)
        s = r2r_fail(R2R_ERR_INPUT, "%s: wrong weight count: the WaveNet config needs %zu, the file has %zu", file,
                     need, w->n - w->pos);
    if (s) {
        wn2_destroy(cdsp);
        free(c);
        return s;
    }
    /* Memory plan (generous: every block rounded to 16 floats). */
    size_t total = 0, cap = (size_t)1 << 27;
    long rf = cpre;
#define PLAN(n) (total += ((size_t)(n) + 15) / 16 * 16)
    for (int i = 0; i < c->na; i++) {
        const arr_cfg *a = &c->a[i];
        const long Ho = a->h1_active ? a->h1_out : a->B, Cz = 2 * a->B;
        long maxlb = 0;
        for (long l = 0; l < a->nl; l++) {
            const long lb = a->dil[l] * (a->K[l] - 1);
            maxlb = lb > maxlb ? lb : maxlb;
            rf += lb;
            PLAN(a->K[l] * a->C * Cz), PLAN(Cz), PLAN(a->ccond * Cz), PLAN(a->B * a->C), PLAN(a->C),
                PLAN(a->B * Ho), PLAN(Ho);
            for (int f = 0; f < N_FILM; f++)
                if (a->f[f].active) PLAN(a->ccond * 4 * MAX_CH), PLAN(4 * MAX_CH);
        }
        const long hlb = a->dh * (a->Kh - 1);
        rf += hlb;
        const long stride = (maxlb + ROOM + CH + 2 * TILE + 15) / 16 * 16;
        PLAN(a->nl * a->C * stride);
        PLAN(a->cin * a->C);
        PLAN(Ho * a->H * a->Kh), PLAN(a->H), PLAN(Ho * (hlb + ROOM + CH));
        PLAN(3 * a->C * CH), PLAN(2 * Cz * CH), PLAN(a->C * CH), PLAN(Ho * CH), PLAN(a->ccond * CH),
            PLAN(Ho * CH), PLAN(a->C * CH), PLAN(a->H * CH);
        if (total > cap) break;
    }
    long cin = c->a[c->na - 1].H;
    for (int i = 0; i < c->nheads; i++) {
        const long cout = i + 1 == c->nheads ? c->head_out : c->head_ch;
        PLAN(cin * cout * c->head_k[i]), PLAN(cout), PLAN(cin * (c->head_k[i] - 1 + ROOM + CH));
        rf += c->head_k[i] - 1;
        cin = cout;
    }
    PLAN((size_t)ccond * CH + (size_t)c->in_ch * CH), PLAN(3 * MAX_CH * CH), PLAN(4 * MAX_CH * CH);
#undef PLAN
    if (total > cap || rf > (1L << 20)) {
        wn2_destroy(cdsp);
        free(c);
        return r2r_fail(R2R_ERR_INPUT, "%s: WaveNet too large (receptive field %ld, %zu floats of state)", file, rf,
                        total);
    }
    wn2 *W = calloc(1, sizeof *W);
    float *mem = W ? calloc(total + 16, sizeof(float)) : NULL;
    if (!mem) {
        free(W);
        wn2_destroy(cdsp);
        free(c);
        return r2r_fail(R2R_ERR_NOMEM, "%s: out of memory", file);
    }
    W->mem = mem;
    W->cdsp = cdsp;
    W->na = c->na, W->in_ch = c->in_ch, W->ccond = ccond, W->nheads = c->nheads;
    W->out_ch = c->nheads ? (int)c->head_out : (int)c->a[c->na - 1].H;
    carver cv = {mem};
    const float *src;
#define TAKE(count)                                                                                               \
    do {                                                                                                          \
        if (!(src = nam_take(w, (size_t)(count)))) goto short_weights;                                           \
    } while (0)
    size_t sl = 0;
    summary[0] = '\0';
    for (int i = 0; i < c->na; i++) {
        const arr_cfg *a = &c->a[i];
        arr *A = &W->A[i];
        A->cin = (int)a->cin, A->ccond = (int)a->ccond, A->C = (int)a->C, A->B = (int)a->B, A->H = (int)a->H;
        A->nl = (int)a->nl, A->has_l1 = a->l1_active, A->has_h1 = a->h1_active;
        A->Ho = (int)(a->h1_active ? a->h1_out : a->B);
        int any_gate = 0, any_film = 0, prelu_ch = 0;
        for (long l = 0; l < a->nl; l++) {
            any_gate |= a->gating[l] != GATE_NONE;
            prelu_ch |= (a->act[l].type == NAM_ACT_PRELU && a->act[l].nslopes > 0) ||
                        (a->gating[l] && a->act2[l].type == NAM_ACT_PRELU && a->act2[l].nslopes > 0);
        }
        for (int f = 0; f < N_FILM; f++) any_film |= a->f[f].active;
        A->Cz = any_gate ? 2 * A->B : A->B; /* scratch width; each layer uses its own */
        A->tile_mode = !any_film && !prelu_ch && !(flags & R2R_NAM_BLOCK_MODE);
        A->maxlb = 0;
        for (long l = 0; l < a->nl; l++) {
            const long lb = a->dil[l] * (a->K[l] - 1);
            A->maxlb = lb > A->maxlb ? lb : A->maxlb;
        }
        A->stride = (A->maxlb + ROOM + CH + 2 * TILE + 15) / 16 * 16;
        const int C = A->C, B = A->B, Ho = A->Ho;
        A->x = carve(&cv, (size_t)C * CH), A->xn = carve(&cv, (size_t)C * CH), A->xf = carve(&cv, (size_t)C * CH);
        A->z = carve(&cv, (size_t)2 * B * CH), A->zm = carve(&cv, (size_t)2 * B * CH);
        A->y = carve(&cv, (size_t)C * CH), A->hh = carve(&cv, (size_t)Ho * CH);
        A->cf = carve(&cv, (size_t)A->ccond * CH), A->headacc = carve(&cv, (size_t)Ho * CH);
        A->out = carve(&cv, (size_t)C * CH), A->hout = carve(&cv, (size_t)A->H * CH);
        /* Weight order (NAM core): rechannel; per layer: conv (+bias), input mixin, layer1x1 (+bias),
         * head1x1 (+bias), the active FiLMs in declaration order; then the array head. */
        A->rech.cin = A->cin, A->rech.cout = C, A->rech.b = NULL;
        A->rech.w = carve(&cv, (size_t)A->cin * C);
        TAKE(A->cin * C);
        fill_grouped(A->rech.w, src, A->cin, C, 1, 1);
        for (int l = 0; l < A->nl; l++) {
            layer *L = &A->L[l];
            const int cz = a->gating[l] ? 2 * B : B;
            L->K = (int)a->K[l], L->dil = (int)a->dil[l], L->gating = a->gating[l], L->cz = cz;
            L->act = a->act[l], L->act2 = a->act2[l];
            L->hist = carve(&cv, (size_t)C * A->stride);
            /* Kernels index z with the array's widest Cz; each layer stores its own cz. */
            L->wc = carve(&cv, (size_t)L->K * C * 2 * B), L->bc = carve(&cv, (size_t)2 * B);
            TAKE(C * cz * L->K / a->gi);
            fill_grouped(L->wc, src, C, cz, L->K, a->gi);
            TAKE(cz);
            memcpy(L->bc, src, (size_t)cz * sizeof(float));
            L->mix.cin = A->ccond, L->mix.cout = cz, L->mix.b = NULL;
            L->mix.w = carve(&cv, (size_t)A->ccond * 2 * B);
            TAKE(A->ccond * cz / a->gim);
            fill_grouped(L->mix.w, src, A->ccond, cz, 1, a->gim);
            if (a->l1_active) {
                L->l1.cin = B, L->l1.cout = C;
                L->l1.w = carve(&cv, (size_t)B * C), L->l1.b = carve(&cv, (size_t)C);
                TAKE(B * C / a->l1_groups);
                fill_grouped(L->l1.w, src, B, C, 1, a->l1_groups);
                TAKE(C);
                memcpy(L->l1.b, src, (size_t)C * sizeof(float));
            }
            if (a->h1_active) {
                L->h1.cin = B, L->h1.cout = Ho;
                L->h1.w = carve(&cv, (size_t)B * Ho), L->h1.b = carve(&cv, (size_t)Ho);
                TAKE(B * Ho / a->h1_groups);
                fill_grouped(L->h1.w, src, B, Ho, 1, a->h1_groups);
                TAKE(Ho);
                memcpy(L->h1.b, src, (size_t)Ho * sizeof(float));
            }
            for (int f = 0; f < N_FILM; f++) {
                film *F = &L->f[f];
                if (!a->f[f].active) continue;
                F->active = 1, F->shift = a->f[f].shift, F->groups = a->f[f].groups;
                F->dim = (int)film_dim(a, f, L->gating);
                const int fo = (F->shift ? 2 : 1) * F->dim;
                F->m.cin = A->ccond, F->m.cout = fo;
                F->m.w = carve(&cv, (size_t)A->ccond * fo), F->m.b = carve(&cv, (size_t)fo);
                TAKE(A->ccond * fo / F->groups);
                fill_grouped(F->m.w, src, A->ccond, fo, 1, F->groups);
                TAKE(fo);
                memcpy(F->m.b, src, (size_t)fo * sizeof(float));
            }
        }
        hconv *H = &A->head;
        H->cin = Ho, H->cout = A->H, H->K = (int)a->Kh, H->dil = (int)a->dh;
        H->lb = (long)H->dil * (H->K - 1), H->stride = H->lb + ROOM + CH;
        H->w = carve(&cv, (size_t)Ho * A->H * H->K);
        H->b = a->head_bias ? carve(&cv, (size_t)A->H) : NULL;
        H->hist = carve(&cv, (size_t)Ho * H->stride);
        TAKE(Ho * A->H * H->K);
        fill_grouped(H->w, src, Ho, A->H, H->K, 1);
        if (H->b) {
            TAKE(A->H);
            memcpy(H->b, src, (size_t)A->H * sizeof(float));
        }
        if (A->tile_mode) pick_tile(A);
        if (sl + 80 < summary_len)
        {
            char bn[16] = "";
            if (B != C) snprintf(bn, sizeof bn, "/b%d", B);
            sl += (size_t)snprintf(summary + sl, summary_len - sl, "%s%dch%s k%ld %d layers %s%s%s", i ? " | " : "",
                                   C, bn, a->K[0], A->nl, nam_activation_name(a->act[0].type),
                                   any_gate ? " gated" : "", any_film ? " FiLM" : "");
        }
    }
    cin = c->a[c->na - 1].H;
    for (int i = 0; i < c->nheads; i++) {
        hconv *H = &W->post[i];
        const long cout = i + 1 == c->nheads ? c->head_out : c->head_ch;
        H->cin = (int)cin, H->cout = (int)cout, H->K = (int)c->head_k[i], H->dil = 1;
        H->lb = H->K - 1, H->stride = H->lb + ROOM + CH;
        H->w = carve(&cv, (size_t)(cin * cout * H->K)), H->b = carve(&cv, (size_t)cout);
        H->hist = carve(&cv, (size_t)cin * H->stride);
        TAKE(cin * cout * H->K);
        fill_grouped(H->w, src, cin, cout, H->K, 1);
        TAKE(cout);
        memcpy(H->b, src, (size_t)cout * sizeof(float));
        cin = cout;
    }
    W->post_act = c->head_act;
    W->cond = carve(&cv, (size_t)(ccond > c->in_ch ? ccond : c->in_ch) * CH);
    W->scratch = carve(&cv, (size_t)3 * MAX_CH * CH);
    float *ftmp = carve(&cv, (size_t)4 * MAX_CH * CH);
    for (int i = 0; i < W->na; i++) W->A[i].ftmp = ftmp;
    /* The last weight is the head scale (it overrides the config's value). */
    TAKE(1);
    W->head_scale = src[0];
#undef TAKE
    if ((size_t)(cv.p - mem) > total + 16) abort(); /* the plan above is the contract */
    *prewarm = rf;
    free(c);
    wn2_clear(W);
    *out = W;
    return R2R_OK;
short_weights:
    wn2_destroy(W);
    free(c);
    return r2r_fail(R2R_ERR_INPUT, "%s: wrong weight count: the WaveNet config needs more than the %zu weights", file,
                    w->n);
}

r2r_status nam_wavenet_a2_create(const cJSON *cfg, nam_weights *w, const char *file, int flags,
                                 r2r_nam_info *info, void **impl, const nam_arch_ops **ops)
{
    wn2 *W = NULL;
    long pre = 0;
    char summary[200];
    r2r_status s = build(cfg, w, file, flags, 0, info->has_sample_rate ? info->sample_rate : -1.0, &W, &pre,
                         summary, sizeof summary);
    if (s) return s;
    if (W->in_ch != 1 || W->out_ch != 1) {
        const int ic = W->in_ch, oc = W->out_ch;
        wn2_destroy(W);
        return r2r_fail(R2R_ERR_UNSUPPORTED, "%s: only mono-in, mono-out WaveNets can be rendered (%d in, %d out)",
                        file, ic, oc);
    }
    wn2_mono *M = calloc(1, sizeof *M);
    if (!M) {
        wn2_destroy(W);
        return r2r_fail(R2R_ERR_NOMEM, "%s: out of memory", file);
    }
    M->W = W;
    info->receptive_field = pre;
    info->prewarm_samples = pre; /* NAM: condition prewarm (or 1) + Σ receptive fields */
    snprintf(info->summary, sizeof info->summary, "WaveNet %s%s%s", summary, W->cdsp ? " + condition_dsp" : "",
             W->nheads ? " + head" : "");
    *impl = M;
    *ops = &wn2_ops;
    return R2R_OK;
}
