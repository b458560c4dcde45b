/* WaveNet (.nam 0.5): layer arrays of gated or plain dilated convolutions with input
 * mixin, 1x1 residual and a summed head. Frames go through in tiles of one vector so that each
 * layer's channel math runs in vector registers; widths we meet in practice get
 * kernels with compile-time channel counts, any other width a generic kernel. */
#include "nam/nam_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TILE NAM_VLEN /* frames per kernel call: one vector */
#define MAX_CH 64   /* widest layer we accept (real captures: up to 32) */
#define MAX_LAYERS 64
#define MAX_ARRAYS 8
/* History rewind margin: buffers hold the lookback plus this many frames, so the
 * copy back to the start happens once every few thousand frames. */
#define ROOM (8 * NAM_CHUNK)

typedef struct {
    int dilation, lookback;
    float *wc;  /* [K][C][Cz], output channel fastest */
    float *bc;  /* [Cz] */
    float *wm;  /* [Ccond][Cz] */
    float *w1;  /* [C][C] */
    float *b1;  /* [C] */
    float *buf; /* C rows of `stride` floats: this layer's input history */
} wn_layer;

typedef struct wn_array {
    int cin, ccond, C, Cz, H, K, nl, gated, head_bias;
    nam_activation act;
    float *wr; /* rechannel [cin][C] */
    float *wh; /* head rechannel [C][H] */
    float *bh; /* [H] (zeros without head bias) */
    wn_layer layers[MAX_LAYERS];
    long stride, maxlb, pos;
    float *out;      /* array output, C × NAM_CHUNK */
    float *head;     /* head accumulator, C × NAM_CHUNK */
    float *head_out; /* H × NAM_CHUNK */
    void (*tile)(const struct wn_array *, const wn_layer *, float *next, long next_pos,
                 const float *cond, long t0);
} wn_array;

typedef struct {
    int na;
    wn_array arr[MAX_ARRAYS];
    float head_scale;
    float cond[NAM_CHUNK];
    float *mem; /* one allocation behind every buffer and weight */
} wavenet;

static inline vfloat loadv(const float *p)
{
    vfloat v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline void storev(float *p, vfloat v) { memcpy(p, &v, sizeof v); }

/* One layer over TILE frames [t0, t0+TILE) of the current chunk:
 *   z = conv(x) + mixin(cond); a = act(z) (gated: tanh-part × sigmoid-part);
 *   head += a; next = x + W1 a + b1.
 * With CC a compile-time constant every loop over channels unrolls into registers. */
#define UNROLL _Pragma("GCC unroll 64")
#define LAYER_TILE_BODY(CC, GATED)                                                           \
    const int C = (CC), Cz = (GATED) ? 2 * (CC) : (CC), K = A->K;                           \
    const long stride = A->stride, pos = A->pos + t0;                                        \
    vfloat z[(GATED) ? 2 * (CC) : (CC)];                                                        \
    UNROLL for (int o = 0; o < Cz; o++) z[o] = (vfloat){0} + L->bc[o];                         \
    for (int k = 0; k < K; k++) {                                                            \
        const float *w = L->wc + (size_t)k * C * Cz;                                         \
        const long off = pos - (long)(K - 1 - k) * L->dilation;                              \
        UNROLL for (int i = 0; i < C; i++) {                                                 \
            const vfloat x = loadv(L->buf + i * stride + off);                                 \
            UNROLL for (int o = 0; o < Cz; o++) z[o] += w[i * Cz + o] * x;                          \
        }                                                                                    \
    }                                                                                        \
    for (int j = 0; j < A->ccond; j++) {                                                     \
        const vfloat c = loadv(cond + j * NAM_CHUNK + t0);                                     \
        UNROLL for (int o = 0; o < Cz; o++) z[o] += L->wm[j * Cz + o] * c;                          \
    }                                                                                        \
    vfloat a[CC];                                                                               \
    if (A->act.type == NAM_ACT_TANH)                                                         \
        UNROLL for (int c = 0; c < C; c++) a[c] = nam_tanh_vec_inline(z[c]);                        \
    else                                                                                     \
        for (int c = 0; c < C; c++) a[c] = nam_activation_vec(&A->act, z[c]);                \
    if (GATED)                                                                               \
        for (int c = 0; c < C; c++) a[c] *= nam_sigmoid_vec(z[(GATED) ? C + c : c]);         \
    UNROLL for (int c = 0; c < C; c++) {                                                     \
        float *h = A->head + c * NAM_CHUNK + t0;                                             \
        storev(h, loadv(h) + a[c]);                                                        \
    }                                                                                        \
    vfloat y[CC];                                                                               \
    UNROLL for (int o = 0; o < C; o++) y[o] = (vfloat){0} + L->b1[o];                                  \
    UNROLL for (int i = 0; i < C; i++)                                                       \
        UNROLL for (int o = 0; o < C; o++) y[o] += L->w1[i * C + o] * a[i];                         \
    UNROLL for (int o = 0; o < C; o++) {                                                     \
        vfloat r = loadv(L->buf + o * stride + pos) + y[o];                                    \
        if (next_pos >= 0) storev(next + o * stride + next_pos + t0, r);                    \
        else storev(next + o * NAM_CHUNK + t0, r);                                          \
    }

#define DEFINE_TILE(CC, GATED)                                                               \
    static void tile_##CC##_##GATED(const wn_array *A, const wn_layer *L, float *next,      \
                                    long next_pos, const float *cond, long t0)               \
    {                                                                                        \
        LAYER_TILE_BODY(CC, GATED)                                                           \
    }

