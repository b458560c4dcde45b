/* Isolation backends on a synthetic band (distorted guitars panned L/R, centred bass
 * and drums): SI-SDR of the isolated guitar vs the true stem, and the command backend. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "r2r/dsp.h"
#include "r2r/isolate.h"
#include "r2r/ltas.h"
#include "r2r/retrieve.h"
#include "r2r/synth.h"

#define SR 48000
#define SECS 8
#define ROOM_MAX_ERR_DB 3.9 /* 4.2 dB without the phase gate, 3.55 with it */
#define DOUBLED_ROOM_MIN_SDR_DB 3.5 /* 4.4 dB ungated; 2.5 dB if the gate took them */

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

/* Guitars at pan ±pan_guitars (single: the first alone, at +pan_guitars); room: the
 * centred instruments also through a reverb different in each channel, at -10 dB. */
static band make_band(double pan_guitars, int with_vocal, int single, int room)
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
    if (single) memset(g2, 0, n2 * sizeof(float));
    float *drums;
    size_t nd;
    assert_int_equal(r2r_synth_drums(3, SECS, 120.0, SR, &drums, &nd), R2R_OK);
    b.mix = calloc(2 * b.n, sizeof(float));
    b.guitar = calloc(b.n, sizeof(float));
    float *centres = calloc(b.n, sizeof(float));
    assert_non_null(centres);
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
        centres[i] = (float)centre;
        double L = gl * g1[i] + gr * g2[i] + centre, R = gr * g1[i] + gl * g2[i] + centre;
        b.mix[2 * i] = (float)L;
        b.mix[2 * i + 1] = (float)R;
        b.guitar[i] = (float)(single ? 0.5 * g1[i] : 0.5 * (g1[i] + g2[i]));
    }
    if (room) {
        const size_t tn = SR / 2;
        float *tail = malloc(tn * sizeof(float)), *wet = malloc(b.n * sizeof(float));
        assert_non_null(tail);
        assert_non_null(wet);
        uint64_t st = 99;
        for (int ch = 0; ch < 2; ch++) {
            double e = 0;
            for (size_t i = 0; i < tn; i++) {
                st ^= st << 13, st ^= st >> 7, st ^= st << 17;
                tail[i] = (float)(((double)(st >> 11) * 0x1.0p-53 * 2.0 - 1.0) * exp(-6.9 * (double)i / (0.5 * SR)));
                e += (double)tail[i] * tail[i];
            }
            for (size_t i = 0; i < tn; i++) tail[i] = (float)(tail[i] / sqrt(e) * 0.316);
            assert_int_equal(r2r_convolve(centres, b.n, tail, tn, wet), R2R_OK);
            for (size_t i = 0; i < b.n; i++) b.mix[2 * i + (size_t)ch] += wet[i];
        }
        free(tail);
        free(wet);
    }
    free(centres);
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

/* Mean |dB| between two long-term band spectra over the bands the matcher compares. */
static double spectrum_error(const float *a, const float *b, size_t n)
{
    const double e = r2r_ltas_colour_error(a, b, n, R2R_RETRIEVAL_FMIN_HZ, R2R_RETRIEVAL_FMAX_HZ);
    assert_true(isfinite(e));
    return e;
}

