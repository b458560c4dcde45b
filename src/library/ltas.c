/* Welch long-term spectra and IR band responses on one triangular mel grid.
 * Band weights are built once (thread-safe) and shared by both computations. */
#include "r2r/ltas.h"
#include "r2r/constants.h"

#include <fftw3.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t fftw_once = PTHREAD_ONCE_INIT;
static void fftw_init(void) { fftwf_make_planner_thread_safe(); }
void r2r_fftw_thread_safe(void) { pthread_once(&fftw_once, fftw_init); }

static double hz_to_mel(double f) { return 2595.0 * log10(1.0 + f / 700.0); }
static double mel_to_hz(double m) { return 700.0 * (pow(10.0, m / 2595.0) - 1.0); }

double r2r_ltas_band_hz(int b)
{
    double lo = hz_to_mel(R2R_LTAS_FMIN), hi = hz_to_mel(R2R_LTAS_FMAX);
    return mel_to_hz(lo + (hi - lo) * (b + 1) / (R2R_LTAS_BANDS + 1));
}

/* Triangle weight of band b at frequency f (Hz), normalized later per band. */
static double tri(int b, double f)
{
    double lo = hz_to_mel(R2R_LTAS_FMIN), hi = hz_to_mel(R2R_LTAS_FMAX);
    double step = (hi - lo) / (R2R_LTAS_BANDS + 1);
    double m = hz_to_mel(f), c = lo + step * (b + 1);
    double w = 1.0 - fabs(m - c) / step;
    return w > 0.0 ? w : 0.0;
}

/* Projects a power spectrum of `nbins` bins (bin k at k·fs/nfft) onto the bands:
 * weighted mean, so a flat spectrum maps to the same flat value at any FFT size. */
static void project(const double *power, size_t nbins, size_t nfft, float *out)
{
    for (int b = 0; b < R2R_LTAS_BANDS; b++) {
        double fc = r2r_ltas_band_hz(b);
        double flo = mel_to_hz(hz_to_mel(fc) - (hz_to_mel(R2R_LTAS_FMAX) - hz_to_mel(R2R_LTAS_FMIN)) /
                                                   (R2R_LTAS_BANDS + 1));
        double fhi = mel_to_hz(2 * hz_to_mel(fc) - hz_to_mel(flo));
        size_t k0 = (size_t)floor(flo * nfft / R2R_SAMPLE_RATE);
        size_t k1 = (size_t)ceil(fhi * nfft / R2R_SAMPLE_RATE);
        if (k1 >= nbins) k1 = nbins - 1;
        double acc = 0.0, wsum = 0.0;
        for (size_t k = k0; k <= k1; k++) {
            double w = tri(b, (double)k * R2R_SAMPLE_RATE / nfft);
            acc += w * power[k];
            wsum += w;
        }
        if (wsum <= 0.0) { /* band narrower than a bin: interpolate at its centre */
            double kf = fc * nfft / R2R_SAMPLE_RATE;
            size_t k = (size_t)kf;
            double t = kf - k;
            acc = k + 1 < nbins ? (1 - t) * power[k] + t * power[k + 1] : power[nbins - 1];
            wsum = 1.0;
        }
        out[b] = (float)(acc / wsum);
    }
}

/* Welch spectra of x (and, when y is given, of y and their cross-spectrum), Hann
 * window of N samples, hop a quarter window; frames cover the whole signal, the
 * last one zero-padded, a signal shorter than a window is one padded frame. Sums per
 * bin go to pxx, pyy and pxy (re, im interleaved); returns the number of frames, or
 * 0 when out of memory. */
