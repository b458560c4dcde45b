/* EQ fitting on spectra: a target made by a known in-range EQ is recovered (small
 * residual) by both optimizers; flavors move the tone the way they promise. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>

#include "r2r/eqfit.h"
#include "r2r/ltas.h"

static void target_from(const r2r_eq *eq, double *f, double *t, size_t n)
{
    for (size_t i = 0; i < n; i++) f[i] = r2r_ltas_band_hz((int)i);
    r2r_eq_response_db(eq, f, n, 48000, t);
}

static void test_recovers_known_eq(void **state)
{
    (void)state;
    enum { N = R2R_LTAS_BANDS };
    double f[N], t[N];
    r2r_eq truth;
    r2r_eq_flat(&truth);
    const double g[6] = {3, -4, 2, 5, -3, 4}, fr[6] = {120, 300, 900, 2400, 4500, 8000}, q[6] = {0.8, 1.2, 0.7, 1.5, 2.0, 0.7};
    for (int b = 0; b < 6; b++) truth.band[b].gain_db = g[b], truth.band[b].freq_hz = fr[b], truth.band[b].q = q[b];
    target_from(&truth, f, t, N);
    for (int o = 0; o < 2; o++) {
        r2r_eq eq;
        r2r_eqfit_loss L;
        assert_int_equal(r2r_eq_fit(f, t, N, R2R_FLAVOR_BALANCED, o ? R2R_OPT_CMAES : R2R_OPT_COORD, 1, &eq, &L), R2R_OK);
        assert_int_equal(r2r_eq_validate(&eq), R2R_OK);
        print_message("%s: residual %.3f dB, EQ penalty %.3f, %d evaluations\n", o ? "cmaes" : "coord",
                      L.spectral_db, L.eq_penalty, L.evals);
        /* The EQ penalty trades a little accuracy for subtlety; 0.6 dB RMS is audibly close. */
        assert_true(L.spectral_db < 0.6);
        assert_float_equal(L.flavor, 0.0, 0);
    }
}

static void test_flavors(void **state)
{
    (void)state;
    enum { N = R2R_LTAS_BANDS };
    double f[N], t[N], resp[N];
    r2r_eq flat;
    r2r_eq_flat(&flat);
    target_from(&flat, f, t, N); /* the candidate already matches: flat target */
    double hf[3], lf[3];
    for (int fl = 0; fl < 3; fl++) {
        r2r_eq eq;
        r2r_eqfit_loss L;
        assert_int_equal(r2r_eq_fit(f, t, N, (r2r_flavor)fl, R2R_OPT_CMAES, 3, &eq, &L), R2R_OK);
        r2r_eq_response_db(&eq, f, N, 48000, resp);
        double mean = 0, h = 0, l = 0;
        int nh = 0, nl = 0;
        for (int i = 0; i < N; i++) mean += resp[i] / N;
        for (int i = 0; i < N; i++) {
            if (f[i] >= 2500) h += resp[i] - mean, nh++;
            if (f[i] <= 250) l += resp[i] - mean, nl++;
        }
        hf[fl] = h / nh, lf[fl] = l / nl;
        print_message("%-9s high %+5.2f dB, low %+5.2f dB, flavor penalty %.3f\n", r2r_flavor_name((r2r_flavor)fl),
                      hf[fl], lf[fl], L.flavor);
    }
    assert_true(fabs(hf[0]) < 0.5 && fabs(lf[0]) < 0.5); /* balanced leaves a match alone */
    assert_true(hf[1] > hf[0] + 1.0);                   /* brighter lifts the top */
    assert_true(lf[2] > lf[0] + 1.0);                   /* thicker lifts the bottom */
    double bad[4] = {0, NAN, 0, 0}, fr[4] = {100, 200, 300, 400};
    r2r_eq eq;
    assert_int_equal(r2r_eq_fit(fr, bad, 4, R2R_FLAVOR_BALANCED, R2R_OPT_COORD, 0, &eq, NULL), R2R_ERR_INPUT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recovers_known_eq),
        cmocka_unit_test(test_flavors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