/* Widths up to 20 keep z, a and y in the 32 vector registers; wider layers compiled
 * this way spill so badly that the generic kernel was twice as fast (24/8 and 28/14
 * captures), so they run in groups of outputs (below). */
DEFINE_TILE(2, 0)
DEFINE_TILE(3, 0)
DEFINE_TILE(4, 0)
DEFINE_TILE(6, 0)
DEFINE_TILE(8, 0)
DEFINE_TILE(12, 0)
DEFINE_TILE(14, 0)
DEFINE_TILE(16, 0)
DEFINE_TILE(20, 0)
DEFINE_TILE(4, 1)
DEFINE_TILE(8, 1)
DEFINE_TILE(16, 1)

/* Wider plain layers (24, 28 channels) in groups of outputs (12 + 12, 4 × 7), so each
 * group's sums stay in registers: the convolution's group of z, its activations kept for
 * the whole layer, then the 1x1's group of y. Each input is loaded once per group; the
 * arithmetic is the generic kernel's, in the same order (the same samples). */
#define DEFINE_SPLIT_TILE(CC, HH)                                                              \
    static void tile_##CC##_split(const wn_array *A, const wn_layer *L, float *next,        \
                                  long next_pos, const float *cond, long t0)                 \
    {                                                                                        \
        enum { C = (CC), H = (HH) };                                                          \
        const int K = A->K;                                                                  \
        const long stride = A->stride, pos = A->pos + t0;                                    \
        vfloat a[C];                                                                         \
        for (int h = 0; h < C; h += H) {                                                     \
            vfloat z[H];                                                                     \
            UNROLL for (int o = 0; o < H; o++) z[o] = (vfloat){0} + L->bc[h + o];            \
            for (int k = 0; k < K; k++) {                                                    \
                const float *w = L->wc + (size_t)k * C * C + h;                              \
                const long off = pos - (long)(K - 1 - k) * L->dilation;                      \
                UNROLL for (int i = 0; i < C; i++) {                                         \
                    const vfloat x = loadv(L->buf + i * stride + off);                       \
                    UNROLL for (int o = 0; o < H; o++) z[o] += w[i * C + o] * x;             \
                }                                                                            \
            }                                                                                \
            for (int j = 0; j < A->ccond; j++) {                                             \
                const vfloat c = loadv(cond + j * NAM_CHUNK + t0);                           \
                UNROLL for (int o = 0; o < H; o++) z[o] += L->wm[j * C + h + o] * c;         \
            }                                                                                \
            if (A->act.type == NAM_ACT_TANH)                                                 \
                UNROLL for (int o = 0; o < H; o++) a[h + o] = nam_tanh_vec_inline(z[o]);     \
            else                                                                             \
                for (int o = 0; o < H; o++) a[h + o] = nam_activation_vec(&A->act, z[o]);    \
        }                                                                                    \
        UNROLL for (int c = 0; c < C; c++) {                                                 \
            float *hd = A->head + c * NAM_CHUNK + t0;                                        \
            storev(hd, loadv(hd) + a[c]);                                                    \
        }                                                                                    \
        for (int h = 0; h < C; h += H) {                                                     \
            vfloat y[H];                                                                     \
            UNROLL for (int o = 0; o < H; o++) y[o] = (vfloat){0} + L->b1[h + o];            \
            UNROLL for (int i = 0; i < C; i++)                                               \
                UNROLL for (int o = 0; o < H; o++) y[o] += L->w1[i * C + h + o] * a[i];      \
            UNROLL for (int o = 0; o < H; o++) {                                             \
                const vfloat r = loadv(L->buf + (h + o) * stride + pos) + y[o];              \
                if (next_pos >= 0) storev(next + (h + o) * stride + next_pos + t0, r);       \
                else storev(next + (h + o) * NAM_CHUNK + t0, r);                             \
            }                                                                                \
        }                                                                                    \
    }
