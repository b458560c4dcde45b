/* Building blocks of the feature extractor: the constants of the original's librosa
 * calls, Slaney mel filterbanks, dB conversion, statistics, and the time-domain groups. */
#ifndef R2R_FEATURES_SPECTRAL_H
#define R2R_FEATURES_SPECTRAL_H

#include <fftw3.h>
#include <stddef.h>
#include <string.h>

#define FEAT_SR 48000
#define FEAT_NFFT 2048      /* librosa default n_fft */
#define FEAT_HOP 512        /* librosa default hop (n_fft / 4) */
#define FEAT_NBIN (FEAT_NFFT / 2 + 1)
#define FEAT_NFFT_B 4096    /* band-ratio STFT */
#define FEAT_HOP_B 1024
#define FEAT_NBIN_B (FEAT_NFFT_B / 2 + 1)
#define FEAT_NMEL 64        /* the signature's mel bands */
#define FEAT_NMEL_ONSET 128 /* onset_strength's own melspectrogram default */
#define FEAT_TOP_DB 80.0
#define FEAT_AMIN 1e-10
#define FEAT_FLT_TINY 1.17549435e-38 /* np.finfo(float32).tiny */

/* Natural log of a positive normal float, vectorizable: x = 2^e · m with m in
 * [1/√2·2, ...) folded to [0.707, 1.414), ln m = 2 atanh(s), s = (m−1)/(m+1), |s| ≤ 0.172,
 * by its odd series to s⁹ (truncation < 1e-8). Absolute error ~1e-7. */
static inline float feat_lnf(float x)
{
    unsigned u;
    memcpy(&u, &x, sizeof u);
    const unsigned mant = u & 0x7fffffu;
    /* Fold m = 1.mant into [0.707, 1.414): above √2 (mantissa 0x3504f3) halve it and
     * bump the exponent. Integer arithmetic only, so loops over this vectorize. */
    const unsigned big = mant > 0x3504f3u;
    const int e = (int)(u >> 23) - 127 + (int)big;
    const unsigned mu = mant | (0x3f800000u - (big << 23));
    float m;
    memcpy(&m, &mu, sizeof m);
    float s = (m - 1.0f) / (m + 1.0f), s2 = s * s;
    float r = s * (2.0f + s2 * (0.666666667f + s2 * (0.4f + s2 * (0.285714286f + s2 * 0.222222222f))));
    return r + (float)e * 0.693147181f;
}

/* max(x, lo) for non-negative floats, on their bit patterns (which order like the
 * values): vectorizes where a float compare-and-select does not. */
static inline float feat_floorf(float x, float lo)
{
    unsigned a, b;
    memcpy(&a, &x, sizeof a);
    memcpy(&b, &lo, sizeof b);
    a = a > b ? a : b;
    memcpy(&x, &a, sizeof x);
    return x;
}

/* Reductions in 16 independent lanes: a plain float `acc +=` loop must keep numpy-free
 * strict order and so runs one add at a time; lanes change the rounding only at the
 * 1e-7 level, far inside the goldens' tolerances. */
typedef float feat_f16 __attribute__((vector_size(64)));

static inline float feat_hsum(feat_f16 v)
{
    float s = 0.0f;
    for (int i = 0; i < 16; i++) s += v[i];
    return s;
}

static inline float feat_dot(const float *a, const float *b, int n)
{
    feat_f16 acc = {0};
    int k = 0;
    for (; k + 16 <= n; k += 16) {
        feat_f16 x, y;
        memcpy(&x, a + k, sizeof x);
        memcpy(&y, b + k, sizeof y);
        acc += x * y;
    }
    float s = feat_hsum(acc);
    for (; k < n; k++) s += a[k] * b[k];
    return s;
}

static inline float feat_sum(const float *a, int n)
{
    feat_f16 acc = {0};
    int k = 0;
    for (; k + 16 <= n; k += 16) {
        feat_f16 x;
        memcpy(&x, a + k, sizeof x);
        acc += x;
    }
    float s = feat_hsum(acc);
    for (; k < n; k++) s += a[k];
    return s;
}

/* Sparse Slaney filterbank: band b has weights w[b][0..len) on bins start..start+len. */
typedef struct {
    int bands;
    int *start, *len;
    float *w; /* concatenated */
    int *off; /* offset of band b in w */
} feat_melbank;

int feat_melbank_init(feat_melbank *mb, int bands);
void feat_melbank_free(feat_melbank *mb);
/* out[b * stride + t] = Σ_k w[b][k] · power[k]. */
void feat_melbank_apply(const feat_melbank *mb, const float *power, float *out, size_t stride,
                        size_t t);

/* In place over rows × T (row stride `stride`): 10·log10(max(amin, M)) minus the global
 * max's dB when `rel` (ref = np.max) else absolute (ref = 1), floored top − 80 dB. */
void feat_power_to_db(float *m, int rows, size_t stride, size_t T, int rel);

void feat_mean_std(const double *v, size_t n, double *mean, double *std);
/* np.percentile with linear interpolation; `scratch` holds n doubles. */
double feat_percentile(const double *v, size_t n, double q, double *scratch);

void feat_zcr(const float *x, size_t n, size_t T, double *out);
void feat_rms(const float *x, size_t n, size_t T, double *out);
double feat_pyloudnorm(const float *x, size_t n);
void feat_onset_env(const float *db, int rows, size_t stride, size_t T, double *env);
void feat_band_ratios(const float *x, size_t n, fftwf_plan plan, float *in, fftwf_complex *out,
                      const float *win, double ratios[6]);
double feat_level_slope(const double *rms, const double *centroid, size_t T, double *scratch);

#endif
