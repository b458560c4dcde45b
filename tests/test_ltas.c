/* Long-term band spectra: calibration (delta and gain IRs, white noise is flat) and
 * the property the matcher relies on: LTAS(x * h) ≈ LTAS(x) · H(h) for a cabinet-like h. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "r2r/audio.h"
#include "r2r/ltas.h"

static void test_ir_calibration(void **state)
{
    (void)state;
    float d[1] = {0.5f}, out[R2R_LTAS_BANDS];
    assert_int_equal(r2r_ltas_ir_response(d, 1, out), R2R_OK);
    for (int b = 0; b < R2R_LTAS_BANDS; b++) assert_float_equal(out[b], 0.25, 1e-5);
    assert_int_not_equal(r2r_ltas_ir_response(d, 0, out), R2R_OK);
    for (int b = 1; b < R2R_LTAS_BANDS; b++) assert_true(r2r_ltas_band_hz(b) > r2r_ltas_band_hz(b - 1));
}

static void test_noise_flat(void **state)
{
    (void)state;
    const size_t n = 48000 * 10;
    float *x = malloc(n * sizeof(float));
    srand(11);
    for (size_t i = 0; i < n; i++) x[i] = (float)rand() / RAND_MAX - 0.5f; /* variance 1/12 */
    float out[R2R_LTAS_BANDS];
    assert_int_equal(r2r_ltas_compute(x, n, out), R2R_OK);
    /* Per-bin power of unit-variance noise with our normalization is σ² = 1/12. */
    for (int b = 10; b < R2R_LTAS_BANDS; b++)
        assert_true(fabs(10 * log10(out[b] / (1.0 / 12.0))) < 1.0);
    free(x);
}

/* The colour error ignores level, sees a tilt, and says NAN for an empty band range. */
static void test_colour_error(void **state)
{
    (void)state;
    const size_t n = 48000 * 4;
    float *x = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float)), *z = malloc(n * sizeof(float));
    assert_non_null(x);
    assert_non_null(y);
    assert_non_null(z);
    srand(5);
    for (size_t i = 0; i < n; i++) x[i] = (float)rand() / RAND_MAX - 0.5f;
    for (size_t i = 0; i < n; i++) y[i] = 3.0f * x[i], z[i] = x[i] - (i ? x[i - 1] : 0.0f); /* +6 dB/octave */
    assert_true(r2r_ltas_colour_error(x, y, n, 80.0, 10000.0) < 1e-3);
    const double tilt = r2r_ltas_colour_error(x, z, n, 80.0, 10000.0);
    print_message("white noise against its first difference: %.1f dB\n", tilt);
    assert_true(tilt > 5.0);
    assert_true(isnan(r2r_ltas_colour_error(x, y, n, 5000.0, 4000.0)));
    free(x), free(y), free(z);
}

static void test_convolution_property(void **state)
{
    (void)state;
    r2r_audio di, ir;
    assert_int_equal(r2r_audio_read(shared_path("data/di/power-guitar.wav"), R2R_READ_MONO, &di),
                     R2R_OK);
    assert_int_equal(r2r_audio_read(shared_path("data/irs/celestion.wav"), R2R_READ_MONO, &ir),
                     R2R_OK);
    assert_int_equal(r2r_audio_resample(&ir, 48000), R2R_OK);
    size_t n = 48000 * 6, m = ir.frames < 4800 ? ir.frames : 4800;
    float *y = calloc(n, sizeof(float));
    for (size_t i = 0; i < n; i++) {
        double acc = 0;
        for (size_t k = 0; k < m && k <= i; k++) acc += (double)ir.data[k] * di.data[48000 + i - k];
        y[i] = (float)acc;
    }
    float lx[R2R_LTAS_BANDS], ly[R2R_LTAS_BANDS], h[R2R_LTAS_BANDS];
    assert_int_equal(r2r_ltas_compute(di.data + 48000, n, lx), R2R_OK);
    assert_int_equal(r2r_ltas_compute(y, n, ly), R2R_OK);
    assert_int_equal(r2r_ltas_ir_response(ir.data, m, h), R2R_OK);
    double worst = 0, mean = 0;
    int cnt = 0;
    for (int b = 0; b < R2R_LTAS_BANDS; b++) {
        if (r2r_ltas_band_hz(b) < 80 || r2r_ltas_band_hz(b) > 8000) continue;
        double e = fabs(10 * log10((ly[b] + 1e-20) / (lx[b] * h[b] + 1e-20)));
        worst = fmax(worst, e);
        mean += e;
        cnt++;
    }
    print_message("LTAS(x*h) vs LTAS(x)·H: mean %.2f dB, worst %.2f dB (80 Hz-8 kHz)\n",
                  mean / cnt, worst);
    assert_true(mean / cnt < 1.0);
    assert_true(worst < 4.0);
    free(y);
    r2r_audio_free(&di);
    r2r_audio_free(&ir);
}