DEFINE_SPLIT_TILE(24, 12)
DEFINE_SPLIT_TILE(28, 7)

/* Any width up to MAX_CH: the same arithmetic with run-time channel counts. */
static void tile_generic(const wn_array *A, const wn_layer *L, float *next, long next_pos,
                         const float *cond, long t0)
{
    const int C = A->C, Cz = A->Cz, K = A->K, gated = A->gated;
    const long stride = A->stride, pos = A->pos + t0;
    vfloat z[2 * MAX_CH], a[MAX_CH], y[MAX_CH];
    for (int o = 0; o < Cz; o++) z[o] = (vfloat){0} + L->bc[o];
    for (int k = 0; k < K; k++) {
        const float *w = L->wc + (size_t)k * C * Cz;
        const long off = pos - (long)(K - 1 - k) * L->dilation;
        for (int i = 0; i < C; i++) {
            const vfloat x = loadv(L->buf + i * stride + off);
            for (int o = 0; o < Cz; o++) z[o] += w[i * Cz + o] * x;
        }
    }
    for (int j = 0; j < A->ccond; j++) {
        const vfloat c = loadv(cond + j * NAM_CHUNK + t0);
        for (int o = 0; o < Cz; o++) z[o] += L->wm[j * Cz + o] * c;
    }
    for (int c = 0; c < C; c++) a[c] = nam_activation_vec(&A->act, z[c]);
    if (gated)
        for (int c = 0; c < C; c++) a[c] *= nam_sigmoid_vec(z[C + c]);
    for (int c = 0; c < C; c++) {
        float *h = A->head + c * NAM_CHUNK + t0;
        storev(h, loadv(h) + a[c]);
    }
    for (int o = 0; o < C; o++) y[o] = (vfloat){0} + L->b1[o];
    for (int i = 0; i < C; i++)
        for (int o = 0; o < C; o++) y[o] += L->w1[i * C + o] * a[i];
    for (int o = 0; o < C; o++) {
        vfloat r = loadv(L->buf + o * stride + pos) + y[o];
        if (next_pos >= 0) storev(next + o * stride + next_pos + t0, r);
        else storev(next + o * NAM_CHUNK + t0, r);
    }
}

typedef void (*tile_fn)(const wn_array *, const wn_layer *, float *, long, const float *, long);

static tile_fn pick_tile(int C, int gated)
{
    if (!gated) switch (C) {
        case 2: return tile_2_0;
        case 3: return tile_3_0;
        case 4: return tile_4_0;
        case 6: return tile_6_0;
        case 8: return tile_8_0;
        case 12: return tile_12_0;
        case 14: return tile_14_0;
        case 16: return tile_16_0;
        case 20: return tile_20_0;
        case 24: return tile_24_split;
        case 28: return tile_28_split;
        }
    else switch (C) {
        case 4: return tile_4_1;
        case 8: return tile_8_1;
        case 16: return tile_16_1;
        }
    return tile_generic;
}

