/* DSP blocks: the running biquads and the 6-band EQ measured against their analytic
 * responses, partitioned convolution against direct convolution (many IR lengths and
 * block sizes, real IRs), IR loading edge cases, gain helpers. */
#include "testutil.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "r2r/audio.h"
#include "r2r/dsp.h"

#define FS 48000.0

/* Measured magnitude (dB) at f of a filter's impulse response h (double DFT). */
static double measured_db(const float *h, size_t n, double f)
{
    double re = 0, im = 0, w = 2 * M_PI * f / FS;
    for (size_t i = 0; i < n; i++) {
        re += h[i] * cos(w * i);
        im -= h[i] * sin(w * i);
    }
    return 10 * log10(re * re + im * im);
}

static void test_biquads_match_analytic(void **state)
{
    (void)state;
    const size_t n = 1 << 16;
    float *h = malloc(n * sizeof(float));
    const r2r_bq_type types[] = {R2R_BQ_LOWSHELF, R2R_BQ_PEAKING, R2R_BQ_HIGHSHELF, R2R_BQ_HIGHPASS, R2R_BQ_LOWPASS};
    const double freqs[] = {80, 450, 1200, 3000, 9000};
    double worst = 0;
    for (int t = 0; t < 5; t++)
        for (int g = -1; g <= 1; g += 2) {
            r2r_biquad bq = r2r_biquad_design(types[t], freqs[t], 9.0 * g, 1.3, FS);
            memset(h, 0, n * sizeof(float));
            h[0] = 1.0f;
            r2r_biquad_state st = {0, 0};
            r2r_biquad_process(&bq, &st, h, n);
            for (double f = 30; f < 20000; f *= 1.37) {
                double a = r2r_biquad_response_db(&bq, f, FS), m = measured_db(h, n, f);
                worst = fmax(worst, fabs(a - m));
            }
        }
    print_message("biquads: worst |analytic - measured| = %.4f dB\n", worst);
    assert_true(worst < 0.01);
    /* Peaking gain at the centre frequency is the design gain. */
    r2r_biquad pk = r2r_biquad_design(R2R_BQ_PEAKING, 1000, 6.0, 2.0, FS);
    assert_float_equal(r2r_biquad_response_db(&pk, 1000, FS), 6.0, 1e-9);
    free(h);
}

static void test_eq(void **state)
{
    (void)state;
    r2r_eq eq;
    r2r_eq_flat(&eq);
    assert_int_equal(r2r_eq_validate(&eq), R2R_OK);
    double f[64], db[64];
    for (int i = 0; i < 64; i++) f[i] = 30 * pow(1.1, i);
    r2r_eq_response_db(&eq, f, 64, FS, db);
    for (int i = 0; i < 64; i++) assert_float_equal(db[i], 0.0, 1e-9);
    const double gains[6] = {4, -3, 2.5, -6, 5, -2};
    for (int b = 0; b < 6; b++) eq.band[b].gain_db = gains[b], eq.band[b].q = 0.8 + 0.4 * b;
    eq.highpass_hz = 60;
    eq.lowpass_hz = 14000;
    assert_int_equal(r2r_eq_validate(&eq), R2R_OK);
    const size_t n = 1 << 16;
    float *h = calloc(n, sizeof(float));
    h[0] = 1.0f;
    r2r_eq_runner r;
    r2r_eq_runner_init(&r, &eq, FS);
    r2r_eq_runner_process(&r, h, n / 2);
    r2r_eq_runner_process(&r, h + n / 2, n / 2); /* state carries over between calls */
    r2r_eq_response_db(&eq, f, 64, FS, db);
    double worst = 0;
    for (int i = 0; i < 64 && f[i] < 20000; i++) worst = fmax(worst, fabs(db[i] - measured_db(h, n, f[i])));
    print_message("6-band EQ + HP/LP: worst |analytic - measured| = %.4f dB\n", worst);
    assert_true(worst < 0.01);
    free(h);
    /* Validation and clamping. */
    eq.band[2].freq_hz = 5000;
    assert_int_equal(r2r_eq_validate(&eq), R2R_ERR_INPUT);
    assert_non_null(strstr(r2r_last_error(), "band 3"));
    eq.band[0].gain_db = 40;
    eq.band[4].q = NAN;
    r2r_eq_clamp(&eq);
    assert_int_equal(r2r_eq_validate(&eq), R2R_OK);
    assert_float_equal(eq.band[0].gain_db, 12.0, 0);
    assert_float_equal(eq.band[2].freq_hz, 1500.0, 0);
}

