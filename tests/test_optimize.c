/* The optimizers on textbook functions: sphere, ill-conditioned ellipsoid, Rosenbrock,
 * an optimum outside the box (must stop on the bound), and seed determinism. */
#include "testutil.h"

#include <math.h>
#include <string.h>

#include "r2r/optimize.h"

static double sphere(const double *x, void *u)
{
    const int *n = u;
    double s = 0;
    for (int i = 0; i < *n; i++) s += (x[i] - 1.5) * (x[i] - 1.5);
    return s;
}

static double ellipsoid(const double *x, void *u)
{
    const int *n = u;
    double s = 0;
    for (int i = 0; i < *n; i++) s += pow(1e4, (double)i / (*n - 1)) * (x[i] - 0.7) * (x[i] - 0.7);
    return s;
}

static double rosen(const double *x, void *u)
{
    const int *n = u;
    double s = 0;
    for (int i = 0; i + 1 < *n; i++)
        s += 100 * pow(x[i + 1] - x[i] * x[i], 2) + pow(1 - x[i], 2);
    return s;
}

static double outside(const double *x, void *u)
{
    (void)u;
    return (x[0] - 20) * (x[0] - 20) + (x[1] + 3) * (x[1] + 3); /* optimum at (20,-3) */
}

static void test_cmaes(void **state)
{
    (void)state;
    int n = 8;
    double lo[16], hi[16], x[16];
    for (int i = 0; i < 16; i++) lo[i] = -5, hi[i] = 5;
    r2r_opt_problem p = {n, lo, hi, NULL, 0.3, 4000, 42};
    r2r_opt_result r;
    assert_int_equal(r2r_optimize_cmaes(&p, sphere, &n, x, &r), R2R_OK);
    assert_true(r.f < 1e-8);
    assert_true(r.evals <= 4000);
    assert_int_equal(r2r_optimize_cmaes(&p, ellipsoid, &n, x, &r), R2R_OK);
    print_message("ellipsoid 8-D: f=%.2e after %d evals\n", r.f, r.evals);
    assert_true(r.f < 1e-6);
    n = 4;
    p.dim = 4;
    p.max_evals = 6000;
    assert_int_equal(r2r_optimize_cmaes(&p, rosen, &n, x, &r), R2R_OK);
    print_message("rosenbrock 4-D: f=%.2e after %d evals\n", r.f, r.evals);
    assert_true(r.f < 1e-5);
    /* Determinism. */
    double x2[16];
    r2r_opt_result r2;
    assert_int_equal(r2r_optimize_cmaes(&p, rosen, &n, x2, &r2), R2R_OK);
    assert_memory_equal(x, x2, 4 * sizeof(double));
    /* Bounds. */
    p.dim = 2;
    p.max_evals = 1000;
    assert_int_equal(r2r_optimize_cmaes(&p, outside, NULL, x, &r), R2R_OK);
    assert_float_equal(x[0], 5.0, 1e-6);
    assert_float_equal(x[1], -3.0, 1e-3);
    p.dim = 0;
    assert_int_not_equal(r2r_optimize_cmaes(&p, outside, NULL, x, &r), R2R_OK);
}

static void test_coord(void **state)
{
    (void)state;
    int n = 6;
    double lo[6], hi[6], x[6];
    for (int i = 0; i < 6; i++) lo[i] = -5, hi[i] = 5;
    r2r_opt_problem p = {n, lo, hi, NULL, 0, 2000, 0};
    r2r_opt_result r;
    assert_int_equal(r2r_optimize_coord(&p, sphere, &n, x, &r), R2R_OK);
    assert_true(r.f < 1e-6);
    p.dim = 2;
    assert_int_equal(r2r_optimize_coord(&p, outside, NULL, x, &r), R2R_OK);
    assert_float_equal(x[0], 5.0, 1e-6);
    assert_float_equal(x[1], -3.0, 1e-3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cmaes),
        cmocka_unit_test(test_coord),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