static void test_si_sdr_of_backends(void **state)
{
    (void)state;
    const double pans[3] = {0.9, 0.0, 0.9};
    const int vocal[3] = {0, 0, 1};
    for (int p = 0; p < 3; p++) {
        band b = make_band(pans[p], vocal[p], 0, 0);
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

/* A stereo room (the centred instruments' reverb differs between the channels): a
 * panned guitar reaches both channels in phase, the room does not, and bins whose
 * channels disagree are dropped — for one guitar, whose spectrum then stays near the
 * guitar's separated alone (the colour the backend gives any guitar, which the
 * matcher measures and undoes). Two guitars panned apart differ in phase in the bins
 * they share, so they are not gated: they keep what they had without the room. */
static void test_room_is_not_the_guitar(void **state)
{
    (void)state;
    for (int single = 1; single >= 0; single--) {
        band b = make_band(single ? 0.4 : 0.9, 0, single, 1);
        r2r_isolated iso, alone;
        assert_int_equal(r2r_isolate(b.mix, b.n, 2, SR, R2R_ISO_DSP, &iso), R2R_OK);
        assert_int_equal(r2r_isolate(b.guitar, b.n, 1, SR, R2R_ISO_DSP, &alone), R2R_OK);
        const double err = spectrum_error(iso.guitar, alone.guitar, b.n), sdr = r2r_si_sdr(iso.guitar, b.guitar, b.n);
        print_message("%s in a stereo room: spectrum %.2f dB from the guitar's alone, SI-SDR %.1f dB\n",
                      single ? "one guitar at 70/30" : "two guitars at 95/5 and 5/95", err, sdr);
        if (single) assert_true(err < ROOM_MAX_ERR_DB);
        else assert_true(sdr > DOUBLED_ROOM_MIN_SDR_DB);
        r2r_isolated_free(&iso);
        r2r_isolated_free(&alone);
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

typedef struct {
    int calls, backwards;
    double last;
} progress_log;

static void log_progress(double fraction, void *user)
{
    progress_log *p = user;
    if (fraction < p->last || fraction < 0 || fraction > 1) p->backwards++;
    p->last = fraction;
    p->calls++;
}

/* The separation streams over the frames (a ring of frames for the time median, the
 * overlap-add written hop by hop): inputs shorter than one frame, a frame or a ring give
 * every sample back, finite; the progress goes forward to 1. */
static void test_stream_edges_and_progress(void **state)
{
    (void)state;
    static const size_t lens[] = {1, 10, 1023, 4096, 4097, 14 * 1024 + 5, SR * 3};
    for (size_t t = 0; t < sizeof lens / sizeof lens[0]; t++) {
        const size_t n = lens[t];
        float *x = malloc(2 * n * sizeof(float));
        assert_non_null(x);
        for (size_t i = 0; i < n; i++) {
            x[2 * i] = (float)(0.5 * sin(i * 0.05) + 0.2 * sin(i * 0.9));
            x[2 * i + 1] = (float)(0.1 * sin(i * 0.07));
        }
        progress_log log = {0, 0, 0.0};
        r2r_isolated iso;
        assert_int_equal(r2r_isolate_progress(x, n, 2, SR, R2R_ISO_DSP, log_progress, &log, &iso), R2R_OK);
        assert_int_equal(iso.frames, n);
        double e = 0;
        for (size_t i = 0; i < n; i++) {
            assert_true(isfinite(iso.guitar[i]));
            e += (double)iso.guitar[i] * iso.guitar[i];
        }
        if (n >= 4096) assert_true(e > 0); /* the left channel's tones come through */
        assert_int_equal(log.backwards, 0);
        assert_float_equal(log.last, 1.0, 0.0);
        if (n == SR * 3) assert_true(log.calls >= 20);
        r2r_isolated_free(&iso);
        free(x);
    }
}

/* A mono band (one guitar, bass and drums in the centre) is a mix whatever its
 * confidence: the bass's low notes and the kick put far more of its energy below 50 Hz
 * than a guitar has there. */
static void test_mono_band_is_a_mix(void **state)
{
    (void)state;
    band b = make_band(0.0, 0, 1, 0);
    float *mono = malloc(b.n * sizeof(float));
    assert_non_null(mono);
    for (size_t i = 0; i < b.n; i++) mono[i] = 0.5f * (b.mix[2 * i] + b.mix[2 * i + 1]);
    r2r_isolated im, ig;
    assert_int_equal(r2r_isolate(mono, b.n, 1, SR, R2R_ISO_DSP, &im), R2R_OK);
    assert_int_equal(r2r_isolate(b.guitar, b.n, 1, SR, R2R_ISO_DSP, &ig), R2R_OK);
    print_message("mono band: confidence %.2f, %.2f %% below 50 Hz; its guitar alone: %.2f, %.3f %%\n", im.confidence,
                  100 * im.low_share, ig.confidence, 100 * ig.low_share);
    assert_false(r2r_isolated_alone(&im));
    assert_true(im.low_share > 0.01);
    assert_true(r2r_isolated_alone(&ig));
    r2r_isolated_free(&im);
    r2r_isolated_free(&ig);
    free(mono);
    free(b.mix);
    free(b.guitar);
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
        cmocka_unit_test(test_room_is_not_the_guitar),
        cmocka_unit_test(test_mono_and_bad_input),
        cmocka_unit_test(test_stream_edges_and_progress),
        cmocka_unit_test(test_mono_band_is_a_mix),
        cmocka_unit_test(test_command_backend),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
