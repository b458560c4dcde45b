/* Audio I/O, resampling and loudness: real DI files, round trips, bad input,
 * and libebur128 loudness cross-checked against ffmpeg's ebur128 filter. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "r2r/audio.h"
#include "r2r/constants.h"

static void test_read_di(void **state)
{
    (void)state;
    r2r_audio a;
    assert_int_equal(r2r_audio_read(shared_path("data/di/power-guitar.wav"), R2R_READ_MONO, &a),
                     R2R_OK);
    assert_int_equal(a.sample_rate, 48000);
    assert_int_equal(a.channels, 1);
    assert_true(a.frames > 48000 * 10);
    float p = r2r_peak(a.data, a.frames);
    assert_true(p > 0.05f && p <= 1.0f);
    r2r_audio_free(&a);
}

static void test_write_roundtrip_stereo_mono(void **state)
{
    (void)state;
    const size_t n = 4800;
    float *st = malloc(n * 2 * sizeof(float));
    for (size_t i = 0; i < n; i++) {
        st[2 * i] = 0.5f * sinf(0.01f * i);
        st[2 * i + 1] = -0.25f * sinf(0.01f * i);
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/st.wav", test_tmpdir("audio"));
    assert_int_equal(r2r_audio_write_wav(path, st, n, 2, 44100), R2R_OK);
    r2r_audio a;
    assert_int_equal(r2r_audio_read(path, 0, &a), R2R_OK);
    assert_int_equal(a.channels, 2);
    assert_int_equal(a.sample_rate, 44100);
    assert_int_equal(a.frames, n);
    assert_true(max_abs_diff(a.data, st, n * 2) == 0.0); /* float32 WAV is exact */
    assert_int_equal(r2r_audio_to_mono(&a), R2R_OK);
    for (size_t i = 0; i < n; i++) assert_float_equal(a.data[i], 0.125f * sinf(0.01f * i), 1e-6);
    r2r_audio_free(&a);
    free(st);
}

static void test_resample_sine(void **state)
{
    (void)state;
    /* A 1 kHz sine at 44.1 kHz resampled to 48 kHz must be a 1 kHz sine at 48 kHz. */
    const size_t n = 44100;
    float *x = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) x[i] = 0.5f * (float)sin(2 * M_PI * 1000.0 * i / 44100.0);
    float *y;
    size_t m;
    assert_int_equal(r2r_resample(x, n, 1, 44100, 48000, &y, &m), R2R_OK);
    assert_int_equal(m, 48000);
    double err = 0;
    for (size_t i = 2000; i < m - 2000; i++) {
        double ref = 0.5 * sin(2 * M_PI * 1000.0 * i / 48000.0);
        err = fmax(err, fabs(y[i] - ref));
    }
    assert_true(err < 1e-3);
    free(x);
    free(y);
}

static void test_bad_inputs(void **state)
{
    (void)state;
    const char *dir = test_tmpdir("audio_bad");
    char p[4200];
    r2r_audio a;
    /* missing */
    snprintf(p, sizeof p, "%s/missing.wav", dir);
    assert_int_not_equal(r2r_audio_read(p, 0, &a), R2R_OK);
    assert_non_null(strstr(r2r_last_error(), "missing.wav"));
    /* empty */
    snprintf(p, sizeof p, "%s/empty.wav", dir);
    fclose(fopen(p, "wb"));
    assert_int_equal(r2r_audio_read(p, 0, &a), R2R_ERR_INPUT);
    assert_non_null(strstr(r2r_last_error(), "empty"));
    /* not audio */
    snprintf(p, sizeof p, "%s/text.wav", dir);
    FILE *f = fopen(p, "wb");
    fputs("this is not a wave file at all, just some text\n", f);
    fclose(f);
    assert_int_equal(r2r_audio_read(p, 0, &a), R2R_ERR_INPUT);
    /* directory */
    assert_int_equal(r2r_audio_read(dir, 0, &a), R2R_ERR_INPUT);
}

static void test_truncated_headers(void **state)
{
    (void)state;
    /* Every truncation of a real WAV header must fail cleanly or read fewer frames. */
    size_t len;
    char *wav = read_file(shared_path("data/irs/mesa.wav"), &len);
    assert_non_null(wav);
    const char *dir = test_tmpdir("audio_trunc");
    char p[4200];
    snprintf(p, sizeof p, "%s/t.wav", dir);
    for (size_t cut = 1; cut < 200 && cut < len; cut += 3) {
        FILE *f = fopen(p, "wb");
        fwrite(wav, 1, cut, f);
        fclose(f);
        r2r_audio a;
        if (r2r_audio_read(p, 0, &a) == R2R_OK) r2r_audio_free(&a);
        else assert_true(strlen(r2r_last_error()) > 0);
    }
    /* byte mutations in the header */
    srand(7);
    for (int it = 0; it < 200; it++) {
        char *m = malloc(len);
        memcpy(m, wav, len);
        for (int k = 0; k < 4; k++) m[rand() % 64] = (char)rand();
        FILE *f = fopen(p, "wb");
        fwrite(m, 1, len, f);
        fclose(f);
        free(m);
        r2r_audio a;
        if (r2r_audio_read(p, 0, &a) == R2R_OK) r2r_audio_free(&a);
    }
    free(wav);
}