static void direct(const float *x, size_t n, const float *h, size_t m, float *y)
{
    for (size_t t = 0; t < n; t++) {
        double acc = 0;
        for (size_t j = 0; j < m && j <= t; j++) acc += (double)h[j] * x[t - j];
        y[t] = (float)acc;
    }
}

static void test_convolution_random(void **state)
{
    (void)state;
    const size_t irlens[] = {1, 17, 255, 256, 257, 1000, 9600};
    const size_t blocks[] = {1, 7, 64, 512, 4096};
    const size_t n = 12000;
    float *x = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float)), *ref = malloc(n * sizeof(float));
    float *h = malloc(9600 * sizeof(float));
    srand(17);
    for (size_t i = 0; i < n; i++) x[i] = (float)rand() / RAND_MAX - 0.5f;
    double worst = 0;
    for (size_t a = 0; a < sizeof irlens / sizeof irlens[0]; a++) {
        size_t m = irlens[a];
        double e = 0;
        for (size_t i = 0; i < m; i++) h[i] = ((float)rand() / RAND_MAX - 0.5f) * expf(-(float)i / 2000.0f), e += h[i] * h[i];
        for (size_t i = 0; i < m; i++) h[i] /= (float)sqrt(e);
        direct(x, n, h, m, ref);
        assert_int_equal(r2r_convolve(x, n, h, m, y), R2R_OK);
        worst = fmax(worst, max_abs_diff(y, ref, n));
        /* Streaming with any call size: output lags by the latency. */
        r2r_convolver *c;
        assert_int_equal(r2r_convolver_create(h, m, 256, &c), R2R_OK);
        size_t lat = r2r_convolver_latency(c);
        for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++) {
            r2r_convolver_reset(c);
            for (size_t off = 0; off < n; off += blocks[b]) {
                size_t k = n - off < blocks[b] ? n - off : blocks[b];
                r2r_convolver_process(c, x + off, y + off, k);
            }
            worst = fmax(worst, max_abs_diff(y + lat, ref, n - lat));
            for (size_t i = 0; i < lat; i++) assert_true(y[i] == 0.0f);
        }
        r2r_convolver_destroy(c);
    }
    print_message("partitioned vs direct convolution: worst abs error %.2e (signal ~0.3 rms)\n", worst);
    assert_true(worst < 1e-5);
    float one = 1.0f;
    r2r_convolver *c;
    assert_int_not_equal(r2r_convolver_create(&one, 0, 0, &c), R2R_OK);
    assert_int_not_equal(r2r_convolver_create(&one, 1, 100, &c), R2R_OK);
    free(x), free(y), free(ref), free(h);
}

static void check_ir_file(const char *path)
{
    float *h;
    size_t m;
    if (r2r_ir_load(path, &h, &m) != R2R_OK) fail_msg("%s", r2r_last_error());
    double e = 0;
    for (size_t i = 0; i < m; i++) e += (double)h[i] * h[i];
    assert_float_equal(e, 1.0, 1e-4);
    const size_t n = 4800;
    float x[4800], y[4800], ref[4800];
    for (size_t i = 0; i < n; i++) x[i] = (float)sin(i * 0.07) * (i % 300 < 20 ? 1.0f : 0.2f);
    direct(x, n, h, m, ref);
    assert_int_equal(r2r_convolve(x, n, h, m, y), R2R_OK);
    double d = max_abs_diff(y, ref, n);
    if (d > 1e-5) fail_msg("%s: partitioned vs direct %.3g", path, d);
    free(h);
}