static void rewind_array(wn_array *A)
{
    /* Keep the last `maxlb` frames of every layer's history at the buffer start. */
    for (int l = 0; l < A->nl; l++)
        for (int c = 0; c < A->C; c++) {
            float *row = A->layers[l].buf + c * A->stride;
            memmove(row, row + A->pos - A->maxlb, (size_t)A->maxlb * sizeof(float));
        }
    A->pos = A->maxlb;
}

/* One row of a 1x1 rechannel across the frames: dst[t] = bias + Σ_j w[j·ws]·in[j·NAM_CHUNK + t]
 * for t < np, j < nin (input channel by channel, so the frames run in vectors). */
static void rechannel_row(float *dst, size_t np, float bias, const float *w, int ws, const float *in, int nin)
{
    for (size_t t = 0; t < np; t++) dst[t] = bias;
    for (int j = 0; j < nin; j++) {
        const float wj = w[j * ws], *src = in + j * NAM_CHUNK;
        for (size_t t = 0; t < np; t++) dst[t] += wj * src[t];
    }
}

/* One array over a chunk of n frames (np = n rounded up to TILE; frames past n are
 * scratch whose results are discarded and later overwritten). */
static void run_array(wn_array *A, const float *in, const float *head_in, const float *cond,
                      size_t n, size_t np)
{
    if (A->pos + (long)np + TILE > A->stride) rewind_array(A);
    const int C = A->C;
    /* Rechannel the input into layer 0's history. */
    for (int o = 0; o < C; o++)
        rechannel_row(A->layers[0].buf + o * A->stride + A->pos, np, 0.0f, A->wr + o, C, in, A->cin);
    if (head_in) memcpy(A->head, head_in, (size_t)C * NAM_CHUNK * sizeof(float));
    else memset(A->head, 0, (size_t)C * NAM_CHUNK * sizeof(float));
    for (int l = 0; l < A->nl; l++) {
        const wn_layer *L = &A->layers[l];
        float *next = l + 1 < A->nl ? A->layers[l + 1].buf : A->out;
        long next_pos = l + 1 < A->nl ? A->pos : -1;
        for (size_t t0 = 0; t0 < np; t0 += TILE) A->tile(A, L, next, next_pos, cond, (long)t0);
    }
    /* Head rechannel: H × C over the chunk. */
    for (int h = 0; h < A->H; h++)
        rechannel_row(A->head_out + h * NAM_CHUNK, np, A->bh[h], A->wh + h, A->H, A->head, C);
    A->pos += (long)n;
}

static void wn_process(void *impl, const float *in, float *out, size_t n)
{
    wavenet *W = impl;
    size_t np = (n + TILE - 1) / TILE * TILE;
    memcpy(W->cond, in, n * sizeof(float));
    memset(W->cond + n, 0, (np - n) * sizeof(float));
    for (int a = 0; a < W->na; a++) {
        wn_array *A = &W->arr[a];
        run_array(A, a == 0 ? W->cond : W->arr[a - 1].out, a == 0 ? NULL : W->arr[a - 1].head_out,
                  W->cond, n, np);
    }
    const float *h = W->arr[W->na - 1].head_out;
    for (size_t t = 0; t < n; t++) out[t] = W->head_scale * h[t];
}

static void wn_clear(void *impl)
{
    wavenet *W = impl;
    for (int a = 0; a < W->na; a++) {
        wn_array *A = &W->arr[a];
        for (int l = 0; l < A->nl; l++)
            memset(A->layers[l].buf, 0, (size_t)A->C * A->stride * sizeof(float));
        A->pos = A->maxlb;
    }
}

static void wn_destroy(void *impl)
{
    wavenet *W = impl;
    free(W->mem);
    free(W);
}

static const nam_arch_ops wavenet_ops = {wn_clear, wn_process, wn_destroy};

/* Keys that only the 0.6+ WaveNet ("A2") has: their presence sends the config to the
 * A2 engine (wavenet_a2.c); this file keeps the 0.5 layout's register kernels. */