static void test_normalize_ceiling(void **state)
{
    (void)state;
    const size_t n = 48000 * 3;
    float *x = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) x[i] = 0.01f * (float)sin(2 * M_PI * 440.0 * i / 48000.0);
    double g;
    assert_int_equal(r2r_loudness_normalize(x, n, 1, 48000, R2R_TARGET_LUFS, -1.0, &g), R2R_OK);
    double lufs;
    assert_int_equal(r2r_loudness_lufs(x, n, 1, 48000, &lufs), R2R_OK);
    assert_float_equal(lufs, R2R_TARGET_LUFS, 0.05);
    /* A spiky signal: the ceiling wins, no clipping. */
    for (size_t i = 0; i < n; i++) x[i] = (i % 4800 == 0) ? 0.5f : 0.001f * (float)sin(0.05 * i);
    assert_int_equal(r2r_loudness_normalize(x, n, 1, 48000, 0.0, -1.0, &g), R2R_OK);
    assert_true(r2r_peak(x, n) <= powf(10.0f, -1.0f / 20.0f) + 1e-6f);
    /* Silence is left alone. */
    memset(x, 0, n * sizeof(float));
    assert_int_equal(r2r_loudness_normalize(x, n, 1, 48000, -18.0, -1.0, &g), R2R_OK);
    assert_float_equal(g, 0.0, 0.0);
    free(x);
}

/* Integrated loudness from ffmpeg's ebur128 filter, or NAN if ffmpeg is absent. */
static double ffmpeg_lufs(const char *path)
{
    char cmd[8400];
    snprintf(cmd, sizeof cmd,
             "ffmpeg -hide_banner -nostats -i '%s' -af ebur128 -f null - 2>&1 | "
             "grep -A2 'Integrated loudness' | grep ' I:' | awk '{print $2}'",
             path);
    FILE *p = popen(cmd, "r");
    if (!p) return NAN;
    double v = NAN;
    if (fscanf(p, "%lf", &v) != 1) v = NAN;
    pclose(p);
    return v;
}

static void test_loudness_vs_ffmpeg(void **state)
{
    (void)state;
    const char *clips[] = {"power-guitar", "metalcore-guitar", "jazz_hop-guitar", "downtown-bass",
                           "lunar-guitar"};
    if (system("ffmpeg -version >/dev/null 2>&1") != 0) {
        const char *ci = getenv("CI");
        if (ci && !strcmp(ci, "true")) fail_msg("ffmpeg missing under CI");
        skip();
    }
    for (size_t i = 0; i < sizeof clips / sizeof clips[0]; i++) {
        char rel[256];
        snprintf(rel, sizeof rel, "data/di/%s.wav", clips[i]);
        char path[4200];
        snprintf(path, sizeof path, "%s", shared_path(rel));
        char out[256];
        const char *args[] = {"loudness", path, NULL};
        assert_int_equal(run_cli(out, sizeof out, args), 0);
        double ours = atof(out);
        double ff = ffmpeg_lufs(path);
        assert_false(isnan(ff));
        /* ffmpeg prints one decimal. */
        print_message("%-20s r2r %.2f ffmpeg %.1f\n", clips[i], ours, ff);
        assert_true(fabs(ours - ff) <= 0.1);
    }
}

static void test_cli_errors(void **state)
{
    (void)state;
    const char *none[] = {"loudness", NULL};
    assert_int_equal(run_cli(NULL, 0, none), 2);
    const char *missing[] = {"loudness", "/nonexistent/file.wav", NULL};
    assert_int_equal(run_cli(NULL, 0, missing), 1);
    const char *unknown[] = {"frobnicate", NULL};
    assert_int_equal(run_cli(NULL, 0, unknown), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_di),
        cmocka_unit_test(test_write_roundtrip_stereo_mono),
        cmocka_unit_test(test_resample_sine),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_truncated_headers),
        cmocka_unit_test(test_normalize_ceiling),
        cmocka_unit_test(test_loudness_vs_ffmpeg),
        cmocka_unit_test(test_cli_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