static void test_real_irs(void **state)
{
    (void)state;
    const char *names[] = {"ampeg", "celestion", "eminence", "mesa", "plate", "spring"};
    for (int i = 0; i < 6; i++) {
        char rel[128], p[4200];
        snprintf(rel, sizeof rel, "data/irs/%s.wav", names[i]);
        snprintf(p, sizeof p, "%s", shared_path(rel));
        check_ir_file(p);
    }
    /* Debian's guitarix IRs when installed. */
    DIR *d = opendir("/usr/share/gx_head/sounds");
    int count = 0;
    if (d) {
        struct dirent *de;
        while ((de = readdir(d)) != NULL && count < 8) {
            size_t l = strlen(de->d_name);
            if (l < 5 || strcmp(de->d_name + l - 4, ".wav")) continue;
            char p[4200];
            snprintf(p, sizeof p, "/usr/share/gx_head/sounds/%s", de->d_name);
            check_ir_file(p);
            count++;
        }
        closedir(d);
    }
    print_message("real IRs: 6 shared + %d guitarix checked\n", count);
}

static void test_ir_bad_inputs(void **state)
{
    (void)state;
    const char *dir = test_tmpdir("dsp_ir");
    char p[4200];
    float *h;
    size_t m;
    snprintf(p, sizeof p, "%s/empty.wav", dir);
    fclose(fopen(p, "wb"));
    assert_int_equal(r2r_ir_load(p, &h, &m), R2R_ERR_INPUT);
    snprintf(p, sizeof p, "%s/text.wav", dir);
    FILE *f = fopen(p, "wb");
    fputs("RIFF but not really a wave file", f);
    fclose(f);
    assert_int_equal(r2r_ir_load(p, &h, &m), R2R_ERR_INPUT);
    snprintf(p, sizeof p, "%s/silent.wav", dir);
    float z[480] = {0};
    assert_int_equal(r2r_audio_write_wav(p, z, 480, 1, 48000), R2R_OK);
    assert_int_equal(r2r_ir_load(p, &h, &m), R2R_ERR_INPUT);
    snprintf(p, sizeof p, "%s/long.wav", dir);
    size_t n = 48000 * 11;
    float *lng = calloc(n, sizeof(float));
    lng[0] = 1;
    assert_int_equal(r2r_audio_write_wav(p, lng, n, 1, 48000), R2R_OK);
    assert_int_equal(r2r_ir_load(p, &h, &m), R2R_ERR_INPUT);
    assert_non_null(strstr(r2r_last_error(), "too long"));
    free(lng);
    /* Stereo 44.1 kHz IR: mixed and resampled. */
    snprintf(p, sizeof p, "%s/stereo.wav", dir);
    float st[2 * 441] = {0};
    st[0] = 1.0f;
    st[1] = 0.5f;
    assert_int_equal(r2r_audio_write_wav(p, st, 441, 2, 44100), R2R_OK);
    assert_int_equal(r2r_ir_load(p, &h, &m), R2R_OK);
    assert_true(m <= 480);
    free(h);
}

