/* EQ fitting on spectra. The parameter vector is 6 × (gain dB, log2 frequency, log2 Q);
 * flavors add a one-sided constraint: "brighter" wants the matched tone at least
 * FLAVOR_DB louder than the reference above BRIGHT_HZ, "thicker" below THICK_HZ. */
#include "r2r/eqfit.h"
#include "r2r/constants.h"
#include "r2r/optimize.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FLAVOR_DB 1.5
#define BRIGHT_HZ 2500.0
#define THICK_HZ 250.0
#define FLAVOR_WEIGHT 4.0
#define EQ_PENALTY_DIV 50.0 /* the seed's Σ|gain| / 50 */
#define BUDGET_COORD 1500
#define BUDGET_CMAES 3000

static const double ranges[R2R_EQ_BANDS][2] = R2R_EQ_RANGES_HZ;

const char *r2r_flavor_name(r2r_flavor f)
{
    static const char *const n[] = {"balanced", "brighter", "thicker"};
    return (unsigned)f < R2R_FLAVOR_COUNT ? n[f] : "unknown";
}

typedef struct {
    const double *f, *t;
    size_t n;
    r2r_flavor flavor;
    double *resp;
    r2r_eqfit_loss last;
    int evals;
} fit_ctx;

static void params_to_eq(const double *x, r2r_eq *eq)
{
    r2r_eq_flat(eq);
    for (int b = 0; b < R2R_EQ_BANDS; b++) {
        eq->band[b].gain_db = x[3 * b];
        eq->band[b].freq_hz = pow(2.0, x[3 * b + 1]);
        eq->band[b].q = pow(2.0, x[3 * b + 2]);
    }
    r2r_eq_clamp(eq);
}

static double evaluate(const double *x, void *user)
{
    fit_ctx *c = user;
    r2r_eq eq;
    params_to_eq(x, &eq);
    r2r_eq_response_db(&eq, c->f, c->n, R2R_SAMPLE_RATE, c->resp);
    /* residual after the best level offset */
    double mean = 0, sq = 0;
    for (size_t i = 0; i < c->n; i++) mean += c->t[i] - c->resp[i];
    mean /= (double)c->n;
    double hi = 0, lo = 0;
    int nhi = 0, nlo = 0;
    for (size_t i = 0; i < c->n; i++) {
        double r = c->t[i] - c->resp[i] - mean; /* > 0: the reference is louder here */
        sq += r * r;
        if (c->f[i] >= BRIGHT_HZ) hi -= r, nhi++;
        if (c->f[i] <= THICK_HZ) lo -= r, nlo++;
    }
    r2r_eqfit_loss L = {0};
    L.spectral_db = sqrt(sq / (double)c->n);
    for (int b = 0; b < R2R_EQ_BANDS; b++) L.eq_penalty += fabs(eq.band[b].gain_db) / EQ_PENALTY_DIV;
    if (c->flavor == R2R_FLAVOR_BRIGHTER && nhi) {
        double short_by = FLAVOR_DB - hi / nhi;
        if (short_by > 0) L.flavor = FLAVOR_WEIGHT * short_by * short_by;
    } else if (c->flavor == R2R_FLAVOR_THICKER && nlo) {
        double short_by = FLAVOR_DB - lo / nlo;
        if (short_by > 0) L.flavor = FLAVOR_WEIGHT * short_by * short_by;
    }
    L.total = L.spectral_db + L.eq_penalty + L.flavor;
    c->last = L;
    c->evals++;
    return L.total;
}

r2r_status r2r_eq_fit(const double *freq_hz, const double *target_db, size_t n, r2r_flavor flavor,
                      r2r_optimizer opt, unsigned seed, r2r_eq *eq, r2r_eqfit_loss *loss)
{
    if (n < 4 || (unsigned)flavor >= R2R_FLAVOR_COUNT)
        return r2r_fail(R2R_ERR_INPUT, "eq fit: need at least 4 bands and a known flavor");
    for (size_t i = 0; i < n; i++)
        if (!isfinite(target_db[i]) || !(freq_hz[i] > 0)) return r2r_fail(R2R_ERR_INPUT, "eq fit: non-finite target");
    double lo[3 * R2R_EQ_BANDS], hi[3 * R2R_EQ_BANDS], x0[3 * R2R_EQ_BANDS], x[3 * R2R_EQ_BANDS];
    for (int b = 0; b < R2R_EQ_BANDS; b++) {
        lo[3 * b] = -R2R_EQ_GAIN_MAX_DB, hi[3 * b] = R2R_EQ_GAIN_MAX_DB, x0[3 * b] = 0.0;
        lo[3 * b + 1] = log2(ranges[b][0]), hi[3 * b + 1] = log2(ranges[b][1]);
        x0[3 * b + 1] = 0.5 * (lo[3 * b + 1] + hi[3 * b + 1]);
        lo[3 * b + 2] = log2(R2R_EQ_Q_MIN), hi[3 * b + 2] = log2(R2R_EQ_Q_MAX), x0[3 * b + 2] = log2(M_SQRT1_2);
    }
    fit_ctx c;
    memset(&c, 0, sizeof c);
    c.f = freq_hz;
    c.t = target_db;
    c.n = n;
    c.flavor = flavor;
    c.resp = malloc(n * sizeof(double));
    if (!c.resp) return r2r_fail(R2R_ERR_NOMEM, "out of memory");
    r2r_opt_problem p = {3 * R2R_EQ_BANDS, lo, hi, x0, 0.25, opt == R2R_OPT_CMAES ? BUDGET_CMAES : BUDGET_COORD, seed};
    r2r_opt_result res;
    r2r_status s = opt == R2R_OPT_CMAES ? r2r_optimize_cmaes(&p, evaluate, &c, x, &res)
                                        : r2r_optimize_coord(&p, evaluate, &c, x, &res);
    if (s == R2R_OK) {
        params_to_eq(x, eq);
        evaluate(x, &c); /* the loss parts of the answer */
        if (loss) {
            *loss = c.last;
            loss->evals = c.evals;
        }
    }
    free(c.resp);
    return s;
}
