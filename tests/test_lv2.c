/* Hosting Debian's guitarix LV2 amps: they instantiate (urid:map + worker), render a
 * probe to finite, non-silent audio, respond to their knobs, and reset deterministically. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "r2r/lv2.h"
#include "r2r/synth.h"

#define GXAMP "http://guitarix.sourceforge.net/plugins/gx_amp#GUITARIX"

static int have_guitarix(void) { return have_lv2_plugin(GXAMP); }

static double rms(const float *x, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (double)x[i] * x[i];
    return sqrt(s / n);
}

static void test_gx_amp(void **state)
{
    (void)state;
    if (!have_guitarix()) skip();
    float *x;
    size_t n;
    assert_int_equal(r2r_synth_probe(R2R_PROBE_POWER_CHORD, 48000, &x, &n), R2R_OK);
    float *y1 = malloc(n * sizeof(float)), *y2 = malloc(n * sizeof(float)), *y3 = malloc(n * sizeof(float));
    r2r_lv2 *p;
    assert_int_equal(r2r_lv2_open(GXAMP, 48000, &p), R2R_OK);
    assert_true(r2r_lv2_control_count(p) >= 7);
    int found_pregain = 0;
    for (size_t i = 0; i < r2r_lv2_control_count(p); i++)
        if (!strcmp(r2r_lv2_control_at(p, i)->symbol, "PreGain")) found_pregain = 1;
    assert_true(found_pregain);
    assert_int_equal(r2r_lv2_process(p, x, y1, n), R2R_OK);
    double r1 = rms(y1 + 4800, n - 4800);
    print_message("GxAmplifier-X default: rms %.4f\n", r1);
    assert_true(r1 > 1e-4);
    /* Determinism after reset. */
    assert_int_equal(r2r_lv2_reset(p), R2R_OK);
    assert_int_equal(r2r_lv2_process(p, x, y2, n), R2R_OK);
    assert_true(max_abs_diff(y1 + 48000, y2 + 48000, n - 48000) < 1e-4);
    /* Knobs matter. */
    assert_int_equal(r2r_lv2_set(p, "Distortion", 90.0f), R2R_OK);
    assert_int_equal(r2r_lv2_set(p, "PreGain", 15.0f), R2R_OK);
    assert_int_equal(r2r_lv2_reset(p), R2R_OK);
    assert_int_equal(r2r_lv2_process(p, x, y3, n), R2R_OK);
    assert_true(max_abs_diff(y1, y3, n) > 1e-3);
    assert_int_equal(r2r_lv2_set(p, "NoSuchKnob", 1.0f), R2R_ERR_INPUT);
    assert_int_equal(r2r_lv2_set(p, "PreGain", NAN), R2R_ERR_INPUT);
    r2r_lv2_close(p);
    free(x), free(y1), free(y2), free(y3);
}

static void test_unknown_plugin(void **state)
{
    (void)state;
    r2r_lv2 *p;
    assert_int_equal(r2r_lv2_open("http://example.org/no-such-plugin", 48000, &p), R2R_ERR_INPUT);
    assert_non_null(strstr(r2r_last_error(), "not installed"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gx_amp),
        cmocka_unit_test(test_unknown_plugin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