static void test_gain(void **state)
{
    (void)state;
    assert_float_equal(r2r_db_to_lin(-6.0206), 0.5, 1e-4);
    assert_true(isinf(r2r_lin_to_db(0)));
    const size_t n = 48000 * 3;
    float *x = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) x[i] = 0.1f * (float)sin(2 * M_PI * 440 * i / FS);
    double g;
    assert_int_equal(r2r_loudness_match(x, n, -23.0, &g), R2R_OK);
    double lufs;
    assert_int_equal(r2r_loudness_lufs(x, n, 1, 48000, &lufs), R2R_OK);
    assert_float_equal(lufs, -23.0, 0.01);
    r2r_gain_apply(x, n, -6.0);
    assert_int_equal(r2r_loudness_lufs(x, n, 1, 48000, &lufs), R2R_OK);
    assert_float_equal(lufs, -29.0, 0.01);
    /* the loudest stretch: a burst at 1.6-2.4 s of quiet noise is inside the 1 s window
     * that starts on the half-second step before it; x shorter than the window is all of it */
    for (size_t i = 0; i < n; i++) x[i] = 0.01f * (float)sin(0.37 * (double)i) * (i >= 76800 && i < 115200 ? 50.0f : 1.0f);
    size_t len = 0;
    assert_int_equal(r2r_loudest_stretch(x, n, 1.0, &len), 72000);
    assert_int_equal(len, 48000);
    assert_int_equal(r2r_loudest_stretch(x, 30000, 1.0, &len), 0);
    assert_int_equal(len, 30000);
    free(x);
}

/* Alignment: a DI stretch found inside a distorted, cabinet-filtered recording of the
 * whole take (to DECIM-level precision), and refused (low sharpness) in another take. */
static void test_align(void **state)
{
    (void)state;
    r2r_audio di, other, ir;
    assert_int_equal(r2r_audio_read(shared_path("data/di/power-guitar.wav"), R2R_READ_MONO, &di), R2R_OK);
    assert_int_equal(r2r_audio_read(shared_path("data/di/lunar-guitar.wav"), R2R_READ_MONO, &other), R2R_OK);
    assert_int_equal(r2r_audio_read(shared_path("data/irs/mesa.wav"), R2R_READ_MONO, &ir), R2R_OK);
    const size_t n = 10 * 48000, lead = 30001; /* the recording starts 30001 samples before the DI stretch */
    float *t = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) t[i] = tanhf(20.0f * di.data[i]);
    assert_int_equal(r2r_convolve(t, n, ir.data, ir.frames < 4800 ? ir.frames : 4800, y), R2R_OK);
    long lag = 0;
    double sharp = 0;
    const float *x = di.data + lead;
    assert_int_equal(r2r_align(y, n, x, 4 * 48000, &lag, &sharp), R2R_OK);
    print_message("same take: lag %ld (true %zu), sharpness %.1f\n", lag, lead, sharp);
    assert_true(labs(lag - (long)lead) <= 16);
    assert_true(sharp > 20.0);
    /* the stretch begins before the recording: a negative lag */
    assert_int_equal(r2r_align(y + 2 * lead, n - 2 * lead, x, 4 * 48000, &lag, &sharp), R2R_OK);
    print_message("recording cut after the stretch's start: lag %ld (true %ld), sharpness %.1f\n", lag, -(long)lead,
                  sharp);
    assert_true(labs(lag + (long)lead) <= 16);
    assert_int_equal(r2r_align(y, n, other.data + 48000, 4 * 48000, &lag, &sharp), R2R_OK);
    print_message("another take: sharpness %.1f\n", sharp);
    assert_true(sharp < 8.0);
    assert_int_not_equal(r2r_align(y, n, x, 100, &lag, &sharp), R2R_OK); /* too short */
    float *silence = calloc(n, sizeof(float));
    assert_int_equal(r2r_align(silence, n, x, 4 * 48000, &lag, &sharp), R2R_OK);
    assert_true(sharp == 0.0); /* a silent recording: no alignment, and no NaN */
    assert_int_equal(r2r_align(y, n, silence, 4 * 48000, &lag, &sharp), R2R_OK);
    assert_true(sharp == 0.0);
    free(silence);
    free(t), free(y);
    r2r_audio_free(&di), r2r_audio_free(&other), r2r_audio_free(&ir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_biquads_match_analytic), cmocka_unit_test(test_eq),
        cmocka_unit_test(test_convolution_random),     cmocka_unit_test(test_real_irs),
        cmocka_unit_test(test_ir_bad_inputs),          cmocka_unit_test(test_gain),
        cmocka_unit_test(test_align),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
