/* Isolation backends on a synthetic band (distorted guitars panned L/R, centred bass
 * and drums): SI-SDR of the isolated guitar vs the true stem, and the command backend. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "r2r/isolate.h"
#include "r2r/synth.h"

#define SR 48000
#define SECS 8

/* A crude amp: drive, tanh, and a 2-pole low-pass like a speaker roll-off. */
static void amp(float *x, size_t n)
{
    double a = exp(-2 * M_PI * 4000.0 / SR), y1 = 0, y2 = 0;
    for (size_t i = 0; i < n; i++) {
        double v = tanh(12.0 * x[i]) * 0.3;
        y1 = (1 - a) * v + a * y1;
        y2 = (1 - a) * y1 + a * y2;
        x[i] = (float)y2;
    }
}

typedef struct {
    float *mix; /* stereo interleaved */
    float *guitar; /* mono reference: (gL + gR) / 2 as the dsp backend averages channels */
    size_t n;
} band;

static band make_band(double pan_guitars, int with_vocal)
{
    double vph = 0;
    band b;
    b.n = SR * SECS;
    float *g1, *g2;
    size_t n1, n2;
    assert_int_equal(r2r_synth_riff(7, SECS, SR, &g1, &n1), R2R_OK);
    assert_int_equal(r2r_synth_riff(8, SECS, SR, &g2, &n2), R2R_OK);
    amp(g1, n1);
    amp(g2, n2);
    float *drums;
    size_t nd;
    assert_int_equal(r2r_synth_drums(3, SECS, 120.0, SR, &drums, &nd), R2R_OK);
    b.mix = calloc(2 * b.n, sizeof(float));
    b.guitar = calloc(b.n, sizeof(float));
    const double gl = 0.5 * (1 + pan_guitars), gr = 0.5 * (1 - pan_guitars);
    for (size_t i = 0; i < b.n; i++) {
        double t = (double)i / SR;
        /* Bass: root notes E1/A1 in eighths, centred. */
        double f = fmod(t, 2.0) < 1.0 ? 41.2 : 55.0;
        double bass = 0.25 * sin(2 * M_PI * f * t) * exp(-3.0 * fmod(t, 0.25));
        /* Vocal: a harmonic line with vibrato, centred (what the panning mask is for). */
        double vf = (fmod(t, 4.0) < 2.0 ? 220.0 : 293.7) * (1 + 0.01 * sin(2 * M_PI * 5.5 * t));
        vph += 2 * M_PI * vf / SR;
        double voc = 0;
        for (int h = 1; h <= 12; h++) voc += sin(h * vph) / h * (h >= 3 && h <= 5 ? 1.5 : 1.0);
        voc *= 0.06 * (fmod(t, 1.0) < 0.8 ? 1.0 : 0.0);
        double centre = bass + 0.8 * drums[i] + (with_vocal ? voc : 0.0); /* drums centred */
        double L = gl * g1[i] + gr * g2[i] + centre, R = gr * g1[i] + gl * g2[i] + centre;
        b.mix[2 * i] = (float)L;
        b.mix[2 * i + 1] = (float)R;
        b.guitar[i] = (float)(0.5 * (g1[i] + g2[i]));
    }
    free(g1);
    free(g2);
    free(drums);
    return b;
}

static double run(band *b, r2r_iso_backend be, double *conf)
{
    r2r_isolated iso;
    assert_int_equal(r2r_isolate(b->mix, b->n, 2, SR, be, &iso), R2R_OK);
    assert_int_equal(iso.frames, b->n);
    for (size_t i = 0; i < iso.frames; i++) assert_true(isfinite(iso.guitar[i]));
    double sdr = r2r_si_sdr(iso.guitar, b->guitar, b->n);
    *conf = iso.confidence;
    assert_true(iso.confidence >= 0 && iso.confidence <= 1);
    r2r_isolated_free(&iso);
    return sdr;
}