/* Coherence: a real DI through a cabinet (and a gain) keeps it near 1 at every band;
 * a different distortion of the same DI loses it in the treble; another take of the
 * guitar has none. */
static void test_coherence(void **state)
{
    (void)state;
    r2r_audio di, ir, other;
    assert_int_equal(r2r_audio_read(shared_path("data/di/power-guitar.wav"), R2R_READ_MONO, &di), R2R_OK);
    assert_int_equal(r2r_audio_read(shared_path("data/di/lunar-guitar.wav"), R2R_READ_MONO, &other), R2R_OK);
    assert_int_equal(r2r_audio_read(shared_path("data/irs/celestion.wav"), R2R_READ_MONO, &ir), R2R_OK);
    assert_int_equal(r2r_audio_resample(&ir, 48000), R2R_OK);
    const size_t n = 48000 * 4, m = ir.frames < 2400 ? ir.frames : 2400;
    const float *x = di.data + 48000;
    float *y = calloc(n, sizeof(float)), *hard = malloc(n * sizeof(float)), *soft = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) {
        double acc = 0;
        for (size_t k = 0; k < m && k <= i; k++) acc += (double)ir.data[k] * x[i - k];
        y[i] = (float)(0.3 * acc);
        hard[i] = tanhf(40.0f * x[i]), soft[i] = tanhf(8.0f * x[i]);
    }
    float c_lin[R2R_LTAS_BANDS], c_dist[R2R_LTAS_BANDS], c_other[R2R_LTAS_BANDS];
    assert_int_equal(r2r_ltas_coherence(x, y, n, 4096, c_lin), R2R_OK);
    assert_int_equal(r2r_ltas_coherence(soft, hard, n, 4096, c_dist), R2R_OK);
    assert_int_equal(r2r_ltas_coherence(other.data + 48000, y, n, 4096, c_other), R2R_OK);
    double lin = 0, dist = 0, oth = 0;
    int cnt = 0;
    for (int b = 0; b < R2R_LTAS_BANDS; b++) {
        const double hz = r2r_ltas_band_hz(b);
        if (hz < 100 || hz > 8000) continue;
        assert_true(c_lin[b] >= 0.0f && c_lin[b] <= 1.0001f);
        lin += c_lin[b], dist += c_dist[b], oth += c_other[b], cnt++;
    }
    lin /= cnt, dist /= cnt, oth /= cnt;
    print_message("mean coherence 100 Hz-8 kHz: through a cabinet %.4f, two distortions %.3f, another take %.3f\n",
                  lin, dist, oth);
    assert_true(lin > 0.95);
    assert_true(dist < 0.9 && dist > oth);
    assert_true(oth < 0.1);
    assert_int_not_equal(r2r_ltas_coherence(x, y, n, 3000, c_lin), R2R_OK); /* frames: powers of two */
    free(y), free(hard), free(soft);
    r2r_audio_free(&di), r2r_audio_free(&ir), r2r_audio_free(&other);
}