static size_t welch(const float *x, const float *y, size_t n, size_t N, double *pxx, double *pyy, double *pxy,
                    double *wpow)
{
    const size_t hop = N / 4, nb = N / 2 + 1;
    r2r_fftw_thread_safe();
    float *buf = fftwf_malloc(N * sizeof(float));
    fftwf_complex *sx = fftwf_malloc(nb * sizeof(fftwf_complex));
    fftwf_complex *sy = y ? fftwf_malloc(nb * sizeof(fftwf_complex)) : NULL;
    double *win = malloc(N * sizeof(double));
    size_t frames = 0;
    if (buf && sx && (sy || !y) && win) {
        fftwf_plan px = fftwf_plan_dft_r2c_1d((int)N, buf, sx, FFTW_ESTIMATE);
        fftwf_plan py = y ? fftwf_plan_dft_r2c_1d((int)N, buf, sy, FFTW_ESTIMATE) : NULL;
        *wpow = 0.0;
        for (size_t i = 0; i < N; i++) {
            win[i] = 0.5 - 0.5 * cos(2.0 * M_PI * i / N);
            *wpow += win[i] * win[i];
        }
        frames = n <= N ? 1 : 1 + (n - N + hop - 1) / hop;
        memset(pxx, 0, nb * sizeof(double));
        if (y) memset(pyy, 0, nb * sizeof(double)), memset(pxy, 0, 2 * nb * sizeof(double));
        for (size_t f = 0; f < frames; f++) {
            const size_t off = f * hop;
            for (size_t i = 0; i < N; i++) buf[i] = off + i < n ? (float)(x[off + i] * win[i]) : 0.0f;
            fftwf_execute(px);
            for (size_t k = 0; k < nb; k++) pxx[k] += (double)sx[k][0] * sx[k][0] + (double)sx[k][1] * sx[k][1];
            if (!y) continue;
            for (size_t i = 0; i < N; i++) buf[i] = off + i < n ? (float)(y[off + i] * win[i]) : 0.0f;
            fftwf_execute(py);
            for (size_t k = 0; k < nb; k++) {
                pyy[k] += (double)sy[k][0] * sy[k][0] + (double)sy[k][1] * sy[k][1];
                pxy[2 * k] += (double)sx[k][0] * sy[k][0] + (double)sx[k][1] * sy[k][1];
                pxy[2 * k + 1] += (double)sx[k][1] * sy[k][0] - (double)sx[k][0] * sy[k][1];
            }
        }
        fftwf_destroy_plan(px);
        if (py) fftwf_destroy_plan(py);
    }
    fftwf_free(buf);
    fftwf_free(sx);
    fftwf_free(sy);
    free(win);
    return frames;
}

r2r_status r2r_ltas_compute(const float *x, size_t n, float out[R2R_LTAS_BANDS])
{
    const size_t nb = R2R_LTAS_NFFT / 2 + 1;
    double *acc = malloc(nb * sizeof(double)), wpow = 1.0;
    const size_t frames = acc ? welch(x, NULL, n, R2R_LTAS_NFFT, acc, NULL, NULL, &wpow) : 0;
    if (!frames) {
        free(acc);
        return r2r_fail(R2R_ERR_NOMEM, "ltas: out of memory");
    }
    /* Power per bin normalized by window energy and frame count: a sine of amplitude
     * A gives the same band value whatever the length. */
    for (size_t k = 0; k < nb; k++) acc[k] /= (double)frames * wpow;
    project(acc, nb, R2R_LTAS_NFFT, out);
    free(acc);
    return R2R_OK;
}

r2r_status r2r_ltas_coherence(const float *x, const float *y, size_t n, size_t nfft, float out[R2R_LTAS_BANDS])
{
    if (nfft < 1024 || (nfft & (nfft - 1))) return r2r_fail(R2R_ERR_INPUT, "ltas: coherence frame %zu", nfft);
    const size_t nb = nfft / 2 + 1;
    double *pxx = malloc(nb * sizeof(double)), *pyy = malloc(nb * sizeof(double));
    double *pxy = malloc(2 * nb * sizeof(double)), wpow;
    const size_t frames = pxx && pyy && pxy ? welch(x, y, n, nfft, pxx, pyy, pxy, &wpow) : 0;
    if (!frames) {
        free(pxx), free(pyy), free(pxy);
        return r2r_fail(R2R_ERR_NOMEM, "ltas: out of memory");
    }
    for (size_t k = 0; k < nb; k++) { /* per bin, then band means: the cross-spectrum's phase turns within a band */
        const double d = pxx[k] * pyy[k];
        pxx[k] = d > 0.0 ? (pxy[2 * k] * pxy[2 * k] + pxy[2 * k + 1] * pxy[2 * k + 1]) / d : 0.0;
    }
    project(pxx, nb, nfft, out);
    free(pxx), free(pyy), free(pxy);
    return R2R_OK;
}

r2r_status r2r_ltas_ir_response(const float *ir, size_t n, float out[R2R_LTAS_BANDS])
{
    if (n == 0) return r2r_fail(R2R_ERR_INPUT, "ltas: empty impulse response");
    size_t N = R2R_LTAS_NFFT;
    while (N < n) N *= 2;
    size_t nb = N / 2 + 1;
    r2r_fftw_thread_safe();
    float *buf = fftwf_malloc(N * sizeof(float));
    fftwf_complex *spec = fftwf_malloc(nb * sizeof(fftwf_complex));
    double *power = malloc(nb * sizeof(double));
    if (!buf || !spec || !power) {
        fftwf_free(buf);
        fftwf_free(spec);
        free(power);
        return r2r_fail(R2R_ERR_NOMEM, "ltas: out of memory");
    }
    fftwf_plan plan = fftwf_plan_dft_r2c_1d((int)N, buf, spec, FFTW_ESTIMATE);
    for (size_t i = 0; i < N; i++) buf[i] = i < n ? ir[i] : 0.0f;
    fftwf_execute(plan);
    for (size_t k = 0; k < nb; k++)
        power[k] = (double)spec[k][0] * spec[k][0] + (double)spec[k][1] * spec[k][1];
    project(power, nb, N, out);
    fftwf_destroy_plan(plan);
    fftwf_free(buf);
    fftwf_free(spec);
    free(power);
    return R2R_OK;
}

