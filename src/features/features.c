/* The 155-dim signature, computed from two STFTs done once each (2048/512 for mel,
 * spectral shape and onset; 4096/1024 for band ratios) plus time-domain RMS, ZCR and
 * pyloudnorm-style loudness. Conventions and quirks: shared/golden/features/README.md. */
#include "r2r/features.h"
#include "features/spectral.h"

#include <fftw3.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "r2r/dsp.h"  /* r2r_frame_load */
#include "r2r/ltas.h" /* r2r_fftw_thread_safe */

struct r2r_features {
    fftwf_plan plan_a, plan_b;
    float *in_a, *in_b;
    fftwf_complex *out_a, *out_b;
    float win_a[FEAT_NFFT], win_b[FEAT_NFFT_B];
    feat_melbank mel64, mel128;
    double freq[FEAT_NBIN];
    float freqf[FEAT_NBIN], freqf2[FEAT_NBIN];
    /* per-frame series, capacity `cap` frames */
    size_t cap;
    float *mel_db;   /* [NMEL][cap] */
    float *on_db;    /* [NMEL_ONSET][cap] */
    double *centroid, *rolloff, *flatness, *bandwidth, *zcr, *rms, *env, *tmp;
    float *padded;   /* input padded to FEAT_NFFT when shorter */
    size_t padded_cap;
};

static const char *const group_names[] = {
    "centroid_mean", "centroid_std", "rolloff_mean", "rolloff_std", "flatness_mean",
    "flatness_std", "bandwidth_mean", "bandwidth_std", "zcr_mean", "zcr_std", "rms_mean",
    "rms_std", "rms_max", "rms_p90", "crest_factor", "integrated_loudness_lufs", "onset_mean",
    "onset_std", "dynamic_range_db", "attack_slope_p90", "band_ratio_20_150",
    "band_ratio_150_400", "band_ratio_400_1000", "band_ratio_1000_2500", "band_ratio_2500_6000",
    "band_ratio_6000_20000", "level_centroid_slope"};

const char *r2r_features_name(int i)
{
    static char mel_names[128][16];
    static int init;
    if (!init) { /* benign race: every thread writes the same bytes */
        for (int b = 0; b < 64; b++) {
            snprintf(mel_names[b], sizeof mel_names[b], "mel_mean_%02d", b);
            snprintf(mel_names[64 + b], sizeof mel_names[64 + b], "mel_std_%02d", b);
        }
        init = 1;
    }
    if (i < 0 || i >= R2R_FEATURES_DIM) return "";
    if (i < 128) return mel_names[i];
    return group_names[i - 128];
}

void r2r_features_destroy(r2r_features *st)
{
    if (!st) return;
    if (st->plan_a) fftwf_destroy_plan(st->plan_a);
    if (st->plan_b) fftwf_destroy_plan(st->plan_b);
    fftwf_free(st->in_a);
    fftwf_free(st->in_b);
    fftwf_free(st->out_a);
    fftwf_free(st->out_b);
    feat_melbank_free(&st->mel64);
    feat_melbank_free(&st->mel128);
    free(st->mel_db);
    free(st->on_db);
    free(st->centroid);
    free(st->padded);
    free(st);
}

r2r_status r2r_features_create(r2r_features **out)
{
    *out = NULL;
    r2r_features *st = calloc(1, sizeof *st);
    if (!st) return r2r_fail(R2R_ERR_NOMEM, "features: out of memory");
    r2r_fftw_thread_safe();
    st->in_a = fftwf_malloc(FEAT_NFFT * sizeof(float));
    st->in_b = fftwf_malloc(FEAT_NFFT_B * sizeof(float));
    st->out_a = fftwf_malloc(FEAT_NBIN * sizeof(fftwf_complex));
    st->out_b = fftwf_malloc(FEAT_NBIN_B * sizeof(fftwf_complex));
    if (!st->in_a || !st->in_b || !st->out_a || !st->out_b ||
        feat_melbank_init(&st->mel64, FEAT_NMEL) != 0 || feat_melbank_init(&st->mel128, FEAT_NMEL_ONSET) != 0) {
        r2r_features_destroy(st);
        return r2r_fail(R2R_ERR_NOMEM, "features: out of memory");
    }
    /* FFTW_ESTIMATE: the same plan on every run and thread, so results never depend on
     * timing (MEASURE picks by timing, and its last-bit differences made knob searches
     * diverge between runs). */
    st->plan_a = fftwf_plan_dft_r2c_1d(FEAT_NFFT, st->in_a, st->out_a, FFTW_ESTIMATE | FFTW_DESTROY_INPUT);
    st->plan_b = fftwf_plan_dft_r2c_1d(FEAT_NFFT_B, st->in_b, st->out_b, FFTW_ESTIMATE | FFTW_DESTROY_INPUT);
    if (!st->plan_a || !st->plan_b) {
        r2r_features_destroy(st);
        return r2r_fail(R2R_ERR_INTERNAL, "features: FFTW planning failed");
    }
    /* Periodic Hann, as scipy.signal.get_window('hann', n, fftbins=True). */
    for (int i = 0; i < FEAT_NFFT; i++) st->win_a[i] = (float)(0.5 - 0.5 * cos(2.0 * M_PI * i / FEAT_NFFT));
    for (int i = 0; i < FEAT_NFFT_B; i++) st->win_b[i] = (float)(0.5 - 0.5 * cos(2.0 * M_PI * i / FEAT_NFFT_B));
    for (int k = 0; k < FEAT_NBIN; k++) {
        st->freq[k] = (double)k * FEAT_SR / FEAT_NFFT;
        st->freqf[k] = (float)st->freq[k];
        st->freqf2[k] = (float)(st->freq[k] * st->freq[k]);
    }
    *out = st;
    return R2R_OK;
}