/* The level spread: a gain and a cabinet after the rig leave it (within a fraction of
 * a dB, the cabinet's ring smooths the frames a little); a compressing distortion
 * narrows it; too short or silent input is an error with NaNs. */
static void test_dynamics(void **state)
{
    (void)state;
    r2r_audio di, ir;
    assert_int_equal(r2r_audio_read(shared_path("data/di/power-guitar.wav"), R2R_READ_MONO, &di), R2R_OK);
    assert_int_equal(r2r_audio_read(shared_path("data/irs/celestion.wav"), R2R_READ_MONO, &ir), R2R_OK);
    assert_int_equal(r2r_audio_resample(&di, 48000), R2R_OK);
    assert_int_equal(r2r_audio_resample(&ir, 48000), R2R_OK);
    const size_t n = 48000 * 6, m = ir.frames < 2400 ? ir.frames : 2400;
    assert_true(di.frames >= n + 48000);
    const float *x = di.data + 48000;
    float *loud = malloc(n * sizeof(float)), *cab = calloc(n, sizeof(float)), *clip = malloc(n * sizeof(float));
    assert_non_null(loud);
    assert_non_null(cab);
    assert_non_null(clip);
    for (size_t i = 0; i < n; i++) {
        double acc = 0;
        for (size_t k = 0; k < m && k <= i; k++) acc += (double)ir.data[k] * x[i - k];
        loud[i] = 4.0f * x[i], cab[i] = (float)acc, clip[i] = tanhf(60.0f * x[i]);
    }
    float sx[R2R_DYNSIG_DIM], sl[R2R_DYNSIG_DIM], sc[R2R_DYNSIG_DIM], sd[R2R_DYNSIG_DIM];
    assert_int_equal(r2r_ltas_dynamics(x, n, sx), R2R_OK);
    assert_int_equal(r2r_ltas_dynamics(loud, n, sl), R2R_OK);
    assert_int_equal(r2r_ltas_dynamics(cab, n, sc), R2R_OK);
    assert_int_equal(r2r_ltas_dynamics(clip, n, sd), R2R_OK);
    double gain = 0, cabinet = 0, narrower = 0;
    for (int b = 0; b < R2R_DYNSIG_DIM; b++) {
        assert_true(isfinite(sx[b]) && sx[b] > 0.0f);
        gain = fmax(gain, fabs(sl[b] - sx[b]));
        cabinet += fabs(sc[b] - sx[b]) / R2R_DYNSIG_DIM;
        narrower += (sx[b] - sd[b]) / R2R_DYNSIG_DIM;
    }
    print_message("level spread per octave band, DI: %.1f %.1f %.1f %.1f %.1f %.1f %.1f dB; +12 dB moves it %.4f dB, "
                  "a cabinet %.2f dB, a hard clipper narrows it by %.1f dB\n",
                  sx[0], sx[1], sx[2], sx[3], sx[4], sx[5], sx[6], gain, cabinet, narrower);
    assert_true(gain < 1e-3);
    assert_true(cabinet < 1.0);
    assert_true(narrower > 1.0);
    float none[R2R_DYNSIG_DIM];
    assert_int_not_equal(r2r_ltas_dynamics(x, 2048 + 6 * 512, none), R2R_OK); /* 7 frames */
    assert_true(isnan(none[0]));
    memset(clip, 0, n * sizeof(float));
    assert_int_not_equal(r2r_ltas_dynamics(clip, n, none), R2R_OK); /* silence */
    assert_true(isnan(none[R2R_DYNSIG_DIM - 1]));
    free(loud), free(cab), free(clip);
    r2r_audio_free(&di), r2r_audio_free(&ir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ir_calibration),
        cmocka_unit_test(test_noise_flat),
        cmocka_unit_test(test_colour_error),
        cmocka_unit_test(test_convolution_property),
        cmocka_unit_test(test_coherence),
        cmocka_unit_test(test_dynamics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