double r2r_ltas_colour_error(const float *a, const float *b, size_t n, double lo_hz, double hi_hz)
{
    float la[R2R_LTAS_BANDS], lb[R2R_LTAS_BANDS];
    double d[R2R_LTAS_BANDS], mean = 0, acc = 0;
    int nb = 0;
    if (r2r_ltas_compute(a, n, la) != R2R_OK || r2r_ltas_compute(b, n, lb) != R2R_OK) return NAN;
    for (int k = 0; k < R2R_LTAS_BANDS; k++) {
        const double hz = r2r_ltas_band_hz(k);
        if (hz >= lo_hz && hz <= hi_hz) d[nb] = 10.0 * log10((la[k] + 1e-20) / (lb[k] + 1e-20)), mean += d[nb++];
    }
    if (nb == 0) return NAN;
    mean /= nb;
    for (int k = 0; k < nb; k++) acc += fabs(d[k] - mean);
    return acc / nb;
}

/* The dynamics signature: octave bands from DYN_F0 Hz, frames of DYN_NFFT every DYN_HOP
 * samples, those more than DYN_ACTIVE_DB under the loudest (tails) or under DYN_SILENT_DB
 * left out. */
#define DYN_F0 88.3883 /* 125 Hz / √2 */
#define DYN_NFFT 2048
#define DYN_HOP 512
#define DYN_ACTIVE_DB 45.0
#define DYN_SILENT_DB (-60.0) /* a frame's FFT power (dB) under which it is silent: -114 dBFS */

r2r_status r2r_ltas_dynamics(const float *x, size_t n, float out[R2R_DYNSIG_DIM])
{
    enum { NB = R2R_DYNSIG_DIM };
    const size_t N = DYN_NFFT, nbin = N / 2 + 1;
    const size_t frames = n < N ? 0 : 1 + (n - N) / DYN_HOP;
    for (int b = 0; b < NB; b++) out[b] = NAN;
    if (frames < 8) return r2r_fail(R2R_ERR_INPUT, "dynamics: %zu samples are too few", n);
    size_t k0[NB + 1];
    for (int b = 0; b <= NB; b++) k0[b] = (size_t)ceil(DYN_F0 * pow(2.0, b) * (double)N / R2R_SAMPLE_RATE);
    r2r_fftw_thread_safe();
    float *buf = fftwf_malloc(N * sizeof(float)), *win = malloc(N * sizeof(float));
    fftwf_complex *sx = fftwf_malloc(nbin * sizeof(fftwf_complex));
    double *lv = malloc(frames * sizeof(double)), *band = malloc(frames * NB * sizeof(double));
    r2r_status s = R2R_OK;
    if (!buf || !sx || !lv || !band || !win) {
        s = r2r_fail(R2R_ERR_NOMEM, "dynamics: out of memory");
        goto out;
    }
    fftwf_plan plan = fftwf_plan_dft_r2c_1d((int)N, buf, sx, FFTW_ESTIMATE);
    for (size_t i = 0; i < N; i++) win[i] = (float)(0.5 - 0.5 * cos(2.0 * M_PI * (double)i / (double)N));
    double top = -INFINITY;
    for (size_t f = 0; f < frames; f++) {
        for (size_t i = 0; i < N; i++) buf[i] = x[f * DYN_HOP + i] * win[i];
        fftwf_execute(plan);
        double tot = 1e-20;
        for (int b = 0; b < NB; b++) {
            double acc = 1e-20;
            for (size_t k = k0[b]; k < k0[b + 1]; k++) acc += (double)sx[k][0] * sx[k][0] + (double)sx[k][1] * sx[k][1];
            band[f * NB + b] = 10.0 * log10(acc);
            tot += acc;
        }
        lv[f] = 10.0 * log10(tot);
        top = fmax(top, lv[f]);
    }
    fftwf_destroy_plan(plan);
    double m1[NB] = {0}, m2[NB] = {0};
    size_t nact = 0;
    for (size_t f = 0; f < frames; f++) {
        if (lv[f] < top - DYN_ACTIVE_DB || lv[f] < DYN_SILENT_DB) continue;
        nact++;
        for (int b = 0; b < NB; b++) m1[b] += band[f * NB + b], m2[b] += band[f * NB + b] * band[f * NB + b];
    }
    if (nact < 8) {
        s = r2r_fail(R2R_ERR_INPUT, "dynamics: too little sound");
        goto out;
    }
    for (int b = 0; b < NB; b++) {
        const double mu = m1[b] / (double)nact;
        out[b] = (float)sqrt(fmax(0.0, m2[b] / (double)nact - mu * mu));
    }
out:
    fftwf_free(buf);
    fftwf_free(sx);
    free(lv), free(band), free(win);
    return s;
}