static const char *const a2_layer_keys[] = {
    "bottleneck", "gating_mode", "groups_input", "groups_input_mixin", "head1x1", "layer1x1",
    "secondary_activation", "conv_pre_film", "conv_post_film", "input_mixin_pre_film",
    "input_mixin_post_film", "activation_pre_film", "activation_post_film",
    "layer1x1_post_film", "head1x1_post_film", "head", "kernel_sizes", "groups", "slimmable"};

int nam_wavenet_is_a2(const cJSON *cfg)
{
    const char *top[] = {"condition_dsp", "head", "in_channels"};
    for (size_t i = 0; i < sizeof top / sizeof top[0]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(cfg, top[i]);
        if (v && !cJSON_IsNull(v)) return 1;
    }
    const cJSON *lc;
    cJSON_ArrayForEach(lc, cJSON_GetObjectItemCaseSensitive(cfg, "layers"))
    {
        for (size_t i = 0; i < sizeof a2_layer_keys / sizeof a2_layer_keys[0]; i++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(lc, a2_layer_keys[i]);
            if (v && !cJSON_IsNull(v)) return 1;
        }
        const cJSON *act = cJSON_GetObjectItemCaseSensitive(lc, "activation");
        if (cJSON_IsArray(act) || cJSON_GetObjectItemCaseSensitive(act, "negative_slopes")) return 1;
        const cJSON *cs = cJSON_GetObjectItemCaseSensitive(lc, "condition_size");
        if (cJSON_IsNumber(cs) && cs->valuedouble != 1) return 1;
    }
    return 0;
}

typedef struct {
    long cin, ccond, C, H, K, nl;
    int gated, head_bias;
    nam_activation act;
    long dil[MAX_LAYERS];
} arr_cfg;

static r2r_status parse_array(const cJSON *lc, int idx, const char *file, int flags, arr_cfg *a)
{
    char where[64];
    snprintf(where, sizeof where, "layer array %d", idx);
    if (!cJSON_IsObject(lc)) return r2r_fail(R2R_ERR_INPUT, "%s: %s is not an object", file, where);
    r2r_status s;
    if ((s = nam_cfg_int(lc, "input_size", 1, MAX_CH, 1, 0, file, where, &a->cin)) ||
        (s = nam_cfg_int(lc, "condition_size", 1, 1, 1, 0, file, where, &a->ccond)) ||
        (s = nam_cfg_int(lc, "channels", 1, MAX_CH, 1, 0, file, where, &a->C)) ||
        (s = nam_cfg_int(lc, "head_size", 1, MAX_CH, 1, 0, file, where, &a->H)) ||
        (s = nam_cfg_int(lc, "kernel_size", 1, 64, 1, 0, file, where, &a->K)) ||
        (s = nam_cfg_bool(lc, "gated", 0, 0, file, where, &a->gated)) ||
        (s = nam_cfg_bool(lc, "head_bias", 1, 0, file, where, &a->head_bias)) ||
        (s = nam_cfg_activation(lc, "activation", file, where, flags, &a->act)))
        return s;
    if ((s = nam_cfg_dilations(lc, MAX_LAYERS, file, where, a->dil, &a->nl)) != R2R_OK) return s;
    return R2R_OK;
}