static int reserve(r2r_features *st, size_t frames)
{
    if (frames <= st->cap) return 0;
    size_t cap = frames + frames / 4 + 16;
    float *mel = realloc(st->mel_db, (size_t)FEAT_NMEL * cap * sizeof(float));
    if (!mel) return -1;
    st->mel_db = mel;
    float *on = realloc(st->on_db, (size_t)FEAT_NMEL_ONSET * cap * sizeof(float));
    if (!on) return -1;
    st->on_db = on;
    double *d = realloc(st->centroid, 8 * cap * sizeof(double));
    if (!d) return -1;
    st->centroid = d;
    st->rolloff = d + cap;
    st->flatness = d + 2 * cap;
    st->bandwidth = d + 3 * cap;
    st->zcr = d + 4 * cap;
    st->rms = d + 5 * cap;
    st->env = d + 6 * cap;
    st->tmp = d + 7 * cap;
    st->cap = cap;
    return 0;
}

r2r_status r2r_features_extract_raw(r2r_features *st, const float *x, size_t n,
                                    float out[R2R_FEATURES_DIM])
{
    /* Quirk 1: shorter than one frame → zero-padded at the end to 2048 samples. */
    if (n < FEAT_NFFT) {
        if (!st->padded) {
            st->padded = calloc(FEAT_NFFT, sizeof(float));
            if (!st->padded) return r2r_fail(R2R_ERR_NOMEM, "features: out of memory");
        }
        memset(st->padded, 0, FEAT_NFFT * sizeof(float));
        if (n) memcpy(st->padded, x, n * sizeof(float));
        x = st->padded;
        n = FEAT_NFFT;
    }
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) return r2r_fail(R2R_ERR_INPUT, "features: input has non-finite samples");
    const size_t T = 1 + n / FEAT_HOP;
    if (reserve(st, T) != 0) return r2r_fail(R2R_ERR_NOMEM, "features: out of memory for %zu frames", T);
    double f[R2R_FEATURES_DIM];

    /* ---- STFT A: mel (64), onset mel (128), centroid, roll-off, flatness, bandwidth ---- */
    float P[FEAT_NBIN], S[FEAT_NBIN], L[FEAT_NBIN];
    for (size_t t = 0; t < T; t++) {
        /* frame t of a centred, zero-padded STFT: samples [t·hop − n/2, t·hop + n/2) */
        r2r_frame_load(x, n, (long)(t * FEAT_HOP) - FEAT_NFFT / 2, st->win_a, st->in_a, FEAT_NFFT);
        fftwf_execute(st->plan_a);
        for (int k = 0; k < FEAT_NBIN; k++) {
            float re = st->out_a[k][0], im = st->out_a[k][1];
            float s = sqrtf(re * re + im * im);
            S[k] = s;
            P[k] = s * s;
        }
        /* Centroid and bandwidth from three moments of S (one vectorized pass):
         * Σ S (f − c)² = Σ S f² − 2c Σ S f + c² Σ S. */
        const double m0 = feat_sum(S, FEAT_NBIN), m1 = feat_dot(st->freqf, S, FEAT_NBIN),
                     m2 = feat_dot(st->freqf2, S, FEAT_NBIN);
        feat_melbank_apply(&st->mel64, P, st->mel_db, st->cap, t);
        feat_melbank_apply(&st->mel128, P, st->on_db, st->cap, t);
        /* librosa normalizes S by its L1 norm unless that is below float32 tiny
         * (digital silence), in which case S is used as is: centroid 0. */
        double norm = m0 < FEAT_FLT_TINY ? 1.0 : m0;
        double c = m1 / norm;
        st->centroid[t] = c;
        double var = (m2 - 2.0 * c * m1 + c * c * m0) / norm;
        st->bandwidth[t] = var > 0 ? sqrt(var) : 0.0;
        /* Roll-off: first bin whose running magnitude sum reaches 85 % of the total.
         * Block sums find the block, a sequential scan the bin. */
        float thr = 0.85f * (float)m0, cum = 0.0f;
        int kr = FEAT_NBIN - 1;
        for (int k0 = 0; k0 < FEAT_NBIN; k0 += 16) {
            int k1 = k0 + 16 < FEAT_NBIN ? k0 + 16 : FEAT_NBIN;
            float bs = 0.0f;
            for (int k = k0; k < k1; k++) bs += S[k];
            if (cum + bs < thr && k1 < FEAT_NBIN) {
                cum += bs;
                continue;
            }
            for (int k = k0; k < k1; k++) {
                cum += S[k];
                if (cum >= thr) {
                    kr = k;
                    break;
                }
            }
            break;
        }
        st->rolloff[t] = st->freq[kr];
        /* Flatness on the power spectrum floored at 1e-10: the logs are a vectorized
         * map, both sums lane-parallel. */
        for (int k = 0; k < FEAT_NBIN; k++) P[k] = feat_floorf(P[k], 1e-10f);
        const double amean = feat_sum(P, FEAT_NBIN) / (double)FEAT_NBIN;
        for (int k = 0; k < FEAT_NBIN; k++) L[k] = feat_lnf(P[k]);
        st->flatness[t] = exp(feat_sum(L, FEAT_NBIN) / (double)FEAT_NBIN) / amean;
    }
    /* Mel dB relative to the global maximum, floored 80 dB below the top. */
    feat_power_to_db(st->mel_db, FEAT_NMEL, st->cap, T, 1);
    for (int b = 0; b < FEAT_NMEL; b++) {
        const float *row = st->mel_db + (size_t)b * st->cap;
        for (size_t t = 0; t < T; t++) st->tmp[t] = row[t];
        feat_mean_std(st->tmp, T, &f[b], &f[64 + b]);
    }
    feat_mean_std(st->centroid, T, &f[128], &f[129]);
    feat_mean_std(st->rolloff, T, &f[130], &f[131]);
    feat_mean_std(st->flatness, T, &f[132], &f[133]);
    feat_mean_std(st->bandwidth, T, &f[134], &f[135]);

    /* ---- ZCR (edge padding) and RMS (zero padding) ---- */
    feat_zcr(x, n, T, st->zcr);
    feat_mean_std(st->zcr, T, &f[136], &f[137]);
    feat_rms(x, n, T, st->rms);
    feat_mean_std(st->rms, T, &f[138], &f[139]);
    double rmax = 0.0;
    for (size_t t = 0; t < T; t++) rmax = st->rms[t] > rmax ? st->rms[t] : rmax;
    f[140] = rmax;
    f[141] = feat_percentile(st->rms, T, 90.0, st->tmp);
    float peak = 0.0f;
    for (size_t i = 0; i < n; i++) {
        float v = x[i] < 0 ? -x[i] : x[i];
        peak = v > peak ? v : peak;
    }
    f[142] = peak / (f[138] + 1e-10);
    f[143] = feat_pyloudnorm(x, n);

    /* ---- Onset strength from the 128-band mel, absolute dB ---- */
    feat_power_to_db(st->on_db, FEAT_NMEL_ONSET, st->cap, T, 0);
    feat_onset_env(st->on_db, FEAT_NMEL_ONSET, st->cap, T, st->env);
    feat_mean_std(st->env, T, &f[144], &f[145]);
    /* Dynamic range: p95 − p5 of 10·log10(max(rms², 1e-10)), floored at max − 80. */
    double dbmax = -INFINITY;
    for (size_t t = 0; t < T; t++) {
        double r = st->rms[t] * st->rms[t];
        st->tmp[t] = 10.0 * log10(r > 1e-10 ? r : 1e-10);
        dbmax = st->tmp[t] > dbmax ? st->tmp[t] : dbmax;
    }
    for (size_t t = 0; t < T; t++) st->tmp[t] = st->tmp[t] > dbmax - 80.0 ? st->tmp[t] : dbmax - 80.0;
    double *work = st->tmp + 0; /* percentile sorts a copy in the second half below */
    double p95, p5;
    {
        double *cpy = malloc(T * sizeof(double));
        if (!cpy) return r2r_fail(R2R_ERR_NOMEM, "features: out of memory");
        p95 = feat_percentile(work, T, 95.0, cpy);
        p5 = feat_percentile(work, T, 5.0, cpy);
        /* Attack slope: p90 of the positive first differences of the envelope. */
        size_t np = 0;
        for (size_t t = 1; t < T; t++) {
            double d = st->env[t] - st->env[t - 1];
            if (d > 0) cpy[np++] = d;
        }
        f[147] = np ? feat_percentile(cpy, np, 90.0, work) : 0.0;
        free(cpy);
    }
    f[146] = p95 - p5;

    /* ---- Band ratios from the 4096-point STFT ---- */
    feat_band_ratios(x, n, st->plan_b, st->in_b, st->out_b, st->win_b, &f[148]);

    /* ---- Level-dependent coloration ---- */
    f[154] = feat_level_slope(st->rms, st->centroid, T, st->tmp);

    for (int i = 0; i < R2R_FEATURES_DIM; i++) out[i] = (float)f[i]; /* quirk 12 */
    return R2R_OK;
}
