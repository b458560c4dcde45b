/* The synthetic DI: deterministic, at the seed's peak window, in tune, and decaying
 * like a string (not a constant tone). */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "r2r/synth.h"

/* Fundamental by normalized autocorrelation over a window (Hz). */
static double pitch(const float *x, size_t n, int sr, double fmin, double fmax)
{
    size_t lo = (size_t)(sr / fmax), hi = (size_t)(sr / fmin);
    double *r = calloc(hi + 2, sizeof(double));
    double best = -1.0;
    for (size_t lag = lo; lag <= hi + 1; lag++) {
        double num = 0, e1 = 0, e2 = 0;
        for (size_t i = 0; i + lag < n; i++) {
            num += (double)x[i] * x[i + lag];
            e1 += (double)x[i] * x[i];
            e2 += (double)x[i + lag] * x[i + lag];
        }
        r[lag] = num / sqrt(e1 * e2 + 1e-30);
        if (lag <= hi && r[lag] > best) best = r[lag];
    }
    /* The first local peak near the best one: multiples of the period score as well. */
    size_t arg = lo;
    for (size_t lag = lo + 1; lag <= hi; lag++)
        if (r[lag] >= 0.9 * best && r[lag] >= r[lag - 1] && r[lag] >= r[lag + 1]) {
            arg = lag;
            break;
        }
    free(r);
    /* parabolic refinement */
    double rm = 0, r0 = 0, rp = 0;
    for (int k = -1; k <= 1; k++) {
        double num = 0;
        size_t lag = arg + k;
        for (size_t i = 0; i + lag < n; i++) num += (double)x[i] * x[i + lag];
        if (k < 0) rm = num; else if (k == 0) r0 = num; else rp = num;
    }
    double off = 0.5 * (rm - rp) / (rm - 2 * r0 + rp);
    return sr / (arg + off);
}

static double rms(const float *x, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (double)x[i] * x[i];
    return sqrt(s / (double)n);
}

static void test_probes(void **state)
{
    (void)state;
    const double f0[] = {82.407, 110.0, 659.255};
    for (int k = 0; k < R2R_PROBE_COUNT; k++) {
        float *a, *b;
        size_t na, nb;
        assert_int_equal(r2r_synth_probe((r2r_probe_kind)k, 48000, &a, &na), R2R_OK);
        assert_int_equal(r2r_synth_probe((r2r_probe_kind)k, 48000, &b, &nb), R2R_OK);
        assert_int_equal(na, nb);
        assert_memory_equal(a, b, na * sizeof(float)); /* deterministic */
        assert_true(na >= 48000 + 48000 / 5);
        float peak = 0;
        for (size_t i = 0; i < na; i++) {
            assert_true(isfinite(a[i]));
            peak = fmaxf(peak, fabsf(a[i]));
        }
        double pdb = 20 * log10(peak);
        assert_true(pdb >= -12.01 && pdb <= -5.99);
        if (k <= R2R_PROBE_HIGH_E_SUSTAIN) {
            double p = pitch(a + 12000, 24000, 48000, 60, 1000);
            print_message("%-16s pitch %.2f Hz (want %.2f)\n", r2r_synth_probe_name(k), p, f0[k]);
            assert_true(fabs(p / f0[k] - 1.0) < 0.01);
            /* A plucked string decays: the last second is much quieter than the first. */
            assert_true(rms(a + na - 12000, 12000) < 0.7 * rms(a + 4800, 12000));
        }
        free(a);
        free(b);
    }
    assert_string_equal(r2r_synth_probe_name(R2R_PROBE_PALM_MUTES), "palm_mutes");
}

static void test_riff(void **state)
{
    (void)state;
    float *a, *b;
    size_t na, nb;
    assert_int_equal(r2r_synth_riff(1, 8.0, 48000, &a, &na), R2R_OK);
    assert_int_equal(r2r_synth_riff(2, 8.0, 48000, &b, &nb), R2R_OK);
    assert_int_equal(na, 8 * 48000);
    assert_int_equal(na, nb);
    assert_true(memcmp(a, b, na * sizeof(float)) != 0); /* seeds differ */
    double pdb = 20 * log10(fmaxf(fabsf(a[0]), 1e-9f));
    (void)pdb;
    assert_true(rms(a, na) > 0.005);
    free(a);
    free(b);
    assert_int_not_equal(r2r_synth_riff(1, -1.0, 48000, &a, &na), R2R_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probes),
        cmocka_unit_test(test_riff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