r2r_status nam_wavenet_create(const cJSON *cfg, nam_weights *w, const char *file, int flags,
                              r2r_nam_info *info, void **impl, const nam_arch_ops **ops)
{
    const cJSON *layers = cJSON_GetObjectItemCaseSensitive(cfg, "layers");
    if (!cJSON_IsArray(layers) || cJSON_GetArraySize(layers) < 1 ||
        cJSON_GetArraySize(layers) > MAX_ARRAYS)
        return r2r_fail(R2R_ERR_INPUT, "%s: WaveNet config needs 1..%d \"layers\" arrays", file, MAX_ARRAYS);
    const cJSON *hs = cJSON_GetObjectItemCaseSensitive(cfg, "head_scale");
    if (hs && !cJSON_IsNumber(hs))
        return r2r_fail(R2R_ERR_INPUT, "%s: invalid \"head_scale\"", file);

    arr_cfg ac[MAX_ARRAYS];
    int na = 0;
    const cJSON *lc;
    cJSON_ArrayForEach(lc, layers)
    {
        r2r_status s = parse_array(lc, na, file, flags, &ac[na]);
        if (s != R2R_OK) return s;
        na++;
    }
    /* Consistency: arrays chain input and head widths; the model is mono in, mono out. */
    if (ac[0].cin != 1)
        return r2r_fail(R2R_ERR_UNSUPPORTED, "%s: only mono-input WaveNets are supported", file);
    for (int a = 1; a < na; a++) {
        if (ac[a].cin != ac[a - 1].C)
            return r2r_fail(R2R_ERR_INPUT, "%s: layer array %d input_size %ld != channels %ld of array %d",
                            file, a, ac[a].cin, ac[a - 1].C, a - 1);
        if (ac[a].C != ac[a - 1].H)
            return r2r_fail(R2R_ERR_INPUT, "%s: layer array %d channels %ld != head_size %ld of array %d",
                            file, a, ac[a].C, ac[a - 1].H, a - 1);
    }
    if (ac[na - 1].H != 1)
        return r2r_fail(R2R_ERR_UNSUPPORTED, "%s: the last layer array must have head_size 1", file);

    /* The exact weight count first, so a damaged file fails before any allocation. */
    size_t need = 1; /* head scale */
    for (int a = 0; a < na; a++) {
        const size_t C = (size_t)ac[a].C, Cz = ac[a].gated ? 2 * C : C, K = (size_t)ac[a].K;
        need += (size_t)ac[a].cin * C + (size_t)ac[a].H * C + (ac[a].head_bias ? (size_t)ac[a].H : 0);
        need += (size_t)ac[a].nl * (Cz * C * K + Cz + Cz * (size_t)ac[a].ccond + C * C + C);
    }
    if (need != w->n - w->pos)
        return r2r_fail(R2R_ERR_INPUT, "%s: wrong weight count: the WaveNet config needs %zu, the file has %zu",
                        file, need, w->n - w->pos);
    /* Memory plan: weights and buffers in one block. */
    size_t total = 0;
    long rf = 1;
    for (int a = 0; a < na; a++) {
        const long C = ac[a].C, Cz = ac[a].gated ? 2 * C : C, K = ac[a].K;
        long maxlb = 0;
        for (int l = 0; l < ac[a].nl; l++) {
            long lb = ac[a].dil[l] * (K - 1);
            if (lb > maxlb) maxlb = lb;
            rf += lb;
            total += (size_t)(K * C * Cz + Cz + ac[a].ccond * Cz + C * C + C);
        }
        long stride = (maxlb + ROOM + NAM_CHUNK + 2 * TILE + 15) / 16 * 16;
        total += (size_t)ac[a].nl * C * stride;
        total += (size_t)(ac[a].cin * C + C * ac[a].H + ac[a].H);
        total += (size_t)(2 * C + ac[a].H) * NAM_CHUNK;
    }
    if (total > (size_t)1 << 26 || rf > (1L << 20))
        return r2r_fail(R2R_ERR_INPUT, "%s: WaveNet too large (receptive field %ld, %zu floats of state)",
                        file, rf, total);
    wavenet *W = calloc(1, sizeof *W);
    float *mem = W ? calloc(total + 16, sizeof(float)) : NULL;
    if (!mem) {
        free(W);
        return r2r_fail(R2R_ERR_NOMEM, "%s: out of memory", file);
    }
    W->mem = mem;
    W->na = na;
    float *p = mem;
#define CARVE(dst, count) (dst = p, p += (count))
    const float *src;
#define TAKE(count)                                                                          \
    do {                                                                                     \
        if (!(src = nam_take(w, (size_t)(count)))) goto short_weights;                      \
    } while (0)
    int summary_len = 0;
    for (int a = 0; a < na; a++) {
        wn_array *A = &W->arr[a];
        const arr_cfg *c = &ac[a];
        A->cin = (int)c->cin, A->ccond = (int)c->ccond, A->C = (int)c->C, A->H = (int)c->H;
        A->K = (int)c->K, A->nl = (int)c->nl, A->gated = c->gated, A->head_bias = c->head_bias;
        A->Cz = A->gated ? 2 * A->C : A->C;
        A->act = c->act;
        const int C = A->C, Cz = A->Cz, K = A->K;
        A->maxlb = 0;
        for (int l = 0; l < A->nl; l++) {
            long lb = c->dil[l] * (K - 1);
            if (lb > A->maxlb) A->maxlb = lb;
        }
        A->stride = (A->maxlb + ROOM + NAM_CHUNK + 2 * TILE + 15) / 16 * 16;
        A->tile = flags & R2R_NAM_BLOCK_MODE ? tile_generic : pick_tile(C, A->gated);
        CARVE(A->wr, A->cin * C);
        CARVE(A->wh, C * A->H);
        CARVE(A->bh, A->H);
        CARVE(A->out, C * NAM_CHUNK);
        CARVE(A->head, C * NAM_CHUNK);
        CARVE(A->head_out, A->H * NAM_CHUNK);
        /* Weight order (NAM): rechannel, then per layer conv (weights, bias), input
         * mixin, 1x1 (weights, bias); then head rechannel (weights, bias if any).
         * Conv1D weights come as [out][in][k]; 1x1 as [out][in]. */
        TAKE(A->cin * C);
        for (int o = 0; o < C; o++)
            for (int j = 0; j < A->cin; j++) A->wr[j * C + o] = src[o * A->cin + j];
        for (int l = 0; l < A->nl; l++) {
            wn_layer *L = &A->layers[l];
            L->dilation = (int)c->dil[l];
            L->lookback = L->dilation * (K - 1);
            CARVE(L->wc, K * C * Cz);
            CARVE(L->bc, Cz);
            CARVE(L->wm, A->ccond * Cz);
            CARVE(L->w1, C * C);
            CARVE(L->b1, C);
            CARVE(L->buf, C * A->stride);
            TAKE(Cz * C * K);
            for (int o = 0; o < Cz; o++)
                for (int i = 0; i < C; i++)
                    for (int k = 0; k < K; k++) L->wc[((size_t)k * C + i) * Cz + o] = src[(o * C + i) * K + k];
            TAKE(Cz);
            memcpy(L->bc, src, (size_t)Cz * sizeof(float));
            TAKE(Cz * A->ccond);
            for (int o = 0; o < Cz; o++)
                for (int j = 0; j < A->ccond; j++) L->wm[j * Cz + o] = src[o * A->ccond + j];
            TAKE(C * C);
            for (int o = 0; o < C; o++)
                for (int i = 0; i < C; i++) L->w1[i * C + o] = src[o * C + i];
            TAKE(C);
            memcpy(L->b1, src, (size_t)C * sizeof(float));
        }
        TAKE(A->H * C);
        for (int h = 0; h < A->H; h++)
            for (int i = 0; i < C; i++) A->wh[i * A->H + h] = src[h * C + i];
        if (A->head_bias) {
            TAKE(A->H);
            memcpy(A->bh, src, (size_t)A->H * sizeof(float));
        }
        if (summary_len < (int)sizeof info->summary - 64)
            summary_len += snprintf(info->summary + summary_len, sizeof info->summary - summary_len,
                                    "%s%dch k%d %d layers %s%s", a ? " | " : "WaveNet ", C, K, A->nl,
                                    nam_activation_name(A->act.type), A->gated ? " gated" : "");
    }
    /* The last weight is the head scale (it overrides the config's value in NAM). */
    TAKE(1);
    W->head_scale = src[0];
#undef TAKE
#undef CARVE
    info->receptive_field = rf;
    info->prewarm_samples = rf; /* NAM: 1 + Σ dilation·(kernel−1) */
    wn_clear(W);
    *impl = W;
    *ops = &wavenet_ops;
    return R2R_OK;
short_weights:
    wn_destroy(W);
    return r2r_fail(R2R_ERR_INPUT, "%s: wrong weight count: the WaveNet config needs more than the %zu weights in the file",
                    file, w->n);
}