static void test_si_sdr_of_backends(void **state)
{
    (void)state;
    const double pans[3] = {0.9, 0.0, 0.9};
    const int vocal[3] = {0, 0, 1};
    for (int p = 0; p < 3; p++) {
        band b = make_band(pans[p], vocal[p]);
        double cn, cm, cd;
        double none = run(&b, R2R_ISO_NONE, &cn);
        double mock = run(&b, R2R_ISO_MOCK, &cm);
        double dsp = run(&b, R2R_ISO_DSP, &cd);
        print_message("guitars %s: SI-SDR none %.1f dB (conf %.2f), mock %.1f dB (%.2f), "
                      "dsp %.1f dB (%.2f)\n",
                      p == 1 ? "centred" : vocal[p] ? "panned L/R, vocal" : "panned L/R", none, cn, mock, cm, dsp, cd);
        /* The dsp backend must beat doing nothing and the seed's band-pass. */
        assert_true(dsp > none + 3.0);
        assert_true(dsp > mock + 1.0);
        free(b.mix);
        free(b.guitar);
    }
}

static void test_mono_and_bad_input(void **state)
{
    (void)state;
    float x[4800];
    for (int i = 0; i < 4800; i++) x[i] = (float)sin(i * 0.05);
    r2r_isolated iso;
    assert_int_equal(r2r_isolate(x, 4800, 1, SR, R2R_ISO_DSP, &iso), R2R_OK);
    assert_int_equal(iso.frames, 4800);
    assert_float_equal(iso.stereo_width, 0.0, 0.0);
    r2r_isolated_free(&iso);
    assert_int_not_equal(r2r_isolate(x, 0, 1, SR, R2R_ISO_DSP, &iso), R2R_OK);
    assert_int_not_equal(r2r_isolate(x, 100, 1, SR, (r2r_iso_backend)9, &iso), R2R_OK);
    assert_int_equal(r2r_iso_backend_parse("dsp"), R2R_ISO_DSP);
    assert_int_equal(r2r_iso_backend_parse("sam"), -1);
}

static void test_command_backend(void **state)
{
    (void)state;
    float x[2 * 9600];
    for (int i = 0; i < 9600; i++) x[2 * i] = x[2 * i + 1] = (float)(0.3 * sin(i * 0.03));
    r2r_isolated iso;
    unsetenv("RTR_ISOLATION_COMMAND");
    assert_int_equal(r2r_isolate(x, 9600, 2, SR, R2R_ISO_COMMAND, &iso), R2R_ERR_INPUT);
    assert_non_null(strstr(r2r_last_error(), "RTR_ISOLATION_COMMAND"));
    /* A "separator" that returns its input as the guitar stem: confidence 1. */
    setenv("RTR_ISOLATION_COMMAND", "cp {input} '{output_dir}/guitar.wav'", 1);
    assert_int_equal(r2r_isolate(x, 9600, 2, SR, R2R_ISO_COMMAND, &iso), R2R_OK);
    assert_int_equal(iso.frames, 9600);
    assert_float_equal(iso.confidence, 1.0, 1e-6);
    assert_float_equal(iso.guitar[100], x[200], 1e-6);
    r2r_isolated_free(&iso);
    setenv("RTR_ISOLATION_COMMAND", "false {input}", 1);
    assert_int_equal(r2r_isolate(x, 9600, 2, SR, R2R_ISO_COMMAND, &iso), R2R_ERR_INPUT);
    setenv("RTR_ISOLATION_COMMAND", "true {input} {output_dir}", 1);
    assert_int_equal(r2r_isolate(x, 9600, 2, SR, R2R_ISO_COMMAND, &iso), R2R_ERR_INPUT);
    assert_non_null(strstr(r2r_last_error(), "no WAV"));
    setenv("RTR_ISOLATION_COMMAND", "cp '{input} {output_dir}", 1);
    assert_int_equal(r2r_isolate(x, 9600, 2, SR, R2R_ISO_COMMAND, &iso), R2R_ERR_INPUT);
    setenv("RTR_ISOLATION_COMMAND", "/nonexistent/separator {input}", 1);
    assert_int_equal(r2r_isolate(x, 9600, 2, SR, R2R_ISO_COMMAND, &iso), R2R_ERR_INPUT);
    unsetenv("RTR_ISOLATION_COMMAND");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_si_sdr_of_backends),
        cmocka_unit_test(test_mono_and_bad_input),
        cmocka_unit_test(test_command_backend),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
