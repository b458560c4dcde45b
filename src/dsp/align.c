/* Finding a DI inside a recording of the same performance: generalized cross-
 * correlation with the phase transform (each bin's cross-spectrum kept at unit
 * magnitude, so the amp's distortion and the cabinet's colour do not bias the peak),
 * computed on signals decimated to 6 kHz, where the played notes' phase survives any
 * amp. Accurate to a few samples at 48 kHz, which is all a Welch coherence needs. */
#include "r2r/dsp.h"
#include "r2r/ltas.h" /* r2r_fftw_thread_safe */

#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DECIM 8
#define ALIGN_LO_HZ 60.0
#define ALIGN_HI_HZ 2500.0

/* Block means of DECIM samples (a crude low-pass, enough for a correlation peak),
 * zero-padded into buf of m samples. */
static void decimate(const float *x, size_t n, float *buf, size_t m)
{
    memset(buf, 0, m * sizeof(float));
    for (size_t i = 0; i < n / DECIM; i++) {
        float acc = 0.0f;
        for (size_t j = 0; j < DECIM; j++) acc += x[i * DECIM + j];
        buf[i] = acc / DECIM;
    }
}

r2r_status r2r_align(const float *y, size_t ny, const float *x, size_t nx, long *lag, double *sharpness)
{
    *lag = 0, *sharpness = 0.0;
    const size_t dy = ny / DECIM, dx = nx / DECIM;
    if (dx < 64 || dy < 64) return r2r_fail(R2R_ERR_INPUT, "align: signals too short");
    size_t m = 1024;
    while (m < dy + dx) m *= 2;
    const size_t nb = m / 2 + 1;
    r2r_fftw_thread_safe();
    float *buf = fftwf_malloc(m * sizeof(float));
    fftwf_complex *sy = fftwf_malloc(nb * sizeof(fftwf_complex)), *sx = fftwf_malloc(nb * sizeof(fftwf_complex));
    if (!buf || !sy || !sx) {
        fftwf_free(buf), fftwf_free(sy), fftwf_free(sx);
        return r2r_fail(R2R_ERR_NOMEM, "align: out of memory");
    }
    fftwf_plan fy = fftwf_plan_dft_r2c_1d((int)m, buf, sy, FFTW_ESTIMATE);
    fftwf_plan fx = fftwf_plan_dft_r2c_1d((int)m, buf, sx, FFTW_ESTIMATE);
    fftwf_plan inv = fftwf_plan_dft_c2r_1d((int)m, sy, buf, FFTW_ESTIMATE);
    decimate(y, ny, buf, m);
    fftwf_execute(fy);
    decimate(x, nx, buf, m);
    fftwf_execute(fx);
    /* cross-spectrum Y·conj(X), phase only, inside the band where notes live */
    const double rate = 48000.0 / DECIM;
    double floor_mag = 0.0;
    for (size_t k = 0; k < nb; k++) { /* the cross-spectrum, in place of Y */
        const double re = (double)sy[k][0] * sx[k][0] + (double)sy[k][1] * sx[k][1];
        const double im = (double)sy[k][1] * sx[k][0] - (double)sy[k][0] * sx[k][1];
        sy[k][0] = (float)re, sy[k][1] = (float)im;
        floor_mag += sqrt(re * re + im * im);
    }
    floor_mag = 1e-3 * floor_mag / (double)nb; /* bins far below the average weigh little */
    for (size_t k = 0; k < nb; k++) {
        const double hz = (double)k * rate / (double)m;
        const double re = sy[k][0], im = sy[k][1];
        const double mag = sqrt(re * re + im * im) + floor_mag;
        const int in = hz >= ALIGN_LO_HZ && hz <= ALIGN_HI_HZ && mag > 0.0; /* silence: no peak anywhere */
        sy[k][0] = in ? (float)(re / mag) : 0.0f;
        sy[k][1] = in ? (float)(im / mag) : 0.0f;
    }
    fftwf_execute(inv);
    /* lags: y[L + t] ≈ x[t] for L in (-dx, dy); negative L wraps to the end */
    size_t best = 0;
    double top = -1.0, sq = 0.0, cnt = 0.0;
    for (size_t i = 0; i < m; i++) {
        const int valid = i < dy || i > m - dx;
        if (!valid) continue;
        const double v = fabs((double)buf[i]);
        sq += v * v, cnt += 1.0;
        if (v > top) top = v, best = i;
    }
    const double rms = sqrt(sq / (cnt > 0 ? cnt : 1.0));
    *sharpness = rms > 0.0 ? top / rms : 0.0;
    *lag = (best < dy ? (long)best : (long)best - (long)m) * DECIM;
    fftwf_destroy_plan(fy), fftwf_destroy_plan(fx), fftwf_destroy_plan(inv);
    fftwf_free(buf), fftwf_free(sy), fftwf_free(sx);
    return R2R_OK;
}
